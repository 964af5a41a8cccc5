"""KPIs of units outside government (社会协同单位) at /api/v1/kpis, per unit and under its supervising department
(主管部门, ``supervisor=``), with hand-computed figures, on SQLite and PostgreSQL.

The cases (UTC, report as of 2026-03-01, window 2026-02-01..2026-02-28), units under ``water`` unless said:

==  ========  ==========================================================================
u1  kpi_pm    02-02 02:00 in and dispatched; signed 0.5 h (due 1 h); resolved 10 h (due 24 h)
u2  kpi_pm    02-03 02:00; signed 3 h (late); resolved 30 h: overdue
u3  kpi_heat  02-04 02:00; never signed, still open: overdue
u4  kpi_road  02-05 02:00 (a contractor under ``transport``); signed 0.5 h, resolved 10 h
w1  water     02-06 02:00 (the supervisor's own case); signed 0.5 h
==  ========  ==========================================================================

Under ``water``: kpi_pm 2 received, response 1/2, 1 overdue, 2 resolved; kpi_heat 1 received, response 0/1,
1 overdue; together 3 received, response 1/3 = 0.3333, 2 overdue. w1 and u4 are not under it.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from fastapi.testclient import TestClient

from citybrain.cases import kpi_service
from citybrain.core.db import Database
from tests.cases.kpi_factories import AS_OF, H, at, make_case
from tests.conftest import make_key, make_unit

WINDOW = {"from": "2026-02-01", "to": "2026-02-28", "as_of": "2026-03-01T00:00:00Z"}


def _handled(session: object, department: str, created: datetime, signed: float | None, done: float | None) -> None:
    make_case(
        session,  # type: ignore[arg-type]
        created=created,
        department=department,
        dispatched=created,
        accept_due=created + H,
        accepted=created + signed * H if signed is not None else None,
        due=created + 24 * H,
        resolved_at=created + done * H if done is not None else None,
    )


@pytest.fixture
def city(db: Database) -> Database:
    make_unit(db, "kpi_pm", "property", "water", "测试物业")
    make_unit(db, "kpi_heat", "utility", "water", "测试热力")
    make_unit(db, "kpi_road", "contractor", "transport", "测试养护")
    with db.transaction() as session:
        _handled(session, "kpi_pm", at("2026-02-02T02:00"), 0.5, 10)
        _handled(session, "kpi_pm", at("2026-02-03T02:00"), 3, 30)
        _handled(session, "kpi_heat", at("2026-02-04T02:00"), None, None)
        _handled(session, "kpi_road", at("2026-02-05T02:00"), 0.5, 10)
        _handled(session, "water", at("2026-02-06T02:00"), 0.5, None)
    return db


def _kpis(client: TestClient, headers: dict[str, str], **params: str) -> tuple[int, dict[str, object]]:
    answer = client.get("/api/v1/kpis", params=WINDOW | params, headers=headers)
    return answer.status_code, answer.json()


def _key(db: Database, role: str, unit: str | None = None) -> dict[str, str]:
    return {"X-API-Key": make_key(db, role, unit)}


def test_per_unit_under_the_supervising_department(city: Database, app_client: TestClient) -> None:
    status, body = _kpis(app_client, _key(city, "supervisor"), by="department", supervisor="water")
    assert status == 200, body
    rows = {r["department"]: r for r in body["rows"]}  # type: ignore[attr-defined]
    assert set(rows) == {"kpi_pm", "kpi_heat"}
    pm, heat = rows["kpi_pm"], rows["kpi_heat"]
    assert (pm["received"], pm["response_rate"], pm["overdue"], pm["resolved"]) == (2, 0.5, 1, 2)
    assert (heat["received"], heat["response_rate"], heat["overdue"], heat["resolved"]) == (1, 0.0, 1, 0)
    total = body["total"]
    assert (total["received"], total["response_rate"], total["overdue"]) == (3, 0.3333, 2)  # type: ignore[index]
    assert body["params"]["supervisor"] == "water"  # type: ignore[index]


def test_the_database_sums_and_the_reference_fold_agree(city: Database) -> None:
    query = kpi_service.parse_query(timezone="Asia/Shanghai", by="department", start="2026-02-01",
                                    end="2026-02-28", as_of=AS_OF, supervisor="water")  # fmt: skip
    with city.reading() as session:
        summed = kpi_service.kpi_report(session=session, query=query).as_dict()
        folded = kpi_service.kpi_report(session=session, query=query, fold_in_python=True).as_dict()
    assert summed == folded
    assert summed["total"]["received"] == 3


def test_a_partner_reads_its_own_units_kpis_only(city: Database, app_client: TestClient) -> None:
    pm = _key(city, "partner", "kpi_pm")
    status, body = _kpis(app_client, pm, by="department")
    assert status == 200, body
    assert [r["department"] for r in body["rows"]] == ["kpi_pm"]  # type: ignore[attr-defined]
    assert body["total"]["received"] == 2  # type: ignore[index]
    assert _kpis(app_client, pm, department="kpi_heat")[0] == 403
    assert _kpis(app_client, pm, supervisor="water")[0] == 403


def test_the_supervising_department_reads_its_units_but_not_anothers(city: Database, app_client: TestClient) -> None:
    water = _key(city, "department", "water")
    status, body = _kpis(app_client, water, supervisor="water")
    assert status == 200, body
    assert body["total"]["received"] == 3  # type: ignore[index]
    assert _kpis(app_client, water, department="kpi_pm")[1]["total"]["received"] == 2  # type: ignore[index]
    assert _kpis(app_client, water)[1]["total"]["received"] == 1  # type: ignore[index]  # its own: w1
    assert _kpis(app_client, water, department="kpi_road")[0] == 403
    assert _kpis(app_client, water, supervisor="transport")[0] == 403


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"supervisor": "kpi_pm"}, "unit outside government"),
        ({"supervisor": "nope"}, "no department"),
        ({"supervisor": "water", "department": "kpi_road"}, "supervises"),
    ],
)
def test_a_bad_supervisor_filter_is_400(
    city: Database, app_client: TestClient, params: dict[str, str], message: str
) -> None:
    status, body = _kpis(app_client, _key(city, "operator"), **params)
    assert status == 400
    assert message in body["error"]["message"]  # type: ignore[index]
