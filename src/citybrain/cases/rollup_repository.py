"""The cases' daily roll-up (日汇总, table ``case_rollup``): kept, read and checked here, in SQL.

Each row holds kpis.Tally's counters (the SQL of :func:`citybrain.cases.kpi_sums.per_case`) for the cases received
on one local day whose ``dim`` column holds one value. The roll-up is not written with each case: it is refreshed
before it is read (:func:`refresh`), recomputing from the cases table every day that may have changed since the
last refresh — days of cases written since (a new id, or ``updated_at`` moved: every service write and every
import sets it) and days of open cases whose deadline (``due_at``, ``accept_due_at``) fell between the last
refresh's as-of time and this one (their overdue and response counters change with time alone). So whatever
wrote the cases (the API, Open311, a bulk import, a merge, the simulator), the roll-up equals the cases table as
of the refresh (tests/cases/test_kpi_rollup.py checks it, on both databases).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, String, Text, and_, delete, func, insert, literal, null, or_, select, text
from sqlalchemy import cast as sql_cast
from sqlalchemy.orm import Session

from citybrain.cases import kpi_sums
from citybrain.cases.kpis import UNRESOLVED
from citybrain.models import Case, CaseRollup, CaseRollupState

#: The dimensions kept: "" (every case of the day), the KPI service's four and the request type (the cockpit's
#: breakdowns).
DIMS: dict[str, Any] = {"": None, **kpi_sums.RAW_COLUMNS, "request_type": Case.request_type}
COUNTERS = kpi_sums.COUNTER_ORDER
#: The dimensions whose rows keep the medians' durations (the total and the department ranking's).
WITH_DURATIONS = ("", "department")
assert set(COUNTERS) <= set(CaseRollup.__table__.c.keys()), "a Tally counter has no column in case_rollup"
#: Writes committed late (a long transaction stamped before the last refresh) are still seen for this long.
LOOKBACK = timedelta(minutes=2)
#: Ids below the highest one seen that are recomputed anyway: 0, as no writer commits a case below an id already
#: seen — SQLite has one writer, and on PostgreSQL a case written through the case service or intake carries an
#: ``updated_at`` of its write (the look-back above sees it); the tests set it and LOOKBACK to 0.
ID_LOOKBACK = 0


def state(session: Session) -> CaseRollupState | None:
    return session.get(CaseRollupState, 1)


def received_span(session: Session) -> tuple[datetime | None, datetime | None]:
    """The first and last receipt time of all the cases (two statements: each is one step down the index)."""
    return session.scalar(select(func.min(Case.created_at))), session.scalar(select(func.max(Case.created_at)))


def _max_case_id(session: Session) -> int:
    """The newest case's id (0 without cases): what a refresh has seen, and how a new case is noticed."""
    return int(session.scalar(select(func.coalesce(func.max(Case.id), 0))) or 0)


def _lock(session: Session) -> None:
    """One refresh at a time across processes: a PostgreSQL transaction lock (SQLite's writes queue already)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext('case_rollup'))"))


def refresh(
    session: Session,
    *,
    offset: timedelta,
    as_of: datetime,
    now: datetime,
    lookback: timedelta = LOOKBACK,
    id_lookback: int = ID_LOOKBACK,
) -> None:
    """Bring the roll-up to the cases table as of ``as_of`` (days local to ``offset``) in this write transaction:
    all of it on its first refresh or when the offset changed, else only the days that may have changed (module
    docstring; the tests set the look-backs to zero to see that each kind of change is found)."""
    _lock(session)
    prepared = prepare(session, offset=offset, as_of=as_of, now=now, lookback=lookback, id_lookback=id_lookback)
    if prepared is not None:
        apply(session, prepared)  # read under the lock in this transaction: nothing can have come in between
        return
    minutes = int(offset.total_seconds() // 60)
    max_id = _max_case_id(session)
    session.execute(delete(CaseRollup))
    _fill(session, offset, as_of, None)
    current = state(session)
    if current is None:
        current = CaseRollupState(id=1)
        session.add(current)
    current.offset_minutes, current.as_of, current.refreshed_at, current.max_case_id = minutes, as_of, now, max_id
    session.flush()


@dataclass(frozen=True)
class Prepared:
    """The rows of the days a refresh recomputes, read without writing (:func:`prepare`), and the state they were
    read against: :func:`apply` writes them only if no other refresh came in between."""

    seen: tuple[int, datetime, datetime, int]  # offset_minutes, as_of, refreshed_at, max_case_id as read
    days: list[date]
    rows: list[dict[str, Any]]
    as_of: datetime
    now: datetime
    max_id: int

    @property
    def unchanged(self) -> bool:
        """Nothing to write: no case written and no deadline passed since the roll-up's last refresh."""
        return not self.days and self.max_id == self.seen[3]


