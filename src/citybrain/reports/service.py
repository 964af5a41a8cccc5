"""The periodic KPI and ranking report (月度考核报告): three rates by department and district, ranked, and the
period's 每月一题 candidates — one dict shared by the JSON, the Excel workbook, the CSV zip and the stored run.

The KPI arithmetic is the registry's (``cases.kpis``) through ``cases.kpi_service.kpi_report``; this module only
chooses the windows, ranks (``reports.ranking``) and counts categories against the previous period of equal length.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from citybrain.cases import joint_service, kpi_repository, kpi_service
from citybrain.cases.kpis import KPIS, Tally, category_at_level, local_date
from citybrain.core import clock
from citybrain.core.errors import InvalidInput
from citybrain.core.inputs import check_day
from citybrain.insight.service import ResultItem, RunRecord
from citybrain.reports import ranking, repository

#: The KPI columns each unit row carries (names from the KPI registry).
UNIT_KPIS = (
    "received", "dispatched", "response_rate", "resolution_rate", "satisfaction_rate", "satisfaction_mean",
    "overdue", "overdue_open", "rejected", "reopened", "median_hours_to_resolve",
)  # fmt: skip
_MONTH = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")
MAX_DAYS = 366 * 5


@dataclass(frozen=True)
class ReportPeriod:
    """Local dates, both ends inclusive; ``previous`` is the period of equal length just before."""

    start: date
    end: date
    label: str

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def previous(self) -> tuple[date, date]:
        if self.label.count("-") == 1:  # a calendar month: the previous calendar month
            last = self.start - timedelta(days=1)
            return last.replace(day=1), last
        return self.start - timedelta(days=self.days), self.start - timedelta(days=1)


def parse_period(*, month: str | None = None, start: str | None = None, end: str | None = None) -> ReportPeriod:
    """``--month 2026-02`` or ``--from 2026-02-01 --to 2026-02-14``; exactly one of the two forms."""
    if month and (start or end):
        raise InvalidInput("give either month (YYYY-MM) or from/to dates, not both")
    if month:
        found = _MONTH.match(month)
        if not found or not 1 <= int(found.group(2)) <= 12:
            raise InvalidInput(f"month must look like 2026-02, not {month!r}")
        year, number = int(found.group(1)), int(found.group(2))
        last_day = calendar.monthrange(year, number)[1]
        return ReportPeriod(date(year, number, 1), date(year, number, last_day), f"{year}-{number:02d}")
    if not (start and end):
        raise InvalidInput("say which period: month=YYYY-MM, or both from and to (YYYY-MM-DD)")
    first, last = parse_date(start, "from"), parse_date(end, "to")
    if first > last:
        raise InvalidInput(f"from ({first}) is after to ({last})")
    if (last - first).days >= MAX_DAYS:
        raise InvalidInput(f"a report covers at most {MAX_DAYS} days")
    return ReportPeriod(first, last, f"{first.isoformat()}..{last.isoformat()}")


def parse_date(value: str, name: str) -> date:
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(f"{name} must be a date like 2026-01-31, not {value!r}") from None
    return check_day(name, day)


@dataclass(frozen=True)
class ReportOptions:
    timezone: str = "Asia/Shanghai"
    language: str = "zh-CN"
    as_of: str | datetime | None = None
    category_level: int = 2
    top: int = 10
    problem_weights: ranking.ProblemWeights = field(default_factory=ranking.ProblemWeights)


def monthly_report(
    *, session: Session, period: ReportPeriod, options: ReportOptions, counter: kpi_service.CaseCounter | None = None
) -> dict[str, Any]:
    """Compute the whole report (reads only). ``counter``: count the cases on that engine (``insight.kpis``, the
    batch command's ``CITYBRAIN_ENGINE``) instead of the database; the joint-handling figures and the directory's
    names are read from the database either way."""
    if options.category_level not in kpi_service.CATEGORY_LEVELS:
        raise InvalidInput(f"category level must be 1, 2 or 3, not {options.category_level}")
    if not 1 <= options.top <= 1000:
        raise InvalidInput(f"top must be between 1 and 1000, not {options.top}")
    departments = _unit_report(session, period, options, "department", counter)
    districts = _unit_report(session, period, options, "district", counter)
    problems = _problems(session, period, options, counter)
    previous = period.previous
    header = {
        "title_zh": "12345 考核与排名报告",
        "title_en": "12345 KPI and ranking report",
        "period": {"label": period.label, "from": period.start.isoformat(), "to": period.end.isoformat(),
                   "days": period.days, "previous_from": previous[0].isoformat(),
                   "previous_to": previous[1].isoformat()},
        "generated_at": clock.iso(clock.utcnow()),
        "as_of": departments.query.params()["as_of"],
        "timezone": options.timezone,
        "engine": departments.engine,
        "category_level": options.category_level,
        "definitions": definitions(options.problem_weights),
    }  # fmt: skip
    return {
        "kind": "report.monthly",
        "header": header,
        "total": {name: departments.total[name] for name in UNIT_KPIS},
        "departments": ranking.rank_units(_unit_rows(departments, "department"), "department"),
        "districts": ranking.rank_units(_unit_rows(districts, "district"), "district"),
        "problems": problems,
        **_joint(session, period, options, departments.query.as_of),
    }


def _joint(session: Session, period: ReportPeriod, options: ReportOptions, as_of: datetime) -> dict[str, Any]:
    """联合办理与吹哨报到: the city's joint figures (each joint case once) and each participating department's."""
    joint = joint_service.joint_kpi_report(
        session=session, start=period.start, end=period.end, timezone=options.timezone, as_of=as_of
    )
    return {"joint_total": joint["city"], "joint_departments": joint["departments"]}


def _unit_report(
    session: Session, period: ReportPeriod, options: ReportOptions, by: str, counter: kpi_service.CaseCounter | None
) -> kpi_service.KpiReport:
    query = kpi_service.parse_query(
        timezone=options.timezone, by=by, start=period.start, end=period.end, as_of=options.as_of
    )
    return kpi_service.kpi_report(session=session, query=query, language=options.language, counter=counter)


#: What the row of cases without a department / district stands for.
_NO_UNIT = {"department": "未派单 not dispatched", "district": "未定位 no district"}


def _unit_rows(report: kpi_service.KpiReport, dim: str) -> list[dict[str, Any]]:
    return [
        {
            dim: r[dim],
            f"{dim}_name": _NO_UNIT[dim] if r[dim] is None else r[f"{dim}_name"],
            **{k: r[k] for k in UNIT_KPIS},
        }
        for r in report.rows
    ]


def _category_tallies(
    session: Session, start: date, end: date, options: ReportOptions, counter: kpi_service.CaseCounter | None
) -> dict[str | None, Tally]:
    """One Tally per category (rolled up to the report's level) over the cases received in [start, end]; the
    counters only (received, scored, satisfied are what the candidates read), no durations."""
    where = kpi_repository.FactFilter(
        start=clock.local_midnight_utc(start, options.timezone),
        end=clock.local_midnight_utc(end + timedelta(days=1), options.timezone),
    )
    if counter is not None:
        found: dict[str | None, Tally] = {}
        for keys, _day, counts in counter.counter_rows(where, ("category",), None, _NEVER):
            rolled = found.setdefault(category_at_level(keys[0], options.category_level), Tally())
            kpi_service.add_counts(rolled, counts.values())
        return found
    naive = kpi_repository.naive_utc_times(session)  # SQLite keeps naive UTC times, PostgreSQL aware ones
    as_of = datetime.max if naive else datetime.max.replace(tzinfo=UTC)  # noqa: DTZ901
    tallies: dict[str | None, Tally] = {}
    for facts in kpi_repository.case_facts(session, where):
        key = category_at_level(facts.category_code, options.category_level)
        tally = tallies.get(key)
        if tally is None:
            tally = tallies[key] = Tally()
        tally.add(facts, as_of)
    return tallies


#: The as-of time of the category tallies (no counter they read depends on it).
_NEVER = datetime(9999, 12, 31, tzinfo=UTC)


def _covered_days(
    session: Session, start: date, end: date, timezone: str, counter: kpi_service.CaseCounter | None
) -> int:
    """Days of [start, end] on or after the first case in the database: a previous period the data only partly
    covers (a new system, a recent import) is compared by its covered days, not its calendar length."""
    first = repository.first_case_at(session) if counter is None else counter.first_case_at()
    if first is None:
        return 0
    first_day = local_date(first, clock.city_zone(timezone))
    return max(0, (end - max(start, first_day)).days + 1)


def _problems(
    session: Session, period: ReportPeriod, options: ReportOptions, counter: kpi_service.CaseCounter | None
) -> list[dict[str, Any]]:
    now = _category_tallies(session, period.start, period.end, options, counter)
    before_start, before_end = period.previous
    before = _category_tallies(session, before_start, before_end, options, counter)
    empty = Tally()
    counts = [
        ranking.CategoryCounts(
            code=code, current=t.received, previous=before.get(code, empty).received,
            scored=t.scored, satisfied=t.satisfied,
        )
        for code, t in now.items()
        if code is not None
    ]  # fmt: skip
    previous_days = _covered_days(session, before_start, before_end, options.timezone, counter)
    found = ranking.problem_candidates(
        counts, current_days=period.days, previous_days=previous_days, weights=options.problem_weights
    )
    names = kpi_repository.category_names(session)
    english = options.language.lower().startswith("en")
    rows = []
    for position, candidate in enumerate(found[: options.top], start=1):
        zh, en = names.get(candidate.code, (None, None, 0, True))[:2]
        rows.append({"rank": position, "category": candidate.code,
                     "category_name": (en or zh) if english else zh, **candidate.as_dict()})  # fmt: skip
        rows[-1].pop("code")
    return rows


def definitions(weights: ranking.ProblemWeights) -> list[dict[str, str]]:
    """What each column means, in the header of every output (the KPI registry's own words for the KPIs)."""
    registry = {k.name: k for k in KPIS}
    found = [
        {"name": name, "name_zh": registry[name].name_zh, "name_en": registry[name].name_en,
         "definition": registry[name].definition}
        for name in UNIT_KPIS
    ]  # fmt: skip
    w = ranking.RATE_WEIGHTS
    found.append({
        "name": "score", "name_zh": "三率综合得分", "name_en": "composite score",
        "definition": (
            f"Weighted mean of the three rates: 响应率 {w['response_rate']:.0%}, 解决率 {w['resolution_rate']:.0%}, "
            f"满意率 {w['satisfaction_rate']:.0%}; a rate without data is left out and the weights renormalised. "
            "Units are ranked by it (ties: fewer overdue, then fewer 退单); units without cases are not ranked."
        ),
    })  # fmt: skip
    found.append({
        "name": "problem_score", "name_zh": "每月一题候选得分", "name_en": "problem candidate score",
        "definition": (
            f"{weights.volume}·volume + {weights.growth}·growth + {weights.dissatisfaction}·dissatisfaction. "
            "volume = cases / the largest category's cases; growth = min(1, log2 of the daily-rate ratio to the "
            "previous period) only when the rise is significant (exact binomial test of two Poisson counts, "
            f"Benjamini-Hochberg q <= {weights.alpha}); dissatisfaction = shortfall of the satisfaction rate, shrunk "
            f"towards the city's with {weights.prior_strength:g} pseudo-callbacks, below the city's rate, as a share "
            f"of it. Categories with fewer than {weights.min_cases} cases in the period are not candidates."
        ),
    })  # fmt: skip
    return found


def report_record(report: dict[str, Any]) -> RunRecord:
    """A computed report as an insight run of kind ``report`` (stored by ``insight.service.save``).

    The run's summary is the whole report (what GET /reports/monthly returns); its ranked items are the
    每月一题 candidates, then the departments and districts, keyed ``problem:…``, ``department:…``, ``district:…``.
    """
    items = [
        ResultItem(key=f"{prefix}:{row[field_name]}", score=row.get("score"), payload=row)
        for section, prefix, field_name in (
            ("problems", "problem", "category"),
            ("departments", "department", "department"),
            ("districts", "district", "district"),
        )
        for row in report[section]
        if row.get("rank") is not None
    ]
    period = report["header"]["period"]
    return RunRecord(
        kind="report",
        source="database",
        params={"report": "monthly", **period, "as_of": report["header"]["as_of"], "engine": report["header"]["engine"],
                "category_level": report["header"]["category_level"]},
        summary=report,
        items=items,
    )  # fmt: skip
