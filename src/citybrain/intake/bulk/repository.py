"""All SQL of the bulk importers: Core statements in batches, no ORM object per row.

Everything here is dialect-neutral. Idempotency is checked with one ``IN`` query per batch against the
unique (source, source_key) index rather than ``INSERT … ON CONFLICT``, so no dialect-specific statement is
needed and the pipeline can tell "already imported earlier" from "repeated within this file".
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import JSON, Connection, Table, bindparam, func, insert, select, text, update
from sqlalchemy.orm import Session

from citybrain.core.types import UTCDateTime
from citybrain.intake.bulk.common import CASE_COLUMNS
from citybrain.models import Case, CaseContact, Category, Department, ImportBatch

_CASES: Table = Case.__table__  # type: ignore[assignment]
_CONTACTS: Table = CaseContact.__table__  # type: ignore[assignment]
_IN_CHUNK = 1000
_TIME_COLUMNS = frozenset(c for c in CASE_COLUMNS if isinstance(_CASES.c[c].type, UTCDateTime))
_SQLITE_INSERT = f"INSERT INTO cases ({', '.join(CASE_COLUMNS)}) VALUES ({', '.join('?' * len(CASE_COLUMNS))})"  # noqa: S608
_SQLITE_CACHE_KIB = -65536  # negative = KiB: 64 MiB (keeps a 1M-row import under 500 MB peak)
_REBUILD_MIN_ROWS = 100_000


def find_batch(session: Session, *, kind: str, sha256: str) -> ImportBatch | None:
    return session.scalars(
        select(ImportBatch).where(ImportBatch.kind == kind, ImportBatch.file_sha256 == sha256)
    ).first()


def create_batch(session: Session, *, kind: str, file_name: str, sha256: str, started_at: datetime) -> ImportBatch:
    batch = ImportBatch(kind=kind, file_name=file_name[:500], file_sha256=sha256, started_at=started_at)
    session.add(batch)
    session.flush()
    return batch


def category_slas(session: Session) -> dict[str, str | None]:
    """Every known category code with its SLA class, loaded once per file."""
    return {code: sla for code, sla in session.execute(select(Category.code, Category.sla_code))}


def department_ids(session: Session) -> dict[str, int]:
    return {code: id_ for code, id_ in session.execute(select(Department.code, Department.id))}


def existing_keys(session: Session, *, source: str, keys: Sequence[str]) -> dict[str, int | None]:
    """source_key → import batch id of the cases already stored under these keys."""
    found: dict[str, int | None] = {}
    connection = session.connection()
    for start in range(0, len(keys), _IN_CHUNK):
        chunk = keys[start : start + _IN_CHUNK]
        if connection.dialect.name == "sqlite":
            rows: Any = _sqlite_existing_keys(connection, source, chunk)
        else:
            rows = _postgres_by_key_index(connection, source, chunk, "import_batch_id")
        found.update({key: batch for key, batch in rows if key is not None})
    return found


def _postgres_by_key_index(connection: Connection, source: str, keys: Sequence[str], column: str) -> list[Any]:
    """PostgreSQL only: (source_key, ``column``) of the stored cases with these keys, one index probe per key.

    ``source_key IN (…)`` let the planner choose, and inside the import's one transaction it still had the
    statistics of the table as it was (often empty), so it probed the unique index on ``source`` alone and
    filtered every row imported so far, for each batch: quadratic (20k rows 11 s, 40k 18–40 s, 80k 82–96 s
    on this machine). Here each key is its own ``LIMIT 1`` subquery, which the planner cannot merge into a
    join: a nested loop of probes of the (source, source_key) index, O(batch · log n) whatever the statistics.
    """
    sql = text(
        f"SELECT k.key, c.{column} FROM unnest(CAST(:keys AS varchar[])) AS k(key) "  # noqa: S608 - a column name of ours
        f"CROSS JOIN LATERAL (SELECT {column} FROM cases WHERE source = :source AND source_key = k.key LIMIT 1) AS c"
    )
    return list(connection.execute(sql, {"keys": list(keys), "source": source}))


def _sqlite_existing_keys(connection: Connection, source: str, keys: Sequence[str]) -> list[tuple[str, int | None]]:
    """SQLite only: the same look-up on the driver; building 1,000 bound parameters per query in SQLAlchemy
    cost more than the query (a million-row file makes a thousand of them)."""
    marks = ", ".join("?" * len(keys))
    sql = f"SELECT source_key, import_batch_id FROM cases WHERE source = ? AND source_key IN ({marks})"  # noqa: S608
    return [(row[0], row[1]) for row in connection.exec_driver_sql(sql, (source, *keys))]


def case_ids(session: Session, *, source: str, keys: Sequence[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for start in range(0, len(keys), _IN_CHUNK):
        chunk = keys[start : start + _IN_CHUNK]
        connection = session.connection()
        if connection.dialect.name == "sqlite":
            rows: Any = session.execute(
                select(Case.source_key, Case.id).where(Case.source == source, Case.source_key.in_(chunk))
            )
        else:
            rows = _postgres_by_key_index(connection, source, chunk, "id")
        found.update({key: id_ for key, id_ in rows if key is not None})
    return found


def insert_cases(session: Session, rows: list[dict[str, Any]]) -> None:
    """One executemany for the whole batch (on SQLite through :func:`_sqlite_insert_cases`)."""
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        _sqlite_insert_cases(connection, rows)
    else:
        session.execute(insert(_CASES), rows)


def _sqlite_insert_cases(connection: Connection, rows: list[dict[str, Any]]) -> None:
    """SQLite only: positional executemany on the driver, values converted here once.

    SQLAlchemy's per-value bind processing costs more than the insert itself at a million rows. The values
    are stored exactly as the column types would store them: UTC datetimes as naive ``YYYY-MM-DD
    HH:MM:SS.ffffff`` text (what ``UTCDateTime`` + SQLite ``DATETIME`` write), JSON as JSON text, None as NULL.
    """
    columns = list(rows[0])
    names = ", ".join(f'"{c}"' for c in columns)
    sql = f"INSERT INTO cases ({names}) VALUES ({', '.join('?' * len(columns))})"
    values = itemgetter(*columns)
    times = [i for i, c in enumerate(columns) if isinstance(_CASES.c[c].type, UTCDateTime)]
    documents = [i for i, c in enumerate(columns) if isinstance(_CASES.c[c].type, JSON)]
    params: list[tuple[Any, ...]] = []
    for row in rows:
        record = list(values(row))
        for i in times:
            if record[i] is not None:
                record[i] = _sqlite_time(record[i])
        for i in documents:
            if record[i] is not None:
                record[i] = json.dumps(record[i], ensure_ascii=False)
        params.append(tuple(record))
    connection.exec_driver_sql(sql, params)


def case_params(case: dict[str, Any], *, sqlite: bool) -> tuple[Any, ...]:
    """A mapped case as one parameter tuple in ``CASE_COLUMNS`` order, stored the way :func:`insert_case_rows`
    expects: on SQLite, times as naive UTC text and JSON as text (what the column types would write)."""
    values = tuple(case[c] for c in CASE_COLUMNS)
    if not sqlite:
        return values
    return tuple(
        _sqlite_time(v)
        if v is not None and c in _TIME_COLUMNS
        else json.dumps(v, ensure_ascii=False)
        if v is not None and c == "attributes"
        else v
        for c, v in zip(CASE_COLUMNS, values, strict=True)
    )


def insert_case_rows(session: Session, rows: list[tuple[Any, ...]]) -> None:
    """Insert parameter tuples (``CASE_COLUMNS`` order) in one executemany, in the session's transaction."""
    if not rows:
        return
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        _sqlite_insert_rows(connection, rows)
    else:
        session.execute(insert(_CASES), [dict(zip(CASE_COLUMNS, row, strict=True)) for row in rows])


