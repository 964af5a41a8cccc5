"""Loading Demo City into the real databases: counts, consistency, the planted pattern, idempotence."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm.exc import StaleDataError
from typer.testing import CliRunner

from citybrain.auth.service import authenticate
from citybrain.cli.main import app
from citybrain.core.db import Database
from citybrain.core.errors import Conflict
from citybrain.core.settings import Settings
from citybrain.models import Callback, Case, CaseContact, CaseEvent, District
from citybrain.simulate.load import LoadReport, load_city

NOW = datetime(2025, 6, 30, 12, 0, tzinfo=UTC)


def _load(db: Database) -> LoadReport:
    with db.transaction() as session:
        return load_city(session, seed=1, days=10, cases_per_day=50, now=NOW)


def test_small_city_loads_consistently(db: Database) -> None:
    report = _load(db)
    with db.transaction() as s:
        cases = s.scalar(select(func.count()).select_from(Case))
        assert cases == report.cases > 300
        assert s.scalar(select(func.count()).select_from(CaseContact)) == cases
        assert s.scalar(select(func.count()).select_from(CaseEvent)) == report.events
        assert s.scalar(select(func.count()).select_from(Callback)) == report.callbacks
        assert s.scalar(select(func.count()).select_from(District)) == 8
        for case in s.scalars(select(Case)):
            events = s.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.at)).all()
            assert events[-1].to_status == case.status
            assert case.version == len(events)
            if case.status == "closed":
                assert case.dispatched_at is not None
                assert case.accepted_at is not None
                assert case.resolved_at is not None
                assert case.closed_at is not None
                assert case.created_at <= case.dispatched_at <= case.accepted_at <= case.resolved_at <= case.closed_at
            if case.status == "merged":
                assert case.duplicate_of is not None
        callback_statuses = s.scalars(select(Case.status).join(Callback, Callback.case_id == Case.id)).all()
        assert set(callback_statuses) <= {"resolved", "closed", "dispatched", "accepted", "in_progress"}


def test_planted_cooccurrence_is_in_the_database(db: Database) -> None:
    report = _load(db)
    pattern = report.planted[0]
    start = datetime.combine(pattern.start, datetime.min.time(), UTC) - timedelta(hours=8)
    end = datetime.combine(pattern.end, datetime.min.time(), UTC) - timedelta(hours=8)
    with db.transaction() as s:
        stmt = (
            select(Case.category_code, func.count())
            .where(Case.grid == pattern.cell_id, Case.created_at >= start, Case.created_at < end)
            .group_by(Case.category_code)
        )
        counts = dict(s.execute(stmt).all())
    for code in ("noise.construction.night", "construction.site", "roads.works"):
        assert counts.get(code, 0) >= 2, counts


def test_same_seed_is_loaded_once_other_seed_refused(db: Database) -> None:
    first = _load(db)
    again = _load(db)
    assert again.already_loaded
    assert again.cases == first.cases
    with pytest.raises(Conflict, match="--reset"), db.transaction() as session:
        load_city(session, seed=2, days=3, cases_per_day=20, now=NOW)
    with db.transaction() as session:
        replaced = load_city(session, seed=2, days=3, cases_per_day=20, now=NOW, reset=True)
    with db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == replaced.cases


def test_optimistic_lock_works_on_loaded_cases(db: Database) -> None:
    _load(db)
    with db.transaction() as s:
        stale = s.scalars(select(Case).where(Case.status == "accepted")).first()
    assert stale is not None
    assert stale.version > 1
    with db.transaction() as s:
        fresh = s.get(Case, stale.id)
        assert fresh is not None
        fresh.status_notes = "changed by someone else"
    with db.transaction() as s:
        s.add(stale)
        stale.status_notes = "stale write"
        with pytest.raises(StaleDataError):
            s.flush()
        s.rollback()


def test_demo_command_loads_without_serving(
    settings: Settings, db: Database, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CITYBRAIN_DATABASE_URL", settings.resolved_database_url())
    monkeypatch.setenv("CITYBRAIN_DATA_DIR", str(tmp_path))  # the demo's key file and classifier go there
    monkeypatch.setenv("CITYBRAIN_PORTAL_API_KEY", "")  # undone after the test: the demo sets it for its server
    result = CliRunner().invoke(app, ["demo", "--no-serve", "--days", "3", "--cases-per-day", "20"])
    assert result.exit_code == 0, result.output
    assert "/open311/v2/discovery.json" in result.output
    assert "/portal" in result.output
    assert "/desk" in result.output
    assert result.output.strip().splitlines()[-1].startswith("cb_")
    portal_key = os.environ["CITYBRAIN_PORTAL_API_KEY"]
    assert portal_key.startswith("cb_")
    with db.reading() as s:
        assert authenticate(session=s, plaintext=portal_key).role == "app"  # the portal can take submissions
    with db.transaction() as s:
        assert (s.scalar(select(func.count()).select_from(Case)) or 0) > 20
    again = CliRunner().invoke(app, ["demo", "--no-serve", "--days", "3", "--cases-per-day", "20", "--seed", "9"])
    assert again.exit_code == 2
    assert "--reset" in again.output
