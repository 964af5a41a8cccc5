"""The canonical mapping done a whole column at a time (pyarrow.compute), for the rows that need no judgement.

Why: mapping a million rows one Python dict at a time was most of an import's time. Here each column is
trimmed, parsed and checked once per batch in Arrow's C++ kernels. Only values in the plain, common forms are
taken this way (ISO times ``YYYY-MM-DD[T ]hh:mm:ss[.ffffff][Z|±hh:mm]``, exact lower-case codes, plain
decimals); any row with a value outside them — a bad value, an odd but valid form, an end before the start —
is marked *slow* and goes through :meth:`CanonicalImporter.map` as before, which gives the exact same case or
the same rejection reason. So the result is the row mapper's, and the row mapper stays the one definition.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import tzinfo
from itertools import repeat
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from citybrain.cases.lifecycle import Status
from citybrain.cases.record import REQUEST_TYPES
from citybrain.intake.bulk.common import CASE_COLUMNS, MAX_LEN, MapContext

_CLOCK = r"(19|20)\d\d-\d\d-\d\d[T ]([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,6})?"
_NAIVE = f"^{_CLOCK}$"
_OFFSET = f"^{_CLOCK}(Z|[+-]([01]\\d|2[0-3]):[0-5]\\d)$"
_DECIMAL = r"^-?\d{1,12}(\.\d{1,17})?$"
_WHOLE = r"^\d{1,9}$"
_TRUE = ("1", "true", "t", "yes", "y", "是")
_FALSE = ("0", "false", "f", "no", "n", "否")
_STATUSES = pa.array(sorted(s.value for s in Status))
_TIMES = ("created_at", "accepted_at", "resolved_at", "closed_at")
_US_UTC = pa.timestamp("us", "UTC")


class Unsupported(Exception):
    """A column typed in a way this path does not take: the whole batch goes through the row mapper."""


@dataclass
class MappedColumns:
    """A batch mapped column-wise: parameters for every row, and the rows the row mapper must redo."""

    rows: list[tuple[Any, ...] | None]
    slow: list[int]
    keys: list[str | None]
    duplicate_of: list[str | None]
    notes: dict[int, list[str]] = field(default_factory=dict)


class _Batch:
    """One batch's columns and the running 'needs the row mapper' mask."""

    def __init__(self, table: pa.RecordBatch) -> None:
        self.table = table
        self.size = table.num_rows
        self.slow = pa.array([False] * self.size) if self.size else pa.array([], pa.bool_())

    def raw(self, name: str) -> pa.Array:
        index = self.table.schema.get_field_index(name)
        if index < 0:
            return pa.nulls(self.size, pa.string())
        return self.table.column(index)

    def text(self, name: str) -> pa.Array:
        """Stripped strings with empty → null (``text_value``); non-string columns are not taken here.

        Arrow's whitespace is exactly ``str.isspace`` (a test checks every code point), so this is ``strip()``.
        """
        column = self.raw(name)
        if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
            raise Unsupported(name)
        trimmed = pc.utf8_trim_whitespace(column.cast(pa.string()))
        return pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, pa.string()), trimmed)

    def flag(self, bad: Any) -> None:
        self.slow = pc.or_(self.slow, pc.fill_null(bad, False))

    def limited(self, name: str, limit: int) -> pa.Array:
        values = self.text(name)
        self.flag(pc.greater(pc.utf8_length(values), limit))
        return values

    def coded(self, name: str, codes: list[str]) -> tuple[pa.Array, pa.Array]:
        """A code that must be one of ``codes``; returns (values, index into codes)."""
        values = self.text(name)
        index = pc.index_in(values, value_set=pa.array(codes, pa.string()))
        self.flag(pc.and_(pc.is_valid(values), pc.is_null(index)))
        return values, index


def map_canonical(table: pa.RecordBatch, ctx: MapContext, *, source: str, sqlite: bool) -> MappedColumns:
    """Map a batch; rows it cannot map with certainty are listed in ``slow`` (all of them if a type is odd)."""
    batch = _Batch(table)
    try:
        columns = _columns(batch, ctx, source, sqlite)
        duplicate_of = batch.text("duplicate_of").to_pylist()
    except Unsupported:
        nothing: list[Any] = [None] * batch.size
        return MappedColumns(list(nothing), list(range(batch.size)), list(nothing), list(nothing))
    slow = pc.indices_nonzero(batch.slow).to_pylist()
    rows: list[tuple[Any, ...] | None] = list(zip(*(columns[c] for c in CASE_COLUMNS), strict=True))
    return MappedColumns(rows, slow, columns["source_key"], duplicate_of)


