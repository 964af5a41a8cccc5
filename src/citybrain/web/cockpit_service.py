"""The command centre's figures (城市运行驾驶舱): the screen's filters, the map's layers, the trends, the ranking and
the board — shaped here, counted in SQL (:mod:`citybrain.cases.volume_repository`), the rates and the ranking
taken from the KPI service and the monthly report's ranking, never recomputed: summed from the daily roll-up
(:mod:`citybrain.cases.kpi_rollup`, the same report; the routes refresh it first) when it can answer the question.

The board is :mod:`citybrain.web.cockpit_board`, the kept answers :mod:`citybrain.web.answer_cache`.

Every figure carries what the desk needs to list the cases behind it (:func:`drill`): the desk's URL parameters
``category``, ``district``, ``channel``, ``status``, ``department``, ``from``, ``to`` (local dates, inclusive) and
the same cases as ``GET /api/v1/cases`` parameters (``created_from`` / ``created_to``, UTC instants).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from citybrain.cases import kpi_repository, kpi_rollup, kpi_service, volume_repository
from citybrain.cases.kpi_service import KpiQuery, KpiReport
from citybrain.cases.kpis import category_at_level, local_date, period_of, periods_between
from citybrain.cases.record import REQUEST_TYPES
from citybrain.cases.schemas import CHANNELS
from citybrain.core import clock
from citybrain.core.errors import InvalidInput
from citybrain.reports import ranking
from citybrain.reports.service import UNIT_KPIS
from citybrain.sensing import air_service
from citybrain.triage.places import city_features

#: The screen's window when none is asked: the last 30 local days, today included.
DEFAULT_DAYS = 30
#: The longest window the screen draws (a year and a day, so a leap year fits).
MAX_DAYS = 366
#: Case density bins: 1/200 degree (about 550 m north–south): no citizen's address can be read off a bin.
BINS_PER_DEGREE = 200
#: The three rates (三率) and overdue, by their names in the KPI registry.
RATE_NAMES = ("response_rate", "resolution_rate", "satisfaction_rate")


# --- the screen's filters -----------------------------------------------------------------------------------------


def screen_query(
    *,
    timezone: str,
    now: datetime,
    period: str | None,
    start: str | None,
    end: str | None,
    department: str | None,
    district: str | None,
    category: str | None,
    channel: str | None,
) -> KpiQuery:
    """The screen-wide filters as the KPI service's question (its checks, its messages); the last 30 days by
    default, one period of ``day``, ``week`` or ``month`` (day by default)."""
    if not (start or end):
        today = clock.city_today(timezone, now)
        start, end = (today - timedelta(days=DEFAULT_DAYS - 1)).isoformat(), today.isoformat()
    query = kpi_service.parse_query(
        timezone=timezone,
        period=period or "day",
        start=start,
        end=end,
        department=department,
        district=district,
        category=category,
        channel=channel,
        as_of=now,
    )
    if query.start is None or query.end is None:
        raise InvalidInput("give both from and to (YYYY-MM-DD), or neither for the last 30 days")
    if (query.end - query.start).days >= MAX_DAYS:
        raise InvalidInput(f"the cockpit shows at most {MAX_DAYS} days at once")
    return query


def _bounds(query: KpiQuery) -> tuple[date, date]:
    if query.start is None or query.end is None:  # screen_query sets both
        raise InvalidInput("the cockpit needs a window: from and to")
    return query.start, query.end


def drill(query: KpiQuery, **more: str | None) -> dict[str, dict[str, str]]:
    """The cases behind a figure: ``desk`` (the desk's URL parameters) and ``cases`` (``GET /api/v1/cases``'s)."""
    start, end = _bounds(query)
    tz = clock.city_zone(query.timezone)
    filters = {
        "department": query.department,
        "district": query.district,
        "category": query.category,
        "channel": query.channel,
    }
    filters.update(more)
    shown = {name: value for name, value in filters.items() if value}
    created_to = clock.local_midnight_utc(end + timedelta(days=1), tz)
    return {
        "desk": {**shown, "from": start.isoformat(), "to": end.isoformat()},
        "cases": {
            **shown,
            "created_from": str(clock.iso(clock.local_midnight_utc(start, tz))),
            "created_to": str(clock.iso(created_to)),
        },
    }


# --- the map ------------------------------------------------------------------------------------------------------


def city_geojson(session: Session) -> dict[str, Any]:
    """The city's districts as GeoJSON polygons (as stored; a district stored without a boundary has none) and the
    Demo City's grid cells when its cases are loaded — the features triage's gazetteer is built from
    (``properties.kind``: ``district`` / ``grid``)."""
    features, _names = city_features(session)
    return {"type": "FeatureCollection", "features": features}


def map_layers(session: Session, query: KpiQuery, *, now: datetime) -> dict[str, Any]:
    """Cases per district and per ~550 m bin (counts only), and the air stations' latest AQI."""
    where = kpi_service.fact_filter(session, query)
    names = kpi_repository.district_names(session)
    per_district = dict(volume_repository.counts_by(session, where, "district"))
    half = 0.5 / BINS_PER_DEGREE
    bins = [
        {"lat": round(r / BINS_PER_DEGREE + half, 5), "lon": round(c / BINS_PER_DEGREE + half, 5), "count": n}
        for r, c, n in volume_repository.binned_counts(session, where, BINS_PER_DEGREE)
    ]
    return {
        "params": _params(query),
        "bin_degrees": 1 / BINS_PER_DEGREE,
        "bins": bins,
        "districts": _named_counts(per_district, lambda code: names.get(code or ""), query, "district"),
        "air": air_stations(session, now=now, timezone=query.timezone),
    }


