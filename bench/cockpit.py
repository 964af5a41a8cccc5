"""The command centre (城市运行驾驶舱) with 1,000,000 cases stored: every API call behind its first render, and the
render itself in Chromium.

    python -m bench.cockpit --db sqlite                 # 1,000,000 cases
    python -m bench.cockpit --db postgresql --cases 1000000

A fresh database (as :mod:`bench.sta_common` makes one), the Demo City's directory and districts (``load_city`` for
7 days, 50 cases a day), then ``--cases`` synthetic cases over the two years before now — so a window has last
year's — written with SQLAlchemy Core ``executemany`` in batches of 50,000 (then ``ANALYZE``; on PostgreSQL
``VACUUM ANALYZE``, as autovacuum would leave the table, so the covering index answers without visiting the table;
then the daily roll-up's first refresh, timed apart: a running server builds it once, at its start):
a seeded mix of categories (the directory's leaves), districts, channels, request types, departments, states,
deadlines, callbacks and points in the Demo City's cells. Then the real server (``citybrain serve``, 1 worker,
127.0.0.1) and an httpx client, one request at a time:

* ``cold``: each endpoint's first answer for the default screen (the last 30 days), on a server just started;
* ``uncached``: ``--requests`` (10) answers per endpoint, each for another 30-day window (its ``to`` one day earlier),
  so every answer is computed (the cockpit keeps an answer 30 s per question);
* ``cached``: the same question ``--kept-requests`` (50) times (what many wall screens refreshing every minute ask);
* ``first_render``: with Chromium (if found), from the sign-in click to ``window.cockpit.ready`` (every chart drawn):
  on a server just started (nothing kept), then again on the same server (the figures kept), ``--renders`` times.

Targets (issue 14): first render <= 1.5 s, p95 <= 200 ms for every API call behind it. Writes
bench/results/cockpit_<db>.json and prints it.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import time
from datetime import date, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import func, select, text

from bench import sta_common as common
from bench.open311_load import free_port, server, server_command
from citybrain.auth import accounts
from citybrain.auth import service as auth_service
from citybrain.cases import kpi_rollup
from citybrain.core import clock, migrate
from citybrain.core.db import Database
from citybrain.core.settings import Settings
from citybrain.directory.defaults import load_defaults
from citybrain.models import Case, CaseRollup, Category, Department
from citybrain.simulate.city import build_city
from citybrain.simulate.load import load_city

BATCH = 50_000
CHANNELS = [("hotline", 55), ("web", 15), ("app", 12), ("wechat", 10), ("mailbox", 5), ("open311", 3)]
TYPES = [("complaint", 45), ("help", 20), ("consultation", 18), ("report", 10), ("suggestion", 5), ("praise", 2)]
STATES = [("closed", 70), ("resolved", 8), ("in_progress", 8), ("accepted", 5), ("dispatched", 6), ("received", 3)]
ENDPOINTS = ("trends", "map", "board", "ranking", "geo")
CHROMIUM = os.environ.get("CITYBRAIN_CHROMIUM", "/usr/bin/chromium")


def _pick(rng: random.Random, weighted: list[tuple[str, int]], n: int) -> list[str]:
    return rng.choices([w[0] for w in weighted], weights=[w[1] for w in weighted], k=n)


def _rows(rng: random.Random, n: int, start: int, now: datetime, directory: dict[str, Any]) -> list[dict[str, Any]]:
    cells, categories, departments = directory["cells"], directory["categories"], directory["departments"]
    channels, types, states = _pick(rng, CHANNELS, n), _pick(rng, TYPES, n), _pick(rng, STATES, n)
    rows = []
    for i in range(n):
        created = now - timedelta(seconds=rng.random() * 730 * 86400)
        cell = rng.choice(cells)
        status = states[i]
        dispatched = created + timedelta(minutes=10)
        accepted = dispatched + timedelta(hours=rng.random() * 4) if status != "received" else None
        finished = status in ("closed", "resolved")
        resolved_at = created + timedelta(hours=rng.random() * 200) if finished else None
        called = status == "closed" and rng.random() < 0.7
        rows.append(
            {
                "source": "bench", "source_key": f"b{start + i}", "channel": channels[i], "request_type": types[i],
                "title": "bench case", "text": "", "category_code": rng.choice(categories),
                "lat": cell.lat + (rng.random() - 0.5) * 0.008, "lon": cell.lon + (rng.random() - 0.5) * 0.01,
                "district_code": cell.district_code, "grid": cell.id,
                "department_id": rng.choice(departments) if status != "received" else None,
                "status": status, "created_at": created, "updated_at": created,
                "dispatched_at": dispatched if status != "received" else None,
                "accept_due_at": dispatched + timedelta(hours=2), "accepted_at": accepted,
                "due_at": created + timedelta(days=5), "resolved_at": resolved_at,
                "closed_at": resolved_at + timedelta(days=1) if status == "closed" and resolved_at else None,
                "resolved": (rng.random() < 0.85) if called else None,
                "satisfaction": rng.choice([1, 2, 3, 4, 4, 5, 5, 5]) if called else None,
                "callback_at": resolved_at + timedelta(days=1) if called and resolved_at else None,
            }
        )  # fmt: skip
    return rows


def load(db: Database, total: int, seed: int) -> dict[str, Any]:
    began = time.perf_counter()
    now = clock.utcnow()
    with db.transaction() as session:
        load_defaults(session)  # what `citybrain db init` loads
    with db.transaction() as session:
        load_city(session, seed=1, days=7, cases_per_day=50, now=now - timedelta(minutes=5))
        directory = {
            "cells": build_city(1).cells,
            "categories": list(session.scalars(select(Category.code).where(Category.level >= 2))),
            "departments": list(session.scalars(select(Department.id))),
        }
    rng = random.Random(seed)
    written = 0
    while written < total:
        size = min(BATCH, total - written)
        with db.engine.begin() as conn:
            conn.execute(Case.__table__.insert(), _rows(rng, size, written, now, directory))
        written += size
    loaded = time.perf_counter() - began
    if db.engine.dialect.name == "postgresql":  # as autovacuum leaves a loaded table: statistics, visibility map
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE cases"))
    else:
        with db.engine.connect() as conn:
            conn.execute(text("ANALYZE"))
            conn.commit()
    with db.reading() as session:
        stored = int(session.scalar(select(func.count()).select_from(Case)) or 0)
    began = time.perf_counter()
    with db.transaction() as session:  # as a running server keeps it (the first refresh builds it all)
        kpi_rollup.refresh(session, timezone=db.settings.timezone, as_of=clock.utcnow())
    built = time.perf_counter() - began
    with db.reading() as session:
        rows = int(session.scalar(select(func.count()).select_from(CaseRollup)) or 0)
    return {"cases_stored": stored, "load_seconds": round(loaded, 1), "rollup_build_seconds": round(built, 1),
            "rollup_rows": rows}  # fmt: skip


def _get(client: httpx.Client, path: str, params: dict[str, str] | None = None) -> float:
    began = time.perf_counter()
    response = client.get(path, params=params)
    if path.startswith("/api/"):
        response.json()
    if response.status_code != 200:
        raise SystemExit(f"{path} answered {response.status_code}: {response.text[:300]}")
    return (time.perf_counter() - began) * 1000


def _window(today: date, back: int) -> dict[str, str]:
    end = today - timedelta(days=back)
    return {"from": (end - timedelta(days=29)).isoformat(), "to": end.isoformat()}


def _summary(values: list[float]) -> dict[str, float]:
    return {"n": len(values), "p50_ms": common.percentile(values, 50), "p95_ms": common.percentile(values, 95),
            "max_ms": round(max(values), 2)}  # fmt: skip


def measure(base: str, key: str, requests: int, kept_requests: int, timezone: str) -> dict[str, Any]:
    today = clock.city_today(timezone)
    out: dict[str, Any] = {"cold_ms": {}, "uncached": {}, "cached": {}}
    with httpx.Client(base_url=base, headers={"X-API-Key": key}, timeout=120) as client:
        out["cold_ms"]["page"] = round(_get(client, "/signin"), 2)  # /cockpit sends a stranger here first
        for name in ENDPOINTS:
            out["cold_ms"][name] = round(_get(client, f"/api/v1/cockpit/{name}"), 2)
        for name in ENDPOINTS:
            if name in ("board", "geo"):  # no window: every later answer within 30 s is the kept one
                continue
            out["uncached"][name] = _summary(
                [_get(client, f"/api/v1/cockpit/{name}", _window(today, back)) for back in range(1, requests + 1)]
            )
        for name in ENDPOINTS:
            out["cached"][name] = _summary([_get(client, f"/api/v1/cockpit/{name}") for _ in range(kept_requests)])
    return out


#: The staff account the browser signs in as (a supervisor, like the API key).
USER, PASSWORD = "cockpit-bench", "bench-cockpit-2026"


def _render(browser: Any, port: int) -> float:
    """From the click on 登录 at /signin (sent there by /cockpit) to every chart drawn: the sign-in (argon2), the
    redirect, the page and its API calls."""
    page = browser.new_page(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    page.goto(f"http://127.0.0.1:{port}/cockpit?wall=1")
    page.fill("#username", USER)
    page.fill("#password", PASSWORD)
    began = time.perf_counter()
    page.click("#sign-in")
    page.wait_for_function("() => window.cockpit && window.cockpit.ready", timeout=120_000)
    elapsed = (time.perf_counter() - began) * 1000
    page.close()
    return elapsed


def first_render(env: dict[str, str], renders: int) -> dict[str, Any]:
    """Per run, a server just started: the first screen (nothing kept: computed while the user waits), then a
    second screen within the cockpit's 30 s (the figures kept, as for a wall or a second visitor)."""
    if not shutil.which(CHROMIUM):
        return {"skipped": f"no Chromium at {CHROMIUM}"}
    from playwright.sync_api import sync_playwright
    from tests.e2e.test_browser import FLAGS

    cold, kept = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        for _ in range(renders):
            port = free_port()
            with server(env, server_command(port, 1), port):
                cold.append(_render(browser, port))
                kept.append(_render(browser, port))
        browser.close()
    return {
        "from": "sign-in click on /signin (argon2) to every chart drawn, 1920x1080 wall, Chromium on the same machine",
        "cold_server": {**_summary(cold), "runs_ms": [round(t, 1) for t in cold]},
        "figures_kept": {**_summary(kept), "runs_ms": [round(t, 1) for t in kept]},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=10, help="computed answers per endpoint")
    parser.add_argument("--kept-requests", type=int, default=50, help="kept answers per endpoint")
    parser.add_argument("--renders", type=int, default=3)
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args()
    load_before = os.getloadavg()
    with common.fresh_database(args.db) as (url, folder):
        settings = Settings(database_url=url, data_dir=folder)
        db = Database(settings)
        migrate.upgrade(db.engine)
        loaded = load(db, args.cases, args.seed)
        with db.transaction() as session:
            _key, key = auth_service.create_api_key(
                session=session, name="cockpit bench", role="supervisor", rate_limit_per_minute=0
            )
            accounts.create(
                session=session, username=USER, display_name="驾驶舱基准 cockpit bench", role="supervisor",
                password=PASSWORD, department_code=None, min_length=10,
            )  # fmt: skip
        db.dispose()
        env = common.server_env(url, folder)
        port = free_port()
        with server(env, server_command(port, 1), port):
            api = measure(f"http://127.0.0.1:{port}", key, args.requests, args.kept_requests, settings.timezone)
        render = first_render(env, args.renders)
    worst = max(s["p95_ms"] for s in api["uncached"].values())
    result = {
        "benchmark": "cockpit",
        "db": args.db,
        "when": common.now(),
        "commit": common.git_commit(),
        **loaded,
        "api": api,
        "first_render": render,
        "targets": {"first_render_ms": 1500, "api_p95_ms": 200},
        "met": {
            "api_p95_uncached": worst <= 200,
            "api_p95_cached": max(s["p95_ms"] for s in api["cached"].values()) <= 200,
            "first_render_cold_server": render.get("cold_server", {}).get("p95_ms", float("inf")) <= 1500,
            "first_render_figures_kept": render.get("figures_kept", {}).get("p95_ms", float("inf")) <= 1500,
        },
        "machine": common.machine(load_before),
    }
    text_out = json.dumps(result, indent=2, ensure_ascii=False)
    (common.RESULTS / f"cockpit_{args.db}.json").write_text(text_out + "\n")
    print(text_out)


if __name__ == "__main__":
    main()
