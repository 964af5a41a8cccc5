"""The column-wise import loop: Arrow batches read and mapped in a helper thread, inserted in this one.

Why a thread: reading (Arrow's C++ CSV/Parquet readers) and SQLite's ``sqlite3_step`` both run without the
GIL, so on two cores the next batch is parsed and mapped while the previous one is written. The queue holds
at most :data:`AHEAD` batches, so memory stays flat. The helper touches no database and no report: it only
maps; every write — rows, rejections, notes — happens here, in file order, in the import's one transaction.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from citybrain.intake.bulk import repository
from citybrain.intake.bulk.arrow_readers import BatchReader, RawBatch
from citybrain.intake.bulk.columnar import MappedColumns
from citybrain.intake.bulk.common import ImportOptions, RowRejected

#: Batches mapped ahead of the writer (each ~5,000 rows).
AHEAD = 2


@dataclass
class _Mapped:
    raw: RawBatch
    columns: MappedColumns | None
    rejected: list[tuple[int, str | None, str]] = field(default_factory=list)
    nul_row: int | None = None  # the first row of the batch with a NUL byte in any column


def stream_columns(run: Any, reader: BatchReader, options: ImportOptions, progress: Any) -> None:
    """Insert every batch the reader yields; ``run`` is the service's per-file state (session, report …)."""
    sqlite = run.session.connection().dialect.name == "sqlite"
    pending = _Pending()
    for item in _ahead(_mapped(run, reader, sqlite)):
        for number, reason in item.raw.malformed:
            run.summary.read += 1
            run.malformed(number, reason)
        if item.columns is None:
            continue
        run.summary.read += len(item.raw.numbers)
        if item.raw.numbers:
            run.whole(item.raw.numbers[-1])
        if item.nul_row is not None:
            run.nul_byte(item.nul_row)
        for number, key, reason in item.rejected:
            run.reject(number, key, reason)
        pending.extend(item.raw.numbers, item.columns)
        if len(pending.rows) >= options.batch_size:
            _flush_rows(run, pending)
            if progress is not None:
                progress(reader.position(), reader.total, reader.unit)
    _flush_rows(run, pending)
    if progress is not None:
        progress(reader.total or reader.position(), reader.total, reader.unit)


def _mapped(run: Any, reader: BatchReader, sqlite: bool) -> Iterator[_Mapped]:
    """Runs in the helper thread: pure mapping, no database, no report."""
    importer = run.importer
    for raw in reader.batches():
        if raw.table is None or raw.table.num_rows == 0:
            yield _Mapped(raw, None)
            continue
        item = _Mapped(raw, importer.map_columns(raw.table, run.ctx, sqlite=sqlite), nul_row=_nul_row(raw))
        _map_slow_rows(importer, run.ctx, item, sqlite)
        yield item


def _nul_row(raw: RawBatch) -> int | None:
    """The number of the first row holding a NUL byte (no text file has one: the file is damaged)."""
    table = raw.table
    if table is None:
        return None
    first: int | None = None
    for column in table.columns:
        if not pa.types.is_string(column.type) and not pa.types.is_large_string(column.type):
            continue
        hits = pc.match_substring(column, "\0")
        if pc.any(hits).as_py():
            index = pc.index(hits, True).as_py()
            first = raw.numbers[index] if first is None else min(first, raw.numbers[index])
    return first


def _map_slow_rows(importer: Any, ctx: Any, item: _Mapped, sqlite: bool) -> None:
    """Rows the column-wise mapper left alone, mapped (or rejected) one by one exactly as before."""
    mapped, table, numbers = item.columns, item.raw.table, item.raw.numbers
    if mapped is None or table is None or not mapped.slow:
        return
    for index, raw in zip(mapped.slow, table.take(mapped.slow).to_pylist(), strict=True):
        mapped.rows[index] = None
        try:
            row = importer.map(raw, ctx)
        except RowRejected as exc:
            item.rejected.append((numbers[index], importer.key_of(raw), exc.reason))
            continue
        mapped.rows[index] = repository.case_params(row.case, sqlite=sqlite)
        mapped.keys[index] = row.case["source_key"]
        mapped.duplicate_of[index] = row.duplicate_of_key
        if row.notes:
            mapped.notes[index] = row.notes


