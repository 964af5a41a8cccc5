"""The numbers on the public landing page and the portal: volumes and open cases from the cases table, the three
rates from the daily roll-up brought up to date (:func:`rates`; the same numbers as ``GET /api/v1/kpis`` for the
same window), the latest analyses.

Public: nothing here carries a citizen's name or phone, and case texts are masked before they leave.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Any, Protocol

from sqlalchemy.orm import Session

from citybrain.alerts import repository as alerts_repository
from citybrain.analytics.sensor_faults import FLAG_NAMES_ZH, KIND_NAMES
from citybrain.cases import kpi_repository, kpi_rollup, kpi_service
from citybrain.cases import repository as cases_repository
from citybrain.cases.kpis import KpiValue
from citybrain.cases.lifecycle import OPEN_STATES, STATUS_NAMES, UNRESOLVED_STATES, Status
from citybrain.core import clock
from citybrain.core.db import Database
from citybrain.core.errors import NotFound
from citybrain.core.privacy import mask_text
from citybrain.insight import service as insight_service
from citybrain.sensing import air_service, parking_service
from citybrain.sensing.air_store import passed
from citybrain.sensing.aqi import CATEGORIES
from citybrain.sensing.parking_repository import CarParkStream, LatestReading

#: The rates are over the cases received in the last this many local days, today included.
RATE_DAYS = 30
#: The three rates (三率) the pages show, by their names in cases.kpis.KPIS.
RATES = ("response_rate", "resolution_rate", "satisfaction_rate")


@dataclass(frozen=True)
class LatestCase:
    id: int
    created: str
    category: str
    district: str
    status: str
    title: str
    text: str


@dataclass(frozen=True)
class Overview:
    today: int
    month: int
    open: int
    overdue: int
    response_rate: float | None  # 响应率: signed for (签收) within the deadline
    resolution_rate: float | None  # 解决率: callbacks (回访) saying "resolved"
    satisfaction_rate: float | None  # 满意率: satisfied (4 or 5), kpis.SATISFIED_AT_LEAST
    latest: list[LatestCase]


def rate_window(today: date) -> tuple[date, date]:
    """The rates' window: the last :data:`RATE_DAYS` local days, today included (``from`` and ``to`` of the API)."""
    return today - timedelta(days=RATE_DAYS - 1), today


def rates(db: Database, *, now: datetime, timezone: str) -> dict[str, KpiValue]:
    """The KPIs of :func:`rate_window` judged at ``now``, from the daily roll-up brought up to date — a month summed
    from a few hundred rows, where reading the month's cases took 3 s of the landing page's 3.4 at 20,000,000
    cases (bench/results/pg_scale_20000000.json) — or from the cases where the roll-up cannot answer."""
    today = clock.city_today(clock.city_zone(timezone), now)
    start, end = rate_window(today)
    query = kpi_service.parse_query(timezone=timezone, start=start, end=end, as_of=now)
    if kpi_rollup.bring_up_to_date(db, query):
        with db.reading() as session:
            report = kpi_rollup.report(session=session, query=query, stated_as_of=now)
        if report is not None:
            return report.total
    with db.reading() as session:
        return kpi_service.totals(session=session, timezone=timezone, start=start, end=end, as_of=now)


def overview(
    session: Session, *, now: datetime, timezone: str, rates: dict[str, KpiValue] | None = None, latest: int = 10
) -> Overview:
    """Cases today and this month (local days), open and overdue now, and the three rates of :func:`rate_window`
    (``rates``: :func:`rates`' answer; None: from the cases in ``session``)."""
    tz = clock.city_zone(timezone)
    today = clock.city_today(tz, now)
    if rates is None:
        start, end = rate_window(today)
        rates = kpi_service.totals(session=session, timezone=timezone, start=start, end=end, as_of=now)
    return Overview(
        today=kpi_repository.received_since(session, clock.local_midnight_utc(today, tz)),
        month=kpi_repository.received_since(session, clock.local_midnight_utc(today.replace(day=1), tz)),
        open=kpi_repository.in_states(session, [s.value for s in OPEN_STATES]),
        overdue=kpi_repository.past_due_in_states(session, [s.value for s in UNRESOLVED_STATES], now),
        response_rate=_rate(rates["response_rate"]),
        resolution_rate=_rate(rates["resolution_rate"]),
        satisfaction_rate=_rate(rates["satisfaction_rate"]),
        latest=_latest(session, tz, latest),
    )