def air_stations(session: Session, *, now: datetime, timezone: str) -> list[dict[str, Any]]:
    """Each air station with a place: its latest day's AQI (the landing page's reading, ``aqi_report``)."""
    first, last = air_service.default_span(clock.city_today(timezone, now), "day")
    report = air_service.aqi_report(session, timezone=timezone, period="day", first=first, last=last)
    latest: dict[str, dict[str, Any]] = {}
    for record in report["records"]:
        if record["aqi"] is not None:
            latest[record["station"]] = record
    stations = []
    for name, (lat, lon) in sorted(air_service.station_points(session).items()):
        if name not in report["stations"]:
            continue
        record = latest.get(name)
        stations.append(
            {
                "name": name,
                "lat": lat,
                "lon": lon,
                "day": str(record["date"]) if record else None,
                "aqi": int(record["aqi"]) if record else None,
                "category": [record["category"], record["category_en"]] if record else None,
                "colour": record["colour"]["hex"] if record else "#9E9E9E",
            }
        )
    return stations


def _last_year(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def daily_counts(session: Session, query: KpiQuery) -> dict[date, int]:
    """Cases received per local day of the window (the roll-up's, else hours folded into the city's days)."""
    rolled = kpi_rollup.received_per_day(session, query)
    if rolled is not None:
        return rolled
    tz = clock.city_zone(query.timezone)
    days: dict[date, int] = defaultdict(int)
    for hour, n in volume_repository.hourly_counts(session, kpi_service.fact_filter(session, query)):
        days[local_date(hour, tz)] += n
    return days


def volume_series(query: KpiQuery, now_by: dict[str, int], previous: dict[date, int]) -> list[dict[str, Any]]:
    """Cases per period of the window (``now_by``: period label → cases) beside the same period a year before
    (同比: ``previous``, cases per local day of last year's window)."""
    start, end = _bounds(query)
    period = query.period or "day"
    before_by: dict[str, int] = defaultdict(int)
    for day, n in previous.items():
        before_by[period_of(day, period)] += n
    before_labels = periods_between(_last_year(start), _last_year(end), period)
    spans: dict[str, tuple[date, date]] = {}
    day = start
    while day <= end:
        label = period_of(day, period)
        spans[label] = (spans.get(label, (day, day))[0], day)
        day += timedelta(days=1)
    rows = []
    for i, label in enumerate(periods_between(start, end, period)):
        then = before_labels[i] if i < len(before_labels) else None
        first, last = spans[label]
        rows.append(
            {"period": label, "count": now_by.get(label, 0), "last_year_period": then,
             "last_year": before_by.get(then, 0) if then else None,
             "drill": drill(replace(query, start=first, end=last))}
        )  # fmt: skip
    return rows


def kpi_report(session: Session, query: KpiQuery, language: str, medians: tuple[str, ...] = ()) -> KpiReport:
    """The KPI service's report for ``query``: summed from the daily roll-up when it can answer it (its medians
    only those asked for, the groups' only: the screen reads no median of the total), else computed from the
    cases."""
    rolled = kpi_rollup.report(session=session, query=query, language=language, medians=medians, total_medians=False)
    return rolled or kpi_service.kpi_report(session=session, query=query, language=language)


def trends(session: Session, query: KpiQuery, *, language: str = "zh-CN") -> dict[str, Any]:
    """Volumes per period with last year's, the breakdowns, and the rates and overdue per period (KPI service:
    its ``received`` per period is the volume, so the window's cases are read once for both)."""
    start, end = _bounds(query)
    report = kpi_report(session, query, language)
    year_before = replace(query, start=_last_year(start), end=_last_year(end))
    previous = daily_counts(session, year_before)
    kpis = ("received", *RATE_NAMES, "overdue", "overdue_open")
    return {
        "params": _params(query),
        "drill": drill(query),
        "total": report.total["received"],
        "last_year_total": sum(previous.values()),
        "volume": volume_series(query, {str(r["period"]): int(r["received"]) for r in report.rows}, previous),
        "by": breakdowns(session, query),
        "rates": [{"period": row["period"], **{k: row[k] for k in kpis}} for row in report.rows],
        "kpis": {k: report.total[k] for k in kpis},
    }


def _channel_names(code: str) -> tuple[str, str]:
    text = CHANNELS.get(code)
    found = re.match(r"^([^A-Za-z]+?)\s+([A-Za-z].*)$", text or "")
    return (found.group(1), found.group(2)) if found else (code, code)


_REQUEST_NAMES = {code: (zh, code) for zh, code in REQUEST_TYPES.items()}


def breakdowns(session: Session, query: KpiQuery) -> dict[str, Any]:
    """Cases by top-level category, district, channel, request type and department, largest first (the roll-up's
    counts for the whole city, else the covering index's)."""
    where = kpi_service.fact_filter(session, query)
    categories = kpi_repository.category_names(session)
    districts = kpi_repository.district_names(session)
    departments = kpi_repository.department_names(session)
    by_code = {v[0]: (v[1], v[2]) for v in departments.values()}
    sums: dict[str, dict[str | None, int]] = {}
    for dim in volume_repository.DIMENSIONS:
        sums[dim] = defaultdict(int)
        rolled = kpi_rollup.received_by(session, query, dim)
        counts: list[tuple[Any, int]] = volume_repository.counts_by(session, where, dim) if rolled is None else rolled
        for value, n in counts:
            if dim == "category":
                value = category_at_level(value, 1)
            elif dim == "department":
                value = departments[value][0] if value in departments else None
            sums[dim][value] += n
    namers: dict[str, Callable[[str | None], tuple[str, str] | None]] = {
        "category": lambda c: categories[c][:2] if c in categories else None,
        "district": lambda c: districts.get(c or ""),
        "channel": lambda c: _channel_names(c) if c else None,
        "request_type": lambda c: _REQUEST_NAMES.get(c or ""),
        "department": lambda c: by_code.get(c or ""),
    }
    return {dim: _named_counts(sums[dim], namers[dim], query, dim) for dim in sums}


def _named_counts(
    counts: dict[str | None, int],
    name: Callable[[str | None], tuple[str, str] | None],
    query: KpiQuery,
    dim: str,
) -> list[dict[str, Any]]:
    rows = []
    for code, n in sorted(counts.items(), key=lambda item: (-item[1], str(item[0]))):
        names = name(code) if code is not None else ("未填", "not given")
        row: dict[str, Any] = {
            "code": code,
            "name_zh": (names or (code, code))[0],
            "name_en": (names or (code, code))[1],
            "count": n,
        }
        if code is not None and dim != "request_type":  # the case list filters every dimension but request type
            row["drill"] = drill(query, **{dim: code})
        rows.append(row)
    return rows


def _params(query: KpiQuery) -> dict[str, Any]:
    params = query.params()
    return {k: params[k] for k in ("period", "from", "to", "department", "district", "category", "channel", "as_of")}


# --- the ranking --------------------------------------------------------------------------------------------------


def ranking_query(query: KpiQuery) -> KpiQuery:
    """The KPI service's question behind the ranking: the screen's window, per department."""
    return replace(query, by=("department",), period=None, department=None)


def department_ranking(session: Session, query: KpiQuery, *, language: str = "zh-CN") -> dict[str, Any]:
    """考核排名: the monthly report's department ranking (``reports.ranking.rank_units`` over the KPI service's
    rows) for the screen's window — the same order ``GET /api/v1/reports/monthly`` gives for that window."""
    unit = ranking_query(query)
    report = kpi_report(session, unit, language, medians=("resolve",))
    rows = [
        {"department": r["department"], "department_name": r["department_name"], **{k: r[k] for k in UNIT_KPIS}}
        for r in report.rows
        if r["department"] is not None
    ]
    ranked = ranking.rank_units(rows, "department")
    for row in ranked:
        row["drill"] = drill(replace(query, department=None), department=row["department"])
    return {"params": _params(query), "weights": ranking.RATE_WEIGHTS, "departments": ranked}
