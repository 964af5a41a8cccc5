"""SQL for KPI reports, dialect-neutral (SQLite and PostgreSQL).

The database filters (the receipt window, department, district, category subtree, channel) and streams the
few columns a report needs, for the Python fold (kpis.Tally.add, the reference). The sums of the same counters in
SQL, which most reports use, are in kpi_sums.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, DateTime, func, or_, select, type_coerce
from sqlalchemy.orm import Session

from citybrain.cases.kpis import CaseFacts
from citybrain.models import Case, Category, Department, District

BATCH = 10_000


@dataclass(frozen=True)
class FactFilter:
    """Which cases a report covers: received in [start, end) (UTC instants) and the optional filters."""

    start: datetime | None = None
    end: datetime | None = None
    department_id: int | None = None
    department_ids: frozenset[int] | None = None  # the units under a supervising department (主管部门)
    district_code: str | None = None
    category_code: str | None = None
    channel: str | None = None


_DATETIMES = {
    "created_at",
    "dispatched_at",
    "accept_due_at",
    "accepted_at",
    "due_at",
    "resolved_at",
    "closed_at",
    "callback_at",
}


def _same(value: datetime) -> Any:
    return value


def _fact_columns() -> list[Any]:
    """The columns of :class:`CaseFacts`; times skip the UTCDateTime wrapper (see :func:`naive_utc_times`)."""
    columns = []
    for name in CaseFacts._fields:
        column = getattr(Case, name)
        columns.append(type_coerce(column, DateTime()).label(name) if name in _DATETIMES else column)
    return columns


def _conditions(where: FactFilter, c: Any = Case, at: Callable[[datetime], Any] = _same) -> list[ColumnElement[bool]]:
    """The filters over the columns ``c`` (the table ``cases``, or the insight plane's view: ``kpi_view``), the
    window's instants written by ``at``."""
    conditions: list[ColumnElement[bool]] = []
    if where.start is not None:
        conditions.append(c.created_at >= at(where.start))
    if where.end is not None:
        conditions.append(c.created_at < at(where.end))
    if where.department_id is not None:
        conditions.append(c.department_id == where.department_id)
    if where.department_ids is not None:
        conditions.append(c.department_id.in_(sorted(where.department_ids)))
    if where.district_code is not None:
        conditions.append(c.district_code == where.district_code)
    if where.category_code is not None:
        code = where.category_code
        within = c.category_code.startswith(code + ".", autoescape=True)
        conditions.append(or_(c.category_code == code, within))
    if where.channel is not None:
        conditions.append(c.channel == where.channel)
    return conditions


def fact_conditions(
    where: FactFilter, c: Any = Case, at: Callable[[datetime], Any] = _same
) -> list[ColumnElement[bool]]:
    """The WHERE clauses of ``where`` (other counts over the same cases, e.g. the cockpit's, share them; the
    engines' KPI counting compiles them over its view, ``kpi_view``)."""
    return _conditions(where, c, at)


def naive_utc_times(session: Session) -> bool:
    """Whether :func:`case_facts` gives times as naive UTC (SQLite stores them so) rather than aware (PostgreSQL).

    Reading a year of cases, making 1.2 million datetimes aware one by one costs seconds; the report instead
    compares like with like and makes only the receipt time aware when it needs the local date.
    """
    return session.get_bind().dialect.name == "sqlite"


def case_facts(session: Session, where: FactFilter) -> Iterator[CaseFacts]:
    """Stream the facts of every case matching ``where``, in batches so memory stays flat."""
    stmt = select(*_fact_columns()).where(*_conditions(where))
    result = session.connection().execute(stmt.execution_options(yield_per=BATCH))
    for partition in result.partitions():
        yield from cast("list[CaseFacts]", partition)


def department_by_code(session: Session, code: str) -> Department | None:
    return session.scalars(select(Department).where(Department.code == code)).first()


def department_names(session: Session) -> dict[int, tuple[str, str, str]]:
    """Every department: id → (code, 中文名, English name)."""
    rows = session.execute(select(Department.id, Department.code, Department.name_zh, Department.name_en))
    return {r.id: (r.code, r.name_zh, r.name_en) for r in rows}


def supervised_ids(session: Session, supervisor_id: int) -> frozenset[int]:
    """The units outside government (社会协同单位) a department supervises."""
    return frozenset(session.scalars(select(Department.id).where(Department.supervisor_id == supervisor_id)))


def district_names(session: Session) -> dict[str, tuple[str, str]]:
    rows = session.execute(select(District.code, District.name_zh, District.name_en))
    return {r.code: (r.name_zh, r.name_en) for r in rows}


def category_names(session: Session) -> dict[str, tuple[str, str, int, bool]]:
    """Every category: code → (中文名, English name, level, active)."""
    rows = session.execute(select(Category.code, Category.name_zh, Category.name_en, Category.level, Category.active))
    return {r.code: (r.name_zh, r.name_en, r.level, r.active) for r in rows}


def category_exists(session: Session, code: str) -> bool:
    return session.get(Category, code) is not None


# --- the landing page's tiles: plain counts of the live table -----------------------------------------------------


def _count(session: Session, *where: ColumnElement[bool]) -> int:
    return int(session.scalar(select(func.count()).select_from(Case).where(*where)) or 0)


def received_since(session: Session, since: datetime) -> int:
    """Cases received (受理) at or after ``since``."""
    return _count(session, Case.created_at >= since)


def in_states(session: Session, states: Iterable[str]) -> int:
    """Cases whose status is one of ``states`` now."""
    return _count(session, Case.status.in_(list(states)))


def past_due_in_states(session: Session, states: Iterable[str], now: datetime) -> int:
    """Cases in one of ``states`` whose resolve deadline (办结时限) passed before ``now``."""
    return _count(session, Case.status.in_(list(states)), Case.due_at < now)
