"""The busiest reads use an index on PostgreSQL, on the plain layout and on the partitioned one (EXPLAIN).

Each request goes through the real route; the SELECTs it sends that read ``cases`` or ``case_events`` are
captured as sent and explained with their parameters. 30,000 cases over twelve months, VACUUM ANALYZEd, are
enough for the planner to prefer a sequential scan wherever an index does not serve the query — so a plan that
scans ``cases`` without an index fails here. On the partitioned layout a date-bounded query must read only the
months of its window. (No planner settings are changed: the plans are the ones the server would choose.)
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient

from citybrain.core import clock, partitions
from citybrain.core.db import Database
from citybrain.web.app import create_app
from tests.conftest import make_key
from tests.core.pg_scale import ANALYZED, NOW, Statements, load_cases, nodes, pg_database, plan, scans

CASES = 30_000
INDEXED = {"Index Scan", "Index Only Scan", "Bitmap Heap Scan"}


@dataclass(frozen=True)
class Read:
    """One request of a page or an API client, and the months (first, last) its window allows, if bounded."""

    name: str
    path: str
    params: dict[str, str]
    role: str | None = None
    months: tuple[str, str] | None = None


READS = [
    Read("open311 one request", "/open311/v2/requests/{case_id}.json", {}),
    Read("open311 list", "/open311/v2/requests.json", {}, months=("2026-03", "2026-06")),
    Read("open311 open", "/open311/v2/requests.json", {"status": "open"}, months=("2026-03", "2026-06")),
    Read("open311 by service", "/open311/v2/requests.json", {"service_code": "{category}"},
         months=("2026-03", "2026-06")),
    Read("open311 window", "/open311/v2/requests.json",
         {"start_date": "2026-01-05T00:00:00Z", "end_date": "2026-02-20T00:00:00Z"}, months=("2026-01", "2026-02")),
    Read("cases newest first", "/api/v1/cases", {}, "operator"),
    Read("cases open", "/api/v1/cases", {"open": "true"}, "operator"),
    Read("cases of a department", "/api/v1/cases", {"department": "{department}"}, "operator"),
    Read("cases by status", "/api/v1/cases", {"status": "accepted"}, "operator"),
    Read("one case", "/api/v1/cases/{case_id}", {}, "operator"),
    # with as_of the KPIs read the window's cases; without, the daily roll-up, whose up-to-date check looks for
    # changes in every month (index probes: held to an index, not to the window)
    Read("kpis", "/api/v1/kpis", {"from": "2026-03-01", "to": "2026-03-31", "as_of": "{now}"}, "operator",
         ("2026-02", "2026-03")),
    Read("kpis by department", "/api/v1/kpis",
         {"by": "department", "from": "2026-05-01", "to": "2026-05-31", "as_of": "{now}"}, "operator",
         ("2026-04", "2026-05")),
    Read("kpis now, from the roll-up", "/api/v1/kpis", {"by": "department", "from": "2025-07-01", "to": "2026-06-30"},
         "operator"),
    Read("landing page", "/", {}),
]  # fmt: skip


@pytest.fixture(scope="module")
def city(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    if backend != "postgresql":
        pytest.skip("query plans are PostgreSQL's")
    with pg_database(backend, tmp_path_factory.mktemp("plans")) as database:
        load_cases(database.engine, CASES)
        yield database


@pytest.fixture(scope="module", params=["plain", "partitioned"])
def layout(request: pytest.FixtureRequest, city: Database) -> str:
    wanted = str(request.param)
    converted = bool(partitions.describe(city.engine))
    if wanted == "partitioned" and not converted:
        partitions.partition(city.engine, now=NOW)
        with city.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql(f"VACUUM ANALYZE {ANALYZED}")
    if wanted == "plain" and converted:
        partitions.unpartition(city.engine)
    return wanted


@pytest.fixture(scope="module")
def client(city: Database) -> Iterator[TestClient]:
    with TestClient(create_app(city.settings, database=city)) as test_client:
        yield test_client


def _fill(text_: str, city: Database) -> str:
    with city.engine.connect() as conn:
        case_id = conn.exec_driver_sql("SELECT max(id) FROM cases").scalar_one()
        department = conn.exec_driver_sql("SELECT code FROM departments ORDER BY id LIMIT 1").scalar_one()
        category = conn.exec_driver_sql("SELECT category_code FROM cases WHERE id = %(i)s", {"i": case_id}).scalar()
    return text_.format(case_id=case_id, department=department, category=category, now=NOW.isoformat())


def _request(city: Database, client: TestClient, read: Read) -> Statements:
    headers = {"X-API-Key": make_key(city, read.role)} if read.role else {}
    params = {k: _fill(v, city) for k, v in read.params.items()}
    path = _fill(read.path, city)
    with Statements(city.engine) as seen, clock.frozen(NOW):
        response = client.get(path, params=params, headers=headers)
    assert response.status_code == 200, response.text
    return seen


def _months_of(relations: set[str], table: str) -> set[str]:
    prefix = f"{table}_y"
    return {f"{r[len(prefix) : len(prefix) + 4]}-{r[-2:]}" if r.startswith(prefix) else r for r in relations}


def _window(months: tuple[str, str]) -> set[str]:
    first, last = (date.fromisoformat(f"{m}-01") for m in months)
    found, month = set(), first
    while month <= last:
        found.add(f"{month:%Y-%m}")
        month = partitions.next_month(month)
    return found


@pytest.mark.parametrize("read", READS, ids=[r.name for r in READS])
def test_reads_use_an_index(layout: str, city: Database, client: TestClient, read: Read) -> None:
    seen = _request(city, client, read)
    statements = seen.reading("cases", "case_events")
    assert statements, f"{read.name}: no SELECT of cases captured"
    problems: list[str] = []
    large = _large_tables(city)
    for statement, parameters in statements:
        top = plan(city.engine, statement, parameters)
        for table in ("cases", "case_events"):
            found = scans(top, table)
            unindexed = [(kind, rel) for kind, rel in found if kind not in INDEXED and rel in large]
            unindexed = [(kind, rel) for kind, rel in unindexed if not _most_of(top, rel, large[rel])]
            if unindexed:
                problems.append(f"{unindexed} in\n{' '.join(statement.split())[:600]}\n{_summary(top)}")
            if layout == "partitioned" and read.months and table == "cases" and found:
                touched = _months_of({rel for _kind, rel in found}, table)
                if not touched <= _window(read.months):
                    problems.append(
                        f"months {sorted(touched)} outside {read.months} in {' '.join(statement.split())[:300]}"
                    )
    assert not problems, f"{read.name} ({layout}):\n" + "\n\n".join(problems)


def _large_tables(city: Database) -> dict[str, float]:
    """Tables and partitions of 1,000 rows or more, and their rows: a sequential scan of an empty month is fine."""
    with city.engine.connect() as conn:
        found = conn.exec_driver_sql(
            "SELECT relname, reltuples FROM pg_class "
            "WHERE relnamespace = current_schema()::regnamespace AND reltuples >= 1000"
        ).all()
        return {name: float(rows) for name, rows in found}


def _most_of(top: dict[str, Any], relation: str, rows: float) -> bool:
    """A table or month partition the query needs at least half of: reading it whole is the right plan — the KPIs
    of a calendar month (partitioning's point), or the staff list's total of every case, which PostgreSQL reads by
    the index alone only while the visibility map says the pages are all-visible (another session's open
    transaction on the same server, such as a second test worker's, keeps VACUUM from saying so, and then a
    sequential scan is the cheaper plan; seen in a parallel run). A selective read estimates few rows and is
    still held to an index."""
    wanted = [n["Plan Rows"] for n in nodes(top) if n.get("Relation Name") == relation and "Plan Rows" in n]
    return bool(wanted) and max(wanted) >= rows / 2


def _summary(node: dict[str, Any], depth: int = 0) -> str:
    line = "  " * depth + f"{node['Node Type']} {node.get('Relation Name', '')} {node.get('Index Name', '')}"
    return "\n".join([line, *(_summary(child, depth + 1) for child in node.get("Plans", []))])
