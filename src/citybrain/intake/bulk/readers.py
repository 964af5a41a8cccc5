"""Streaming readers for CSV (plain or gzip), Parquet and XLSX.

Each reader holds one row group, one CSV buffer or one sheet row at a time, so memory stays flat however
large the file is. Every way a file can be unreadable — wrong encoding, truncated gzip or Parquet, a ZIP
that is not a workbook, a file that is not what its name says — becomes one :class:`ImportRejected` with
a message that names the problem; the pipeline then rolls back, so nothing is written.
"""

from __future__ import annotations

import csv
import gzip
import io
import sys
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from citybrain.core.errors import ImportRejected

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))

_MAGIC = {b"\x1f\x8b": "gzip", b"PK\x03\x04": "zip (xlsx)", b"PAR1": "parquet"}


class TableReader(Protocol):
    """Rows of one file: ``columns`` first, then ``rows()`` yields (row number, row) pairs."""

    columns: list[str]
    total: int | None
    unit: str

    def rows(self) -> Iterator[tuple[int, dict[str, Any]]]: ...

    def position(self) -> int: ...


def sniff(path: Path) -> str | None:
    """What the first bytes say the file is (None for plain text), to catch a file misnamed by extension."""
    with path.open("rb") as fh:
        head = fh.read(4)
    for magic, kind in _MAGIC.items():
        if head.startswith(magic):
            return kind
    return None


def open_table(path: Path, *, encoding: str, batch_size: int) -> TableReader:
    """Pick the reader by the file's content, checked against its extension."""
    if not path.is_file():
        raise ImportRejected(f"{path}: no such file")
    if path.stat().st_size == 0:
        raise ImportRejected(f"{path.name}: the file is empty")
    kind = sniff(path)
    name = path.name.lower()
    if name.endswith((".parquet", ".pq")):
        if kind != "parquet":
            raise ImportRejected(f"{path.name}: not a Parquet file (it does not start with PAR1)")
        return ParquetReader(path, batch_size)
    if name.endswith(".xlsx"):
        if kind != "zip (xlsx)":
            raise ImportRejected(f"{path.name}: not an XLSX workbook (it is not a ZIP archive)")
        return XlsxReader(path)
    if kind in ("parquet", "zip (xlsx)"):
        raise ImportRejected(f"{path.name}: the content is {kind}, not CSV; rename it to match what it is")
    if name.endswith(".gz") and kind != "gzip":
        raise ImportRejected(f"{path.name}: named .gz but not gzip-compressed")
    return CsvReader(path, encoding=encoding, compressed=kind == "gzip")


class CsvReader:
    unit = "bytes"

    def __init__(self, path: Path, *, encoding: str, compressed: bool) -> None:
        self.path = path
        self.requested = encoding
        self.encoding = "utf-8-sig" if encoding.lower().replace("_", "-") in ("utf-8", "utf8") else encoding
        self.compressed = compressed
        self.total: int | None = path.stat().st_size
        self._raw: BinaryIO = path.open("rb")
        stream: Any = gzip.GzipFile(fileobj=self._raw) if compressed else self._raw
        try:
            self._text = io.TextIOWrapper(stream, encoding=self.encoding, newline="")
        except LookupError:
            self._raw.close()
            raise ImportRejected(f"unknown encoding {encoding!r}") from None
        self._reader = csv.reader(self._text)
        header = self._guard(lambda: next(self._reader, None))
        if not header:
            self.close()
            raise ImportRejected(f"{path.name}: no header row")
        self.columns = [c.strip() for c in header]

    def position(self) -> int:
        return self._raw.tell() if not self._raw.closed else (self.total or 0)

    def rows(self) -> Iterator[tuple[int, dict[str, Any]]]:
        columns, width = self.columns, len(self.columns)
        number = 1
        try:
            while True:
                values = self._guard(lambda: next(self._reader, None))
                if values is None:
                    return
                number += 1
                if not values:
                    continue
                if len(values) != width:
                    yield number, {"__error__": f"{len(values)} fields where the header has {width}"}
                    continue
                yield number, dict(zip(columns, values, strict=True))
        finally:
            self.close()

    def close(self) -> None:
        self._raw.close()

    def _guard(self, step: Any) -> Any:
        try:
            return step()
        except UnicodeDecodeError as exc:
            self.close()
            hint = (
                "; files saved as GBK/GB18030 (common for Chinese Excel exports) need --encoding gb18030"
                if self.encoding.startswith("utf")
                else "; give the file's encoding with --encoding"
            )
            raise ImportRejected(f"{self.path.name}: not valid {self.requested} text ({exc.reason}){hint}") from None
        except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
            self.close()
            raise ImportRejected(f"{self.path.name}: truncated or corrupt gzip stream ({exc})") from None
        except csv.Error as exc:
            self.close()
            raise ImportRejected(f"{self.path.name}: not a readable CSV file ({exc})") from None


