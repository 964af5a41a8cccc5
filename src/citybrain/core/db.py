"""Engine, sessions and the one transaction boundary.

Services flush and never commit. The boundary — :func:`transaction` for commands and the request
dependency in ``web`` for routes — commits when the block succeeds and rolls back otherwise, so a
response that says "accepted" is only sent after the commit has returned.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from citybrain.core.settings import Settings
from citybrain.core.writelock import SqliteWriteLock


def make_engine(settings: Settings, **kwargs: Any) -> Engine:
    """Create the engine for the configured database, with SQLite tuned for durable concurrent use."""
    url = make_url(settings.resolved_database_url())
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            echo=settings.echo_sql,
            connect_args={"timeout": 30, "check_same_thread": False},
            pool_size=16,
            max_overflow=16,
            **kwargs,
        )
        _tune_sqlite(engine, settings.sqlite_synchronous)
        return engine
    return create_engine(url, echo=settings.echo_sql, pool_size=10, max_overflow=20, pool_pre_ping=True, **kwargs)


def _tune_sqlite(engine: Engine, synchronous: str) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when a transaction begins (see SQLAlchemy's
        # "Serializable isolation / Savepoints / Transactional DDL" notes for pysqlite).
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # IMMEDIATE takes the write lock up front, so two writers queue on busy_timeout instead of
        # failing with "database is locked" when one upgrades a read transaction. Read-only work
        # (Database.reading) begins deferred: in WAL mode readers never block the writer.
        if conn.get_execution_options().get(READ_ONLY_OPTION):
            conn.exec_driver_sql("BEGIN")
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")


READ_ONLY_OPTION = "citybrain_read_only"


def _refuse_writes(session: Session, _context: Any, _instances: Any) -> None:
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("a read-only session (Database.reading) tried to write; use Database.transaction")


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)


#: Work that must commit with the request's transaction, whichever it is (set per request, e.g. by the
#: Idempotency-Key middleware: the key is marked done in the transaction that creates the thing). It may
#: return what to do once the COMMIT has returned.
BEFORE_COMMIT: ContextVar[Callable[[Session], Callable[[], None] | None] | None] = ContextVar(
    "citybrain_before_commit", default=None
)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """The transaction boundary: commit on success, roll back on any exception."""
    session = factory()
    try:
        yield session
        hook = BEFORE_COMMIT.get()
        committed = hook(session) if hook is not None else None
        session.commit()
        if committed is not None:
            committed()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def _sqlite_write_lock(engine: Engine, suffix: str = ".writelock") -> SqliteWriteLock | None:
    if not is_sqlite(engine):
        return None
    database = engine.url.database
    if not database or database == ":memory:":
        return SqliteWriteLock(Path(tempfile.mkdtemp()) / "memory.db", suffix=suffix)
    return SqliteWriteLock(Path(database).resolve(), suffix=suffix)


class Database:
    """The engine, its session factory and the settings it was made from, created once per process."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.engine = make_engine(settings)
        self.sessions = session_factory(self.engine)
        self._read_sessions = session_factory(self.engine.execution_options(**{READ_ONLY_OPTION: True}))
        event.listen(self._read_sessions, "before_flush", _refuse_writes)
        # SQLite has one writer: threads and processes queue for it on this lock (see core/writelock.py).
        self._sqlite_writer = _sqlite_write_lock(self.engine)
        self._sqlite_rollup = _sqlite_write_lock(self.engine, ".rolluplock")

    def transaction(self) -> AbstractContextManager[Session]:
        """``with db.transaction() as session:`` — the one boundary; commits on success."""
        if self._sqlite_writer is None:
            return transaction(self.sessions)
        return self._queued_transaction(self._sqlite_writer)

    @contextmanager
    def _queued_transaction(self, writer: SqliteWriteLock) -> Iterator[Session]:
        with writer.held(), transaction(self.sessions) as session:
            yield session

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """``with db.reading() as session:`` — read-only work (lists, reports, pages).

        It neither queues for SQLite's single writer nor holds a write lock, so a long report does not stall
        intake; it sees one consistent snapshot and is rolled back at the end. Writing in it is an error.
        """
        session = self._read_sessions()
        try:
            yield session
        finally:
            session.rollback()
            session.close()

    def one_rollup_refresh(self) -> AbstractContextManager[None]:
        """On SQLite, one refresh of the KPI roll-up at a time across threads and processes — a lock of its own,
        not the writer's, held while the changed days are read and written (cases/kpi_rollup.py): two server
        workers' cockpits would otherwise sum the same days twice and one would find its rows stale. Elsewhere
        nothing: PostgreSQL's refreshes take an advisory lock in their write transaction."""
        return nullcontext() if self._sqlite_rollup is None else self._sqlite_rollup.held()

    def dispose(self) -> None:
        self.engine.dispose()
