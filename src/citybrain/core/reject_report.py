"""The rejected-rows report of every bulk importer (cases and sensor files): one CSV line per row refused or
changed, with personal data in it masked.

It is written to an anonymous temporary file while the import streams (so memory does not grow with the
number of bad rows): the file has no name on disk, so an import that is killed — even by SIGKILL — leaves
nothing behind. Only when the import commits (or refuses a damaged file) is it copied to ``<name>.csv.part``
and renamed into place; a ``.part`` left by a kill during that copy is removed by the next import.
"""

from __future__ import annotations

import csv
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from citybrain.core.clock import utcnow
from citybrain.core.db import Database
from citybrain.core.errors import ImportRejected
from citybrain.core.privacy import mask_text

REPORT_COLUMNS = ("row", "source_key", "action", "reason")
#: A ``.part`` older than this is the leftover of a killed import (a live one exists only while it is copied).
STALE_PART_SECONDS = 600


class RejectReport:
    """``action`` is ``rejected`` (not imported) or ``kept`` (imported, with what was changed or doubtful)."""

    def __init__(self, folder: Path, kind: str, file_name: str) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        stamp = utcnow().strftime("%Y%m%dT%H%M%S%fZ")
        stem = "".join(c if c.isalnum() or c in "-_." else "_" for c in file_name)[:80]
        self.path = folder / f"{kind}-{stem}-{stamp}.csv"
        self._tmp = self.path.with_suffix(".csv.part")
        remove_stale_parts(folder)
        self._fh: TextIO = tempfile.TemporaryFile("w+", encoding="utf-8", newline="", dir=folder)
        self._writer = csv.writer(self._fh)
        self._writer.writerow(REPORT_COLUMNS)
        self.lines = 0

    def add(self, row: int, source_key: str | None, action: str, reason: str) -> None:
        """One line; the reason masked (PIPL): it quotes the refused value, which in a shifted or mistyped row
        can be a citizen's phone, ID number or door — the reader needs the row, the field and why, not those."""
        self._writer.writerow((row, source_key or "", action, mask_text(reason)))
        self.lines += 1

    def keep(self) -> Path | None:
        """Move the report into place; an import with nothing to report leaves no file."""
        if self.lines == 0:
            self._fh.close()
            return None
        self._fh.flush()
        self._fh.seek(0)
        with self._tmp.open("w", encoding="utf-8", newline="") as out:
            shutil.copyfileobj(self._fh, out)
            out.flush()
            os.fsync(out.fileno())
        self._fh.close()
        os.replace(self._tmp, self.path)
        return self.path

    def discard(self) -> None:
        self._fh.close()


def remove_stale_parts(folder: Path) -> None:
    """Remove the ``.part`` reports killed imports left behind (not one another import is copying now)."""
    now = time.time()
    for part in folder.glob("*.csv.part"):
        try:
            if now - part.stat().st_mtime > STALE_PART_SECONDS:
                part.unlink()
        except FileNotFoundError:
            continue


class _RollBack(Exception):
    """Raised inside a dry run's transaction to roll it back after the full check."""


def import_in_transaction(
    db: Database,
    report: RejectReport,
    work: Callable[[Session], None],
    *,
    conflict: str,
    dry_run: bool = False,
    refused: tuple[type[ImportRejected], ...] = (),
) -> Path | None:
    """Run one file's import ``work`` in one transaction, all or nothing, and settle its report.

    On success (and after a dry run, which is rolled back) the report is kept and its path returned (None when it
    is empty). A write that collides with another import's rows (IntegrityError) is refused with ``conflict``.
    An error of a ``refused`` kind — the file as a whole is refused — keeps the report with that reason on row 0
    and names it in the error; any other error discards the report: nothing written, nothing left behind.
    """
    try:
        with db.transaction() as session:
            work(session)
            if dry_run:
                raise _RollBack
    except _RollBack:
        pass
    except refused as exc:
        report.add(0, None, "refused", exc.message)  # row 0: the file as a whole
        raise ImportRejected(f"{exc.message}. Report: {report.keep()}") from None
    except IntegrityError:
        report.discard()
        raise ImportRejected(conflict) from None
    except BaseException:
        report.discard()
        raise
    return report.keep()