def _columns(batch: _Batch, ctx: MapContext, source: str, sqlite: bool) -> dict[str, Any]:
    n = batch.size
    times = {name: _time(batch, name, ctx.timezone, required=name == "created_at") for name in _TIMES}
    for name in _TIMES[1:]:
        batch.flag(pc.less(times[name], times["created_at"]))
    categories = sorted(ctx.categories)
    category, category_index = batch.coded("category", categories)
    departments = sorted(ctx.departments)
    _, department_index = batch.coded("department", departments)
    micros = [t.cast(pa.int64()) for t in times.values()]
    updated = pc.max_element_wise(*micros, skip_nulls=True).cast(_US_UTC)
    columns: dict[str, Any] = {
        "source": repeat(source, n),
        "source_key": _key(batch).to_pylist(),
        "channel": pc.fill_null(batch.limited("channel", MAX_LEN["channel"]), "web").to_pylist(),
        "request_type": _request_type(batch).to_pylist(),
        "title": _clipped(batch, "title", fill="").to_pylist(),
        "text": pc.fill_null(batch.text("text"), "").to_pylist(),
        "category_code": category.to_pylist(),
        "source_category": repeat(None, n),
        "lat": _number(batch, "lat", -90, 90).to_pylist(),
        "lon": _number(batch, "lon", -180, 180).to_pylist(),
        "address": _clipped(batch, "address", fill=None).to_pylist(),
        "zipcode": repeat(None, n),
        "district_code": batch.limited("district", 32).to_pylist(),
        "grid": batch.limited("grid", 32).to_pylist(),
        "department_id": _taken([ctx.departments[d] for d in departments], department_index, pa.int64()),
        "sla_code": _taken([ctx.category_sla.get(c) for c in categories], category_index, pa.string()),
        "status": _status(batch, times).to_pylist(),
        "updated_at": _stored(updated, sqlite),
        "reply": repeat(None, n),
        "resolved": _bool(batch, "resolved").to_pylist(),
        "satisfaction": _whole(batch, "satisfaction", 1, 5).to_pylist(),
        "likes": pc.fill_null(_whole(batch, "likes", 0, 2**31 - 1), 0).to_pylist(),
        "dislikes": pc.fill_null(_whole(batch, "dislikes", 0, 2**31 - 1), 0).to_pylist(),
        "attributes": repeat(None, n),
        "import_batch_id": repeat(ctx.batch_id, n),
        "reopen_count": repeat(0, n),
        "reject_count": repeat(0, n),
        "reminder_count": repeat(0, n),
        "version": repeat(1, n),
    }
    columns.update({name: _stored(values, sqlite) for name, values in times.items()})
    return columns


def _key(batch: _Batch) -> pa.Array:
    keys = batch.text("id")
    batch.flag(pc.or_(pc.is_null(keys), pc.greater(pc.utf8_length(keys), MAX_LEN["source_key"])))
    return keys


def _clipped(batch: _Batch, name: str, *, fill: str | None) -> pa.Array:
    values = pc.utf8_slice_codeunits(batch.text(name), 0, MAX_LEN[name])
    return pc.fill_null(values, fill) if fill is not None else values


def _request_type(batch: _Batch) -> pa.Array:
    names = sorted({*REQUEST_TYPES, *REQUEST_TYPES.values()})
    _, index = batch.coded("request_type", names)
    return pc.take(pa.array([REQUEST_TYPES.get(n, n) for n in names], pa.string()), index)


def _taken(values: list[Any], index: pa.Array, kind: pa.DataType) -> list[Any]:
    result: list[Any] = pc.take(pa.array(values, kind), index).to_pylist()
    return result


def _status(batch: _Batch, times: dict[str, pa.Array]) -> pa.Array:
    given = batch.text("status")
    batch.flag(pc.and_(pc.is_valid(given), pc.invert(pc.is_in(given, value_set=_STATUSES))))
    derived = pa.array(["received"] * batch.size, pa.string())
    for column, status in (("accepted_at", "accepted"), ("resolved_at", "resolved"), ("closed_at", "closed")):
        derived = pc.if_else(pc.is_valid(times[column]), status, derived)
    return pc.coalesce(given, derived)