def _rate(value: KpiValue) -> float | None:
    return None if value is None else float(value)


def _latest(session: Session, tz: tzinfo, limit: int) -> list[LatestCase]:
    rows = []
    for case in cases_repository.recent_cases(session, limit):
        zh, en = STATUS_NAMES.get(Status(case.status), (case.status, case.status))
        text = mask_text(case.text) or ""
        rows.append(
            LatestCase(
                id=case.id,
                created=clock.as_utc(case.created_at).astimezone(tz).strftime("%Y-%m-%d %H:%M"),
                category=case.category_zh or case.category_code or "—",
                district=case.district_zh or case.district_code or "—",
                status=f"{zh} {en}",
                title=mask_text(case.title) or "",
                text=text if len(text) <= 80 else text[:80] + "…",
            )
        )
    return rows


@dataclass(frozen=True)
class InsightLine:
    """One line of the cockpit's insight panels: a headline and the numbers behind it."""

    title: str
    detail: str


@dataclass(frozen=True)
class Insight:
    open_alerts: int
    alerts: list[InsightLine]
    hot_issues: list[InsightLine] | None  # None: never computed
    associations: list[InsightLine] | None


def insight(session: Session, *, shown: int = 5) -> Insight:
    """The latest stored analyses: open alerts (预警), the hot-issue board (热点) and category associations (关联)."""
    alerts, open_count = alerts_repository.list_alerts(session, status="open", limit=shown, offset=0)
    return Insight(
        open_alerts=open_count,
        alerts=[_alert_line(alert) for alert in alerts],
        hot_issues=_lines(_latest_results(session, "hot_issues", shown), _hot_line),
        associations=_lines(_latest_results(session, "associations", shown), _rule_line),
    )


def _lines(
    results: list[dict[str, Any]] | None, line: Callable[[dict[str, Any]], InsightLine]
) -> list[InsightLine] | None:
    return None if results is None else [line(item) for item in results]


def _latest_results(session: Session, kind: str, shown: int) -> list[dict[str, Any]] | None:
    """The newest run's first results; None when no run of this kind was ever stored."""
    try:
        run = insight_service.latest(session, kind, limit=shown)
    except NotFound:
        return None
    results: list[dict[str, Any]] = run["results"]
    return results


class _AlertFacts(Protocol):
    """What a panel line reads of an alert (alerts' ORM row)."""

    @property
    def title(self) -> str: ...
    @property
    def first_signal_on(self) -> date: ...
    @property
    def last_signal_on(self) -> date: ...
    @property
    def recurrence_days(self) -> float | None: ...


def _alert_line(alert: _AlertFacts) -> InsightLine:
    days = alert.recurrence_days
    rarity = f", 约{days:.0f}天一遇 once in ~{days:.0f} days" if days else ""
    return InsightLine(alert.title, f"{alert.first_signal_on} – {alert.last_signal_on}{rarity}")


def _hot_line(item: dict[str, Any]) -> InsightLine:
    issue = item["payload"]
    title = f"{issue.get('place') or '—'} · {issue.get('description') or ''}"
    span = f"{str(issue.get('start', ''))[:10]} – {str(issue.get('end', ''))[:10]}"
    detail = f"热度 heat {issue.get('heat', 0):.1f} · {issue.get('count', 0)} 条 messages · {span}"
    return InsightLine(title, detail)


def _rule_line(item: dict[str, Any]) -> InsightLine:
    rule = item["payload"]
    title = " + ".join(rule.get("antecedent", [])) + " → " + " + ".join(rule.get("consequent", []))
    where = len(rule.get("examples", []))
    detail = f"lift {rule.get('lift', 0):.1f} · q {rule.get('q_value', 1):.2g} · {where} 处 places/weeks"
    return InsightLine(title, detail)


