"""The daily roll-up's reports equal the KPI service's reports from the cases table, on both databases: after the
cases are written, after transitions through the case service (sign-for, resolve, callback, reopen, merge,
invalidate), after a bulk import, and as deadlines pass with time alone.

The cases are test_kpi_sql's seeded, varied set (every status, deadlines on either side of the as-of time, receipt
times around local midnight). Each report the roll-up can answer (no grouping or one dimension, no filter or one,
every period) is compared whole — rows and total — with its medians (kept per day for all cases and per
department; for other dimensions taken from the cases when the report has no period, else left out).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from citybrain.cases import kpi_rollup, rollup_repository, service
from citybrain.cases.kpi_service import kpi_report, parse_query
from citybrain.cases.lifecycle import Status
from citybrain.core import clock
from citybrain.core.db import Database
from citybrain.core.settings import Settings
from citybrain.models import Case, CaseRollup
from citybrain.web.app import create_app
from tests.cases.test_kpi_sql import _write
from tests.conftest import make_key
from tests.intake.import_support import CANONICAL_HEADER, canonical_row, cli_db, run_import, write_csv

__all__ = ["cli_db"]

AS_OF = datetime(2026, 3, 20, 5, 30, tzinfo=UTC)
MEDIANS = ("median_hours_to_accept", "median_hours_to_resolve")
QUESTIONS: list[dict[str, Any]] = [
    *({"period": p} for p in (None, "day", "week", "month")),
    *({"by": [d]} for d in ("department", "district", "category", "channel")),
    {"by": ["category"], "category_level": 2},
    {"by": ["department"], "period": "week"},
    *({"period": "day", **f} for f in ({"department": "water"}, {"district": "kd2"}, {"channel": "app"})),
    {"period": "week", "category": "noise"},
    {"category": "noise.construction"},
    {"department": "power"},
]
WINDOWS = (("2026-01-01", "2026-02-28"), ("2025-12-01", "2026-12-31"), ("2026-03-19", "2026-03-21"))


def _strip(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k not in MEDIANS}


def _without_medians(report: dict[str, Any]) -> dict[str, Any]:
    return {"params": report["params"], "rows": [_strip(r) for r in report["rows"]], "total": _strip(report["total"])}


NO_LOOKBACK: dict[str, Any] = {"lookback": timedelta(0), "id_lookback": 0}


def _refresh(db: Database, as_of: datetime, *, prepared: bool = False) -> None:
    """No look-back: only what the refresh finds as changed is recomputed, so a change it misses fails.
    ``prepared``: the changed days are summed in a read-only session and written after (the server's way)."""
    if prepared:
        with db.reading() as session:
            ready = kpi_rollup.prepare(
                session, timezone="Asia/Shanghai", as_of=as_of, now=clock.utcnow(), **NO_LOOKBACK
            )
        if ready is not None:
            with db.transaction() as session:
                assert rollup_repository.apply(session, ready)
            return
    with db.transaction() as session:
        assert kpi_rollup.refresh(session, timezone="Asia/Shanghai", as_of=as_of, **NO_LOOKBACK)


def _compare(db: Database, as_of: datetime, *, prepared: bool = False) -> int:
    """Every question × window: the roll-up's report is the cases table's; how many were compared."""
    _refresh(db, as_of, prepared=prepared)
    compared = 0
    with db.reading() as session:
        for params in QUESTIONS:
            for start, end in WINDOWS:
                query = parse_query(timezone="Asia/Shanghai", as_of=as_of, start=start, end=end, **params)
                rolled = kpi_rollup.report(session=session, query=query, medians=("accept", "resolve"))
                assert rolled is not None, params
                expected = kpi_report(session=session, query=query).as_dict()
                got = rolled.as_dict()
                listed = (kpi_rollup.plan(query) or ("?",))[0] in ("", "department")
                if not listed and (query.period is not None or "category" in query.by):
                    expected, got = _without_medians(expected), _without_medians(got)
                assert got == expected, (params, start, end)
                compared += 1
    return compared


@pytest.mark.parametrize("prepared", [False, True], ids=["in_the_write", "read_then_written"])
def test_the_roll_up_equals_the_cases_after_writes_and_transitions(db: Database, prepared: bool) -> None:
    _write(db, 14, 220)
    assert _compare(db, AS_OF, prepared=prepared) == len(QUESTIONS) * len(WINDOWS)
    with db.transaction() as session:
        cases = list(session.scalars(select(Case).order_by(Case.id)))
        by_status: dict[str, list[Case]] = {}
        for case in cases:
            by_status.setdefault(case.status, []).append(case)
        for case in by_status.get(Status.DISPATCHED.value, [])[:3]:
            service.accept(session=session, case=case, actor="test")  # 签收 (responded)
        for case in by_status.get(Status.ACCEPTED.value, [])[:3]:
            service.resolve(session=session, case=case, actor="test", reply="done")
        for case, verdict in zip(
            by_status.get(Status.RESOLVED.value, [])[:4], (True, False, True, False), strict=False
        ):
            service.callback(
                session=session, case=case, actor="test", resolved=verdict, satisfaction=2 if verdict else 5
            )
        for case in by_status.get(Status.CLOSED.value, [])[:2]:
            service.reopen(session=session, case=case, actor="test")
        opened = [c for c in cases if c.status in (Status.DISPATCHED.value, Status.ACCEPTED.value)]
        service.merge(session=session, case=opened[-1], actor="test", target_id=opened[-2].id)
        service.invalidate(session=session, case=opened[-3], actor="test", reason="test")
    later = clock.utcnow() + timedelta(seconds=1)
    assert _compare(db, later, prepared=prepared) > 0
    with db.reading() as session:  # only the touched days were recomputed, and the roll-up answered
        assert session.scalar(select(CaseRollup.id).limit(1)) is not None


@pytest.mark.parametrize("prepared", [False, True], ids=["in_the_write", "read_then_written"])
def test_deadlines_passing_change_the_roll_up_without_a_write(db: Database, prepared: bool) -> None:
    _write(db, 2026, 200)
    _compare(db, datetime(2026, 1, 20, tzinfo=UTC))
    with db.reading() as session:  # no write, no deadline passed: nothing to do; a deadline passed: a refresh
        for day, current in ((20, True), (34, False)):
            as_of = datetime(2026, 1, day, tzinfo=UTC) if day <= 31 else datetime(2026, 2, day - 31, tzinfo=UTC)
            found = kpi_rollup.prepare(
                session, timezone="Asia/Shanghai", as_of=as_of, now=clock.utcnow(), lookback=timedelta(0)
            )
            assert found is not None
            assert found.unchanged is current
    _compare(db, datetime(2026, 2, 3, 12, tzinfo=UTC), prepared=prepared)  # open cases fell overdue: days redone
    _compare(db, AS_OF, prepared=prepared)


def test_rows_read_before_another_refresh_are_not_written_over_it(db: Database) -> None:
    """Two processes refresh at once: the one whose rows were read against an older state writes nothing (its
    rows may be older than the other's); the roll-up stays the cases'."""
    _write(db, 14, 220)
    _refresh(db, AS_OF)
    with db.transaction() as session:
        case = session.scalars(select(Case).where(Case.status == Status.DISPATCHED.value).limit(1)).one()
        service.accept(session=session, case=case, actor="test")
    with db.reading() as session:
        stale = kpi_rollup.prepare(session, timezone="Asia/Shanghai", as_of=AS_OF, now=clock.utcnow(), **NO_LOOKBACK)
    assert stale is not None
    assert stale.days
    _compare(db, AS_OF + timedelta(seconds=1))  # the other process's refresh, in its write transaction
    with db.transaction() as session:
        assert not rollup_repository.apply(session, stale)
    _compare(db, AS_OF + timedelta(seconds=1), prepared=True)


def test_an_import_reaches_the_roll_up(cli_db: Database, tmp_path: Path) -> None:
    _write(cli_db, 7, 80)
    _compare(cli_db, AS_OF)
    rows = [
        canonical_row(f"R{i}", created_at=f"2026-02-{10 + i}T23:30:00", district="kd2", status=status,
                      resolved_at=f"2026-02-{11 + i}T08:00:00" if status != "accepted" else "")
        for i, status in enumerate(("closed", "resolved", "accepted", "closed"))
    ]  # fmt: skip
    result = run_import("canonical", write_csv(tmp_path / "more.csv", CANONICAL_HEADER, rows))
    assert result.exit_code == 0, result.output
    _compare(cli_db, AS_OF)


def test_a_question_the_roll_up_cannot_answer_is_left_to_the_kpi_service(db: Database) -> None:
    _write(db, 3, 20)
    _refresh(db, AS_OF)
    with db.reading() as session:
        questions: list[dict[str, Any]] = [
            {"by": ["department", "district"]},
            {"by": ["district"], "channel": "app"},
            {"start": None},
        ]
        for params in questions:
            query = parse_query(timezone="Asia/Shanghai", as_of=AS_OF, **{"start": "2026-01-01", **params})
            assert kpi_rollup.report(session=session, query=query) is None, params


def test_a_zone_with_summer_time_keeps_no_roll_up(db: Database) -> None:
    _write(db, 3, 20)
    with db.transaction() as session:
        assert not kpi_rollup.refresh(session, timezone="Europe/Berlin", as_of=datetime(2026, 4, 2, tzinfo=UTC))
        assert session.scalar(select(CaseRollup.id).limit(1)) is None


def test_the_api_answers_now_from_the_roll_up_with_the_figures_the_cases_give(
    db: Database, app_client: TestClient
) -> None:
    """GET /api/v1/kpis without ``as_of`` (now) reads the roll-up (brought up to date first) for every question it
    can answer whole, medians included; the same question asked at that moment from the cases (``as_of`` given:
    the cases are read) gives the same report. A question it cannot answer whole is read from the cases."""
    _write(db, 14, 220)
    staff = {"X-API-Key": make_key(db, "supervisor")}
    whole, partial = 0, 0
    for params in QUESTIONS:
        for start, end in WINDOWS:
            ask = {k: v for k, v in {"from": start, "to": end, **params}.items() if v is not None}
            now = app_client.get("/api/v1/kpis", params=ask, headers=staff)
            assert now.status_code == 200, now.text
            query = parse_query(timezone="Asia/Shanghai", start=start, end=end, **params)
            whole += kpi_rollup.complete(query)
            partial += not kpi_rollup.complete(query)
            stated = now.json()["params"]["as_of"]
            then = app_client.get("/api/v1/kpis", params={**ask, "as_of": stated}, headers=staff)
            assert now.json() == then.json(), (params, start, end)
    assert whole > 0
    assert partial > 0
    with db.reading() as session:  # the roll-up was built by the API's first question
        assert session.scalar(select(CaseRollup.id).limit(1)) is not None


def test_a_past_as_of_is_read_from_the_cases_not_the_roll_up(db: Database, app_client: TestClient) -> None:
    _write(db, 14, 220)
    staff = {"X-API-Key": make_key(db, "supervisor")}
    asked = {"from": "2026-01-01", "to": "2026-02-28", "as_of": AS_OF.isoformat()}
    answer = app_client.get("/api/v1/kpis", params=asked, headers=staff)
    assert answer.status_code == 200, answer.text
    assert answer.json()["total"]["received"] > 0
    with db.reading() as session:
        assert session.scalar(select(CaseRollup.id).limit(1)) is None


def test_the_roll_up_path_refuses_too_many_groups_as_the_cases_path_does(db: Database, settings: Settings) -> None:
    _write(db, 14, 220)
    capped = settings.model_copy(update={"kpi_max_cells": 30})
    ask = {"by": "department", "period": "day", "from": "2026-01-01", "to": "2026-03-31"}
    assert kpi_rollup.complete(parse_query(timezone="Asia/Shanghai", start="2026-01-01", end="2026-03-31",
                                           by=["department"], period="day"))  # fmt: skip
    with TestClient(create_app(capped, database=db)) as client:
        response = client.get("/api/v1/kpis", params=ask, headers={"X-API-Key": make_key(db, "supervisor")})
    assert response.status_code == 422, response.text[:300]
    assert response.json()["error"]["code"] == "too_many_groups"
