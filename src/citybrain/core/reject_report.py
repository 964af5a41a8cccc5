"""The rejected-rows report of every bulk importer (cases and sensor files): one CSV line per row refused or
changed.

It is written to a temporary file while the import streams (so memory does not grow with the number of
bad rows) and moved into place only when the import commits; a failed import leaves no report behind.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path
from typing import TextIO

from citybrain.core.clock import utcnow

REPORT_COLUMNS = ("row", "source_key", "action", "reason")


class RejectReport:
    """``action`` is ``rejected`` (not imported) or ``kept`` (imported, with what was changed or doubtful)."""

    def __init__(self, folder: Path, kind: str, file_name: str) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        stamp = utcnow().strftime("%Y%m%dT%H%M%S%fZ")
        stem = "".join(c if c.isalnum() or c in "-_." else "_" for c in file_name)[:80]
        self.path = folder / f"{kind}-{stem}-{stamp}.csv"
        self._tmp = self.path.with_suffix(".csv.part")
        self._fh: TextIO = self._tmp.open("w", encoding="utf-8", newline="")
        self._writer = csv.writer(self._fh)
        self._writer.writerow(REPORT_COLUMNS)
        self.lines = 0

    def add(self, row: int, source_key: str | None, action: str, reason: str) -> None:
        self._writer.writerow((row, source_key or "", action, reason))
        self.lines += 1

    def keep(self) -> Path | None:
        """Move the report into place; an import with nothing to report leaves no file."""
        self._fh.close()
        if self.lines == 0:
            self._tmp.unlink(missing_ok=True)
            return None
        os.replace(self._tmp, self.path)
        return self.path

    def discard(self) -> None:
        self._fh.close()
        self._tmp.unlink(missing_ok=True)