def prepare(
    session: Session,
    *,
    offset: timedelta,
    as_of: datetime,
    now: datetime,
    lookback: timedelta = LOOKBACK,
    id_lookback: int = ID_LOOKBACK,
) -> Prepared | None:
    """A refresh's work done in a read-only session, so that SQLite's single writer is not held while the
    changed days are summed (it was the writer's longest hold under the soak: 150–280 ms): None when the roll-up
    has to be filled whole (first refresh, the offset changed) — that stays :func:`refresh`'s. ``now``: taken
    before this session's first read (what changes after it, the next refresh sees)."""
    current = state(session)
    if current is None or current.offset_minutes != int(offset.total_seconds() // 60):
        return None
    seen = _seen(current)
    max_id = _max_case_id(session)
    days = touched_days(session, current, offset=offset, as_of=as_of, lookback=lookback, id_lookback=id_lookback)
    rows = [row for span in (_ranges(days) if days else ()) for row in _summed(session, offset, as_of, span)]
    return Prepared(seen, sorted(days), rows, as_of, now, max_id)


def apply(session: Session, prepared: Prepared) -> bool:
    """Write :func:`prepare`'s rows in the write transaction; False (nothing written) when the roll-up changed
    since they were read — then :func:`refresh` does it in the transaction."""
    _lock(session)
    current = state(session)
    if current is None or _seen(current) != prepared.seen:
        return False
    if prepared.days:
        session.execute(delete(CaseRollup).where(CaseRollup.day.in_(prepared.days)))
        if prepared.rows:
            session.execute(insert(CaseRollup), prepared.rows)
    current.as_of, current.refreshed_at, current.max_case_id = prepared.as_of, prepared.now, prepared.max_id
    session.flush()
    return True


def _seen(current: CaseRollupState) -> tuple[int, datetime, datetime, int]:
    """What a refresh read the roll-up's state as: another refresh since changes it."""
    return current.offset_minutes, current.as_of, current.refreshed_at, current.max_case_id


def touched_days(
    session: Session,
    current: CaseRollupState,
    *,
    offset: timedelta,
    as_of: datetime,
    lookback: timedelta = LOOKBACK,
    id_lookback: int = ID_LOOKBACK,
) -> set[date]:
    """The local days whose counters may differ from the roll-up's: each test its own indexed query."""
    low, high = sorted((current.as_of, as_of))
    open_states = [s.value for s in UNRESOLVED]
    tests = [
        Case.id > current.max_case_id - id_lookback,
        Case.updated_at >= current.refreshed_at - lookback,
        and_(Case.status.in_(open_states), Case.due_at >= low, Case.due_at <= high),
        and_(Case.accept_due_at >= low, Case.accept_due_at <= high),
    ]
    day = kpi_sums.local_day(session, offset)
    days: set[date] = set()
    for test in tests:
        days.update(kpi_sums.as_date(d) for d in session.scalars(select(day).where(test).distinct()))
    return days


def _ranges(days: Iterable[date]) -> Iterator[tuple[date, date]]:
    """Runs of consecutive days, as (first, last)."""
    ordered = sorted(days)
    first = last = ordered[0]
    for day in ordered[1:]:
        if day != last + timedelta(days=1):
            yield first, last
            first = day
        last = day
    yield first, last


def _utc_midnight(day: date, offset: timedelta) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC) - offset


def _fill(session: Session, offset: timedelta, as_of: datetime, days: tuple[date, date] | None) -> None:
    """Insert the rows of the cases received on ``days`` (all of them when None), one statement per dimension."""
    for names, rows in _sums_per_dimension(session, offset, as_of, days):
        session.execute(insert(CaseRollup).from_select(names, rows))