class ParquetReader:
    unit = "rows"

    def __init__(self, path: Path, batch_size: int) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        self._errors = (pa.ArrowException, OSError)
        self.path = path
        self.batch_size = batch_size
        try:
            self._file = pq.ParquetFile(path, buffer_size=1 << 20, pre_buffer=False)
        except self._errors as exc:
            raise ImportRejected(f"{path.name}: not a readable Parquet file, perhaps truncated ({exc})") from None
        self.columns = list(self._file.schema_arrow.names)
        self.total = self._file.metadata.num_rows
        self._done = 0

    def position(self) -> int:
        return self._done

    def rows(self) -> Iterator[tuple[int, dict[str, Any]]]:
        number = 1
        batches = self._file.iter_batches(batch_size=self.batch_size, use_threads=False)
        while True:
            try:
                batch = next(batches, None)
            except self._errors as exc:
                raise ImportRejected(f"{self.path.name}: corrupt Parquet data after row {number} ({exc})") from None
            if batch is None:
                return
            columns = batch.to_pydict()
            names = list(columns)
            for values in zip(*(columns[n] for n in names), strict=True):
                number += 1
                self._done += 1
                yield number, dict(zip(names, values, strict=True))


class XlsxReader:
    unit = "rows"

    def __init__(self, path: Path) -> None:
        import openpyxl
        from openpyxl.utils.exceptions import InvalidFileException

        self.path = path
        try:
            self._book = openpyxl.load_workbook(path, read_only=True, data_only=True)
            self._sheet = self._book.worksheets[0]
            self._iter = self._sheet.iter_rows(values_only=True)
            header = next(self._iter, None)
        except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
            raise ImportRejected(f"{path.name}: not a readable XLSX workbook, perhaps truncated ({exc})") from None
        if not header:
            raise ImportRejected(f"{path.name}: the first sheet has no header row")
        self.columns = [str(c).strip() if c is not None else "" for c in header]
        self.total = max((self._sheet.max_row or 1) - 1, 0)
        self._done = 0

    def position(self) -> int:
        return self._done

    def rows(self) -> Iterator[tuple[int, dict[str, Any]]]:
        number = 1
        try:
            for values in self._iter:
                number += 1
                self._done += 1
                if all(v is None for v in values):
                    continue
                yield number, dict(zip(self.columns, values, strict=False))
        except (zipfile.BadZipFile, zlib.error, EOFError, KeyError, OSError) as exc:
            raise ImportRejected(f"{self.path.name}: corrupt XLSX data after row {number} ({exc})") from None
        finally:
            self._book.close()


def require_columns(reader: Any, required: set[str], *, what: str, name: str) -> None:
    """A file without the columns a kind needs is the wrong file: say which are missing and what was found."""
    missing = sorted(required - set(reader.columns))
    if missing:
        found = ", ".join(reader.columns[:12]) + (" …" if len(reader.columns) > 12 else "")
        raise ImportRejected(f"{name}: not a {what} file — missing column(s) {', '.join(missing)}; found: {found}")
