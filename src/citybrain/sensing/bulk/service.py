"""The sensor-file import pipeline: one transaction per file, one import record per file, readings in batches.

All or nothing: the whole file is one transaction (``Database.transaction``); any file-level problem rolls it back
and leaves no report. Idempotent twice over: the file's sha256 is recorded as an ``import_batches`` row of its kind
(``air``/``parking``) — the same file again does nothing — and a reading whose Datastream already has an
Observation at the same phenomenonTime from before this import is skipped, so an overlapping file adds only what
is new. Rows that cannot be read (an impossible date, a value that is not a number) are listed in the report.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from citybrain.core.clock import utcnow
from citybrain.core.db import Database
from citybrain.core.errors import ImportRejected
from citybrain.core.ids import file_sha256
from citybrain.core.reject_report import RejectReport, import_in_transaction
from citybrain.models import Observation, Thing
from citybrain.sensing import repository as sta
from citybrain.sensing.bulk import repository

Progress = Callable[[int, int | None, str], None]
MAX_REJECTED_SHARE = 0.5


@dataclass
class SensorImportSummary:
    """What one file's import did; ``imported``/``skipped`` count Observations, ``read``/``rejected`` rows."""

    kind: str
    file_name: str
    sha256: str
    read: int = 0
    imported: int = 0
    skipped: int = 0
    rejected: int = 0
    empty: int = 0
    things_created: int = 0
    datastreams_created: int = 0
    flags: Counter[str] = field(default_factory=Counter)
    report_path: str | None = None
    batch_id: int | None = None
    already_imported: bool = False


class SensorFile(Protocol):
    """One file layout: check its header (InvalidInput naming the missing columns), then write its readings."""

    kind: str

    def check(self, path: Path) -> None: ...

    def load(self, run: ImportRun, path: Path, progress: Progress | None) -> None: ...


@dataclass
class _Span:
    first: int
    last: int


@dataclass
class ImportRun:
    """One file's import in progress: its session, summary and report, and the readings stored before it began."""

    session: Session
    summary: SensorImportSummary
    report: RejectReport
    now: datetime
    before_id: int
    spans: dict[int, _Span] = field(default_factory=dict)
    reasons: Counter[str] = field(default_factory=Counter)

    def reject(self, row: int, key: str | None, reason: str) -> None:
        self.summary.rejected += 1
        self.reasons[reason.split(":")[0]] += 1
        self.report.add(row, key, "rejected", reason)

    def note_thing(self, thing: Thing, created: bool) -> int:
        self.summary.things_created += created
        return int(thing.id)

    def write(
        self,
        datastream_id: int,
        feature_id: int,
        seconds: npt.NDArray[np.int64],
        values: npt.NDArray[np.float64],
        *,
        result_type: int,
        quality: Sequence[dict[str, Any] | None] | None = None,
    ) -> None:
        """Store one Datastream's readings (UTC seconds, values), skipping times it held before this import."""
        if seconds.size == 0:
            return
        first, last = int(seconds.min()), int(seconds.max())
        stored = repository.stored_times(self.session, datastream_id, _utc(first), _utc(last), self.before_id)
        keep = np.ones(seconds.size, dtype=bool) if not stored else ~np.isin(seconds, list(stored))
        self.summary.skipped += int(seconds.size - keep.sum())
        times = _times(seconds)
        numbers = values.tolist()
        rows = [
            (datastream_id, feature_id, times[int(s)], result_type, numbers[i], None if quality is None else quality[i])
            for i, s in enumerate(seconds.tolist())
            if keep[i]
        ]
        repository.insert_observations(self.session, rows)
        self.summary.imported += len(rows)
        if rows:
            span = self.spans.setdefault(datastream_id, _Span(first, last))
            span.first, span.last = min(span.first, first), max(span.last, last)


def _utc(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def _times(seconds: npt.NDArray[np.int64]) -> dict[int, datetime]:
    return {s: _utc(s) for s in np.unique(seconds).tolist()}


def run_sensor_import(
    db: Database, layout: SensorFile, path: Path, *, progress: Progress | None = None
) -> SensorImportSummary:
    """Import one file, or raise :class:`ImportRejected` (or ``InvalidInput``) having written nothing."""
    if not path.is_file():
        raise ImportRejected(f"{path}: no such file")
    layout.check(path)
    summary = SensorImportSummary(kind=layout.kind, file_name=path.name, sha256=file_sha256(path))
    report = RejectReport(db.settings.data_dir / "import-reports", layout.kind, path.name)
    kept = import_in_transaction(
        db,
        report,
        lambda session: _import(session, layout, path, summary, report, progress),
        conflict=f"{path.name}: the same file was being imported by someone else at the same time; nothing was written",
    )
    summary.report_path = str(kept) if kept else None
    return summary


def _import(
    session: Session,
    layout: SensorFile,
    path: Path,
    summary: SensorImportSummary,
    report: RejectReport,
    progress: Progress | None,
) -> None:
    previous = repository.find_batch(session, kind=layout.kind, sha256=summary.sha256)
    if previous is not None:
        summary.already_imported, summary.batch_id = True, previous.id
        summary.read, summary.skipped = previous.rows_read, previous.rows_imported + previous.rows_skipped
        return
    now = utcnow()
    batch = repository.create_batch(
        session, kind=layout.kind, file_name=path.name, sha256=summary.sha256, started_at=now
    )
    summary.batch_id = batch.id
    before = int(session.scalar(select(func.coalesce(func.max(Observation.id), 0))) or 0)
    run = ImportRun(session, summary, report, now, before)
    with repository.sqlite_cache(session):
        layout.load(run, path, progress)
    _check_share(run, path.name, layout.kind)
    for datastream_id, span in run.spans.items():
        sta.widen_datastream_times(session, datastream_id, (_utc(span.first), _utc(span.last)), (None, None))
    batch.rows_read, batch.rows_imported = summary.read, summary.imported
    batch.rows_skipped, batch.rows_rejected = summary.skipped, summary.rejected
    batch.report_path = str(report.path) if report.lines else None
    batch.finished_at = utcnow()
    session.flush()


def _check_share(run: ImportRun, name: str, kind: str) -> None:
    """Mostly-bad rows mean the wrong file: refuse it whole rather than import scraps."""
    if run.summary.read == 0:
        raise ImportRejected(f"{name}: no data rows (only a header)")
    if run.summary.rejected > run.summary.read * MAX_REJECTED_SHARE:
        common = "; ".join(f"{reason} ×{n}" for reason, n in run.reasons.most_common(3))
        raise ImportRejected(
            f"{name}: {run.summary.rejected} of {run.summary.read} rows are invalid (more than "
            f"{MAX_REJECTED_SHARE:.0%}), so this is not a usable {kind} file; nothing was written. "
            f"Most common problems: {common}"
        )
