"""The scale benchmark's generator and COPY loader (bench/pg_scale.py), on a small city: what it loads must be
what the product would have written — ids that line up, events that tell each case's state, indexes back in
place — and the API must answer for a loaded case. PostgreSQL only (COPY); no speed is asserted."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from bench import pg_scale
from bench import pg_scale_data as data
from fastapi.testclient import TestClient

from citybrain.core import migrate
from citybrain.core.db import Database
from citybrain.core.settings import Settings
from citybrain.directory.defaults import load_defaults
from citybrain.web.app import create_app
from tests.conftest import make_key, scratch_database_url

CASES = 2000


@pytest.fixture
def scale_db(backend: str, tmp_path: Path) -> Iterator[tuple[Database, str]]:
    """A migrated database of its own with the default directory: (database, libpq URL for psycopg)."""
    if backend != "postgresql":
        pytest.skip("the scale benchmark loads with PostgreSQL's COPY")
    with scratch_database_url(backend, tmp_path / "unused.db", "cbscale") as url:
        settings = Settings(
            database_url=url, data_dir=tmp_path, api_key_requests_per_minute=0, bad_keys_per_minute=0,
            redis_url="", cockpit_warm_at_start=False, knowledge_warm_at_start=False,
        )  # fmt: skip
        db = Database(settings)
        migrate.upgrade(db.engine)
        with db.transaction() as session:
            load_defaults(session)
        try:
            yield db, url.replace("postgresql+psycopg://", "postgresql://", 1)
        finally:
            db.dispose()


def _one(conn: psycopg.Connection[tuple[int, ...]], sql: str) -> int:
    row = conn.execute(sql).fetchone()
    assert row is not None
    return int(row[0])


def test_loaded_cases_line_up_with_their_events_and_the_api_answers(scale_db: tuple[Database, str]) -> None:
    db, url = scale_db
    with db.transaction() as session:
        vocab = data.vocabulary(session)
    with psycopg.connect(url) as conn:
        before = {name for _t, name, _ddl in pg_scale.secondary_ddl(conn)}
    args = pg_scale.parse_args(["--cases", str(CASES), "--chunk", "700", "--seed", "7"])
    report = pg_scale.load(url, vocab, args)

    with psycopg.connect(url) as conn:
        counts = {t: _one(conn, f"SELECT count(*) FROM {t}") for t in data.TABLES}
        assert counts == report["rows"]
        assert counts["cases"] == CASES
        assert counts["case_events"] >= 4 * CASES
        assert {name for _t, name, _ddl in pg_scale.secondary_ddl(conn)} == before  # indexes and keys rebuilt
        assert _one(conn, "SELECT max(id) FROM cases") - _one(conn, "SELECT min(id) FROM cases") == CASES - 1
        # every case starts with its receipt, at its creation
        assert _one(conn, "SELECT count(*) FROM case_events WHERE action = 'receive'") == CASES
        assert _one(conn, """SELECT count(*) FROM cases c JOIN case_events e ON e.case_id = c.id
                             AND e.action = 'receive' AND e.at = c.created_at""") == CASES  # fmt: skip
        # the case's status and version are what its last event and its number of events say
        mismatched = """
            SELECT count(*) FROM cases c JOIN LATERAL (
                SELECT count(*) AS n, (array_agg(to_status ORDER BY at DESC, id DESC))[1] AS last
                FROM case_events e WHERE e.case_id = c.id) ev ON true
            WHERE ev.last <> c.status OR ev.n <> c.version"""
        assert _one(conn, mismatched) == 0
        assert _one(conn, "SELECT count(*) FROM cases WHERE callback_at IS NOT NULL") == counts["callbacks"]
        assert _one(conn, "SELECT count(*) FROM cases WHERE status = 'closed'") > CASES // 2
        assert _one(conn, "SELECT count(*) FROM cases WHERE status NOT IN ('closed', 'invalid', 'merged')") > 0
        assert _one(conn, "SELECT count(*) FROM cases WHERE lat IS NULL OR district_code IS NULL") == 0
        # the sequences continue after the loaded ids
        next_id = _one(conn, "SELECT nextval(pg_get_serial_sequence('cases', 'id'))")
        assert next_id > _one(conn, "SELECT max(id) FROM cases")
        case_id, status, events = conn.execute(
            "SELECT c.id, c.status, count(e.id) FROM cases c JOIN case_events e ON e.case_id = c.id "
            "WHERE c.status = 'closed' GROUP BY c.id ORDER BY c.id LIMIT 1"
        ).fetchone() or (0, "", 0)

    key = make_key(db, "operator")
    with TestClient(create_app(db.settings, database=db)) as client:
        public = client.get(f"/open311/v2/requests/{case_id}.json")
        assert public.status_code == 200
        assert public.json()[0]["service_request_id"] == str(case_id)
        assert public.json()[0]["status"] == "closed"
        staff = client.get(f"/api/v1/cases/{case_id}", headers={"X-API-Key": key})
        assert staff.status_code == 200
        assert staff.json()["status"] == status
        assert len(staff.json()["events"]) == events


def test_the_same_seed_draws_the_same_chunk(scale_db: tuple[Database, str]) -> None:
    db, _url = scale_db
    with db.transaction() as session:
        vocab = data.vocabulary(session)
    plan = data.Plan(total=1000, first_id=1, start_us=1_700_000_000 * data.US, end_us=1_760_000_000 * data.US, seed=3)
    first = data.generate_chunk(vocab, plan, 0, 1000, plan.end_us)
    again = data.generate_chunk(vocab, plan, 0, 1000, plan.end_us)
    other = data.generate_chunk(vocab, data.Plan(**{**vars(plan), "seed": 4}), 0, 1000, plan.end_us)
    assert all(first.tables[t].equals(again.tables[t]) for t in data.TABLES)
    assert not first.tables["cases"].equals(other.tables["cases"])
