"""The landing page's insight panels show the latest stored analyses and the open warnings."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient

from citybrain.alerts import service as alerts_service
from citybrain.alerts.signals import Signal
from citybrain.core.db import Database
from citybrain.insight import service as insight_service
from citybrain.insight.service import ResultItem


def test_panels_say_what_to_run_before_anything_is_computed(app_client: TestClient) -> None:
    page = app_client.get("/").text
    assert "citybrain analyze hot-issues" in page
    assert "citybrain analyze associations" in page
    assert "No open warnings" in page


def test_panels_show_the_latest_runs_and_open_alerts(db: Database, app_client: TestClient) -> None:
    rule = {"antecedent": ["noise.construction.night"], "consequent": ["roads.works"], "lift": 6.25,
            "q_value": 0.0004, "examples": [{"cell": "12_30", "window_start": "2026-03-02"}]}  # fmt: skip
    issue = {"place": "丽发新城小区", "description": "搅拌站噪音扰民", "heat": 41.5, "count": 42,
             "start": "2019-11-02", "end": "2020-01-26"}  # fmt: skip
    with db.transaction() as session:
        insight_service.save_run(session, kind="associations", source="t", params={}, summary=None,
                                 items=[ResultItem("old", 1.0, {**rule, "consequent": ["old.rule"]})])  # fmt: skip
        insight_service.save_run(session, kind="associations", source="t", params={}, summary=None,
                                 items=[ResultItem("r", 6.25, rule)])  # fmt: skip
        insight_service.save_run(session, kind="hot_issues", source="t", params={}, summary=None,
                                 items=[ResultItem("h", 41.5, issue)])  # fmt: skip
        signal = Signal(kind="temporal", detector="temporal", series="roads.works/D07", on=date(2026, 3, 2),
                        observed=7, expected=0.4, p_value=1e-5, recurrence_days=100000.0,
                        title="roads.works/D07: 7 件 cases, expected 0.4")  # fmt: skip
        alerts_service.record(session=session, signal=signal)
    page = app_client.get("/").text
    assert "noise.construction.night → roads.works" in page
    assert "old.rule" not in page  # only the newest run is shown
    assert "lift 6.2" in page
    assert "丽发新城小区 · 搅拌站噪音扰民" in page
    assert "42 条 messages" in page
    assert "roads.works/D07: 7 件 cases" in page
    assert '<span class="count">1</span>' in page


def test_a_run_without_results_is_not_called_never_computed(db: Database, app_client: TestClient) -> None:
    with db.transaction() as session:
        insight_service.save_run(session, kind="associations", source="t", params={}, summary=None, items=[])
    page = app_client.get("/").text
    assert "No significant association in the latest run" in page
    assert "citybrain analyze associations" not in page
    assert "citybrain analyze hot-issues" in page  # that one was never run
