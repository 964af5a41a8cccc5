"""KPI reports read from the daily roll-up (日汇总, :mod:`citybrain.cases.rollup_repository`) instead of the cases.

A report the roll-up can answer — a window of local days, grouped by at most one dimension or filtered by at most
one, in a zone with one UTC offset — is summed from a few thousand roll-up rows and is the report
:func:`citybrain.cases.kpi_service.kpi_report` computes from the cases, as of the roll-up's last refresh
(tests/cases/test_kpi_rollup.py). The medians are not rolled up (they need every duration): asked for, they are
taken from the cases, as the KPI service takes them. Anything else: ``None``, and the caller asks the KPI service.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from citybrain.cases import kpi_repository, kpi_service, kpi_sums, rollup_repository
from citybrain.cases.kpi_service import KpiQuery, KpiReport
from citybrain.cases.kpis import Tally, evaluate, local_date
from citybrain.core import clock

_DAY = timedelta(days=1)


def plan(query: KpiQuery) -> tuple[str, str | None] | None:
    """Which roll-up rows answer ``query`` — (dimension, the filter's value or None) — or None when none can."""
    filters = [(dim, getattr(query, dim)) for dim in kpi_service.DIMENSIONS if getattr(query, dim)]
    if query.start is None or query.end is None or len(query.by) + len(filters) > 1:
        return None
    if query.by:
        return query.by[0], None
    return filters[0] if filters else ("", None)


def refresh(session: Session, *, timezone: str, as_of: datetime, **lookbacks: Any) -> bool:
    """Bring the roll-up to the cases as of ``as_of`` (``lookbacks``: the repository's, for the tests); False
    (nothing done) in a zone whose offset changes over the cases' days: local days are no shifted UTC date."""
    tz = clock.city_zone(timezone)
    earliest, latest = kpi_sums.created_range(session, kpi_repository.FactFilter())
    today = local_date(as_of, tz)
    first = min(local_date(earliest, tz), today) if earliest else today
    last = max(local_date(latest, tz), today) if latest else today
    offset = kpi_service.zone_offset(tz, first - _DAY, last + _DAY)
    if offset is None:
        return False
    rollup_repository.refresh(session, offset=offset, as_of=as_of, now=clock.utcnow(), **lookbacks)
    return True


def report(
    *, session: Session, query: KpiQuery, language: str = "zh-CN", medians: Collection[str] = ()
) -> KpiReport | None:
    """``query``'s report summed from the roll-up, judged at its last refresh's as-of time (the report's
    ``as_of``), or None when the roll-up cannot answer it. ``medians`` (``accept``, ``resolve``) are computed
    from the cases when the report has no period and no category grouping; otherwise they are left empty."""
    found, current, first, last = plan(query), rollup_repository.state(session), query.start, query.end
    if found is None or current is None or first is None or last is None:
        return None
    tz = clock.city_zone(query.timezone)
    offset = kpi_service.zone_offset(tz, first - _DAY, last + _DAY)
    if offset is None or int(offset.total_seconds() // 60) != current.offset_minutes:
        return None
    query = replace(query, as_of=current.as_of)
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
        keys = (int(raw_value) if dim == "department" and raw_value is not None else raw_value,) if query.by else ()
        kpi_service._add_counts(raw.tally(keys, day), counts.values())
    total = Tally()
    for tally in raw.groups.values():
        total.merge(tally)
    if medians and query.period is None and "category" not in query.by:
        for which in medians:
            for row in kpi_sums.middle_durations(session, where, query.by, None, which):
                kpi_service._samples(raw.tally(row[:-1], None), which).append(kpi_service._hours(row[-1]))
            middle = [kpi_service._hours(row[-1]) for row in kpi_sums.middle_durations(session, where, (), None, which)]
            setattr(total, f"{which}_hours", middle)
    rows_out = kpi_service._rows(query, directory, raw.groups, first, last)
    return KpiReport(query, kpi_service._key_columns(query), rows_out, evaluate(total))
