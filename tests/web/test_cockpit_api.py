"""The cockpit's API (/api/v1/cockpit/…): its figures are the KPI API's, its drill-downs list exactly the cases
counted, the ranking is the monthly report's, the board names rules in words, and who may read what."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from citybrain.cases import service
from citybrain.core import clock
from citybrain.core.db import Database
from citybrain.core.settings import Settings
from citybrain.insight.hot_issues import run_hot_issues
from citybrain.insight.service import ResultItem, RunRecord, save
from citybrain.models import Case, CaseRollup, CaseRollupState
from citybrain.simulate.load import load_city
from citybrain.web.app import create_app
from tests.conftest import make_key

NOW = datetime(2026, 3, 1, 17, 30, tzinfo=UTC)  # 01:30 on 2 March in the city
WINDOW = {"from": "2026-02-01", "to": "2026-02-28"}


@pytest.fixture
def city(db: Database) -> Database:
    with db.transaction() as session:
        load_city(session, seed=3, days=40, cases_per_day=30, now=NOW - timedelta(minutes=1))
    return db


def key(db: Database, role: str, department: str | None = None) -> dict[str, str]:
    return {"X-API-Key": make_key(db, role, department)}


def get(client: TestClient, path: str, headers: dict[str, str], **params: Any) -> Any:
    with clock.frozen(NOW):
        response = client.get(path, params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_rates_and_overdue_are_the_kpi_apis(city: Database, app_client: TestClient) -> None:
    """The three rates and overdue, in total and per week, equal GET /api/v1/kpis for the same filter."""
    headers = key(city, "supervisor")
    filters = WINDOW | {"district": "D01", "period": "week"}
    trends = get(app_client, "/api/v1/cockpit/trends", headers, **filters)
    kpis = get(app_client, "/api/v1/kpis", headers, **filters, as_of=clock.iso(NOW))
    assert trends["kpis"]["received"] > 0
    for name in ("received", "response_rate", "resolution_rate", "satisfaction_rate", "overdue"):
        assert trends["kpis"][name] == kpis["total"][name], name
        assert [r[name] for r in trends["rates"]] == [r[name] for r in kpis["rows"]], name
    assert [r["period"] for r in trends["rates"]] == [r["period"] for r in kpis["rows"]]
    assert trends["total"] == kpis["total"]["received"]
    assert sum(r["count"] for r in trends["volume"]) == trends["total"]


def test_the_figures_are_summed_from_the_daily_roll_up_kept_fresh(city: Database, app_client: TestClient) -> None:
    """Trends and ranking read the roll-up (refreshed before each answer): after a case is signed for, a new
    question's figures are still the KPI API's."""
    headers = key(city, "supervisor")
    get(app_client, "/api/v1/cockpit/trends", headers, **WINDOW)
    with city.reading() as session:
        assert session.scalar(select(func.count()).select_from(CaseRollup))
        waiting = session.scalars(
            select(Case.id).where(Case.status == "dispatched", Case.created_at >= datetime(2026, 2, 1, tzinfo=UTC))
        ).first()
    assert waiting is not None
    with clock.frozen(NOW), city.transaction() as session:
        service.accept(session=session, case=session.get_one(Case, waiting), actor="test")
    filters = WINDOW | {"period": "week"}
    trends = get(app_client, "/api/v1/cockpit/trends", headers, **filters)
    kpis = get(app_client, "/api/v1/kpis", headers, **filters, as_of=clock.iso(NOW))
    assert trends["kpis"] == {name: kpis["total"][name] for name in trends["kpis"]}
    assert trends["rates"] == [{k: r[k] for k in trends["rates"][0]} for r in kpis["rows"]]


@pytest.mark.parametrize("warm", [True, False])
def test_the_server_warms_the_default_screen_at_start(city: Database, settings: Settings, warm: bool) -> None:
    """With ``cockpit_warm_at_start`` the default screen's five answers are kept (and the roll-up built) without
    anyone asking; without it, nothing is computed until asked."""
    app = create_app(settings.model_copy(update={"cockpit_warm_at_start": warm}), database=city)
    with TestClient(app):
        cache = app.state.cockpit_cache
        deadline = time.monotonic() + 120
        while warm and cache.kept() < 5 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert cache.kept() == (5 if warm else 0)
    with city.reading() as session:
        assert (session.get(CaseRollupState, 1) is not None) is warm


def _case_total(client: TestClient, headers: dict[str, str], params: dict[str, str]) -> int:
    return int(get(client, "/api/v1/cases", headers, **params, limit=1)["total"])


def test_every_breakdown_drills_down_to_exactly_its_cases(city: Database, app_client: TestClient) -> None:
    headers = key(city, "operator")
    trends = get(app_client, "/api/v1/cockpit/trends", headers, **WINDOW)
    assert _case_total(app_client, headers, trends["drill"]["cases"]) == trends["total"]
    assert trends["drill"]["desk"] == {"from": "2026-02-01", "to": "2026-02-28"}
    checked = 0
    for dim in ("category", "district", "channel", "department"):
        rows = [r for r in trends["by"][dim] if "drill" in r]
        assert rows, dim
        for row in rows[:3]:
            assert row["drill"]["desk"][dim] == row["code"]
            assert _case_total(app_client, headers, row["drill"]["cases"]) == row["count"], (dim, row["code"])
            checked += 1
    assert checked >= 8
    names = {r["code"]: r["name_zh"] for r in trends["by"]["district"]}
    assert all(name and name != code for code, name in names.items() if code)


def test_same_period_last_year_is_last_years_count(city: Database, app_client: TestClient) -> None:
    headers = key(city, "supervisor")
    this_year = get(app_client, "/api/v1/cockpit/trends", headers, **WINDOW)
    next_year = get(app_client, "/api/v1/cockpit/trends", headers, **{"from": "2027-02-01", "to": "2027-02-28"})
    assert next_year["total"] == 0
    assert next_year["last_year_total"] == this_year["total"] > 0
    by_day = {r["period"]: r["count"] for r in this_year["volume"]}
    assert all(r["last_year"] == by_day[r["last_year_period"]] for r in next_year["volume"])


def test_map_counts_cases_in_bins_and_districts_only(city: Database, app_client: TestClient) -> None:
    headers = key(city, "supervisor")
    layers = get(app_client, "/api/v1/cockpit/map", headers, **WINDOW)
    trends = get(app_client, "/api/v1/cockpit/trends", headers, **WINDOW)
    assert sum(r["count"] for r in layers["districts"]) == trends["total"]
    assert 0 < sum(b["count"] for b in layers["bins"]) <= trends["total"]
    step = layers["bin_degrees"]
    for b in layers["bins"]:  # a bin's centre, never a case's own point
        assert abs((b["lat"] / step - 0.5) - round(b["lat"] / step - 0.5)) < 1e-3
    geo = get(app_client, "/api/v1/cockpit/geo", headers)
    kinds = {f["properties"]["kind"] for f in geo["features"]}
    assert kinds == {"district", "grid"}
    districts = [f for f in geo["features"] if f["properties"]["kind"] == "district"]
    assert {f["properties"]["code"] for f in districts} == {r["code"] for r in layers["districts"] if r["code"]}
    assert all(f["geometry"]["type"] in {"Polygon", "MultiPolygon"} for f in districts)


def test_ranking_is_the_monthly_reports(city: Database, app_client: TestClient) -> None:
    headers = key(city, "supervisor")
    ours = get(app_client, "/api/v1/cockpit/ranking", headers, **WINDOW)["departments"]
    report = get(app_client, "/api/v1/reports/monthly", headers, month="2026-02", as_of=clock.iso(NOW))
    theirs = [r for r in report["departments"] if r["department"] is not None]
    assert [(r["department"], r["rank"], r["score"], r["median_hours_to_resolve"]) for r in ours] == [
        (r["department"], r["rank"], r["score"], r["median_hours_to_resolve"]) for r in theirs
    ]
    assert any(r["rank"] == 1 for r in ours)


def test_board_reads_association_rules_in_words(city: Database, app_client: TestClient) -> None:
    rule = {
        "antecedent": ["construction.site", "noise.construction.night"],
        "consequent": ["roads.works"],
        "lift": 3.2,
        "q_value": 0.01,
        "examples": [{"cell": "3_4", "lat": 39.9, "lon": 116.4, "window_start": "2026-02-02",
                      "window_end": "2026-02-08", "counts": {"roads.works": 2}}],
    }  # fmt: skip
    with city.transaction() as session:
        save(session, RunRecord("associations", "test", {}, None, [ResultItem("r", 3.2, rule, [1, 2])]))
    board = get(app_client, "/api/v1/cockpit/board", key(city, "supervisor"))
    (shown,) = board["associations"]
    assert shown["zh"] == "施工现场管理 + 夜间施工噪声 → 道路施工"
    assert shown["en"] == "Construction site management + Night-time construction noise → Road works"
    assert shown["where"][0]["from"] == "2026-02-02"
    assert board["alerts"] == []
    assert board["hot_issues"] is None  # never computed: the page says so rather than showing an empty board


def test_who_may_read_the_cockpit(city: Database, app_client: TestClient) -> None:
    with clock.frozen(NOW):
        assert app_client.get("/api/v1/cockpit/trends").status_code == 401
        assert app_client.get("/api/v1/cockpit/trends", headers=key(city, "app")).status_code == 403
        own = key(city, "department", "housing")
        assert app_client.get("/api/v1/cockpit/ranking", headers=own).status_code == 403
        other = app_client.get("/api/v1/cockpit/trends", params={"department": "transport"}, headers=own)
        assert other.status_code == 403
        page = app_client.get("/cockpit", headers=own, follow_redirects=False)
    assert page.status_code == 303  # the page is for people signed in at /signin, not for keys
    assert page.headers["location"] == "/signin?next=/cockpit"
    mine = get(app_client, "/api/v1/cockpit/trends", own, **WINDOW)
    assert mine["params"]["department"] == "housing"
    assert {r["code"] for r in mine["by"]["department"]} <= {"housing"}
    assert get(app_client, "/api/v1/cockpit/board", own)["alerts"] is None


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"from": "2025-01-01", "to": "2026-02-28"}, "at most 366 days"),
        ({"from": "2026-02-31", "to": "2026-03-01"}, "from must be a date"),
        ({"period": "fortnight"}, "unknown period"),
        ({"district": "D01", "category": "nope"}, "no category"),
    ],
)
def test_bad_filters_are_400(city: Database, app_client: TestClient, params: dict[str, str], message: str) -> None:
    with clock.frozen(NOW):
        response = app_client.get("/api/v1/cockpit/trends", params=params, headers=key(city, "supervisor"))
    assert response.status_code == 400
    assert message in response.text


def test_hot_issues_are_placed_no_finer_than_100_m(city: Database, app_client: TestClient, settings: Settings) -> None:
    run_hot_issues(city, days=30, timezone=settings.timezone, now=NOW.replace(tzinfo=None))
    issues = get(app_client, "/api/v1/cockpit/board", key(city, "supervisor"))["hot_issues"]
    placed = [i for i in issues if i["lat"] is not None]
    assert placed
    for issue in placed:
        assert round(issue["lat"], 3) == issue["lat"]
        assert round(issue["lon"], 3) == issue["lon"]
        assert "text" not in issue
        assert "members" not in issue


def test_how_long_answers_are_kept_is_a_setting(city: Database, settings: Settings) -> None:
    assert create_app(settings, database=city).state.cockpit_cache.seconds == 30.0  # the documented default
    app = create_app(settings.model_copy(update={"cockpit_cache_seconds": 5.0}), database=city)
    assert app.state.cockpit_cache.seconds == 5.0
