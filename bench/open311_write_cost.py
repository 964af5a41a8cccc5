"""What one Open311 POST costs in the database layer, today and at its floor, without HTTP.

Why: the HTTP benchmark (:mod:`bench.open311_load`) says *whether* the server keeps up; this says *where* the
time goes, and it measures CPU time per request, which stays meaningful on a machine other work is using.

Two paths write the same rows (one case, its contact, the ``receive`` and ``dispatch`` events) in one
committed transaction per request:

- ``service``: the product path, ``intake.open311.service.submit`` (ORM: key lookup, catalogue checks,
  ``cases.service.create_case`` with routing and SLA lookups, several flushes);
- ``floor``: a sketch of a lean path — the directory (categories, routing rules, SLA classes) read once and
  kept in memory, the key checked by one Core SELECT, and four Core INSERTs. It is *not* product code
  (no attribute checks, simplified routing without districts); it shows how far the ORM path is from the
  cost of the writes themselves;
- ``floor_group_commit_N``: the same, N requests per transaction (what a group-commit writer would do: one
  COMMIT and one fsync for N acknowledgements, multi-row INSERTs).

    .venv/bin/python bench/open311_write_cost.py --db sqlite --requests 1000
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

if __package__ in (None, ""):  # run as a script: make ``bench`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.open311_load import RESULTS, citybrain, fresh_database, request_bodies  # noqa: E402


def _service_path(db: Any, settings: Any, api_key: str) -> Callable[[list[Any]], None]:
    from citybrain.intake.open311 import service

    def post(batch: list[Any]) -> None:
        (data,) = batch
        with db.transaction() as session:
            service.submit(session=session, settings=settings, api_key=api_key, data=data, lang="zh")

    return post


class _Directory:
    """Categories, rules and SLA classes read once (a real cache would also need invalidation)."""

    def __init__(self, db: Any) -> None:
        from sqlalchemy import select

        from citybrain.models import Category, RoutingRule, SlaPolicy

        with db.transaction() as session:
            self.categories = {c.code: (c.parent_code, c.sla_code) for c in session.scalars(select(Category))}
            rules = session.scalars(select(RoutingRule).where(RoutingRule.district_code.is_(None)))
            self.rules = [(r.category_code or "", r.priority, r.department_id) for r in rules]
            self.slas = {p.code: (p.accept_hours, p.resolve_hours) for p in session.scalars(select(SlaPolicy))}

    def route(self, code: str) -> int | None:
        best: tuple[tuple[int, int], int] | None = None
        for rule_code, priority, department_id in self.rules:
            if rule_code and code != rule_code and not code.startswith(rule_code + "."):
                continue
            score = (len(rule_code), priority)
            if best is None or score > best[0]:
                best = (score, department_id)
        return best[1] if best else None

    def sla(self, code: str) -> tuple[str, float, float]:
        node: str | None = code
        while node is not None and not self.categories[node][1]:
            node = self.categories[node][0]
        sla_code = (self.categories[node][1] if node else None) or "general"
        return (sla_code, *self.slas[sla_code])


def floor_path(db: Any, api_key: str) -> Callable[[list[Any]], list[int]]:
    """Each call is one transaction; given several requests it is a group commit (one COMMIT, one fsync)."""
    from sqlalchemy import insert, select

    from citybrain.core import clock
    from citybrain.core.ids import hash_secret
    from citybrain.models import ApiKey, Case, CaseContact, CaseEvent

    directory = _Directory(db)

    def case_row(data: Any, now: Any) -> dict[str, Any]:
        department_id = directory.route(data.service_code)
        sla_code, accept_hours, resolve_hours = directory.sla(data.service_code)
        return {
            "source": "open311",
            "channel": "open311",
            "title": (data.description or "")[:80],
            "text": data.description or "",
            "category_code": data.service_code,
            "lat": data.location.lat,
            "lon": data.location.lon,
            "status": "dispatched",
            "department_id": department_id,
            "sla_code": sla_code,
            "created_at": now,
            "updated_at": now,
            "dispatched_at": now,
            "accept_due_at": now + timedelta(hours=accept_hours),
            "due_at": now + timedelta(hours=resolve_hours),
            "version": 1,
        }

    def events(case_id: int, row: dict[str, Any]) -> list[dict[str, Any]]:
        event = {"case_id": case_id, "at": row["created_at"], "data": None}
        receive = {"actor": "open311:bench", "action": "receive", "from_status": None, "to_status": "received"}
        dispatch = {"actor": "routing", "action": "dispatch", "from_status": "received", "to_status": "dispatched"}
        return [
            {**event, **receive, "department_id": None},
            {**event, **dispatch, "department_id": row["department_id"]},
        ]

    def post(batch: list[Any]) -> list[int]:
        now = clock.utcnow()
        rows = [case_row(data, now) for data in batch]
        with db.transaction() as session:
            conn = session.connection()
            key = conn.execute(select(ApiKey.name, ApiKey.revoked_at).where(ApiKey.key_hash == hash_secret(api_key)))
            if key.first() is None:
                raise RuntimeError("key refused")
            returning = insert(Case).returning(Case.id, sort_by_parameter_order=True)
            ids = (
                list(conn.execute(returning, rows).scalars())
                if len(rows) > 1
                else [conn.execute(insert(Case).returning(Case.id), rows[0]).scalar_one()]
            )
            contacts = [
                {"case_id": i, "name": d.submitter.full_name(), "phone": d.submitter.phone}
                for i, d in zip(ids, batch, strict=True)
            ]
            conn.execute(insert(CaseContact), contacts)
            conn.execute(insert(CaseEvent), [e for i, row in zip(ids, rows, strict=True) for e in events(i, row)])
        return ids

    return post


Path_ = tuple[Callable[[list[Any]], object], int]  # the path and how many requests one transaction carries


def measure(paths: dict[str, Path_], requests: list[Any], rounds: int) -> dict[str, dict[str, float]]:
    """Run the paths in alternating blocks, so drift in the machine's load hits them alike."""
    spent = {name: [0.0, 0.0, 0] for name in paths}
    block = max(1, len(requests) // rounds)
    for start in range(0, len(requests), block):
        chunk = requests[start : start + block]
        for name, (post, size) in paths.items():
            cpu, wall = time.process_time(), time.perf_counter()
            for first in range(0, len(chunk), size):
                post(chunk[first : first + size])
            spent[name][0] += time.process_time() - cpu
            spent[name][1] += time.perf_counter() - wall
            spent[name][2] += len(chunk)
    return {
        name: {"cpu_ms_per_post": round(1000 * cpu / n, 3), "wall_ms_per_post": round(1000 * wall / n, 3)}
        for name, (cpu, wall, n) in spent.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--requests", type=int, default=1000, help="POSTs per path")
    parser.add_argument("--rounds", type=int, default=10, help="alternating blocks")
    parser.add_argument("--group", type=int, default=32, help="requests per transaction in the group-commit floor")
    args = parser.parse_args()
    with fresh_database(args.db) as db_env:
        env = {**os.environ, **db_env}
        citybrain("db", "init", env=env)
        api_key = citybrain("apikey", "create", "bench", env=env).strip().splitlines()[-1].strip()
        os.environ.update(db_env)
        from starlette.datastructures import ImmutableMultiDict

        from citybrain.core.db import Database
        from citybrain.core.settings import load_settings
        from citybrain.intake.open311.schemas import parse_new_request

        settings = load_settings()
        db = Database(settings)
        try:
            forms = [ImmutableMultiDict(parse_qsl(b.decode())) for b in request_bodies(api_key, args.requests)]
            requests = [parse_new_request(form) for form in forms]
            floor = floor_path(db, api_key)
            paths: dict[str, Path_] = {
                "service": (_service_path(db, settings, api_key), 1),
                "floor": (floor, 1),
                f"floor_group_commit_{args.group}": (floor, args.group),
            }
            measure(paths, requests[:50], 1)  # warm caches, compile statements
            result = {"db": args.db, "requests_per_path": args.requests, **measure(paths, requests, args.rounds)}
        finally:
            db.dispose()
    result["machine"] = {"cores": os.cpu_count(), "loadavg_1m_at_end": round(os.getloadavg()[0], 2)}
    text = json.dumps(result, indent=2)
    print(text)
    (RESULTS / f"open311_write_cost_{args.db}.json").write_text(text + "\n")


if __name__ == "__main__":
    main()
