"""KPI values against hand-computed expectations (see kpi_factories for the scenario), on both databases."""

from __future__ import annotations

import statistics
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from citybrain.cases.kpi_rollup import _hours_of
from citybrain.cases.kpi_service import KpiReport, _hours, kpi_report, parse_query
from citybrain.cases.kpis import KPI_NAMES, median_hours, periods_between
from citybrain.cases.lifecycle import Status
from citybrain.core.db import Database
from citybrain.core.errors import InvalidInput
from tests.cases.kpi_factories import AS_OF, H, at, make_case, scenario

WINDOW: dict[str, Any] = {"start": "2026-01-01", "end": "2026-02-28", "as_of": AS_OF}
NOTHING = {name: None for name in KPI_NAMES} | {
    name: 0
    for name in ("received", "dispatched", "resolved", "closed", "rejected", "reopened", "overdue", "overdue_open",
                 "callbacks")
}  # fmt: skip


@pytest.fixture
def city(db: Database) -> Database:
    with db.transaction() as session:
        scenario(session)
    return db


def report(db: Database, **params: Any) -> KpiReport:
    with db.transaction() as session:
        query = parse_query(timezone="Asia/Shanghai", **(WINDOW | params))
        return kpi_report(session=session, query=query)


def row(rep: KpiReport, **keys: Any) -> dict[str, Any]:
    found = [r for r in rep.rows if all(r[k] == v for k, v in keys.items())]
    assert len(found) == 1, (keys, found)
    return found[0]


def kpis(values: dict[str, Any]) -> dict[str, Any]:
    return {name: values[name] for name in KPI_NAMES}


def test_totals_match_the_hand_computed_values(city: Database) -> None:
    assert report(city).total == {
        "received": 7,  # c1..c7; the two cases just outside the window are not counted
        "dispatched": 5,
        "resolved": 3,
        "closed": 2,
        "rejected": 3,
        "reopened": 1,
        "overdue": 2,  # c2 resolved late, c3 open past due
        "overdue_open": 1,
        "response_rate": 0.5,  # c1, c4 on time / c1, c2, c3, c4 (c6's deadline is after as_of)
        "callbacks": 3,
        "resolution_rate": 0.6667,
        "satisfaction_rate": 0.6667,  # 5 and 4 of 5, 2, 4
        "satisfaction_mean": 3.67,
        "median_hours_to_accept": 1.0,  # of 1, 5, 0.5
        "median_hours_to_resolve": 48.0,  # of 48, 192, 24
    }


def test_by_department_and_month_in_the_city_time_zone(city: Database) -> None:
    rep = report(city, by="department", period="month")
    assert rep.key_columns == ("department", "department_name", "period")
    water_jan = row(rep, department="water", period="2026-01")
    assert water_jan["department_name"] not in (None, "", "water")  # the directory's Chinese name
    assert kpis(water_jan) == {
        "received": 2, "dispatched": 2, "resolved": 2, "closed": 1, "rejected": 1, "reopened": 1,
        "overdue": 1, "overdue_open": 0, "response_rate": 0.5, "callbacks": 2, "resolution_rate": 0.5,
        "satisfaction_rate": 0.5, "satisfaction_mean": 3.5, "median_hours_to_accept": 3.0,
        "median_hours_to_resolve": 120.0,
    }  # fmt: skip
    # c3 arrived 2026-01-31T17:00Z, which is 1 February in Asia/Shanghai: power has nothing in January.
    assert kpis(row(rep, department="power", period="2026-01")) == NOTHING
    assert kpis(row(rep, department="power", period="2026-02")) == {
        "received": 3, "dispatched": 3, "resolved": 1, "closed": 1, "rejected": 2, "reopened": 0,
        "overdue": 1, "overdue_open": 1, "response_rate": 0.5, "callbacks": 1, "resolution_rate": 1.0,
        "satisfaction_rate": 1.0, "satisfaction_mean": 4.0, "median_hours_to_accept": 0.5,
        "median_hours_to_resolve": 24.0,
    }  # fmt: skip
    assert kpis(row(rep, department="water", period="2026-02")) == NOTHING
    assert row(rep, department=None, period="2026-01")["received"] == 1  # c7, at local midnight
    assert row(rep, department=None, period="2026-02")["received"] == 1  # c5


def test_every_directory_department_appears_even_without_cases(city: Database) -> None:
    rep = report(city, by="department")
    assert kpis(row(rep, department="education")) == NOTHING
    assert sum(r["received"] for r in rep.rows) == 7


def test_utc_would_put_the_boundary_case_in_another_month(city: Database) -> None:
    shanghai = report(city, by="department", period="month")
    utc = kpi_report_in(city, "UTC", by="department", period="month")
    assert row(shanghai, department="power", period="2026-01")["received"] == 0
    assert row(utc, department="power", period="2026-01")["received"] == 1


def kpi_report_in(db: Database, timezone: str, **params: Any) -> KpiReport:
    with db.transaction() as session:
        query = parse_query(timezone=timezone, **(WINDOW | params))
        return kpi_report(session=session, query=query)


def test_weeks_and_days_are_local_and_have_no_holes(city: Database) -> None:
    weeks = report(city, period="week", start="2026-01-26", end="2026-02-08")
    assert [(r["period"], r["received"]) for r in weeks.rows] == [("2026-W05", 1), ("2026-W06", 1)]
    days = report(city, period="day", start="2026-01-31", end="2026-02-02")
    assert [(r["period"], r["received"]) for r in days.rows] == [
        ("2026-01-31", 0),
        ("2026-02-01", 1),
        ("2026-02-02", 0),
    ]
    assert days.rows[0]["response_rate"] is None


