"""Reading labelled or unlabelled messages from CSV files, with clear errors instead of crashes."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

from citybrain.core.errors import InvalidInput

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))  # a pasted 100 kB message is still one field


def read_columns(path: Path, columns: list[str]) -> dict[str, list[str]]:
    """The named columns of a UTF-8 CSV file (a BOM is fine); a missing file or column raises ``InvalidInput``."""
    if not path.is_file():
        raise InvalidInput(f"input file {path} does not exist")
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            header = reader.fieldnames or []
            missing = [c for c in columns if c not in header]
            if missing:
                raise InvalidInput(
                    f"{path}: no column {', '.join(repr(c) for c in missing)}; the columns are "
                    f"{', '.join(repr(h) for h in header) or '(none: empty file)'}"
                )
            out: dict[str, list[str]] = {c: [] for c in columns}
            for row in reader:
                for c in columns:
                    out[c].append(row.get(c) or "")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{path} is not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except csv.Error as exc:
        raise InvalidInput(f"{path} is not a readable CSV file ({exc})") from None
    return out
