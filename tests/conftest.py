"""Test fixtures: every database test runs on SQLite and on PostgreSQL.

The schema is created by the real Alembic migrations. PostgreSQL tests use a fresh schema per test session
(so parallel runs never meet) at CITYBRAIN_TEST_POSTGRES_URL (default: the local server, database ``test``).
Outside CI a missing PostgreSQL server skips those tests with a message; in CI (CI=true) it fails them.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import Engine, Table, create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from citybrain.auth import service as auth_service
from citybrain.core import migrate
from citybrain.core.db import Database
from citybrain.core.settings import Settings
from citybrain.directory.defaults import load_defaults
from citybrain.models import Base
from citybrain.web.app import create_app

POSTGRES_URL = os.environ.get("CITYBRAIN_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
SHARED = Path(__file__).resolve().parents[1].parent / "shared"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
BACKENDS = [b for b in os.environ.get("CITYBRAIN_TEST_BACKENDS", "sqlite,postgresql").split(",") if b]


def shared_path(*parts: str) -> Path:
    """A file under ../shared/; skip (outside CI) when it is not there."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        if IN_CI:
            pytest.fail(f"{path} is missing, and CI must have ../shared/")
        pytest.skip(f"{path} not present (the tests read ../shared/ beside the checkout)")
    return path


