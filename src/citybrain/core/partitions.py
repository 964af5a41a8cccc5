"""``citybrain db partition``: monthly range partitions of ``cases`` and ``case_events`` on PostgreSQL.

Opt-in, for a megacity's database (tens of millions of cases): a date-bounded query reads only its months, and old
months can be dumped or moved to cheaper storage one table at a time. The conversion runs in one transaction
(PostgreSQL's DDL is transactional: nothing is left half converted) and is reversible (:func:`unpartition`).

What the partitioned layout changes, and how the guarantees are kept:

- the primary keys become (id, created_at) and (id, at); ids still come from the same sequences;
- the foreign keys that named ``cases.id`` become triggers (:mod:`partition_sql`), with the same SQLSTATE 23503;
- ``uq_cases_source_key`` and ``uq_cases_token`` become side tables whose primary keys carry those names
  (:data:`UNIQUE_KEYS`); plain indexes on the parent keep the lookups by key fast;
- what was dropped is written to ``partition_layout`` so that :func:`unpartition` restores it exactly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Connection, Engine

from citybrain.core import clock, partition_sql
from citybrain.core.errors import InvalidInput

# table -> its partition key (a timestamp column)
PARTITIONED = {"cases": "created_at", "case_events": "at"}
# unique constraint -> (side table, key columns): the constraints a partitioned table cannot declare
UNIQUE_KEYS = {
    "uq_cases_source_key": ("cases_source_keys", ("source", "source_key")),
    "uq_cases_token": ("cases_tokens", ("token",)),
}
LAYOUT_TABLE = "partition_layout"

Progress = Callable[[str], None]


@dataclass(frozen=True)
class TableLayout:
    """One partitioned table: its months (first and last, as dates of their first day) and the DEFAULT's rows."""

    table: str
    months: int
    first_month: date
    last_month: date
    default_rows: int


@dataclass(frozen=True)
class PartitionReport:
    """What a run did: whether it converted, the months it added and the rows it moved out of DEFAULT."""

    converted: bool
    rows: dict[str, int]
    months_added: dict[str, int]
    moved_from_default: dict[str, int]
    layout: list[TableLayout]


def _quiet(_step: str) -> None:
    return None


def _require_postgres(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        raise InvalidInput(
            "partitions are a PostgreSQL feature; this database is "
            f"{engine.dialect.name} (a county's SQLite database does not need them)"
        )


def run(conn: Connection, sql: str) -> None:
    """Execute one statement as written (a ``%`` in PL/pgSQL is not a placeholder)."""
    conn.exec_driver_sql(sql.replace("%", "%%"))


def _scalar(conn: Connection, sql: str) -> object:
    return conn.exec_driver_sql(sql.replace("%", "%%")).scalar()


def is_partitioned(conn: Connection, table: str) -> bool:
    return bool(
        _scalar(
            conn,
            "SELECT EXISTS (SELECT 1 FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid "
            f"WHERE c.relname = '{table}' AND c.relnamespace = current_schema()::regnamespace)",
        )
    )


def partition(
    engine: Engine,
    *,
    months_ahead: int = 3,
    since: date | None = None,
    now: datetime | None = None,
    progress: Progress = _quiet,
) -> PartitionReport:
    """Convert both tables (or, when already partitioned, add the months up to ``months_ahead``), in one transaction.

    ``since``: months from this one on are created even while they hold no row — before loading a city's history
    (rows of a month without its partition would wait in DEFAULT, and moving them out later rewrites them)."""
    _require_postgres(engine)
    if months_ahead < 0:
        raise InvalidInput("--months-ahead must be 0 or more")
    until = _month_start(now or clock.utcnow(), months_ahead)
    from citybrain.core import partition_convert as convert

    with engine.begin() as conn:
        converted = not is_partitioned(conn, "cases")
        rows: dict[str, int] = {}
        added: dict[str, int] = {}
        moved: dict[str, int] = {}
        if converted:
            rows = convert.convert(conn, until=until, progress=progress)
        for table, key in PARTITIONED.items():
            progress(f"{table}: months up to {until:%Y-%m}")
            first = date(since.year, since.month, 1) if since else None
            added[table], moved[table] = convert.add_months(conn, table, key, until=until, since=first)
        report = PartitionReport(converted, rows, added, moved, layout(conn))
    return report


def unpartition(engine: Engine, *, progress: Progress = _quiet) -> dict[str, int]:
    """Convert back to plain tables with the original constraints; returns the rows per table."""
    _require_postgres(engine)
    from citybrain.core import partition_convert as convert

    with engine.begin() as conn:
        if not is_partitioned(conn, "cases"):
            raise InvalidInput("cases is not partitioned; nothing to undo")
        return convert.revert(conn, progress=progress)


def describe(engine: Engine) -> list[TableLayout]:
    """The partitioned tables and their month ranges; empty on SQLite or on the plain layout."""
    if engine.dialect.name != "postgresql":
        return []
    with engine.connect() as conn:
        return layout(conn)


def layout(conn: Connection) -> list[TableLayout]:
    found = []
    for table in PARTITIONED:
        if not is_partitioned(conn, table):
            continue
        months = sorted(month_partitions(conn, table))
        default_rows = int(str(_scalar(conn, f"SELECT count(*) FROM {table}_default")))
        first, last = (months[0], months[-1]) if months else (date.min, date.min)
        found.append(TableLayout(table, len(months), first, last, default_rows))
    return found


def month_partitions(conn: Connection, table: str) -> list[date]:
    """The first days of the months that have a partition of ``table`` (named ``<table>_yYYYYmMM``)."""
    names = conn.exec_driver_sql(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "JOIN pg_class p ON p.oid = i.inhparent "
        f"WHERE p.relname = '{table}' AND p.relnamespace = current_schema()::regnamespace"
    ).scalars()
    prefix = f"{table}_y"
    return [date(int(n[len(prefix) : len(prefix) + 4]), int(n[-2:]), 1) for n in names if n.startswith(prefix)]


def _month_start(moment: datetime, months_ahead: int) -> date:
    index = moment.year * 12 + moment.month - 1 + months_ahead
    return date(index // 12, index % 12 + 1, 1)


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def partition_name(table: str, month: date) -> str:
    return f"{table}_y{month:%Y}m{month:%m}"


def install_functions(conn: Connection) -> None:
    for statement in partition_sql.FUNCTIONS:
        run(conn, statement)
