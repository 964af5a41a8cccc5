"""What every bulk importer shares: options, the mapped row, the summary, and value parsing.

A mapper turns one raw row into a :class:`MappedRow` or raises :class:`RowRejected`; the pipeline in
``service.py`` does the batching, idempotency and the report, so a new source only writes a mapping.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Any

#: Columns every case row carries, in one fixed order: executemany needs the same keys in every row.
CASE_COLUMNS = (
    "source",
    "source_key",
    "channel",
    "request_type",
    "title",
    "text",
    "category_code",
    "source_category",
    "lat",
    "lon",
    "address",
    "zipcode",
    "district_code",
    "grid",
    "department_id",
    "sla_code",
    "status",
    "created_at",
    "updated_at",
    "accepted_at",
    "resolved_at",
    "closed_at",
    "reply",
    "resolved",
    "satisfaction",
    "likes",
    "dislikes",
    "attributes",
    "import_batch_id",
    "reopen_count",
    "reject_count",
    "reminder_count",
    "version",
)

#: Longest value each short identifier column takes (PostgreSQL enforces VARCHAR lengths; SQLite does not).
MAX_LEN = {
    "source_key": 128,
    "channel": 16,
    "request_type": 16,
    "title": 300,
    "source_category": 200,
    "address": 500,
    "zipcode": 16,
    "district_code": 32,
    "grid": 32,
}


class RowRejected(Exception):
    """One row cannot be imported; the file goes on and the row is listed in the report."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class ImportOptions:
    batch_size: int = 5000
    dry_run: bool = False
    encoding: str = "utf-8"
    #: More rejected rows than this share means the file is not what it claims to be: nothing is written.
    max_rejected_share: float = 0.5


@dataclass
class MappedRow:
    """A case ready to insert, plus what the report should say about it and what needs a second pass."""

    case: dict[str, Any]
    contact: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)
    duplicate_of_key: str | None = None


@dataclass(frozen=True)
class MapContext:
    """The directory codes loaded once per file, so mapping a row never queries the database."""

    categories: frozenset[str]
    category_sla: dict[str, str | None]
    departments: dict[str, int]
    now: datetime
    batch_id: int
    timezone: tzinfo


@dataclass
class ImportSummary:
    kind: str
    file_name: str
    sha256: str
    read: int = 0
    imported: int = 0
    skipped: int = 0
    rejected: int = 0
    noted: int = 0
    report_path: str | None = None
    batch_id: int | None = None
    already_imported: bool = False
    dry_run: bool = False


def base_case(*, source: str, source_key: str, created_at: datetime, ctx: MapContext) -> dict[str, Any]:
    """A case row with every column present and the defaults a fresh import gets."""
    row: dict[str, Any] = dict.fromkeys(CASE_COLUMNS)
    row.update(
        source=source,
        source_key=identifier(source_key, "source_key"),
        channel="web",
        title="",
        text="",
        status="received",
        created_at=created_at,
        updated_at=created_at,
        likes=0,
        dislikes=0,
        import_batch_id=ctx.batch_id,
        reopen_count=0,
        reject_count=0,
        reminder_count=0,
        version=1,
    )
    return row


def finish_case(row: dict[str, Any], ctx: MapContext) -> None:
    """Fill what follows from the rest: the SLA class from the category, updated_at from the last stamp."""
    code = row["category_code"]
    if code is not None and row["sla_code"] is None:
        row["sla_code"] = ctx.category_sla.get(code)
    stamps = [row[k] for k in ("created_at", "accepted_at", "resolved_at", "closed_at") if row[k] is not None]
    row["updated_at"] = max(stamps)


def text_value(value: Any) -> str | None:
    """A stripped string, or None for empty cells (CSV gives '', spreadsheets give None)."""
    if value.__class__ is str:  # the hot path: every CSV cell
        return value.strip() or None
    if value is None:
        return None
    return str(value).strip() or None


def clip(value: Any, column: str) -> str | None:
    """Free text cut to its column's length: a long title is not a reason to lose a case."""
    text = text_value(value)
    return text[: MAX_LEN[column]] if text is not None else None


def identifier(value: Any, column: str) -> str:
    """A code that must fit its column whole; a longer one would be silently changed, so the row is refused."""
    text = text_value(value)
    if text is None:
        raise RowRejected(f"{column}: empty")
    if len(text) > MAX_LEN[column]:
        raise RowRejected(f"{column}: longer than {MAX_LEN[column]} characters")
    return text


_FORMATS = ("%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d", "%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %H:%M:%S")


def parse_time(value: Any, zone: tzinfo, column: str) -> datetime | None:
    """An aware UTC time from ISO 8601 (naive = ``zone``), the slash forms of spreadsheets, or a datetime."""
    if not value:
        return None
    if isinstance(value, datetime):
        parsed = value
    else:
        text = str(value).strip()
        if not text:
            return None
        parsed = _parse_text_time(text, column)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    return parsed.astimezone(UTC)


def _parse_text_time(text: str, column: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    for fmt in _FORMATS:
        try:
            return datetime.strptime(text, fmt)  # noqa: DTZ007 - the zone is applied by the caller
        except ValueError:
            continue
    raise RowRejected(f"{column}: not a date/time: {text[:40]!r}")


def required_time(value: Any, zone: tzinfo, column: str) -> datetime:
    parsed = parse_time(value, zone, column)
    if parsed is None:
        raise RowRejected(f"{column}: empty (required)")
    return parsed


def parse_float(value: Any, column: str, low: float, high: float) -> float | None:
    if value is None or value == "":
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise RowRejected(f"{column}: not a number: {str(value)[:40]!r}") from None
    if not low <= number <= high:
        raise RowRejected(f"{column}: {number} is outside {low}..{high}")
    return number


def parse_int(value: Any, column: str, low: int, high: int) -> int | None:
    if value is None or value == "":
        return None
    try:
        number = int(float(value)) if not isinstance(value, int) else value
    except (TypeError, ValueError):
        raise RowRejected(f"{column}: not a whole number: {str(value)[:40]!r}") from None
    if not low <= number <= high:
        raise RowRejected(f"{column}: {number} is outside {low}..{high}")
    return number


_TRUE = {"1", "true", "t", "yes", "y", "是"}
_FALSE = {"0", "false", "f", "no", "n", "否"}


def parse_bool(value: Any, column: str) -> bool | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise RowRejected(f"{column}: not true/false: {text[:40]!r}")


def drop_impossible_end(row: dict[str, Any], column: str, note: str, original: Any) -> str | None:
    """An end stamp before the case was created is real-world noise: keep the case, leave the stamp empty.

    Keeping it would give negative handling times in every KPI; dropping the case would lose a real request.
    The value as given stays in ``attributes`` and the report says what was done.
    """
    value = row[column]
    if value is None or value >= row["created_at"]:
        return None
    row[column] = None
    attributes = dict(row["attributes"] or {})
    attributes[f"{column}_as_given"] = str(original)
    row["attributes"] = attributes
    return note