def test_categories_roll_up_by_level(city: Database) -> None:
    level1 = report(city, by="category")
    assert [(k, row(level1, category=k)["received"]) for k in ("noise", "utilities", "roads")] == [
        ("noise", 3),
        ("utilities", 3),
        ("roads", 1),
    ]
    assert row(level1, category="noise")["category_name"]
    assert kpis(row(level1, category="heating")) == NOTHING
    level2 = report(city, by="category", category_level=2)
    assert row(level2, category="noise.construction")["received"] == 1
    assert row(level2, category="noise.residential")["received"] == 2
    assert row(level2, category="utilities.power")["received"] == 2
    level3 = report(city, by="category", category_level=3)
    assert row(level3, category="noise.construction.night")["received"] == 1
    assert row(level3, category="noise.residential")["received"] == 2  # only known to level 2: stays there


def test_channel_and_district_combined(city: Database) -> None:
    rep = report(city, by="channel,district")
    observed = {(r["channel"], r["district"]): r["received"] for r in rep.rows if r["received"]}
    assert observed == {("phone", "kd1"): 1, ("phone", "kd2"): 2, ("web", "kd1"): 3, ("app", "kd2"): 1}
    assert row(rep, channel="app", district="kd1")["received"] == 0


def test_filters(city: Database) -> None:
    assert report(city, category="noise").total["received"] == 3
    assert report(city, category="utilities.power").total["received"] == 2
    assert report(city, department="power").total["response_rate"] == 0.5
    assert report(city, district="kd1").total["received"] == 4
    assert report(city, channel="phone").total["received"] == 3
    only_power = report(city, by="department", department="power")
    assert [r["department"] for r in only_power.rows] == ["power"]


def test_as_of_decides_what_is_overdue_and_pending(city: Database) -> None:
    # On 1 Feb 10:00Z c3 (due 1 Feb 17:00Z, sign-for due 31 Jan 19:00Z) is late to sign for, not yet overdue.
    early = report(city, as_of="2026-02-01T10:00:00Z").total
    assert early["overdue_open"] == 0
    assert early["overdue"] == 1  # c2 was resolved late whatever the as-of time
    # After c6's sign-for deadline passed without it being signed for, it counts against the response rate.
    late = report(city, as_of="2026-03-02T00:00:00+00:00").total
    assert late["response_rate"] == 0.4
    assert late["overdue_open"] == 2


def test_a_window_without_cases_divides_by_nothing(city: Database) -> None:
    rep = report(city, start="2027-01-01", end="2027-01-31")
    assert rep.total == NOTHING
    assert rep.rows == []


def test_rejected_case_back_in_the_queue_owes_no_sign_for(db: Database) -> None:
    with db.transaction() as session:
        t = at("2026-01-05T00:00")
        make_case(session, created=t, dispatched=t, accept_due=t + H, reject_count=1, status=Status.RECEIVED)
    total = report(db).total
    assert (total["dispatched"], total["rejected"], total["response_rate"]) == (1, 1, None)


def test_invalid_and_merged_cases_are_never_overdue(db: Database) -> None:
    with db.transaction() as session:
        t = at("2026-01-05T00:00")
        for status in (Status.INVALID, Status.MERGED):
            make_case(session, created=t, department="water", dispatched=t, due=t + H, status=status)
    assert report(db).total["overdue"] == 0


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"by": "mayor"}, "cannot group by mayor"),
        ({"period": "year"}, "unknown period"),
        ({"start": "2026-02-30"}, "from must be a date"),
        ({"start": "2026-03-01", "end": "2026-02-01"}, "is after"),
        ({"category_level": 4}, "level must be 1, 2 or 3"),
        ({"as_of": "yesterday"}, "as_of must be"),
        ({"by": "department,department"}, "repeated"),
    ],
)
def test_bad_questions_are_refused_clearly(params: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        parse_query(timezone="Asia/Shanghai", **params)


def test_unknown_department_or_category_is_refused(db: Database) -> None:
    with pytest.raises(InvalidInput, match="no department"):
        report(db, department="nope")
    with pytest.raises(InvalidInput, match="no category"):
        report(db, category="nope")


def test_periods_between_months_and_iso_weeks() -> None:
    from datetime import date

    assert periods_between(date(2025, 12, 30), date(2026, 2, 1), "month") == ["2025-12", "2026-01", "2026-02"]
    assert periods_between(date(2025, 12, 28), date(2026, 1, 5), "week") == ["2025-W52", "2026-W01", "2026-W02"]


@given(st.lists(st.floats(min_value=0, max_value=1e6, allow_nan=False), max_size=60))
def test_the_median_is_statistics_median_to_the_last_bit(samples: list[float]) -> None:
    """numpy's partition, not a sort: the value must be statistics.median's (odd: the middle; even: (a + b) / 2)."""
    expected = None if not samples else round(statistics.median(samples), 2)
    assert median_hours(samples) == expected


@given(st.lists(st.integers(min_value=0, max_value=2**53 - 1), min_size=1, max_size=60))
def test_a_rollup_list_of_microseconds_parses_to_the_hours_the_kpi_service_computes(micros: list[int]) -> None:
    listed = ",".join(str(us) for us in micros)
    assert _hours_of(listed) == [_hours(us) for us in micros]
