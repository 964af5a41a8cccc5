"""The bulk-import pipeline: stream, map, de-duplicate, insert in batches — one transaction per file.

All-or-nothing: the whole file is one transaction (``Database.transaction``), so a file-level problem found
on the last line still leaves the database as it was. Idempotent twice over: the file's sha256 is recorded in
an :class:`ImportBatch` (the same file again does nothing), and every case carries (source, source_key), so an
overlapping file skips the rows already present and says how many.

Audit: imported cases get no per-case ``import`` event (that would double the rows written); the import batch
is the audit record — each case points at it through ``import_batch_id``, and the batch row says which file
(name, sha256), when, and how many rows were read, imported, skipped and rejected.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from citybrain.core import clock
from citybrain.core.clock import utcnow
from citybrain.core.db import Database
from citybrain.core.errors import ImportRejected
from citybrain.core.ids import file_sha256
from citybrain.core.privacy import mask_text
from citybrain.core.reject_report import import_in_transaction
from citybrain.intake.bulk import repository
from citybrain.intake.bulk.arrow_readers import BatchReader
from citybrain.intake.bulk.columnar import MappedColumns
from citybrain.intake.bulk.columnar_stream import stream_columns
from citybrain.intake.bulk.common import ImportOptions, ImportSummary, MapContext, MappedRow, RowRejected
from citybrain.intake.bulk.readers import TableReader
from citybrain.intake.bulk.report import RejectReport

Progress = Callable[[int, int | None, str], None]


class Importer(Protocol):
    """One source format: how to open its files and map a row to the canonical case."""

    kind: str
    source: str

    def open(self, path: Path, options: ImportOptions) -> TableReader: ...

    def map(self, raw: dict[str, Any], ctx: MapContext) -> MappedRow: ...

    def key_of(self, raw: dict[str, Any]) -> str | None: ...


class ColumnarImporter(Importer, Protocol):
    """A source that can also map whole Arrow batches (see :mod:`columnar`); the row mapper stays the reference."""

    def open_columns(self, path: Path, options: ImportOptions) -> BatchReader | None: ...

    def map_columns(self, table: Any, ctx: MapContext, *, sqlite: bool) -> MappedColumns: ...


def run_import(
    db: Database, importer: Importer, path: Path, *, options: ImportOptions, progress: Progress | None = None
) -> ImportSummary:
    """Import one file, or raise :class:`ImportRejected` having written nothing."""
    if not path.is_file():
        raise ImportRejected(f"{path}: no such file")
    summary = ImportSummary(kind=importer.kind, file_name=path.name, sha256=file_sha256(path), dry_run=options.dry_run)
    report = RejectReport(db.settings.data_dir / "import-reports", importer.kind, path.name)
    zone = clock.city_zone(db.settings.timezone)

    def work(session: Session) -> None:
        _import(session, importer, path, options, summary, report, progress, zone)
        if summary.batch_id is not None and not summary.already_imported:  # rows without category / place
            from citybrain.triage.bulk import triage_import  # here: triage reads intake.bulk's label table

            triage_import(session, db.settings, summary.batch_id)

    kept = import_in_transaction(
        db,
        report,
        work,
        conflict=(
            f"{path.name}: rows were written by someone else while importing (duplicate source key); "
            "nothing was written — run the import again"
        ),
        dry_run=options.dry_run,
        refused=(FileDamaged,),
    )
    summary.report_path = str(kept) if kept else None
    return summary


@dataclass
class _Run:
    """State of one file's import: the batch being filled and what the report needs to know."""

    session: Session
    importer: Importer
    ctx: MapContext
    summary: ImportSummary
    report: RejectReport
    pending: list[tuple[int, MappedRow]] = field(default_factory=list)
    duplicates: list[tuple[int, str, str]] = field(default_factory=list)
    reasons: Counter[str] = field(default_factory=Counter)
    last_whole: int = 0  # the number of the last row that had the header's fields
    last_malformed: int = 0  # … and of the last row that did not

    def reject(self, row: int, key: str | None, reason: str) -> None:
        self.summary.rejected += 1
        self.reasons[mask_text(":".join(reason.split(":")[:2]).strip()) or ""] += 1  # printed: masked as the report
        self.report.add(row, key, "rejected", reason)

    def malformed(self, row: int, reason: str) -> None:
        """A row whose fields do not match the header: rejected, and remembered for :func:`_check_whole`."""
        self.last_malformed = max(self.last_malformed, row)
        self.reject(row, None, reason)

    def whole(self, last_row: int) -> None:
        self.last_whole = max(self.last_whole, last_row)

    def nul_byte(self, row: int) -> None:
        """Refuse at once: no text file holds NUL bytes (and PostgreSQL could not store them)."""
        raise FileDamaged(
            f"{self.summary.file_name}: row {row} holds NUL bytes — binary data where text belongs — so the "
            "file is damaged; nothing was written. Copy the whole file again and import it"
        )


class FileDamaged(ImportRejected):
    """The file is cut short or holds binary data: refused whole, with the report of what was found."""


