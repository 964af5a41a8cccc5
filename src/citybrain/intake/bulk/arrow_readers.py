"""Streaming Arrow readers for the column-wise (vectorised) import path: UTF-8 CSV and Parquet.

They yield record batches of the columns an importer knows, every value as given (CSV: strings), with the
row number of each row as the Python reader would count it (header = row 1, records not lines, blank lines
counted but skipped), and the rows whose field count is wrong — so the report says exactly what it said
before. Anything the Arrow CSV reader would read differently from Python's ``csv`` module (another
encoding, a header with repeated names) is left to :mod:`readers` (``open_arrow`` returns None).
"""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from citybrain.core.errors import ImportRejected
from citybrain.intake.bulk.readers import sniff

#: Bytes the CSV reader parses at a time: ~6,000 canonical rows, small enough to keep memory flat.
CSV_BLOCK_BYTES = 2 << 20


@dataclass
class RawBatch:
    """One block of a file: the known columns as given, each row's number, the malformed rows in it."""

    table: pa.RecordBatch | None
    numbers: list[int]
    malformed: list[tuple[int, str]] = field(default_factory=list)


class BatchReader(Protocol):
    """Batches of one file: ``columns`` (stripped names) first, then ``batches()``."""

    columns: list[str]
    total: int | None
    unit: str

    def batches(self) -> Iterator[RawBatch]: ...

    def position(self) -> int: ...


