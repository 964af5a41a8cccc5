"""The periodic report against hand-computed numbers (see factories.py), on both databases."""

from __future__ import annotations

from math import comb
from typing import Any

import pytest

from citybrain.core.db import Database
from citybrain.core.errors import InvalidInput
from citybrain.insight import service as insight
from citybrain.reports import service
from citybrain.reports.ranking import CategoryCounts, problem_candidates
from citybrain.reports.service import ReportOptions, parse_period
from tests.reports.factories import AS_OF, city

OPTIONS = ReportOptions(as_of=AS_OF)


@pytest.fixture
def report(db: Database) -> dict[str, Any]:
    with db.transaction() as session:
        city(session)
    with db.reading() as session:
        return service.monthly_report(session=session, period=parse_period(month="2026-02"), options=OPTIONS)


def by(rows: list[dict[str, Any]], key: str) -> dict[Any, dict[str, Any]]:
    return {row[key]: row for row in rows}


def binomial_tail(k: int, n: int, p: float) -> float:
    """P(X >= k) for X ~ Binomial(n, p), written out."""
    return sum(comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(k, n + 1))


def test_header_names_the_period_and_its_previous_month(report: dict[str, Any]) -> None:
    period = report["header"]["period"]
    assert (period["from"], period["to"], period["days"]) == ("2026-02-01", "2026-02-28", 28)
    assert (period["previous_from"], period["previous_to"]) == ("2026-01-01", "2026-01-31")
    assert report["header"]["as_of"] == "2026-03-05T00:00:00Z"
    names = {d["name"] for d in report["header"]["definitions"]}
    assert {"response_rate", "resolution_rate", "satisfaction_rate", "overdue", "rejected", "score"} <= names
    assert report["total"]["received"] == 16  # February only: 8 noise, 6 power, 2 roads


def test_departments_ranked_by_the_weighted_three_rates(report: dict[str, Any]) -> None:
    rows = report["departments"]
    assert [r["department"] for r in rows[:2]] == ["power", "water"]
    power, water = rows[0], rows[1]
    assert (power["rank"], power["score"], power["received"]) == (1, 1.0, 1)
    assert (water["rank"], water["received"], water["overdue"], water["rejected"]) == (2, 2, 1, 1)
    assert (water["response_rate"], water["resolution_rate"], water["satisfaction_rate"]) == (0.5, 0.5, 0.5)
    assert water["score"] == 0.5  # 0.1·0.5 + 0.45·0.5 + 0.45·0.5
    idle = [r for r in rows if r["received"] == 0]
    assert idle
    assert all(r["rank"] is None and r["score"] is None for r in idle)
    undispatched = by(rows, "department")[None]
    assert (undispatched["received"], undispatched["rank"]) == (13, None)
    assert undispatched["department_name"] == "未派单 not dispatched"


def test_districts_ranked(report: dict[str, Any]) -> None:
    rows = by(report["districts"], "district")
    kd1, kd2 = rows["kd1"], rows["kd2"]
    assert (kd1["received"], kd2["received"]) == (8, 8)
    assert kd1["satisfaction_rate"] == 0.75  # 5, 2, 5, 4
    assert kd1["score"] == round(0.1 * 0.5 + 0.45 * 0.5 + 0.45 * 0.75, 4)  # 0.6125
    assert kd2["score"] == round(0.1 * 1 + 0.45 * 1 + 0.45 * 0.25, 4)  # 0.6625: 4, 1, 2, 2 scored
    assert (kd2["rank"], kd1["rank"]) == (1, 2)


def test_problem_candidates_volume_significant_rise_and_low_satisfaction(report: dict[str, Any]) -> None:
    problems = report["problems"]
    assert [p["category"] for p in problems] == ["noise.residential", "utilities.power"]  # roads: 2 < 5 cases
    noise, power = problems
    share = 28 / (28 + 31)  # February's share of the two months' days
    p_noise, p_power = binomial_tail(8, 9, share), binomial_tail(6, 12, share)
    assert noise["p_value"] == pytest.approx(p_noise, abs=1e-6)
    assert power["p_value"] == pytest.approx(p_power, abs=1e-6)
    assert noise["q_value"] == pytest.approx(min(2 * p_noise, p_power), abs=1e-6)  # Benjamini-Hochberg, m = 2
    assert (noise["rising"], power["rising"]) == (True, False)
    assert noise["rate_ratio"] == round((8 / 28) / (1 / 31), 3)
    assert (noise["volume_score"], noise["growth_score"], noise["dissatisfaction_score"]) == (1.0, 1.0, 0.0)
    assert noise["score"] == 0.7
    # power: city rate 4/8 = 0.5; shrunk (1 + 10·0.5) / (4 + 10) = 0.4286; shortfall 0.0714 / 0.5 = 0.1429
    assert power["satisfaction_shrunk"] == 0.4286
    assert power["dissatisfaction_score"] == 0.1429
    assert power["score"] == round(0.4 * 6 / 8 + 0.3 * (0.5 - 6 / 14) / 0.5, 4)
    assert any("显著上升 significant rise" in r for r in noise["reasons"])
    assert any("满意率偏低 low satisfaction" in r for r in power["reasons"])


