"""``citybrain alerts daily`` on the live database: detect, raise, commit, then notify — and a re-run is silent."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from typer.testing import CliRunner

from citybrain.alerts import repository
from citybrain.cases import service as case_service
from citybrain.cases.schemas import NewCase
from citybrain.cli.main import app
from citybrain.core.db import Database
from citybrain.core.settings import Settings
from tests.alerts.sinks import webhook_server

runner = CliRunner()
START = datetime(2026, 1, 1, 1, tzinfo=UTC)  # 09:00 in the city


def _load_city(db: Database, days: int = 30, burst: tuple[int, ...] = (28, 29)) -> set[int]:
    """Background cases over the city, and a burst around one spot; the burst's case ids.

    Twelve background cases a day keep the burst's 24 under a tenth of the window's cases, the largest circle the
    scan draws by default (``max_share``)."""
    rng = random.Random(11)
    planted: set[int] = set()
    with db.transaction() as session:
        for day in range(days):
            for _ in range(12):
                at = START + timedelta(days=day, minutes=rng.randint(0, 480))
                data = NewCase(
                    text="路灯不亮", lat=28.1 + rng.random() * 0.2, lon=112.9 + rng.random() * 0.2, created_at=at
                )
                case_service.create_case(session=session, data=data, actor="test")
            for _ in range(12 if day in burst else 0):
                at = START + timedelta(days=day, minutes=rng.randint(0, 480))
                spot = NewCase(
                    text="夜间施工噪音",
                    lat=28.145 + rng.random() * 0.0025,
                    lon=112.947 + rng.random() * 0.002,  # 280 m × 200 m: straddles 250 m cells
                    created_at=at,
                )
                planted.add(case_service.create_case(session=session, data=spot, actor="test").id)
    return planted


@pytest.mark.slow
def test_daily_raises_commits_then_notifies_once(
    db: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    planted = _load_city(db)
    monkeypatch.setenv("CITYBRAIN_DATABASE_URL", settings.resolved_database_url())
    monkeypatch.setenv("CITYBRAIN_DATA_DIR", str(settings.data_dir))
    with webhook_server() as (url, received):
        monkeypatch.setenv("CITYBRAIN_ALERT_WEBHOOK_URL", url)
        first = runner.invoke(app, ["alerts", "daily", "--as-of", "2026-01-30"])
        assert first.exit_code == 0, first.output
        again = runner.invoke(app, ["alerts", "daily", "--as-of", "2026-01-30"])
        assert again.exit_code == 0, again.output
    with db.reading() as session:
        alerts, total = repository.list_alerts(session, status=None, limit=100, offset=0)
        (cluster,) = [a for a in alerts if a.kind == "cluster"]
        assert len(planted & {int(i) for i in cluster.case_ids or []}) >= 18
        sent = {(d.status, d.attempts) for a in alerts for d in repository.deliveries(session, a.id)}
        ids = sorted(a.id for a in alerts)
    assert f"alerts: {total} raised" in first.stdout
    assert "alerts: 0 raised, 0 grown" in again.stdout
    assert sorted(body["alert"]["id"] for body in received.bodies) == ids  # each alert once, after its commit
    assert sent == {("sent", 1)}
