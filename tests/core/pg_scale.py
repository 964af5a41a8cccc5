"""Helpers of the partition and query-plan tests: a PostgreSQL database of its own, cases loaded in bulk, plans.

Cases are loaded with one ``INSERT … SELECT generate_series`` (tens of thousands in a second or two), spread over
the twelve months before ``NOW`` and over the default directory's departments and categories, then ANALYZEd so
the planner chooses as it would on a real city's tables.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event, text

from citybrain.core import migrate
from citybrain.core.db import Database
from citybrain.core.settings import Settings
from citybrain.directory.defaults import load_defaults
from tests.conftest import scratch_database_url

NOW = datetime(2026, 6, 15, 8, 0, tzinfo=UTC)
FIRST = datetime(2025, 7, 1, tzinfo=UTC)  # twelve months of cases before NOW
ANALYZED = "cases, case_events, case_contacts, callbacks, departments, categories"


@contextmanager
def pg_database(backend: str, tmp_path: Path) -> Iterator[Database]:
    """A migrated PostgreSQL database with the default directory, in a schema of its own."""
    with scratch_database_url(backend, tmp_path / "unused.db", "cbpart") as url:
        settings = Settings(
            database_url=url,
            data_dir=tmp_path,
            api_key_requests_per_minute=0,
            bad_keys_per_minute=0,
            redis_url="",
            cockpit_warm_at_start=False,
            knowledge_warm_at_start=False,
        )
        database = Database(settings)
        try:
            migrate.upgrade(database.engine)
            with database.transaction() as session:
                load_defaults(session)
            yield database
        finally:
            database.dispose()


def load_cases(engine: Engine, count: int, *, first: datetime = FIRST, days: int = 365) -> None:
    """``count`` cases spread evenly over ``days`` from ``first``, each with a create event and a contact.

    As in a real city, cases older than a month before ``NOW`` are closed (one in twenty invalid); the newer ones
    are spread over the open states."""
    settled = NOW - timedelta(days=30)
    with engine.begin() as conn:
        departments = [r[0] for r in conn.execute(text("SELECT id FROM departments ORDER BY id"))]
        categories = [r[0] for r in conn.execute(text("SELECT code FROM categories ORDER BY code"))]
        conn.execute(
            text(_CASES),
            {
                "n": count,
                "first": first,
                "days": days,
                "departments": departments,
                "categories": categories,
                "statuses": ["received", "dispatched", "accepted", "in_progress", "resolved"],
                "settled": settled,
            },
        )
        conn.execute(text(_EVENTS), {"since": first})
        conn.execute(text("INSERT INTO case_contacts (case_id, phone) SELECT id, '1380000' || id FROM cases "
                          "WHERE id NOT IN (SELECT case_id FROM case_contacts)"))  # fmt: skip
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f"VACUUM ANALYZE {ANALYZED}"))


_CASES = """
INSERT INTO cases (source, source_key, channel, request_type, title, text, category_code, district_code,
                   department_id, status, created_at, updated_at, dispatched_at, due_at, resolved_at, lat, lon,
                   likes, dislikes, reopen_count, reject_count, reminder_count, version, needs_review, token)
SELECT 'load', 'load-' || g || '-' || md5(random()::text), (ARRAY['web', 'hotline', 'app'])[1 + g % 3], '投诉',
       'case ' || g, 'text', (CAST(:categories AS text[]))[1 + g % cardinality(CAST(:categories AS text[]))],
       'D' || (g % 16),
       (CAST(:departments AS int[]))[1 + g % cardinality(CAST(:departments AS int[]))],
       CASE WHEN t < CAST(:settled AS timestamptz) THEN (CASE WHEN g % 20 = 0 THEN 'invalid' ELSE 'closed' END)
            ELSE (CAST(:statuses AS text[]))[1 + g % 5] END,
       t, t + interval '2 days', t + interval '1 hour', t + interval '5 days',
       CASE WHEN t < CAST(:settled AS timestamptz) OR g % 5 = 4 THEN t + interval '3 days' END,
       39.9 + (g % 100) / 1000.0, 116.4 + (g % 97) / 1000.0,
       0, 0, 0, 0, 0, 1, false, md5(g::text || random()::text)
FROM generate_series(1, CAST(:n AS int)) g,
     LATERAL (SELECT CAST(:first AS timestamptz) + ((g - 1)::float / :n) * :days * interval '1 day' AS t) s
"""
_EVENTS = """
INSERT INTO case_events (case_id, at, actor, action, to_status)
SELECT id, created_at, 'load', 'create', 'received' FROM cases WHERE created_at >= :since
"""


class Statements:
    """The SQL an engine runs while the block is open (statement, parameters), as the app sent it."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.seen: list[tuple[str, Any]] = []

    def _record(self, _conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        self.seen.append((statement, parameters))

    def __enter__(self) -> Statements:
        event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *_exc: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._record)

    def reading(self, *tables: str) -> list[tuple[str, Any]]:
        """The SELECTs that read one of ``tables`` (by name, in a FROM or JOIN)."""
        wanted = []
        for statement, parameters in self.seen:
            lowered = " ".join(statement.lower().split())
            if not lowered.startswith(("select", "with")):
                continue
            if any(f"from {t} " in lowered + " " or f"join {t} " in lowered + " " for t in tables):
                wanted.append((statement, parameters))
        return wanted


def plan(engine: Engine, statement: str, parameters: Any) -> dict[str, Any]:
    """EXPLAIN (FORMAT JSON) of a statement with its parameters: the top plan node."""
    with engine.connect() as conn:
        found = conn.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {statement}", parameters).scalar_one()
    document = json.loads(found) if isinstance(found, str) else found
    return dict(document[0]["Plan"])


def nodes(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for child in node.get("Plans", []):
        yield from nodes(child)


def scans(node: dict[str, Any], table: str) -> list[tuple[str, str]]:
    """(node type, relation) of every scan of ``table`` or of one of its partitions (``table_…``)."""
    found = []
    for item in nodes(node):
        relation = str(item.get("Relation Name", ""))
        if relation == table or relation.startswith(f"{table}_y") or relation == f"{table}_default":
            found.append((str(item["Node Type"]), relation))
    return found
