"""SQL for the cockpit's case volumes (城市运行驾驶舱): grouped counts, never rows.

Each function is a GROUP BY over the cases a :class:`~citybrain.cases.kpi_repository.FactFilter` covers (the same
WHERE as the KPI report), so a million cases come back as a few hundred rows. Two things differ by dialect and are
kept here: the UTC hour a case was received in (the caller folds hours into local days, so any whole-hour time zone
works without time-zone SQL) and the floor of a coordinate (SQLite has no ``floor`` without its math extension;
its integer cast truncates, which is the floor for the positive latitudes and longitudes of China).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Integer, cast, func, literal_column, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from citybrain.cases.kpi_repository import FactFilter, fact_conditions
from citybrain.models import Case


def _hour(session: Session) -> ColumnElement[Any]:
    if session.get_bind().dialect.name == "sqlite":
        return func.strftime("%Y-%m-%d %H", Case.created_at)
    return func.to_char(func.timezone("UTC", Case.created_at), literal_column("'YYYY-MM-DD HH24'"))


def hourly_counts(session: Session, where: FactFilter) -> list[tuple[datetime, int]]:
    """Cases received per UTC hour (aware UTC instants at the hour's start), hours without cases left out."""
    hour = _hour(session).label("hour")
    stmt = select(hour, func.count()).where(*fact_conditions(where)).group_by(hour)
    return [
        (datetime.strptime(str(key), "%Y-%m-%d %H").replace(tzinfo=UTC), int(n)) for key, n in session.execute(stmt)
    ]


#: The columns the cockpit breaks a window's cases down by (every one is in ``ix_cases_cockpit``).
DIMENSIONS: dict[str, Any] = {
    "category": Case.category_code,
    "district": Case.district_code,
    "channel": Case.channel,
    "request_type": Case.request_type,
    "department": Case.department_id,
}


def counts_by(session: Session, where: FactFilter, dimension: str) -> list[tuple[Any, int]]:
    """(value, cases) of one dimension (a category code, district code, channel, request type or department id)
    over the window, read from the covering index: one small GROUP BY per dimension rather than one over every
    combination (tens of thousands of groups)."""
    column = DIMENSIONS[dimension]
    stmt = select(column, func.count()).where(*fact_conditions(where)).group_by(column)
    return [(value, int(n)) for value, n in session.execute(stmt)]


def _floor(session: Session, value: ColumnElement[Any]) -> ColumnElement[Any]:
    if session.get_bind().dialect.name == "sqlite":
        return cast(value, Integer)
    return cast(func.floor(value), Integer)


def binned_counts(session: Session, where: FactFilter, per_degree: int) -> list[tuple[int, int, int]]:
    """Located cases per square bin of ``1/per_degree`` degrees: (lat index, lon index, count) — no case's point."""
    row = _floor(session, Case.lat * per_degree).label("row")
    col = _floor(session, Case.lon * per_degree).label("col")
    located = [Case.lat.is_not(None), Case.lon.is_not(None), Case.lat > 0, Case.lon > 0]
    stmt = select(row, col, func.count()).where(*fact_conditions(where), *located).group_by(row, col)
    return [(int(r), int(c), int(n)) for r, c, n in session.execute(stmt)]


def centre_of(session: Session, case_ids: Sequence[int]) -> tuple[float, float] | None:
    """The mean point of the located cases among ``case_ids`` (where a hot issue is drawn), or None."""
    ids = list(case_ids)[:500]
    if not ids:
        return None
    stmt = select(func.avg(Case.lat), func.avg(Case.lon)).where(Case.id.in_(ids), Case.lat.is_not(None))
    lat, lon = session.execute(stmt).one()
    return None if lat is None or lon is None else (float(lat), float(lon))