class ArrowCsvReader:
    unit = "bytes"

    def __init__(self, path: Path, header: list[str], known: Sequence[str], compressed: bool) -> None:
        self.path = path
        self.columns = [c.strip() for c in header]
        self.total: int | None = path.stat().st_size
        self._compressed = compressed
        self._bad: list[tuple[int, str]] = []
        self._raw = pa.OSFile(str(path))
        wanted = [raw for raw in header if raw.strip() in known]
        self._names = {raw: raw.strip() for raw in wanted}
        self._reader = self._guard(lambda: self._open(wanted))

    def _open(self, wanted: list[str]) -> Any:
        source: Any = pa.CompressedInputStream(self._raw, "gzip") if self._compressed else self._raw
        return pa_csv.open_csv(
            source,
            read_options=pa_csv.ReadOptions(use_threads=False, block_size=CSV_BLOCK_BYTES),
            parse_options=pa_csv.ParseOptions(
                newlines_in_values=True, ignore_empty_lines=False, invalid_row_handler=self._malformed
            ),
            convert_options=pa_csv.ConvertOptions(
                include_columns=wanted,
                column_types=dict.fromkeys(wanted, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )

    def _malformed(self, row: Any) -> str:
        self._bad.append((int(row.number), f"{row.actual_columns} fields where the header has {row.expected_columns}"))
        return "skip"

    def position(self) -> int:
        return int(self._raw.tell()) if not self._raw.closed else (self.total or 0)

    def batches(self) -> Iterator[RawBatch]:
        number, skip = 2, set[int]()
        try:
            while True:
                batch = self._guard(self._next)
                malformed, self._bad = self._bad, []
                skip.update(n for n, _ in malformed)
                if batch is None:
                    if malformed:
                        yield RawBatch(None, [], malformed)
                    return
                numbers = []
                for _ in range(batch.num_rows):
                    while number in skip:
                        skip.discard(number)
                        number += 1
                    numbers.append(number)
                    number += 1
                yield _without_blank_lines(RawBatch(_renamed(batch, self._names), numbers, malformed))
        finally:
            self._raw.close()

    def _next(self) -> pa.RecordBatch | None:
        try:
            return self._reader.read_next_batch()
        except StopIteration:
            return None

    def _guard(self, step: Any) -> Any:
        try:
            return step()
        except (pa.ArrowException, OSError, EOFError) as exc:
            self._raw.close()
            message = str(exc)
            if "UTF8" in message:
                raise ImportRejected(
                    f"{self.path.name}: not valid utf-8 text (invalid UTF-8 data); files saved as GBK/GB18030 "
                    "(common for Chinese Excel exports) need --encoding gb18030"
                ) from None
            if self._compressed:
                raise ImportRejected(f"{self.path.name}: truncated or corrupt gzip stream ({message})") from None
            raise ImportRejected(f"{self.path.name}: not a readable CSV file ({message})") from None


class ArrowParquetReader:
    unit = "rows"

    def __init__(self, path: Path, known: Sequence[str], batch_size: int) -> None:
        self.path = path
        self.batch_size = batch_size
        try:
            self._file = pq.ParquetFile(path, buffer_size=1 << 20, pre_buffer=False)
        except (pa.ArrowException, OSError) as exc:
            raise ImportRejected(f"{path.name}: not a readable Parquet file, perhaps truncated ({exc})") from None
        self.columns = list(self._file.schema_arrow.names)
        self._wanted = [c for c in self.columns if c in known]
        self.total: int | None = self._file.metadata.num_rows
        self._done = 0

    def position(self) -> int:
        return self._done

    def batches(self) -> Iterator[RawBatch]:
        batches = self._file.iter_batches(batch_size=self.batch_size, columns=self._wanted, use_threads=False)
        while True:
            try:
                batch = next(batches, None)
            except (pa.ArrowException, OSError) as exc:
                raise ImportRejected(
                    f"{self.path.name}: corrupt Parquet data after row {self._done + 1} ({exc})"
                ) from None
            if batch is None:
                return
            first = self._done + 2
            self._done += batch.num_rows
            yield RawBatch(batch, list(range(first, first + batch.num_rows)))


def _without_blank_lines(raw: RawBatch) -> RawBatch:
    """Arrow reads a blank line as a row of empty strings; Python's csv skips it (still counting its number)."""
    table = raw.table
    if table is None or table.num_columns == 0 or table.num_rows == 0:
        return raw
    blank = pc.equal(table.column(0), "")
    for column in table.columns[1:]:
        blank = pc.and_(blank, pc.equal(column, ""))
    if not pc.any(blank).as_py():
        return raw
    keep = pc.invert(blank)
    numbers = [n for n, kept in zip(raw.numbers, keep.to_pylist(), strict=True) if kept]
    return RawBatch(table.filter(keep), numbers, raw.malformed)


def _renamed(batch: pa.RecordBatch, names: dict[str, str]) -> pa.RecordBatch:
    if all(raw == clean for raw, clean in names.items()):
        return batch
    return batch.rename_columns([names.get(n, n) for n in batch.schema.names])


def open_arrow(
    path: Path, *, encoding: str, batch_size: int, known: Sequence[str]
) -> ArrowCsvReader | ArrowParquetReader | None:
    """An Arrow reader when it reads this file exactly as the row readers would; None otherwise."""
    if not path.is_file() or path.stat().st_size == 0:
        return None
    kind, name = sniff(path), path.name.lower()
    if name.endswith((".parquet", ".pq")):
        return ArrowParquetReader(path, known, batch_size) if kind == "parquet" else None
    if name.endswith(".xlsx") or kind in ("parquet", "zip (xlsx)") or (name.endswith(".gz") and kind != "gzip"):
        return None
    if encoding.lower().replace("_", "-") not in ("utf-8", "utf8"):
        return None
    header = _csv_header(path, compressed=kind == "gzip")
    if header is None:
        return None
    stripped = [c.strip() for c in header]
    if len(set(stripped)) != len(stripped):
        return None
    return ArrowCsvReader(path, header, known, compressed=kind == "gzip")


def _csv_header(path: Path, *, compressed: bool) -> list[str] | None:
    """The header as Python's csv reads it; None when it cannot (the row reader then says why)."""
    try:
        with path.open("rb") as raw:
            stream: Any = gzip.GzipFile(fileobj=raw) if compressed else raw
            text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
            header = next(csv.reader(text), None)
    except (UnicodeDecodeError, OSError, EOFError, csv.Error):
        return None
    return header or None