def test_a_small_rise_is_not_a_surge(db: Database) -> None:
    """3 cases after 1 is a tripling but not evidence of a rise: growth scores 0."""
    with db.transaction() as session:
        city(session)
    with db.reading() as session:
        options = ReportOptions(as_of=AS_OF, category_level=1)
        rep = service.monthly_report(session=session, period=parse_period(month="2026-02"), options=options)
    assert "roads" not in by(rep["problems"], "category")  # two cases: not a candidate at all
    (small,) = problem_candidates([CategoryCounts("x", 5, 2)], current_days=28, previous_days=31)
    assert (small.rising, small.growth_score) == (False, 0.0)
    assert small.p_value == pytest.approx(binomial_tail(5, 7, 28 / 59), abs=1e-6)


def test_any_period_compares_with_the_same_number_of_days_before(db: Database) -> None:
    period = parse_period(start="2026-02-05", end="2026-02-11")
    assert period.days == 7
    assert [d.isoformat() for d in period.previous] == ["2026-01-29", "2026-02-04"]
    with db.transaction() as session:
        city(session)
    with db.reading() as session:
        rep = service.monthly_report(session=session, period=period, options=OPTIONS)
    assert rep["total"]["received"] == 12  # n1..n6, p1, q1..q5
    noise = by(rep["problems"], "category")["noise.residential"]
    assert (noise["current"], noise["previous"]) == (6, 2)  # w1, w2 fall on 02-03 and 02-04


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"month": "2026-13"}, "month must look like"),
        ({"month": "Feb"}, "month must look like"),
        ({"month": "2026-02", "start": "2026-02-01"}, "not both"),
        ({"start": "2026-02-01"}, "say which period"),
        ({}, "say which period"),
        ({"start": "2026-03-01", "end": "2026-02-01"}, "is after"),
        ({"start": "2026-02-30", "end": "2026-03-01"}, "must be a date"),
    ],
)
def test_bad_periods_are_refused_clearly(params: dict[str, str], message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        parse_period(**params)


def test_saved_as_an_insight_run_of_kind_report(db: Database, report: dict[str, Any]) -> None:
    with db.transaction() as session:
        run_id = insight.save(session, service.report_record(report))
    with db.reading() as session:
        stored = insight.get_run(session, run_id)
    assert stored["kind"] == "report"
    assert stored["summary"]["problems"][0]["category"] == "noise.residential"
    assert stored["params"]["label"] == "2026-02"
    keys = [r["key"] for r in stored["results"]]
    assert keys[:3] == ["problem:noise.residential", "problem:utilities.power", "department:power"]
    assert "district:kd2" in keys


def test_a_previous_period_the_data_only_partly_covers_is_compared_by_its_covered_days(db: Database) -> None:
    """The first cases are on 2025-12-20, so December counts 12 days: 2 power cases then vs 6 in January's 31."""
    with db.transaction() as session:
        city(session)
    with db.reading() as session:
        january = service.monthly_report(session=session, period=parse_period(month="2026-01"), options=OPTIONS)
    power = by(january["problems"], "category")["utilities.power"]
    assert (power["current"], power["previous"]) == (6, 2)
    assert power["rate_ratio"] == round((6 / 31) / (2 / 12), 3)
    assert power["p_value"] == pytest.approx(binomial_tail(6, 8, 31 / (31 + 12)), abs=1e-6)


def test_no_data_before_the_period_means_growth_is_not_judged() -> None:
    (first,) = problem_candidates([CategoryCounts("x", 40, 0)], current_days=31, previous_days=0)
    assert (first.rising, first.rate_ratio, first.growth_score, first.p_value) == (False, None, 0.0, 1.0)
    assert any("no data in the previous period" in r for r in first.reasons)
