"""Sensors joined to complaints from the STORED SensorThings Observations: the Demo City's planted link (a PM2.5
episode in Beicheng, odour complaints two days later) and nothing else, stored as a run the insight API returns —
by the nightly job and by ``citybrain analyze sensors-vs-cases`` without ``--sensors``."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from citybrain.cli.demo import load_air_stations, load_car_parks
from citybrain.cli.main import app
from citybrain.core import clock
from citybrain.core.db import Database
from citybrain.core.errors import NotFound
from citybrain.core.settings import Settings
from citybrain.insight import jobs, service
from citybrain.insight.sensor_links import STORED
from citybrain.simulate.load import load_city
from citybrain.simulate.sensors import pollution_episode

NOW = datetime(2026, 6, 30, 12, tzinfo=UTC)
DAYS, CASES_PER_DAY = 180, 150  # half a year holds the episode (40 % of the way in) and its odour complaints
runner = CliRunner()


def _cli_env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CITYBRAIN_DATABASE_URL", settings.resolved_database_url())
    monkeypatch.setenv("CITYBRAIN_DATA_DIR", str(settings.data_dir))


def _links(document: dict[str, Any]) -> list[tuple[str, str, str, int]]:
    """(district, category, quantity, lag) of each link: from the command's JSON, or from a stored run's items."""
    links = document["links"] if "links" in document else [r["payload"] for r in document["results"]]
    return [(x["district"], x["category"], x["quantity"], x["lag"]) for x in links]


@pytest.mark.slow
def test_the_planted_link_and_nothing_else_from_stored_observations(
    db: Database,
    settings: Settings,
    app_client: TestClient,
    operator_headers: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    zone = settings.timezone
    with db.transaction() as session:
        report = load_city(session, seed=1, days=DAYS, cases_per_day=CASES_PER_DAY, now=NOW)
        assert report.start is not None
        load_air_stations(session, seed=1, start=report.start, days=DAYS, now=NOW, timezone=zone)
        load_car_parks(session, seed=1, start=report.start, days=DAYS, now=NOW, timezone=zone)
    episode = pollution_episode(report.start, DAYS)
    assert episode is not None
    planted = [(episode.district, episode.complaint_category, episode.quantity, episode.complaint_lag)]

    day = clock.city_today(zone, NOW) - timedelta(days=1)
    *_, line = jobs.run_nightly("sensors-vs-cases", db, jobs.Night(day=day), lambda _: None)
    assert line.startswith("sensors-vs-cases: 1 link(s)")
    latest = app_client.get("/api/v1/insight/latest/sensor_links", headers=operator_headers)
    assert latest.status_code == 200, latest.text
    run = latest.json()
    assert _links(run) == planted
    assert run["params"]["sensors"] == STORED
    assert run["summary"]["tests"] > 2000  # every district × sensed category × quantity (occupancy too) × lag
    (item,) = run["results"]
    assert item["payload"]["q_value"] <= 0.05
    assert item["payload"]["rate_ratio"] > 1
    carried = {d["day"] for d in item["payload"]["carrying_days"]}
    assert carried & {d.isoformat() for d in episode.complaint_days}

    _cli_env(settings, monkeypatch)
    out = tmp_path / "links.json"
    result = runner.invoke(app, ["analyze", "sensors-vs-cases", "--to", str(day), "--json", str(out)])
    assert result.exit_code == 0, result.output
    document = json.loads(out.read_text(encoding="utf-8"))
    assert _links(document) == planted
    assert document["params"]["sensors"] == STORED
    assert (
        app_client.get("/api/v1/insight/latest/sensor_links", headers=operator_headers).json()["id"]
        == (document["run_id"])
    )


def test_without_stored_sensors_the_command_says_so_and_the_night_stores_nothing(
    db: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _cli_env(settings, monkeypatch)
    out = tmp_path / "links.json"
    result = runner.invoke(app, ["analyze", "sensors-vs-cases", "--json", str(out)])
    assert result.exit_code == 2
    assert "no stored sensor reading" in result.output
    assert not out.exists()
    day = clock.city_today(settings.timezone) - timedelta(days=1)
    (line,) = jobs.run_nightly("sensors-vs-cases", db, jobs.Night(day=day), lambda _: None)
    assert "nothing stored" in line
    with db.reading() as session, pytest.raises(NotFound):
        service.latest(session, "sensor_links")