def _summed(session: Session, offset: timedelta, as_of: datetime, days: tuple[date, date]) -> list[dict[str, Any]]:
    """The rows :func:`_fill` would insert for ``days``, read (a few days' worth: :func:`prepare`'s)."""
    out: list[dict[str, Any]] = []
    for names, rows in _sums_per_dimension(session, offset, as_of, days):
        for row in session.execute(rows):
            summed = dict(zip(names, row, strict=True))
            summed["day"] = kpi_sums.as_date(summed["day"])  # SQLite gives the local day as text
            out.append(summed)
    return out


def _sums_per_dimension(
    session: Session, offset: timedelta, as_of: datetime, days: tuple[date, date] | None
) -> Iterator[tuple[list[str], Select[Any]]]:
    """Per dimension, the roll-up's column names and the SELECT of its rows for the cases received on ``days``."""
    counters = kpi_sums.per_case(as_of)
    day = kpi_sums.local_day(session, offset)
    where = []
    if days is not None:
        where = [Case.created_at >= _utc_midnight(days[0], offset),
                 Case.created_at < _utc_midnight(days[1] + timedelta(days=1), offset)]  # fmt: skip
    for dim, column in DIMS.items():
        value = null() if column is None else sql_cast(column, String(64))
        groups = [day] if column is None else [day, column]
        sums: list[ColumnElement[Any]] = [func.sum(counters[name]) for name in COUNTERS]
        names = ["day", "dim", "value", *COUNTERS]
        if dim in WITH_DURATIONS:
            sums += [_listed(session, kpi_sums.duration_or_null(session, which)) for which in ("accept", "resolve")]
            names += ["accept_us", "resolve_us"]
        yield names, select(day, literal(dim), value, *sums).where(*where).group_by(*groups)


def _listed(session: Session, microseconds: ColumnElement[Any]) -> ColumnElement[Any]:
    """The group's durations as comma-separated text (NULLs left out; NULL when none), in no order."""
    if session.get_bind().dialect.name == "postgresql":
        return func.string_agg(sql_cast(microseconds, Text), literal(","))
    return func.group_concat(microseconds, literal(","))


def durations(
    session: Session, *, dim: str, first: date, last: date, value: str | None = None
) -> list[tuple[date, str | None, str | None, str | None]]:
    """(day, value, accept µs, resolve µs) rows of ``dim`` (one of :data:`WITH_DURATIONS`) over ``first``..``last``
    (only ``value``'s when given)."""
    conditions = [CaseRollup.dim == dim, CaseRollup.day >= first, CaseRollup.day <= last]
    if value is not None:
        conditions.append(CaseRollup.value == value)
    columns = (CaseRollup.day, CaseRollup.value, CaseRollup.accept_us, CaseRollup.resolve_us)
    return [(kpi_sums.as_date(r[0]), r[1], r[2], r[3]) for r in session.execute(select(*columns).where(*conditions))]


def received_by(session: Session, *, dim: str, first: date, last: date) -> list[tuple[str | None, int]]:
    """(value, cases received) of ``dim`` over the local days ``first``..``last``."""
    column = CaseRollup.value
    stmt = select(column, func.sum(CaseRollup.received)).where(
        CaseRollup.dim == dim, CaseRollup.day >= first, CaseRollup.day <= last
    )
    return [(value, int(n or 0)) for value, n in session.execute(stmt.group_by(column))]


def sums(
    session: Session, *, dim: str, first: date, last: date, value: str | None = None, subtree: bool = False
) -> list[tuple[date, str | None, dict[str, int]]]:
    """(day, value, counters) per local day of ``first``..``last`` and value of ``dim``; only ``value`` when given
    (and, with ``subtree``, every category code below it)."""
    columns = [CaseRollup.day, CaseRollup.value]
    conditions = [CaseRollup.dim == dim, CaseRollup.day >= first, CaseRollup.day <= last]
    if value is not None:
        match = CaseRollup.value == value
        if subtree:
            match = or_(match, CaseRollup.value.startswith(value + ".", autoescape=True))
        conditions.append(match)
    stmt = select(*columns, *(func.sum(CaseRollup.__table__.c[name]) for name in COUNTERS))
    stmt = stmt.where(*conditions).group_by(*columns)
    return [
        (
            kpi_sums.as_date(row[0]),
            None if row[1] is None else str(row[1]),
            {name: int(v or 0) for name, v in zip(COUNTERS, row[2:], strict=True)},
        )
        for row in session.execute(stmt)
    ]
