"""SQL for loading the synthetic city: bulk inserts (Core executemany) and finding or wiping what was loaded."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import UTC
from operator import itemgetter
from typing import Any

from sqlalchemy import JSON, Table, bindparam, delete, func, select, update
from sqlalchemy.orm import Session

from citybrain.core import bulk
from citybrain.core.types import UTCDateTime
from citybrain.models import Callback, Case, CaseContact, CaseEvent, District, RoutingRule
from citybrain.models.triage import CaseSuggestion

SOURCE = "simulate"

_CASES: Table = Case.__table__  # type: ignore[assignment]
_CONTACTS: Table = CaseContact.__table__  # type: ignore[assignment]
_EVENTS: Table = CaseEvent.__table__  # type: ignore[assignment]
_CALLBACKS: Table = Callback.__table__  # type: ignore[assignment]
_SUGGESTIONS: Table = CaseSuggestion.__table__  # type: ignore[assignment]


def district_codes(session: Session) -> set[str]:
    return set(session.scalars(select(District.code)))


def add_districts(session: Session, rows: Iterable[District]) -> None:
    session.add_all(list(rows))
    session.flush()


def district_rules(session: Session) -> set[tuple[str | None, str | None]]:
    """(category, district) of the district-specific routing rules already there."""
    stmt = select(RoutingRule.category_code, RoutingRule.district_code).where(RoutingRule.district_code.is_not(None))
    return {(c, d) for c, d in session.execute(stmt)}


def add_rules(session: Session, rows: Iterable[RoutingRule]) -> None:
    session.add_all(list(rows))
    session.flush()


def simulated_count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(Case).where(Case.source == SOURCE)) or 0)


def simulated_sample_key(session: Session) -> str | None:
    """One source key of a loaded synthetic case (``s<seed>-<n>``), to tell which seed is in the database."""
    stmt = select(Case.source_key).where(Case.source == SOURCE).order_by(Case.id).limit(1)
    return session.scalar(stmt)


def delete_simulated(session: Session) -> int:
    """Remove every synthetic case with its contact, events and callbacks (children first, on every database)."""
    ids = select(Case.id).where(Case.source == SOURCE).scalar_subquery()
    session.execute(update(Case).where(Case.duplicate_of.in_(ids)).values(duplicate_of=None))
    session.execute(delete(_SUGGESTIONS).where(_SUGGESTIONS.c.target_case_id.in_(ids)))  # the demo's fresh messages
    for table in (_SUGGESTIONS, _CALLBACKS, _EVENTS, _CONTACTS):
        session.execute(delete(table).where(table.c.case_id.in_(ids)))
    result = session.execute(delete(_CASES).where(_CASES.c.source == SOURCE))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def labelled_sample(session: Session, limit: int) -> list[tuple[str, str]]:
    """(title and text, category code) of about ``limit`` loaded synthetic cases spread evenly over the loaded
    period (every k-th id), for training the demo's classifier."""
    total = simulated_count(session)
    step = max(1, total // max(1, limit))
    stmt = (
        select(Case.title, Case.text, Case.category_code)
        .where(Case.source == SOURCE, Case.category_code.is_not(None), Case.id % step == 0)
        .order_by(Case.id)
        .limit(limit)
    )
    return [(f"{title}\n{text}" if title else text, str(code)) for title, text, code in session.execute(stmt)]


def insert_cases(session: Session, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Insert many cases at once and return their new ids in the order given."""
    if session.get_bind().dialect.name == "sqlite":
        return _sqlite_insert_cases(session, rows)
    ids = bulk.new_ids(session, _CASES, len(rows))
    _insert(session, _CASES, [{**row, "id": i} for row, i in zip(rows, ids, strict=True)])
    return ids


def insert_rows(session: Session, table_name: str, rows: Sequence[dict[str, Any]]) -> None:
    """executemany into case_contacts, case_events or callbacks."""
    if not rows:
        return
    table = {"case_contacts": _CONTACTS, "case_events": _EVENTS, "callbacks": _CALLBACKS}[table_name]
    if session.get_bind().dialect.name == "sqlite":
        _sqlite_executemany(session, table, rows)
    else:
        _insert(session, table, rows)


def _insert(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Other databases (PostgreSQL): COPY or executemany through ``core/bulk.py``, ids already in the rows."""
    columns = list(rows[0])
    bulk.insert_many(session, table, columns, [[row[c] for c in columns] for row in rows])


def _sqlite_insert_cases(session: Session, rows: Sequence[dict[str, Any]]) -> list[int]:
    """SQLite: we hold the write lock (BEGIN IMMEDIATE), so ids after the current maximum are ours to give."""
    first = int(session.scalar(select(func.coalesce(func.max(Case.id), 0))) or 0) + 1
    ids = list(range(first, first + len(rows)))
    _sqlite_executemany(session, _CASES, [{**row, "id": i} for row, i in zip(rows, ids, strict=True)])
    return ids


def _sqlite_executemany(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """SQLite only: the driver's executemany with values stored exactly as SQLAlchemy's types store them.

    SQLAlchemy's per-value bind processing costs more than the insert itself at a million rows; here
    datetimes become SQLite's ``YYYY-MM-DD HH:MM:SS.ffffff`` (naive UTC, like UTCDateTime) and JSON becomes
    text, so the ORM reads these rows back exactly as if it had written them.
    """
    columns = list(rows[0])
    kinds = [_kind(table.c[name].type) for name in columns]
    dates = [i for i, k in enumerate(kinds) if k == "datetime"]
    texts = [i for i, k in enumerate(kinds) if k == "json"]
    pick = itemgetter(*columns)
    params = []
    for row in rows:
        values = list(pick(row))
        for i in dates:
            if values[i] is not None:
                values[i] = values[i].astimezone(UTC).isoformat(" ", "microseconds")[:26]
        for i in texts:
            if values[i] is not None:
                values[i] = json.dumps(values[i])
        params.append(tuple(values))
    sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    session.connection().exec_driver_sql(sql, params)


def _kind(column_type: Any) -> str:
    if isinstance(column_type, UTCDateTime):
        return "datetime"
    if isinstance(column_type, JSON):
        return "json"
    return "plain"


def link_duplicates(session: Session, pairs: Sequence[tuple[int, int]]) -> None:
    """Set duplicate_of (merged case → the case it was merged into)."""
    if pairs:
        stmt = update(_CASES).where(_CASES.c.id == bindparam("case_id")).values(duplicate_of=bindparam("original"))
        session.execute(stmt, [{"case_id": c, "original": o} for c, o in pairs])