def _import(
    session: Session,
    importer: Importer,
    path: Path,
    options: ImportOptions,
    summary: ImportSummary,
    report: RejectReport,
    progress: Progress | None,
    zone: ZoneInfo,
) -> None:
    previous = repository.find_batch(session, kind=importer.kind, sha256=summary.sha256)
    if previous is not None:
        _already_imported(summary, previous.id, previous.rows_read, previous.rows_imported + previous.rows_skipped)
        summary.rejected = previous.rows_rejected
        return
    columnar = getattr(importer, "open_columns", None)
    batches: BatchReader | None = columnar(path, options) if columnar is not None else None
    reader = importer.open(path, options) if batches is None else None
    now = utcnow()
    batch = repository.create_batch(
        session, kind=importer.kind, file_name=path.name, sha256=summary.sha256, started_at=now
    )
    summary.batch_id = batch.id
    run = _Run(session, importer, _context(session, batch.id, now, zone), summary, report)
    expected = _expected_rows(batches or reader)
    with repository.bulk_tuning(session, expected_rows=expected):
        if batches is not None:
            stream_columns(run, batches, options, progress)
        elif reader is not None:
            _stream(run, reader, options, progress)
    _check_whole(run, path.name)
    _check_share(run, options, path.name)
    _link_duplicates(run)
    batch.rows_read, batch.rows_imported = summary.read, summary.imported
    batch.rows_skipped, batch.rows_rejected = summary.skipped, summary.rejected
    batch.report_path = str(report.path) if report.lines else None
    batch.finished_at = utcnow()
    session.flush()


def _expected_rows(reader: BatchReader | TableReader | None) -> int:
    """Rows the file will bring, known for Parquet/XLSX, estimated from the size for CSV (≥ 200 bytes a row)."""
    if reader is None or reader.total is None:
        return 0
    return reader.total if reader.unit == "rows" else reader.total // 200


def _already_imported(summary: ImportSummary, batch_id: int, read: int, present: int) -> None:
    summary.already_imported = True
    summary.batch_id = batch_id
    summary.read = read
    summary.skipped = present


def _context(session: Session, batch_id: int, now: Any, zone: ZoneInfo) -> MapContext:
    slas = repository.category_slas(session)
    return MapContext(
        categories=frozenset(slas),
        category_sla=slas,
        departments=repository.department_ids(session),
        now=now,
        batch_id=batch_id,
        timezone=zone,
    )


def _stream(run: _Run, reader: TableReader, options: ImportOptions, progress: Progress | None) -> None:
    for number, raw in reader.rows():
        run.summary.read += 1
        error = raw.get("__error__")
        if error is not None:
            run.malformed(number, str(error))
            continue
        run.whole(number)
        if any(isinstance(value, str) and "\0" in value for value in raw.values()):
            run.nul_byte(number)
        try:
            mapped = run.importer.map(raw, run.ctx)
        except RowRejected as exc:
            run.reject(number, run.importer.key_of(raw), exc.reason)
            continue
        run.pending.append((number, mapped))
        if len(run.pending) >= options.batch_size:
            _flush(run)
            if progress is not None:
                progress(reader.position(), reader.total, reader.unit)
    _flush(run)
    if progress is not None:
        progress(reader.total or reader.position(), reader.total, reader.unit)


def _flush(run: _Run) -> None:
    """Insert the pending rows that are new; count the ones already stored, reject repeats within the file."""
    if not run.pending:
        return
    source, batch_id = run.importer.source, run.ctx.batch_id
    keys = [mapped.case["source_key"] for _, mapped in run.pending]
    stored = repository.existing_keys(run.session, source=source, keys=keys)
    seen: dict[str, int] = {}
    fresh: list[MappedRow] = []
    for number, mapped in run.pending:
        key = mapped.case["source_key"]
        if key in seen or stored.get(key, -1) == batch_id:
            run.reject(number, key, "source_key: repeated within this file (the first occurrence was imported)")
            continue
        if key in stored:
            run.summary.skipped += 1
            continue
        seen[key] = number
        fresh.append(mapped)
        for note in mapped.notes:
            run.summary.noted += 1
            run.report.add(number, key, "kept", note)
        if mapped.duplicate_of_key is not None:
            run.duplicates.append((number, key, mapped.duplicate_of_key))
    run.pending.clear()
    if not fresh:
        return
    if any(m.contact for m in fresh):
        repository.insert_cases_with_contacts(run.session, [m.case for m in fresh], [m.contact for m in fresh])
    else:
        repository.insert_cases(run.session, [m.case for m in fresh])
    run.summary.imported += len(fresh)


def _check_whole(run: _Run, name: str) -> None:
    """A file that ends inside a row is damaged (a copy cut short, a disk error): refuse it whole rather than
    import the part before the damage as if it were the file. (NUL bytes are refused as they are met.)"""
    if run.last_malformed and run.last_malformed > run.last_whole:
        raise FileDamaged(
            f"{name}: the file ends in the middle of a row (row {run.last_malformed} has too few fields, or a "
            "quote is never closed), so it is truncated or damaged; nothing was written. Copy the whole file "
            "again and import it"
        )


def _check_share(run: _Run, options: ImportOptions, name: str) -> None:
    """Mostly-bad rows mean the wrong file (or wrong date format): refuse it whole rather than import scraps."""
    summary = run.summary
    if summary.read == 0:
        raise ImportRejected(f"{name}: no data rows (only a header)")
    if summary.rejected > summary.read * options.max_rejected_share:
        common = "; ".join(f"{reason} ×{n}" for reason, n in run.reasons.most_common(3))
        raise ImportRejected(
            f"{name}: {summary.rejected} of {summary.read} rows are invalid (more than "
            f"{options.max_rejected_share:.0%}), so this is not a usable {run.importer.kind} file; "
            f"nothing was written. Most common problems: {common}"
        )


def _link_duplicates(run: _Run) -> None:
    """Resolve duplicate_of (a source key) to case ids once every row of the file is in."""
    if not run.duplicates:
        return
    source = run.importer.source
    targets = repository.case_ids(run.session, source=source, keys=[t for _, _, t in run.duplicates])
    links: list[tuple[str, int]] = []
    for number, key, target in run.duplicates:
        if target in targets:
            links.append((key, targets[target]))
        else:
            run.summary.noted += 1
            run.report.add(number, key, "kept", f"duplicate_of: no case {target!r}; left empty")
    repository.set_duplicates(run.session, source=source, links=links)