def _sqlite_insert_rows(connection: Connection, rows: list[tuple[Any, ...]]) -> None:
    """SQLite only: the driver's executemany on the raw connection of the same transaction, no per-value
    processing by SQLAlchemy (the values are already stored forms, see :func:`case_params`)."""
    connection.exec_driver_sql(_SQLITE_INSERT, rows)


def _sqlite_time(value: datetime) -> str:
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.replace(tzinfo=None).isoformat(" ", "microseconds")


@contextmanager
def bulk_tuning(session: Session, *, expected_rows: int = 0) -> Iterator[None]:
    """SQLite only: a larger page cache while one import writes, and for a large import into a smaller
    table its plain indexes built once at the end instead of row by row (see :func:`_sqlite_deferred_indexes`).
    Durability is untouched (synchronous and journal mode stay as configured); the cache size is restored."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        yield
        return
    previous = connection.exec_driver_sql("PRAGMA cache_size").scalar()
    connection.exec_driver_sql(f"PRAGMA cache_size={_SQLITE_CACHE_KIB}")
    try:
        with _sqlite_deferred_indexes(connection, expected_rows):
            yield
    finally:
        connection.exec_driver_sql(f"PRAGMA cache_size={int(previous or -2000)}")


@contextmanager
def _sqlite_deferred_indexes(connection: Connection, expected_rows: int) -> Iterator[None]:
    """SQLite only: drop the non-unique indexes of ``cases`` and create them again before the commit.

    Inserting a million rows into eight b-trees in random key order costs about twice what sorting them once
    does. It is all inside the import's transaction: other connections keep seeing the old table and its
    indexes, a failed import rolls the drop back, and the committed indexes are the same ones, re-created
    from their own stored definitions. Unique indexes stay, so (source, source_key) is checked row by row.
    Only worth it when the file is large and at least as big as what is stored already.
    """
    existing = int(connection.exec_driver_sql("SELECT count(*) FROM cases").scalar() or 0)
    if expected_rows < max(_REBUILD_MIN_ROWS, existing):
        yield
        return
    indexes = [
        (str(name), str(sql))
        for name, sql in connection.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'cases' AND sql IS NOT NULL"
        )
        if not str(sql).upper().startswith("CREATE UNIQUE")
    ]
    for name, _ in indexes:
        connection.exec_driver_sql(f'DROP INDEX "{name}"')
    yield
    for _, sql in indexes:
        connection.exec_driver_sql(sql)


def insert_cases_with_contacts(
    session: Session, rows: list[dict[str, Any]], contacts: list[dict[str, Any] | None]
) -> None:
    """Insert cases, then their contacts (PII kept apart) keyed by the ids the insert returned."""
    result = session.execute(
        insert(_CASES).returning(_CASES.c.id, _CASES.c.source_key, sort_by_parameter_order=True), rows
    )
    ids = [row.id for row in result]
    people = [{**contact, "case_id": id_} for id_, contact in zip(ids, contacts, strict=True) if contact]
    if people:
        session.execute(insert(_CONTACTS), people)


def set_duplicates(session: Session, *, source: str, links: Iterable[tuple[str, int]]) -> None:
    """Point merged cases at the case they duplicate (resolved after all rows are in, as they may come later)."""
    params = [{"key": key, "target": target} for key, target in links]
    if not params:
        return
    statement = (
        update(_CASES)
        .where(_CASES.c.source == source, _CASES.c.source_key == bindparam("key"))
        .values(duplicate_of=bindparam("target"))
    )
    session.connection().execute(statement, params)


def count_cases(session: Session, *, source: str | None = None) -> int:
    query = select(func.count()).select_from(_CASES)
    if source is not None:
        query = query.where(_CASES.c.source == source)
    return int(session.scalar(query) or 0)