@dataclass(frozen=True)
class AirStation:
    """One station's line of the air-quality panel: its latest day with an AQI (HJ 633-2012), or none yet."""

    name: str
    district: str
    day: str | None
    aqi: int | None
    level: str  # 二级 Level II
    category: str  # 良 Good
    colour: str  # the category's colour, #RRGGBB
    primary: str  # 首要污染物: "—" at AQI ≤ 50

    @property
    def colour_class(self) -> str:
        """``aqi-1`` … ``aqi-6``: the category's colour comes from citybrain.css, never a style attribute (CSP)."""
        levels = {category.hex: category.level for category in CATEGORIES}
        return f"aqi-{levels[self.colour]}" if self.colour in levels else "aqi-none"


def air_quality(session: Session, *, now: datetime, timezone: str) -> list[AirStation]:
    """Every stored station's latest complete day over the last 7 days (``GET /api/v1/air/aqi``'s default span),
    read through the same index function as that API."""
    first, last = air_service.default_span(clock.city_today(timezone, now), "day")
    report = air_service.aqi_report(session, timezone=timezone, period="day", first=first, last=last)
    if not report["stations"]:
        return []
    latest: dict[str, dict[str, Any]] = {}
    for record in report["records"]:
        if record["aqi"] is not None:
            latest[record["station"]] = record  # records are in date order within a station
    properties = air_service.station_properties(session)
    return [_air_line(name, latest.get(name), properties.get(name, {})) for name in report["stations"]]


def _air_line(name: str, record: dict[str, Any] | None, properties: dict[str, Any]) -> AirStation:
    zh, en = properties.get("district_zh"), properties.get("district_en")
    district = f"{zh} {en}" if zh and en else str(zh or properties.get("district") or "—")
    if record is None:
        return AirStation(name, district, None, None, "—", "—", "#FFFFFF", "—")
    return AirStation(
        name=name,
        district=district,
        day=str(record["date"]),
        aqi=int(record["aqi"]),
        level=f"{record['level']} {record['level_en']}",
        category=f"{record['category']} {record['category_en']}",
        colour=str(record["colour"]["hex"]),
        primary=", ".join(record["primary"]) or "—",
    )


@dataclass(frozen=True)
class CarPark:
    """One line of the car-park panel: the latest reading, how full that is, and its fault mark if it has one."""

    name: str
    district: str
    occupancy: int | None
    capacity: int | None
    percent: int | None  # of capacity, rounded; may pass 100 when the count does
    time: str | None  # local "YYYY-MM-DD HH:MM"
    fault: str | None  # "故障 fail · 超出车位数 over capacity" when the latest reading is not marked pass

    @property
    def meter_class(self) -> str:
        """``fill-0`` … ``fill-100`` in steps of 5: the meter's width from citybrain.css (no style attribute, CSP)."""
        share = min(max(self.percent or 0, 0), 100)
        return f"fill-{round(share / 5) * 5}"


def car_parks(session: Session, *, timezone: str) -> list[CarPark]:
    """Every stored car park's latest reading (``sensing.parking_service``), as the landing page shows it."""
    zone = clock.city_zone(timezone)
    return [_car_park_line(stream, latest, zone) for stream, latest in parking_service.latest_readings(session)]


def _car_park_line(stream: CarParkStream, latest: LatestReading | None, zone: tzinfo) -> CarPark:
    props = stream.thing_properties
    zh, en = props.get("name_zh"), props.get("name_en")
    name = f"{zh} {en}" if zh and en else str(props.get("name") or stream.code)
    district_zh, district_en = props.get("district_zh"), props.get("district_en")
    district = f"{district_zh} {district_en}" if district_zh and district_en else str(props.get("district") or "—")
    if latest is None:
        return CarPark(name, district, None, stream.capacity, None, None, None)
    count = int(latest.occupancy)
    share = round(100 * count / stream.capacity) if stream.capacity else None
    when = clock.as_utc(latest.time).astimezone(zone).strftime("%Y-%m-%d %H:%M")
    return CarPark(name, district, count, stream.capacity, share, when, _fault_label(latest.quality))


def _fault_label(quality: Any) -> str | None:
    if passed(quality):
        return None
    mark = quality if isinstance(quality, dict) else {"flag": str(quality)}
    flag = str(mark.get("flag") or "suspect")
    kind = KIND_NAMES.get(str(mark.get("fault")))
    what = f" · {kind[0]} {kind[1]}" if kind else ""
    return f"{FLAG_NAMES_ZH.get(flag, flag)} {flag}{what}"
