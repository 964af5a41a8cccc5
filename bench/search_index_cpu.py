"""The word search with and without the bigram index (migration 0022), side by side in one process.

    .venv/bin/python -m bench.search_index_cpu                       # SQLite, 30,000 Demo City cases
    .venv/bin/python -m bench.search_index_cpu --url postgresql+psycopg://…/test --cases 30000

Set-up as bench/desk_search.py (a fresh database, the default directory, ``--cases`` Demo City cases of a year).
Each word is searched the two ways the staff list can: the LIKE alone (the search before the index) and
``cases.repository.words_clause`` (the index's candidates re-checked by the LIKE), each as the list sends it: the
count, and one page of 20 newest first. Both ways are run in turns, ``--repeat`` times, and the best time is kept:
on SQLite the CPU time of this process (the database runs in it, so neighbours on a shared machine do not count),
on PostgreSQL wall-clock (the work is in the server). The matches of both ways are checked equal. Prints JSON and
writes bench/results/search_index_cpu[_postgresql].json.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import Session

from bench.scratch import backend_of, scratch_settings
from citybrain.cases import repository
from citybrain.core import migrate
from citybrain.core.db import Database
from citybrain.directory.defaults import load_defaults
from citybrain.models import Case
from citybrain.simulate.load import load_city

ROOT = Path(__file__).resolve().parent.parent
WORDS = ("噪音", "路灯", "供暖", "小区", "没有这种话")


def _like(words: str) -> ColumnElement[bool]:
    return or_(*(column.contains(words, autoescape=True) for column in (Case.title, Case.text, Case.address)))


def _statements(where: ColumnElement[bool], page_where: ColumnElement[bool]) -> tuple[Select[Any], Select[Any]]:
    count = select(func.count()).select_from(Case).where(where)
    page = select(Case).where(page_where).order_by(Case.created_at.desc(), Case.id.desc()).limit(20)
    return count, page


def _best(session: Session, statement: Select[Any], repeat: int, clock: Callable[[], float]) -> tuple[float, Any]:
    best, rows = float("inf"), None
    for _ in range(repeat):
        start = clock()
        rows = session.execute(statement).all()
        best = min(best, clock() - start)
    return round(best * 1000, 2), rows


def _compare(session: Session, words: str, repeat: int, clock: Callable[[], float]) -> dict[str, Any]:
    ways = {
        "like": _statements(_like(words), _like(words)),
        "index": _statements(repository.words_clause(words), repository.words_clause(words, newest_first=True)),
    }
    out: dict[str, Any] = {}
    for name, (count, page) in ways.items():
        count_ms, counted = _best(session, count, repeat, clock)
        page_ms, rows = _best(session, page, repeat, clock)
        page_ids = [r[0].id for r in rows]
        out[name] = {"count_ms": count_ms, "page_ms": page_ms, "matches": counted[0][0], "page": page_ids}
    assert out["like"]["matches"] == out["index"]["matches"], words
    assert out["like"]["page"] == out["index"]["page"], words
    for way in out.values():
        del way["page"]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", help="a PostgreSQL URL (default: SQLite in a temporary file)")
    parser.add_argument("--cases", type=int, default=30_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, scratch_settings(args.url, Path(tmp), "searchidx") as settings:
        backend = backend_of(settings)
        db = Database(settings)
        migrate.upgrade(db.engine)
        started = time.perf_counter()
        with db.transaction() as session:
            load_defaults(session)
            load_city(session, seed=1, days=365, cases_per_day=args.cases / 365, now=datetime.now(UTC))
        loaded = time.perf_counter() - started
        clock = time.process_time if backend == "sqlite" else time.perf_counter
        with db.reading() as session:
            cases = int(session.scalar(select(func.count()).select_from(Case)) or 0)
            words = {w: _compare(session, w, args.repeat, clock) for w in WORDS}
        db.dispose()
    out = {
        "machine": {"cpus": os.cpu_count(), "load_avg_1m": os.getloadavg()[0]},
        "backend": backend,
        "cases": cases,
        "load_seconds": round(loaded, 1),
        "timing": "process CPU, best of repeat" if backend == "sqlite" else "wall clock, best of repeat",
        "repeat": args.repeat,
        "words": words,
    }
    print(json.dumps(out, ensure_ascii=False, indent=2))
    name = "search_index_cpu.json" if backend == "sqlite" else "search_index_cpu_postgresql.json"
    (ROOT / "bench" / "results" / name).write_text(json.dumps(out, ensure_ascii=False, indent=2) + "\n", "utf-8")


if __name__ == "__main__":
    main()