def _time(batch: _Batch, name: str, zone: tzinfo, *, required: bool) -> pa.Array:
    """UTC microsecond timestamps; naive values are read in ``zone`` as ``datetime.replace(tzinfo=zone)`` would."""
    column = batch.raw(name)
    if pa.types.is_timestamp(column.type):
        if column.type.unit == "ns":
            raise Unsupported(name)
        if column.type.tz is None:
            return _localised(batch, column.cast(pa.timestamp("us")), zone)
        return column.cast(_US_UTC)
    text = batch.text(name)
    naive = pc.match_substring_regex(text, _NAIVE)
    offset = pc.match_substring_regex(text, _OFFSET)
    batch.flag(pc.and_(pc.is_valid(text), pc.invert(pc.or_(naive, offset))))
    if required:
        batch.flag(pc.is_null(text))
    none = pa.scalar(None, pa.string())
    try:
        local = pc.if_else(naive, text, none).cast(pa.timestamp("us"))
        aware = pc.if_else(offset, text, none).cast(_US_UTC)
    except pa.ArrowInvalid:  # a well-formed but impossible date (Feb 30): the row mapper says which row
        raise Unsupported(name) from None
    return pc.coalesce(_localised(batch, local, zone), aware)


def _localised(batch: _Batch, local: pa.Array, zone: tzinfo) -> pa.Array:
    """Local wall-clock time → UTC; times in a DST gap (no such wall-clock time) go to the row mapper."""
    utc = pc.assume_timezone(local, timezone=str(zone), ambiguous="earliest", nonexistent="earliest")
    batch.flag(pc.not_equal(pc.local_timestamp(utc), local))
    return utc.cast(_US_UTC)


def _stored(values: pa.Array, sqlite: bool) -> list[Any]:
    """SQLite keeps naive UTC text as ``UTCDateTime`` writes it; other databases take aware datetimes."""
    if sqlite:
        result: list[Any] = values.cast(pa.timestamp("us")).cast(pa.string()).to_pylist()  # 20x strftime
        return result
    return list(values.to_pylist())


def _number(batch: _Batch, name: str, low: float, high: float) -> pa.Array:
    column = batch.raw(name)
    if pa.types.is_floating(column.type) or pa.types.is_integer(column.type):
        values = column.cast(pa.float64())
    elif pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        column = column.cast(pa.string())
        plain = pc.match_substring_regex(column, _DECIMAL)
        batch.flag(pc.and_(pc.is_valid(column), pc.and_(pc.not_equal(column, ""), pc.invert(plain))))
        values = pc.if_else(plain, column, pa.scalar(None, pa.string())).cast(pa.float64())
    else:
        raise Unsupported(name)
    batch.flag(pc.or_(pc.less(values, low), pc.greater(values, high)))
    batch.flag(pc.is_nan(values))
    return values


def _whole(batch: _Batch, name: str, low: int, high: int) -> pa.Array:
    column = batch.raw(name)
    if pa.types.is_integer(column.type):
        values = column.cast(pa.int64())
    elif pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        column = column.cast(pa.string())
        plain = pc.match_substring_regex(column, _WHOLE)
        batch.flag(pc.and_(pc.is_valid(column), pc.and_(pc.not_equal(column, ""), pc.invert(plain))))
        values = pc.if_else(plain, column, pa.scalar(None, pa.string())).cast(pa.int64())
    else:
        raise Unsupported(name)
    batch.flag(pc.or_(pc.less(values, low), pc.greater(values, high)))
    return values


def _bool(batch: _Batch, name: str) -> pa.Array:
    column = batch.raw(name)
    if pa.types.is_boolean(column.type):
        return column
    if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
        raise Unsupported(name)
    column = pc.if_else(pc.equal(column, ""), pa.scalar(None, pa.string()), column.cast(pa.string()))
    true = pc.is_in(column, value_set=pa.array(_TRUE))
    false = pc.is_in(column, value_set=pa.array(_FALSE))
    batch.flag(pc.and_(pc.is_valid(column), pc.invert(pc.or_(true, false))))
    return pc.if_else(true, True, pc.if_else(false, pa.scalar(False), pa.scalar(None, pa.bool_())))
