"""``citybrain analyze daily``: one night's job stores associations and the hot-issue board and judges the day."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from citybrain.cli.analyze import daily
from citybrain.cli.demo import load_air_stations, load_car_parks
from citybrain.cli.main import app
from citybrain.core import clock
from citybrain.core.db import Database
from citybrain.core.settings import Settings
from citybrain.insight import jobs, service
from citybrain.insight.parking_signals import PARKING_DEPARTMENT
from citybrain.insight.sensor_signals import ENVIRONMENT_DEPARTMENT
from citybrain.models.alerts import Alert
from citybrain.reports.jobs import ANALYSES
from citybrain.simulate.load import load_city

runner = CliRunner()


@pytest.fixture
def city(db: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Database:
    monkeypatch.setenv("CITYBRAIN_DATABASE_URL", settings.resolved_database_url())
    monkeypatch.setenv("CITYBRAIN_DATA_DIR", str(settings.data_dir))
    monkeypatch.delenv("CITYBRAIN_ALERT_WEBHOOK_URL", raising=False)
    monkeypatch.delenv("CITYBRAIN_ALERT_SMTP_HOST", raising=False)
    with db.transaction() as session:
        load_city(session, seed=1, days=21, cases_per_day=40, now=clock.utcnow() - timedelta(minutes=1))
    return db


@pytest.mark.slow
def test_the_nightly_job_stores_every_insight(city: Database) -> None:
    result = runner.invoke(app, ["analyze", "daily"])
    assert result.exit_code == 0, result.output
    assert "associations:" in result.output
    assert "hot issues:" in result.output
    assert "warnings for" in result.output
    with city.reading() as session:
        associations = service.latest(session, "associations")
        hot = service.latest(session, "hot_issues")
    assert "last 180 days" in associations["source"]
    assert hot["summary"]["messages"] > 0


def test_only_runs_the_named_jobs_and_refuses_unknown_ones(city: Database) -> None:
    result = runner.invoke(app, ["analyze", "daily", "--only", "hot-issues"])
    assert result.exit_code == 0, result.output
    with city.reading() as session:
        assert [run["kind"] for run in service.list_runs(session, kind=None)] == ["hot_issues"]
    bad = runner.invoke(app, ["analyze", "daily", "--only", "astrology"])
    assert bad.exit_code == 2
    assert "astrology" in bad.output


@pytest.mark.slow
def test_the_demo_fills_the_insight_panels_beside_the_server(city: Database) -> None:
    """What `citybrain demo` loads and then runs in a thread while it serves: the insight runs, and sensor alerts
    from the faults the Demo City plants yesterday — one air station's, one car park's, each to its department."""
    zone, now = city.settings.timezone, clock.utcnow()
    start = clock.city_today(zone, now) - timedelta(days=20)
    with city.transaction() as session:
        load_air_stations(session, seed=1, start=start, days=21, now=now, timezone=zone)
        load_car_parks(session, seed=1, start=start, days=21, now=now, timezone=zone)
    night = jobs.Night(day=clock.city_today(zone) - timedelta(days=1))
    notes: list[str] = []
    for name in jobs.NIGHTLY:
        jobs.run_nightly(name, city, night, notes.append)
    assert notes  # the warnings say what they left out
    with city.reading() as session:
        kinds = {run["kind"] for run in service.list_runs(session, kind=None)}
        faults = session.scalars(select(Alert).where(Alert.kind == "sensor_fault")).all()
        found = {(a.explanation["station"], a.detector, a.explanation["department"]) for a in faults}
    assert kinds == {"associations", "hot_issues", "sensor_links", "topics"}
    assert found == {("AQ-D03", "stuck", ENVIRONMENT_DEPARTMENT), ("CP-03", "stuck", PARKING_DEPARTMENT)}


def test_every_analysis_of_the_registry_is_an_analyze_command_and_the_nightly_ones_are_the_daily_jobs() -> None:
    result = runner.invoke(app, ["analyze", "--help"])
    assert result.exit_code == 0, result.output
    for analysis in ANALYSES:
        assert analysis.name in result.output
    assert [a.name for a in ANALYSES] == [
        "associations", "hot-issues", "topics", "warnings", "sensors", "sensors-vs-cases", "blind-zones", "replies"
    ]  # fmt: skip
    assert daily.JOBS == jobs.NIGHTLY  # `--only`'s help and default spell the registry out
