"""Bulk importers (批量导入): NYC 311, Teddy Cup messages and the canonical case record.

Declared once in :data:`IMPORTERS`; the ``citybrain import`` commands and docs/import.md follow it.
"""

from __future__ import annotations

from collections.abc import Callable

from citybrain.intake.bulk.canonical import CanonicalImporter
from citybrain.intake.bulk.common import ImportOptions, ImportSummary
from citybrain.intake.bulk.nyc311 import Nyc311Importer
from citybrain.intake.bulk.service import Importer, run_import
from citybrain.intake.bulk.teddy import TeddyImporter

IMPORTERS: dict[str, Callable[[], Importer]] = {
    "canonical": CanonicalImporter,
    "nyc311": Nyc311Importer,
    "teddy": TeddyImporter,
}

__all__ = ["IMPORTERS", "ImportOptions", "ImportSummary", "Importer", "run_import"]
