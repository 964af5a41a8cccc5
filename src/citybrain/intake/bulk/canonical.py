"""The canonical case record (ARCHITECTURE.md) from CSV or Parquet: the format every other source maps to.

Strict where a wrong value would mislead (an unknown category, department or status rejects the row) and
lenient where nothing is lost (empty optional cells). Naive timestamps are read in ``settings.timezone``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from citybrain.cases.lifecycle import Status
from citybrain.cases.record import REQUEST_TYPES
from citybrain.intake.bulk.arrow_readers import BatchReader, open_arrow
from citybrain.intake.bulk.columnar import MappedColumns, map_canonical
from citybrain.intake.bulk.common import (
    ImportOptions,
    MapContext,
    MappedRow,
    RowRejected,
    base_case,
    clip,
    drop_impossible_end,
    finish_case,
    parse_bool,
    parse_float,
    parse_int,
    parse_time,
    required_time,
    text_value,
)
from citybrain.intake.bulk.readers import TableReader, open_table, require_columns

COLUMNS = (
    "id",
    "created_at",
    "channel",
    "request_type",
    "title",
    "text",
    "category",
    "lat",
    "lon",
    "address",
    "district",
    "grid",
    "department",
    "status",
    "accepted_at",
    "resolved_at",
    "closed_at",
    "satisfaction",
    "resolved",
    "likes",
    "dislikes",
    "duplicate_of",
)
REQUIRED = {"id", "created_at"}

_REQUEST_CODES = frozenset(REQUEST_TYPES.values())
_STATUSES = frozenset(s.value for s in Status)


class CanonicalImporter:
    kind = "canonical"
    source = "canonical"

    def open(self, path: Path, options: ImportOptions) -> TableReader:
        reader = open_table(path, encoding=options.encoding, batch_size=options.batch_size)
        require_columns(reader, REQUIRED, what="canonical case", name=path.name)
        return reader

    def open_columns(self, path: Path, options: ImportOptions) -> BatchReader | None:
        """The column-wise reader when Arrow reads this file as the row reader would (else None)."""
        reader = open_arrow(path, encoding=options.encoding, batch_size=options.batch_size, known=COLUMNS)
        if reader is not None:
            require_columns(reader, REQUIRED, what="canonical case", name=path.name)
        return reader

    def map_columns(self, table: Any, ctx: MapContext, *, sqlite: bool) -> MappedColumns:
        return map_canonical(table, ctx, source=self.source, sqlite=sqlite)

    def key_of(self, raw: dict[str, Any]) -> str | None:
        return text_value(raw.get("id"))

    def map(self, raw: dict[str, Any], ctx: MapContext) -> MappedRow:
        zone, get = ctx.timezone, raw.get
        row = base_case(
            source=self.source,
            source_key=str(get("id") or ""),
            created_at=required_time(get("created_at"), zone, "created_at"),
            ctx=ctx,
        )
        category = _category(get("category"), ctx)
        row.update(
            channel=_short(get("channel"), "channel", 16) or "web",
            request_type=_request_type(get("request_type")),
            title=clip(get("title"), "title") or "",
            text=text_value(get("text")) or "",
            category_code=category,
            sla_code=ctx.category_sla.get(category) if category else None,
            lat=parse_float(get("lat"), "lat", -90, 90),
            lon=parse_float(get("lon"), "lon", -180, 180),
            address=clip(get("address"), "address"),
            district_code=_short(get("district"), "district", 32),
            grid=_short(get("grid"), "grid", 32),
            department_id=_department(get("department"), ctx),
            accepted_at=parse_time(get("accepted_at"), zone, "accepted_at"),
            resolved_at=parse_time(get("resolved_at"), zone, "resolved_at"),
            closed_at=parse_time(get("closed_at"), zone, "closed_at"),
            satisfaction=parse_int(get("satisfaction"), "satisfaction", 1, 5),
            resolved=parse_bool(get("resolved"), "resolved"),
            likes=parse_int(get("likes"), "likes", 0, 2**31 - 1) or 0,
            dislikes=parse_int(get("dislikes"), "dislikes", 0, 2**31 - 1) or 0,
        )
        row["status"] = _status(get("status"), row)
        notes = [
            note
            for column in ("accepted_at", "resolved_at", "closed_at")
            if row[column] is not None
            and (note := drop_impossible_end(row, column, f"{column} before created_at; left empty", get(column)))
        ]
        finish_case(row, ctx)
        return MappedRow(case=row, notes=notes, duplicate_of_key=text_value(get("duplicate_of")))


def _short(value: Any, column: str, limit: int) -> str | None:
    text = text_value(value)
    if text is not None and len(text) > limit:
        raise RowRejected(f"{column}: longer than {limit} characters")
    return text


def _request_type(value: Any) -> str | None:
    text = text_value(value)
    if text is None:
        return None
    code = REQUEST_TYPES.get(text, text.lower())
    if code not in _REQUEST_CODES:
        raise RowRejected(f"request_type: unknown {text[:40]!r} (one of {', '.join(sorted(_REQUEST_CODES))})")
    return code


def _category(value: Any, ctx: MapContext) -> str | None:
    code = text_value(value)
    if code is not None and code not in ctx.categories:
        raise RowRejected(f"category: unknown code {code[:40]!r}")
    return code


def _department(value: Any, ctx: MapContext) -> int | None:
    code = text_value(value)
    if code is None:
        return None
    if code not in ctx.departments:
        raise RowRejected(f"department: unknown code {code[:40]!r}")
    return ctx.departments[code]


def _status(value: Any, row: dict[str, Any]) -> str:
    """Given status, or the furthest state the timestamps prove when the column is empty."""
    text = text_value(value)
    if text is not None:
        status = text.lower()
        if status not in _STATUSES:
            raise RowRejected(f"status: unknown {text[:40]!r} (one of {', '.join(sorted(_STATUSES))})")
        return status
    for column, status in (("closed_at", "closed"), ("resolved_at", "resolved"), ("accepted_at", "accepted")):
        if row[column] is not None:
            return status
    return "received"
