"""KPI reports read from the daily roll-up (日汇总, :mod:`citybrain.cases.rollup_repository`) instead of the cases.

A report the roll-up can answer — a window of local days, grouped by at most one dimension or filtered by at most
one, in a zone with one UTC offset — is summed from a few thousand roll-up rows and is the report
:func:`citybrain.cases.kpi_service.kpi_report` computes from the cases, as of the roll-up's last refresh
(tests/cases/test_kpi_rollup.py). A median is no sum: the roll-up keeps every duration, per day, for all cases
and per department (the ranking's); another dimension's medians are taken from the cases, as the KPI service
takes them. Anything else: ``None``, and the caller asks the KPI service.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from citybrain.cases import kpi_repository, kpi_service, kpi_sums, rollup_repository
from citybrain.cases.kpi_service import KpiQuery, KpiReport
from citybrain.cases.kpis import Tally, evaluate, local_date
from citybrain.core import clock
from citybrain.core.db import Database

_DAY = timedelta(days=1)


def plan(query: KpiQuery) -> tuple[str, str | None] | None:
    """Which roll-up rows answer ``query`` — (dimension, the filter's value or None) — or None when none can."""
    filters = [(dim, getattr(query, dim)) for dim in kpi_service.DIMENSIONS if getattr(query, dim)]
    if query.start is None or query.end is None or query.supervisor or len(query.by) + len(filters) > 1:
        return None
    if query.by:
        return query.by[0], None
    return filters[0] if filters else ("", None)


def refresh(session: Session, *, timezone: str, as_of: datetime, **lookbacks: Any) -> bool:
    """Bring the roll-up to the cases as of ``as_of`` (``lookbacks``: the repository's, for the tests); False
    (nothing done) in a zone whose offset changes over the cases' days: local days are no shifted UTC date."""
    offset = _offset(session, timezone, as_of)
    if offset is None:
        return False
    rollup_repository.refresh(session, offset=offset, as_of=as_of, now=clock.utcnow(), **lookbacks)
    return True


def _usable(session: Session, query: KpiQuery) -> bool:
    """Whether the roll-up's days are the query's local days (a refreshed roll-up, the zone's one offset)."""
    current, first, last = rollup_repository.state(session), query.start, query.end
    if current is None or first is None or last is None:
        return False
    offset = kpi_service.zone_offset(clock.city_zone(query.timezone), first - _DAY, last + _DAY)
    return offset is not None and int(offset.total_seconds() // 60) == current.offset_minutes


def received_per_day(session: Session, query: KpiQuery) -> dict[date, int] | None:
    """Cases received per local day of ``query``'s window (its one filter applied), or None when the roll-up
    cannot answer."""
    found = plan(replace(query, by=()))
    if found is None or query.by or not _usable(session, query) or query.start is None or query.end is None:
        return None
    dim, value = found
    if dim == "department" and value is not None:
        value = str(kpi_service.fact_filter(session, query).department_id)
    days: dict[date, int] = {}
    rows = rollup_repository.sums(
        session, dim=dim, first=query.start, last=query.end, value=value, subtree=dim == "category"
    )
    for day, _value, counts in rows:
        days[day] = days.get(day, 0) + counts["received"]
    return days


def received_by(session: Session, query: KpiQuery, dim: str) -> list[tuple[str | int | None, int]] | None:
    """(raw value, cases received) per value of ``dim`` (a KPI dimension or ``request_type``) over ``query``'s
    window when it has no filter and no grouping (the department as its id), or None."""
    if plan(query) != ("", None) or not _usable(session, query) or query.start is None or query.end is None:
        return None
    rows = rollup_repository.received_by(session, dim=dim, first=query.start, last=query.end)
    if dim == "department":
        return [(None if v is None else int(v), n) for v, n in rows]
    return [(v, n) for v, n in rows]


def _offset(session: Session, timezone: str, as_of: datetime) -> timedelta | None:
    """The zone's one UTC offset over every case's day and today, or None."""
    tz = clock.city_zone(timezone)
    earliest, latest = rollup_repository.received_span(session)
    today = local_date(as_of, tz)
    first = min(local_date(earliest, tz), today) if earliest else today
    last = max(local_date(latest, tz), today) if latest else today
    return kpi_service.zone_offset(tz, first - _DAY, last + _DAY)


def bring_up_to_date(db: Database, query: KpiQuery) -> bool:
    """Refresh the roll-up to ``query``'s as-of time when it can answer ``query`` (the days changed since the last
    refresh are recomputed: usually none or today); whether it is now current for ``query``. The changed days
    are summed in a read-only session and only written in the write transaction (SQLite's one writer is held
    for the writing alone); the first fill, or a refresh another process made in between, is done in it."""
    if plan(query) is None:
        return False
    with db.one_rollup_refresh():
        now = clock.utcnow()
        with db.reading() as session:  # usually nothing changed: no write, no wait for SQLite's writer
            prepared = prepare(session, timezone=query.timezone, as_of=query.as_of, now=now)
        if prepared is not None and prepared.unchanged:
            return True
        with db.transaction() as session:
            if prepared is not None and rollup_repository.apply(session, prepared):
                return True
            return refresh(session, timezone=query.timezone, as_of=query.as_of)


def prepare(
    session: Session, *, timezone: str, as_of: datetime, now: datetime, **lookbacks: Any
) -> rollup_repository.Prepared | None:
    """The rows a refresh to ``as_of`` would write, read without writing (None: the refresh must be made in the
    write transaction — the first fill, a changed offset, or a zone with more than one offset)."""
    offset = _offset(session, timezone, as_of)
    if offset is None:
        return None
    return rollup_repository.prepare(session, offset=offset, as_of=as_of, now=now, **lookbacks)


def complete(query: KpiQuery) -> bool:
    """Whether the roll-up gives every figure of ``query``'s report, each group's medians and the total's too:
    from its lists of durations (all cases, per department) or, with no period and no category grouping, from
    the middle durations of the cases."""
    found = plan(query)
    if found is None:
        return False
    if found[0] in rollup_repository.WITH_DURATIONS and query.by in ((), ("department",)):
        return True
    return query.period is None and "category" not in query.by


def full_report(
    db: Database, query: KpiQuery, *, language: str = "zh-CN", max_cells: int | None = None
) -> KpiReport | None:
    """``query``'s whole report (medians included) from the roll-up brought to its as-of time, stated at that
    time; None when the roll-up cannot give all of it (then the KPI service reads the cases)."""
    if not complete(query) or not bring_up_to_date(db, query):
        return None
    with db.reading() as session:
        return report(
            session=session, query=query, language=language, medians=("accept", "resolve"),
            max_cells=max_cells, stated_as_of=query.as_of,
        )  # fmt: skip


def report(
    *,
    session: Session,
    query: KpiQuery,
    language: str = "zh-CN",
    medians: Collection[str] = (),
    total_medians: bool = True,
    max_cells: int | None = None,
    stated_as_of: datetime | None = None,
) -> KpiReport | None:
    """``query``'s report summed from the roll-up, judged at its last refresh's as-of time (the report's
    ``as_of``), or None when the roll-up cannot answer it. ``medians`` (``accept``, ``resolve``): over all cases
    or per department (grouped or filtered) from the roll-up's lists of durations, any period; otherwise from
    the cases when the report has no period and no category grouping (the total's too unless not
    ``total_medians``); otherwise they are left empty. ``max_cells``: as the KPI service's. ``stated_as_of``: the
    time the report names when the caller brought the roll-up up to date to it (:func:`bring_up_to_date`)."""
    found, current, first, last = plan(query), rollup_repository.state(session), query.start, query.end
    if found is None or current is None or first is None or last is None:
        return None
    tz = clock.city_zone(query.timezone)
    offset = kpi_service.zone_offset(tz, first - _DAY, last + _DAY)
    if offset is None or int(offset.total_seconds() // 60) != current.offset_minutes:
        return None
    query = replace(query, as_of=stated_as_of or current.as_of)
    where = kpi_service._fact_filter(session, query, tz)  # checks the department and category
    directory = kpi_service._Directory(
        kpi_repository.department_names(session), kpi_repository.district_names(session),
        kpi_repository.category_names(session), english=language.lower().startswith("en"),
    )  # fmt: skip
    dim, value = found
    if dim == "department" and value is not None:
        value = str(where.department_id)
    raw = kpi_service._RawGroups(query, [kpi_service._key_maker(d, query, directory) for d in query.by], True)
    rows = rollup_repository.sums(session, dim=dim, first=first, last=last, value=value, subtree=dim == "category")
    for day, raw_value, counts in rows:
        kpi_service.add_counts(raw.tally(_raw_key(query, dim, raw_value), day), counts.values())
    if medians and dim in rollup_repository.WITH_DURATIONS and query.by in ((), ("department",)):
        _listed_medians(session, query, raw, dim, value, medians)
    total = Tally()
    for tally in raw.groups.values():
        total.merge(tally)
    if medians and dim not in rollup_repository.WITH_DURATIONS and query.period is None and "category" not in query.by:
        _middle_medians(session, query, raw, total, medians, total_medians=total_medians)
    rows_out = kpi_service._rows(query, directory, raw.groups, first, last, max_cells)
    return KpiReport(query, kpi_service._key_columns(query), rows_out, evaluate(total))


def _raw_key(query: KpiQuery, dim: str, value: str | None) -> tuple[Any, ...]:
    if not query.by:
        return ()
    return (int(value) if dim == "department" and value is not None else value,)


def _listed_medians(
    session: Session,
    query: KpiQuery,
    raw: kpi_service._RawGroups,
    dim: str,
    value: str | None,
    medians: Collection[str],
) -> None:
    """Every duration of the window, from the roll-up's lists per day, into its group (the total: all groups)."""
    first, last = query.start, query.end
    if first is None or last is None:  # report() answers windows only
        return
    rows = rollup_repository.durations(session, dim=dim, first=first, last=last, value=value)
    for day, raw_value, accept, resolve in rows:
        tally = raw.tally(_raw_key(query, dim, raw_value), day)
        for which, listed in (("accept", accept), ("resolve", resolve)):
            if which in medians and listed:
                kpi_service._samples(tally, which).extend(_hours_of(listed))


def _hours_of(listed: str) -> list[float]:
    """A roll-up list of microseconds (``"5400000000,…"``) as hours, each the float :func:`kpi_service._hours` gives
    (int64 to float64 is exact below 2⁵³ µs, and each division is rounded once, as Python's): parsed by numpy, a
    year's list at a megacity is millions long."""
    hours: list[float] = (np.fromstring(listed, dtype=np.int64, sep=",") / 1_000_000 / 3600).tolist()
    return hours


def _middle_medians(
    session: Session,
    query: KpiQuery,
    raw: kpi_service._RawGroups,
    total: Tally,
    medians: Collection[str],
    *,
    total_medians: bool,
) -> None:
    """The middle durations of each group (and of all the cases) from the cases, as the KPI service takes them."""
    where = kpi_service.fact_filter(session, query)
    for which in medians:
        for row in kpi_sums.middle_durations(session, where, query.by, None, which):
            kpi_service._samples(raw.tally(row[:-1], None), which).append(kpi_service._hours(row[-1]))
        if total_medians:
            middle = kpi_sums.middle_durations(session, where, (), None, which)
            setattr(total, f"{which}_hours", [kpi_service._hours(row[-1]) for row in middle])
