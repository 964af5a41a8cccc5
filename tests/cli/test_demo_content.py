"""`citybrain demo`'s working day: a classifier trained on the loaded cases and installed where intake reads it,
messages just in that intake dispatches or queues for a person, and the fresh burst as open early-warning alerts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from citybrain.cli import demo_content
from citybrain.cli.demo import insight_jobs
from citybrain.core import clock
from citybrain.core.db import Database
from citybrain.core.settings import Settings
from citybrain.models import Alert, Case
from citybrain.models.triage import CaseSuggestion
from citybrain.nlp import persistence
from citybrain.simulate.city import build_city
from citybrain.simulate.fresh import BURST_CATEGORY, BURST_SIZE, VAGUE, burst_cell, fresh_messages
from citybrain.simulate.load import load_city
from citybrain.simulate.repository import SOURCE


@pytest.fixture
def city_db(db: Database, settings: Settings, tmp_path: Path) -> Iterator[Database]:
    """The test database with 90 days of Demo City loaded, and a data dir of this test's own (the model file)."""
    own = Database(settings.model_copy(update={"data_dir": tmp_path}))
    with own.transaction() as session:
        load_city(session, seed=1, days=90, cases_per_day=60, now=clock.utcnow() - timedelta(minutes=1))
    yield own
    own.dispose()


def _fresh(db: Database) -> list[Any]:
    """The fresh messages' cases as rows (id, category_code, department_id, needs_review, status, triage)."""
    columns = (Case.id, Case.category_code, Case.department_id, Case.needs_review, Case.status, Case.triage)
    with db.reading() as session:
        stmt = select(*columns).where(Case.source == SOURCE, Case.source_key.like("s1-fresh-%")).order_by(Case.id)
        return list(session.execute(stmt).all())


def test_fresh_messages_are_dated_in_the_last_two_days() -> None:
    now = clock.utcnow()
    zone = clock.city_zone("Asia/Shanghai")
    messages = fresh_messages(build_city(1), seed=1, now=now, zone=zone)
    assert len(messages) == BURST_SIZE + len(VAGUE)
    assert len({m.source_key for m in messages}) == len(messages)
    assert all(now - timedelta(days=3) < m.created_at < now for m in messages)
    yesterday = clock.city_today(zone, now) - timedelta(days=1)
    burst = messages[:BURST_SIZE]
    assert sum(m.created_at.astimezone(zone).date() == yesterday for m in burst) >= BURST_SIZE // 2
    assert fresh_messages(build_city(1), seed=1, now=now, zone=zone) == messages  # seeded


def test_the_demo_trains_a_classifier_and_intake_uses_it(city_db: Database) -> None:
    path = demo_content.install_classifier(city_db, city_loaded=True)
    assert path == city_db.settings.data_dir / "classify" / "model.npz"
    model = persistence.load(path)
    assert model.threshold >= demo_content.DEMO_THRESHOLD
    assert BURST_CATEGORY in model.labels
    made = path.stat().st_mtime_ns
    assert demo_content.install_classifier(city_db, city_loaded=False) == path
    assert path.stat().st_mtime_ns == made  # kept on the next start

    demo_content.submit_fresh(city_db, seed=1)
    cases = _fresh(city_db)
    assert len(cases) == BURST_SIZE + len(VAGUE)
    burst, vague = cases[:BURST_SIZE], cases[BURST_SIZE:]
    # the burst is read by the model and dispatched to the water company; the vague ones wait for a person
    assert sum(c.category_code == BURST_CATEGORY and c.department_id is not None for c in burst) >= BURST_SIZE - 2
    queued = [c for c in cases if c.needs_review]
    assert len(queued) >= 4
    assert all(c.status == "received" and c.department_id is None for c in queued)
    assert all(c.triage and c.triage["category"]["source"] in ("model", "none") for c in vague)
    with city_db.reading() as session:
        ids = [c.id for c in burst]
        repeats = session.scalars(
            select(CaseSuggestion).where(CaseSuggestion.kind == "duplicate", CaseSuggestion.case_id.in_(ids))
        ).all()
    assert repeats  # near-copies of the burst are suggested as repeats (重复件)

    demo_content.submit_fresh(city_db, seed=1)
    assert len(_fresh(city_db)) == len(cases)  # once per seed

    with city_db.transaction() as session:  # --reset wipes them with their suggestions, on every database
        load_city(session, seed=2, days=3, cases_per_day=5, reset=True)
    assert _fresh(city_db) == []
    with city_db.reading() as session:
        assert session.scalars(select(CaseSuggestion.id)).first() is None


def test_the_demo_leaves_the_burst_as_open_alerts(
    city_db: Database, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    demo_content.install_classifier(city_db, city_loaded=True)
    demo_content.submit_fresh(city_db, seed=1)
    burst = {str(c.id) for c in _fresh(city_db)[:BURST_SIZE]}
    monkeypatch.setenv("CITYBRAIN_DATABASE_URL", settings.resolved_database_url())
    monkeypatch.setenv("CITYBRAIN_DATA_DIR", str(tmp_path))
    log = tmp_path / "insight.log"
    insight_jobs(log, nights=1)
    assert log.read_text(encoding="utf-8").rstrip().endswith("done")
    with city_db.reading() as session:
        alerts = session.execute(select(Alert.kind, Alert.title, Alert.case_ids).where(Alert.status == "open")).all()
    on_burst = [a for a in alerts if len(burst & {str(i) for i in a.case_ids or ()}) >= BURST_SIZE // 2]
    assert on_burst, [a.title for a in alerts]
    assert {a.kind for a in on_burst} >= {"cluster"}  # the space-time scan found the burst, and it stays open
    cell = burst_cell(build_city(1))
    assert cell.district_code == "D02"