def _ahead(items: Iterator[_Mapped]) -> Iterator[_Mapped]:
    """Iterate ``items`` in a helper thread, up to :data:`AHEAD` in advance; its errors re-raised here."""
    box: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=AHEAD)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                if not _put(box, stop, ("item", item)):
                    return
            _put(box, stop, ("end", None))
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, which re-raises it
            _put(box, stop, ("error", exc))

    helper = threading.Thread(target=produce, name="import-reader", daemon=True)
    helper.start()
    try:
        while True:
            kind, value = box.get()
            if kind == "end":
                return
            if kind == "error":
                raise value
            yield value
    finally:
        stop.set()
        helper.join()


def _put(box: queue.Queue[tuple[str, Any]], stop: threading.Event, message: tuple[str, Any]) -> bool:
    while not stop.is_set():
        try:
            box.put(message, timeout=0.1)
            return True
        except queue.Full:
            continue
    return False


@dataclass
class _Pending:
    """Mapped rows waiting for their INSERT, in file order."""

    numbers: list[int] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    duplicate_of: list[str | None] = field(default_factory=list)
    notes: dict[int, list[str]] = field(default_factory=dict)

    def extend(self, numbers: list[int], mapped: MappedColumns) -> None:
        if not mapped.slow:  # the usual batch: every row mapped column-wise, nothing to pick out
            self.numbers += numbers
            self.keys += [key or "" for key in mapped.keys]
            self.rows += [row for row in mapped.rows if row is not None]
            self.duplicate_of += mapped.duplicate_of
            return
        for index, row in enumerate(mapped.rows):
            if row is None:
                continue
            if index in mapped.notes:
                self.notes[numbers[index]] = mapped.notes[index]
            self.numbers.append(numbers[index])
            self.keys.append(mapped.keys[index] or "")
            self.rows.append(row)
            self.duplicate_of.append(mapped.duplicate_of[index])

    def clear(self) -> None:
        self.numbers, self.keys, self.rows, self.duplicate_of, self.notes = [], [], [], [], {}


def _flush_rows(run: Any, pending: _Pending) -> None:
    """Skip keys already stored, reject repeats within the file, insert the rest in one executemany."""
    if not pending.rows:
        return
    batch_id = run.ctx.batch_id
    stored = repository.existing_keys(run.session, source=run.importer.source, keys=pending.keys)
    if not stored and len(set(pending.keys)) == len(pending.keys):
        _insert_all(run, pending)
        return
    seen: set[str] = set()
    fresh: list[tuple[Any, ...]] = []
    for number, key, row, target in zip(pending.numbers, pending.keys, pending.rows, pending.duplicate_of, strict=True):
        if key in seen or stored.get(key, -1) == batch_id:
            run.reject(number, key, "source_key: repeated within this file (the first occurrence was imported)")
            continue
        if key in stored:
            run.summary.skipped += 1
            continue
        seen.add(key)
        fresh.append(row)
        for note in pending.notes.get(number, ()):
            run.summary.noted += 1
            run.report.add(number, key, "kept", note)
        if target is not None:
            run.duplicates.append((number, key, target))
    pending.clear()
    repository.insert_case_rows(run.session, fresh)
    run.summary.imported += len(fresh)


def _insert_all(run: Any, pending: _Pending) -> None:
    """:func:`_flush_rows` when every key is new and none repeats: the same outcome without a loop per row."""
    for number, key in zip(pending.numbers, pending.keys, strict=True):
        for note in pending.notes.get(number, ()):
            run.summary.noted += 1
            run.report.add(number, key, "kept", note)
    run.duplicates += [
        (number, key, target)
        for number, key, target in zip(pending.numbers, pending.keys, pending.duplicate_of, strict=True)
        if target is not None
    ]
    repository.insert_case_rows(run.session, pending.rows)
    run.summary.imported += len(pending.rows)
    pending.clear()