def _postgres_available() -> str | None:
    try:
        engine = create_engine(POSTGRES_URL)
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
        return None
    except Exception as exc:  # noqa: BLE001 - any failure means "no server"
        return str(exc).splitlines()[0]


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@contextmanager
def scratch_database_url(backend: str, sqlite_file: Path, prefix: str = "cbtest") -> Iterator[str]:
    """The URL of an empty database of its own: a SQLite file, or a new PostgreSQL schema dropped afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{sqlite_file}"
        return
    problem = _postgres_available()
    if problem:
        if IN_CI:
            pytest.fail(f"PostgreSQL is required in CI but did not answer at {POSTGRES_URL}: {problem}")
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_URL} ({problem}); SQLite pass still runs")
    schema = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@contextmanager
def scratch_postgres_database(url: str, prefix: str) -> Iterator[str]:
    """A new, empty PostgreSQL database beside ``url``'s (same options, so the same schema name in search_path),
    dropped afterwards: where a backup is restored."""
    parsed = make_url(url)
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(parsed.set(query={}), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield parsed.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def database_url(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with scratch_database_url(backend, tmp_path_factory.mktemp("db") / "test.db") as url:
        yield url


@pytest.fixture
def fresh_engine(backend: str, tmp_path: Path) -> Iterator[Engine]:
    """An engine on an empty database of the test's own (for migrations' round trips), disposed afterwards."""
    with scratch_database_url(backend, tmp_path / "fresh.db", "cbmig") as url:
        engine = create_engine(url)
        try:
            yield engine
        finally:
            engine.dispose()


def downgrade(engine: Engine, revision: str) -> None:
    """Alembic's downgrade of ``engine``'s database to ``revision`` (upgrades are :func:`migrate.upgrade`)."""
    config = migrate.alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


@pytest.fixture(scope="session")
def settings(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    # no rate limits: a test makes requests far faster than a client would; tests/auth/test_rate_limits.py sets them.
    # The cockpit's warming at start is off: a test about it switches it on.
    return Settings(
        database_url=database_url,
        data_dir=tmp_path_factory.mktemp("data"),
        api_key_requests_per_minute=0,
        bad_keys_per_minute=0,
        redis_url="",
        cockpit_warm_at_start=False,
        knowledge_warm_at_start=False,
        freeze_heap_at_start=False,  # a collection at each of ~1,500 app starts cost a third of the suite's setup
    )


@pytest.fixture(scope="session")
def _migrated(settings: Settings) -> Iterator[Database]:
    database = Database(settings)
    migrate.upgrade(database.engine)
    yield database
    database.dispose()


def _wipe(database: Database) -> None:
    """Every table emptied (PostgreSQL: in one round trip; the sequences go on, so ids are never reused)."""
    tables = list(reversed(Base.metadata.sorted_tables))
    with database.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("; ".join(f'DELETE FROM "{table.name}"' for table in tables))
            return
        for table in tables:
            conn.execute(table.delete())


@pytest.fixture(scope="session")
def _default_rows(_migrated: Database) -> list[tuple[Table, list[dict[str, Any]]]]:
    """The rows ``load_defaults`` writes (directory, SLA, categories, rules), read once per test session: a test's
    database gets them as one insert per table, 10–20 ms instead of 50–100 ms through the service."""
    _wipe(_migrated)
    with _migrated.transaction() as session:
        load_defaults(session)
    rows: list[tuple[Table, list[dict[str, Any]]]] = []
    with _migrated.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:  # parents first; within a table in key order (parents first)
            found = conn.execute(select(table).order_by(*table.primary_key.columns)).mappings().all()
            if found:
                rows.append((table, [dict(row) for row in found]))
    _wipe(_migrated)
    return rows


@pytest.fixture
def db(_migrated: Database, _default_rows: list[tuple[Table, list[dict[str, Any]]]]) -> Iterator[Database]:
    """A migrated database with the default directory loaded (as ``load_defaults`` leaves it); emptied after."""
    with _migrated.engine.begin() as conn:
        for table, rows in _default_rows:
            conn.execute(table.insert(), rows)
    yield _migrated
    _wipe(_migrated)


@pytest.fixture
def session(db: Database) -> Iterator[Session]:
    """One transaction for a service-level test (committed at the end, like a command)."""
    with db.transaction() as s:
        yield s


@pytest.fixture
def app_client(db: Database, settings: Settings) -> Iterator[TestClient]:
    app = create_app(settings, database=db)
    with TestClient(app) as client:
        yield client


def make_key(db: Database, role: str = "operator", department_code: str | None = None) -> str:
    with db.transaction() as s:
        _key, plaintext = auth_service.create_api_key(
            session=s, name=f"test {role}", role=role, department_code=department_code
        )
    return plaintext


def make_unit(db: Database, code: str, kind: str, supervisor: str, name_zh: str = "测试协同单位") -> int:
    """A unit outside government (社会协同单位) under ``supervisor``, as `citybrain directory add-department` adds."""
    from citybrain.directory import service as directory_service
    from citybrain.directory.schemas import DepartmentIn

    data = DepartmentIn(code=code, name_zh=name_zh, kind=kind, supervisor_code=supervisor)
    with db.transaction() as s:
        return directory_service.add_department(session=s, data=data).id


@pytest.fixture
def operator_headers(db: Database) -> dict[str, str]:
    return {"X-API-Key": make_key(db, "operator")}


PASSWORD = "correct horse battery"


def make_user(
    db: Database,
    role: str = "operator",
    department_code: str | None = None,
    *,
    username: str | None = None,
    password: str = PASSWORD,
) -> str:
    """A staff account as `citybrain user add` makes it; returns its user name (the password is ``password``)."""
    from citybrain.auth import accounts

    name = username or f"test-{role}"
    with db.transaction() as s:
        accounts.create(session=s, username=name, display_name=f"测试 {role}", role=role, password=password,
                        min_length=10, department_code=department_code)  # fmt: skip
    return name


def sign_in(client: TestClient, username: str, password: str = PASSWORD) -> str:
    """Sign in through the /signin form as a browser does (the form's token, then the cookie); returns the
    session's CSRF token. The client must use https://testserver, or it will not send the Secure cookie back."""
    import re

    page = client.get("/signin")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None, page.text
    form = {"username": username, "password": password, "csrf_token": token.group(1), "next": "/desk"}
    answer = client.post("/signin", data=form, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    me = client.get("/api/v1/me")
    assert me.status_code == 200, me.text
    csrf: str = me.json()["csrf_token"]
    return csrf


@pytest.fixture
def browser_client(db: Database, settings: Settings) -> Iterator[TestClient]:
    """The app over https://testserver: the client keeps and sends the Secure session cookie as a browser does."""
    app = create_app(settings, database=db)
    with TestClient(app, base_url="https://testserver") as client:
        yield client
