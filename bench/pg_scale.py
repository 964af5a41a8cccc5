"""PostgreSQL at city scale: millions of Demo City cases loaded with COPY, then the API timed through the server.

Issue 19's targets, on 20,000,000 cases: Open311 GET by id and by its filters p95 <= 50 ms, the staff case list
p95 <= 100 ms, the KPI queries p95 <= 500 ms, the landing page <= 1 s.

Phases (each with a progress bar; all figures in the JSON printed at the end):

1. database: a fresh PostgreSQL database (``--pg-url``; dropped and created), ``citybrain db init`` on it (the
   schema and the default directory) and Demo City's districts and routing rules;
2. generate + COPY: ``--cases`` cases over ``--years`` years with their events, callbacks and contacts, drawn
   with numpy from the simulator's distributions (:mod:`bench.pg_scale_data`), streamed with ``COPY … FROM
   STDIN`` in chunks; the secondary indexes and foreign keys are dropped first and re-created after (unless
   ``--keep-indexes``: then COPY maintains them row by row), then ``VACUUM ANALYZE`` (as autovacuum would leave
   the tables) and the daily KPI roll-up's first build (which a running server otherwise does at its start);
3. queries: ``citybrain serve`` on the database, keys from ``citybrain apikey create``, and each query kind
   timed closed-loop over ``--connections`` keep-alive connections after a warm-up: p50/p95/p99/max against
   the targets, and every non-2xx answer counted.

Examples:

    python -m bench.pg_scale --cases 200000              # ~5 minutes here (load ~1, queries ~4)
    python -m bench.pg_scale --cases 1000000 --keep      # keep the database for --reuse
    python -m bench.pg_scale --cases 1000000 --reuse     # time the queries again, no reload
    python -m bench.pg_scale --cases 20000000 --partition --out bench/results/pg_scale_20m_partitioned.json

Writes bench/results/pg_scale_<cases>.json (or ``--out``) and prints it. The database is dropped at the end
unless ``--keep``.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import random
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

if __package__ in (None, ""):  # run as a script: make ``bench`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402
import psycopg  # noqa: E402
import psycopg.sql  # noqa: E402
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn  # noqa: E402

from bench import pg_scale_data as data  # noqa: E402
from bench.open311_load import free_port, server, server_command  # noqa: E402

TARGETS_MS = {
    "open311_by_id": 50,
    "open311_list": 50,
    "open311_list_50": 50,
    "staff_list": 100,
    "kpis": 500,
    "kpis_from_cases": 500,
}
TARGETS_MS["landing"] = 1000
TABLES = tuple(data.TABLES)
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/citybrain_scale"
ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
WORK = ROOT / "var" / "bench"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return round(ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))], 2)


def _git_commit() -> str:
    done = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    return done.stdout.strip()


# --- the database ------------------------------------------------------------------------------------------


def _admin_url(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/postgres"))


def _db_name(url: str) -> str:
    name = urlsplit(url).path.lstrip("/")
    if not name.replace("_", "").isalnum():
        raise SystemExit(f"--pg-url must name a plain database (letters, digits, _), not {name!r}")
    return name


def sqlalchemy_url(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


def recreate(url: str) -> None:
    name = _db_name(url)
    with psycopg.connect(_admin_url(url), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")


def drop(url: str) -> None:
    with psycopg.connect(_admin_url(url), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {_db_name(url)} WITH (FORCE)")


def exists(url: str) -> bool:
    with psycopg.connect(_admin_url(url), autocommit=True) as conn:
        row = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (_db_name(url),)).fetchone()
    return row is not None


def citybrain(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("citybrain")
    done = subprocess.run([str(exe), *args], env=env, capture_output=True, text=True, timeout=None, check=False)
    if check and done.returncode != 0:
        raise SystemExit(f"citybrain {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done


def partition(env: dict[str, str]) -> float:
    """``citybrain db partition`` on the loaded database, as a city that outgrew plain tables runs it: loaded first
    and converted after (a COPY into the partitioned layout runs its row triggers — the foreign keys' checks and
    the unique keys' side tables — for every row: 100,000 cases in 17 minutes here, where the plain layout
    took 204 s for 1,000,000; ``db partition --since`` exists for a load that must go through the partitions).
    ``--partition``: after the load and the roll-up, timed as ``partition_s``."""
    if citybrain(env, "db", "partition", "--help", check=False).returncode != 0:
        raise SystemExit("--partition needs `citybrain db partition`, which this build does not have")
    began = time.perf_counter()
    citybrain(env, "db", "partition")
    return time.perf_counter() - began


def case_count(url: str) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT count(*) FROM cases WHERE source = 'bench'").fetchone()
    return int(row[0]) if row else 0


# --- indexes and foreign keys: off during COPY, rebuilt after -----------------------------------------------


def secondary_ddl(conn: psycopg.Connection[Any]) -> list[tuple[str, str, str]]:
    """(table, name, statement to re-create) of every non-primary-key index and constraint of the loaded tables."""
    out: list[tuple[str, str, str]] = []
    for table in TABLES:
        constraints = conn.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype IN ('f', 'u') AND conparentid = 0 ORDER BY conname",
            (table,),
        ).fetchall()
        out += [(table, n, f'ALTER TABLE {table} ADD CONSTRAINT "{n}" {d}') for n, d in constraints]
        indexes = conn.execute(
            "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
            "WHERE x.indrelid = %s::regclass AND NOT x.indisprimary "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid) ORDER BY i.relname",
            (table,),
        ).fetchall()
        out += [(table, n, d) for n, d in indexes]
    return out


def drop_secondary(conn: psycopg.Connection[Any], ddl: list[tuple[str, str, str]]) -> None:
    for table, name, statement in ddl:
        if statement.startswith("ALTER TABLE"):
            conn.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        else:
            conn.execute(f'DROP INDEX "{name}"')
    conn.commit()


def rebuild(
    conn: psycopg.Connection[Any], ddl: list[tuple[str, str, str]], tick: Callable[[], None]
) -> dict[str, float]:
    seconds: dict[str, float] = {}
    for _table, name, statement in ddl:
        began = time.perf_counter()
        conn.execute(statement)
        conn.commit()
        seconds[name] = round(time.perf_counter() - began, 2)
        tick()
    return seconds


# --- generate and load ---------------------------------------------------------------------------------------


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        TextColumn("{task.fields[rate]}"), transient=False, redirect_stdout=False, refresh_per_second=2,
    )  # fmt: skip


def prepare(url: str, env: dict[str, str]) -> data.Vocabulary:
    """Districts and routing rules as ``citybrain demo`` adds them, and the vocabulary drawn from."""
    from citybrain.core.db import Database
    from citybrain.core.settings import Settings

    db = Database(Settings(database_url=sqlalchemy_url(url), data_dir=Path(env["CITYBRAIN_DATA_DIR"])))
    try:
        with db.transaction() as session:
            return data.vocabulary(session)
    finally:
        db.dispose()


def _next_ids(conn: psycopg.Connection[Any]) -> dict[str, int]:
    out = {}
    for table in ("cases", "case_events", "callbacks"):
        row = conn.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {table}").fetchone()
        out[table] = int(row[0]) if row else 1
    return out


def _set_sequences(conn: psycopg.Connection[Any]) -> None:
    for table in ("cases", "case_events", "callbacks"):
        conn.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT coalesce(max(id), 1) FROM {table}))"
        )
    conn.commit()


class Producer:
    """Generates the chunks (numpy draws, Arrow tables, CSV) in a thread one or two ahead of COPY: numpy and
    Arrow let go of the GIL, so generation runs on one core while PostgreSQL takes in the previous chunk."""

    def __init__(self, vocab: data.Vocabulary, plan: data.Plan, now_us: int, next_ids: dict[str, int]) -> None:
        self.vocab, self.plan, self.now_us, self.next_ids = vocab, plan, now_us, next_ids
        self.seconds = 0.0  # spent generating (in the thread)
        self.ready: queue.Queue[tuple[int, dict[str, int], dict[str, bytes]] | BaseException | None] = queue.Queue(2)

    def _run(self) -> None:
        try:
            for k, size in self.plan.chunks():
                began = time.perf_counter()
                chunk = data.with_ids(data.generate_chunk(self.vocab, self.plan, k, size, self.now_us), self.next_ids)
                payloads = {name: data.csv_bytes(chunk.tables[name]) for name in TABLES}
                counts = {name: chunk.tables[name].num_rows for name in TABLES}
                self.seconds += time.perf_counter() - began
                self.ready.put((size, counts, payloads))
            self.ready.put(None)
        except BaseException as error:  # handed to the consumer, which raises it
            self.ready.put(error)

    def chunks(self) -> Iterator[tuple[int, dict[str, int], dict[str, bytes]]]:
        thread = threading.Thread(target=self._run, daemon=True)
        thread.start()
        while (item := self.ready.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield item
        thread.join()


def load(url: str, vocab: data.Vocabulary, args: argparse.Namespace) -> dict[str, Any]:
    """Generate and COPY ``args.cases`` cases; the timings and counts."""
    now = datetime.now(UTC).replace(microsecond=0)
    with psycopg.connect(url) as conn:
        ddl = [] if args.keep_indexes else secondary_ddl(conn)
        drop_secondary(conn, ddl)
        next_ids = _next_ids(conn)
        plan = data.Plan(
            total=args.cases, first_id=next_ids["cases"], seed=args.seed, chunk=args.chunk,
            start_us=data.to_us(now - timedelta(days=365 * args.years)), end_us=data.to_us(now - timedelta(minutes=1)),
        )  # fmt: skip
        rows = {t: 0 for t in TABLES}
        copy_s = 0.0
        sent = 0
        producer = Producer(vocab, plan, data.to_us(now), next_ids)
        began_all = time.perf_counter()
        with _progress() as progress:
            task = progress.add_task("generate + COPY", total=args.cases, rate="")
            for size, counts, payloads in producer.chunks():
                began = time.perf_counter()
                sent += data.copy_payloads(conn, payloads)
                conn.commit()
                copy_s += time.perf_counter() - began
                for name in TABLES:
                    rows[name] += counts[name]
                wall = time.perf_counter() - began_all
                progress.update(task, advance=size, rate=f"{sum(rows.values()) / wall:,.0f} rows/s")
            load_s = time.perf_counter() - began_all
            index_task = progress.add_task("indexes + keys", total=len(ddl), rate="")
            if args.maintenance_work_mem:  # sorts for the index builds in memory rather than in temporary files
                conn.execute(psycopg.sql.SQL("SET maintenance_work_mem = {}").format(args.maintenance_work_mem))
            began = time.perf_counter()
            built = rebuild(conn, ddl, lambda: progress.advance(index_task))
            index_s = time.perf_counter() - began
        _set_sequences(conn)
    began = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        for table in TABLES:
            conn.execute(f"VACUUM ANALYZE {table}")
    vacuum_s = time.perf_counter() - began
    total_rows = sum(rows.values())
    return {
        "now": now.isoformat(),
        "rows": rows,
        "rows_total": total_rows,
        "csv_bytes": sent,
        "indexes_during_copy": "kept (maintained row by row)" if args.keep_indexes else "dropped, rebuilt after",
        "generate_s": round(producer.seconds, 1),
        "generate_rows_per_s": round(total_rows / producer.seconds),
        "generate_cases_per_s": round(args.cases / producer.seconds),
        "copy_s": round(copy_s, 1),
        "copy_rows_per_s": round(total_rows / copy_s),
        "generate_and_copy_wall_s": round(load_s, 1),
        "generate_and_copy_cases_per_s": round(args.cases / load_s),
        "copy_mb_per_s": round(sent / copy_s / 1e6, 1),
        "index_build_s": round(index_s, 1),
        "maintenance_work_mem": args.maintenance_work_mem or "server default",
        "index_build_each_s": built,
        "vacuum_analyze_s": round(vacuum_s, 1),
    }


def rollup(url: str, folder: Path) -> dict[str, Any]:
    """The daily KPI roll-up's first build, timed (the cockpit reads it; a server starting builds it)."""
    from citybrain.cases import kpi_rollup
    from citybrain.core import clock
    from citybrain.core.db import Database
    from citybrain.core.settings import Settings

    db = Database(Settings(database_url=sqlalchemy_url(url), data_dir=folder))
    began = time.perf_counter()
    try:
        with db.transaction() as session:
            kpi_rollup.refresh(session, timezone=db.settings.timezone, as_of=clock.utcnow())
    finally:
        db.dispose()
    return {"rollup_build_s": round(time.perf_counter() - began, 1)}


def sizes(url: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    with psycopg.connect(url) as conn:
        for table in TABLES:
            row = conn.execute(
                "SELECT pg_total_relation_size(%s::regclass), pg_indexes_size(%s::regclass), "
                "pg_relation_size(%s::regclass)",
                (table, table, table),
            ).fetchone()
            assert row is not None
            if row[2] == 0:  # a partitioned parent holds nothing itself: sum its partitions
                row = conn.execute(
                    "SELECT sum(pg_total_relation_size(c.oid)), sum(pg_indexes_size(c.oid)), "
                    "sum(pg_relation_size(c.oid)) "
                    "FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = %s::regclass",
                    (table,),
                ).fetchone()
                assert row is not None
            out[table] = {"total_mb": _mb(row[0]), "indexes_mb": _mb(row[1]), "heap_mb": _mb(row[2])}
        db_row = conn.execute("SELECT pg_database_size(current_database())").fetchone()
        out["database_mb"] = _mb(db_row[0] if db_row else 0)
    return out


def _mb(value: Any) -> float:
    return round(int(value or 0) / 1e6, 1)


# --- the queries, through the real server ------------------------------------------------------------------


def _key(env: dict[str, str], name: str, role: str) -> str:
    out = citybrain(env, "apikey", "create", name, "--role", role, "--rate-limit", "0").stdout
    return out.strip().splitlines()[-1].strip()


def _facts(url: str) -> dict[str, Any]:
    """What the queries pick from: the id range, the departments and categories in use, the years covered."""
    with psycopg.connect(url) as conn:
        low, high = conn.execute("SELECT min(id), max(id) FROM cases").fetchone() or (1, 1)
        first, last = conn.execute("SELECT min(created_at), max(created_at) FROM cases").fetchone() or (None, None)
        departments = [r[0] for r in conn.execute("SELECT code FROM departments ORDER BY code").fetchall()]
        categories = [
            r[0]
            for r in conn.execute("SELECT DISTINCT category_code FROM cases WHERE id <= %s", (low + 5000,)).fetchall()
        ]
    return {
        "low": low,
        "high": high,
        "first": first,
        "last": last,
        "departments": departments,
        "categories": categories,
    }


def query_kinds(
    facts: dict[str, Any], keys: dict[str, str], rng: random.Random
) -> dict[str, Callable[[], tuple[str, dict[str, str], dict[str, str]]]]:
    """Per kind, a function giving the next request: (path, params, headers)."""
    low, high, first, last = facts["low"], facts["high"], facts["first"], facts["last"]
    app, staff, boss = {"api_key": keys["app"]}, {"X-API-Key": keys["operator"]}, {"X-API-Key": keys["supervisor"]}
    span_days = max(1, (last - first).days - 8)

    def week() -> dict[str, str]:
        start = first + timedelta(days=rng.randrange(span_days))
        end = start + timedelta(days=7)
        return {"start_date": start.strftime("%Y-%m-%dT%H:%M:%SZ"), "end_date": end.strftime("%Y-%m-%dT%H:%M:%SZ")}

    def by_id() -> tuple[str, dict[str, str], dict[str, str]]:
        return f"/open311/v2/requests/{rng.randint(low, high)}.json", {}, {}

    def listing() -> tuple[str, dict[str, str], dict[str, str]]:
        pick = rng.randrange(6)
        params: dict[str, str] = [
            {}, {"status": "open"}, {"status": "closed"}, {"service_code": rng.choice(facts["categories"])}, week(),
            {**week(), "service_code": rng.choice(facts["categories"])},
        ][pick]  # fmt: skip
        return "/open311/v2/requests.json", {**app, **params}, {}

    def listing_50() -> tuple[str, dict[str, str], dict[str, str]]:
        path, params, headers = listing()
        return path, {**params, "page_size": "50"}, headers

    def staff_list() -> tuple[str, dict[str, str], dict[str, str]]:
        pick = rng.randrange(5)
        params: dict[str, str] = [
            {}, {"open": "true"}, {"department": rng.choice(facts["departments"])},
            {"status": rng.choice(["accepted", "in_progress", "resolved", "closed"])},
            {"offset": str(50 * rng.randrange(1, 20))},
        ][pick]  # fmt: skip
        return "/api/v1/cases", params, staff

    def kpis() -> tuple[str, dict[str, str], dict[str, str]]:
        month = first + timedelta(days=rng.randrange(span_days))
        month_start = month.replace(day=1).date()
        month_end = (month_start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        year_start = last.date() - timedelta(days=365)
        params: dict[str, str] = [
            {"from": month_start.isoformat(), "to": month_end.isoformat()},
            {"from": year_start.isoformat(), "to": last.date().isoformat()},
            {"from": month_start.isoformat(), "to": month_end.isoformat(), "by": "department"},
            {"from": month_start.isoformat(), "to": month_end.isoformat(), "by": "district"},
            {"from": year_start.isoformat(), "to": last.date().isoformat(), "period": "month"},
        ][rng.randrange(5)]
        return "/api/v1/kpis", params, boss

    def kpis_from_cases() -> tuple[str, dict[str, str], dict[str, str]]:
        """The same questions stated at a given time: read from the cases, not the daily roll-up (side by side)."""
        path, params, headers = kpis()
        return path, {**params, "as_of": datetime.now(UTC).isoformat()}, headers

    def landing() -> tuple[str, dict[str, str], dict[str, str]]:
        return "/", {}, {}

    return {"open311_by_id": by_id, "open311_list": listing, "open311_list_50": listing_50, "staff_list": staff_list,
            "kpis": kpis, "kpis_from_cases": kpis_from_cases, "landing": landing}  # fmt: skip


def _closed_loop(
    base: str, make: Callable[[], tuple[str, dict[str, str], dict[str, str]]], total: int, args: argparse.Namespace
) -> dict[str, Any]:
    """``total`` requests over ``connections`` keep-alive connections, each sent when the previous answered."""
    lock = threading.Lock()
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    budget = [total + args.warmup]
    timeout, connections = args.timeout, args.connections

    def worker() -> None:
        with httpx.Client(base_url=base, timeout=timeout) as client:
            while True:
                with lock:
                    if budget[0] <= 0:
                        return
                    budget[0] -= 1
                    counted = budget[0] < total
                    path, params, headers = make()
                began = time.perf_counter()
                try:
                    response = client.get(path, params=params, headers=headers)
                except httpx.HTTPError as error:  # a timeout (--timeout) counts against the kind, as a failure
                    with lock:
                        if counted:
                            key = f"{type(error).__name__} {path}"
                            statuses[key] = statuses.get(key, 0) + 1
                    continue
                elapsed = (time.perf_counter() - began) * 1000
                with lock:
                    if counted and response.is_success:
                        latencies.append(elapsed)
                    if counted and not response.is_success:
                        shown = "&".join(f"{k}={v}" for k, v in params.items() if k != "api_key")
                        key = f"{response.status_code} {path}?{shown}"
                        statuses[key] = statuses.get(key, 0) + 1

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - began
    return {
        "requests": len(latencies) + sum(statuses.values()), "ok": len(latencies), "non_2xx": sum(statuses.values()),
        "non_2xx_kinds": dict(list(statuses.items())[:10]), "p50_ms": percentile(latencies, 50),
        "p95_ms": percentile(latencies, 95), "p99_ms": percentile(latencies, 99),
        "max_ms": round(max(latencies), 1) if latencies else None, "rps": round(len(latencies) / wall, 1),
    }  # fmt: skip


def measure(url: str, env: dict[str, str], args: argparse.Namespace) -> dict[str, Any]:
    keys = {role: _key(env, f"pg_scale {role}", role) for role in ("app", "operator", "supervisor")}
    facts = _facts(url)
    port = free_port()
    rng = random.Random(args.seed)
    counts = {kind: args.requests for kind in ("open311_by_id", "open311_list", "open311_list_50", "staff_list")}
    counts |= {kind: args.heavy_requests for kind in ("kpis", "kpis_from_cases", "landing")}
    out: dict[str, Any] = {}
    with server(env, server_command(port, args.workers), port, start_timeout=600), _progress() as progress:
        task = progress.add_task("queries", total=len(counts), rate="")
        for kind, make in query_kinds(facts, keys, rng).items():
            progress.update(task, rate=kind)
            result = _closed_loop(f"http://127.0.0.1:{port}", make, counts[kind], args)
            target = TARGETS_MS[kind]
            out[kind] = {**result, "target_p95_ms": target, "met": bool(result["ok"]) and result["p95_ms"] <= target}
            progress.advance(task)
    return out


# --- the run -------------------------------------------------------------------------------------------------


@contextmanager
def _folder() -> Iterator[Path]:
    folder = WORK / f"pg-scale-{os.getpid()}"
    folder.mkdir(parents=True, exist_ok=True)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.pg_scale", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=200_000, help="cases to generate (default 200,000)")
    parser.add_argument("--years", type=float, default=3.0, help="years of created_at the cases spread over")
    parser.add_argument("--seed", type=int, default=19, help="same seed, same cases (default 19)")
    parser.add_argument("--chunk", type=int, default=100_000, help="cases per generated chunk / COPY round")
    parser.add_argument(
        "--pg-url", default=DEFAULT_URL, help=f"the database to create and drop (default {DEFAULT_URL})"
    )
    parser.add_argument("--partition", action="store_true", help="run `citybrain db partition` before loading")
    parser.add_argument("--keep-indexes", action="store_true", help="COPY with every index in place (slower)")
    parser.add_argument(
        "--maintenance-work-mem", help="e.g. 1GB: memory for each index build (default: the server's setting)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards (for --reuse)")
    parser.add_argument("--reuse", action="store_true", help="skip loading if the database already has --cases")
    parser.add_argument("--no-queries", action="store_true", help="load only; no server, no timings")
    parser.add_argument("--workers", type=int, default=2, help="`citybrain serve --workers` (default 2)")
    parser.add_argument("--connections", type=int, default=2, help="keep-alive connections per query kind (default 2)")
    parser.add_argument("--requests", type=int, default=300, help="timed requests per light kind (Open311, list)")
    parser.add_argument("--heavy-requests", type=int, default=40, help="timed requests for KPIs and the landing page")
    parser.add_argument("--timeout", type=float, default=300, help="seconds a request may take (then counted failed)")
    parser.add_argument("--warmup", type=int, default=20, help="untimed requests before each kind")
    parser.add_argument("--out", type=Path, help="where to write the JSON (default bench/results/pg_scale_<N>.json)")
    return parser.parse_args(argv)


def run(args: argparse.Namespace) -> dict[str, Any]:
    load_before = os.getloadavg()
    uptime_before = _uptime()
    result: dict[str, Any] = {
        "benchmark": "pg_scale", "when": datetime.now(UTC).isoformat(timespec="seconds"), "commit": _git_commit(),
        "cases": args.cases, "partitioned": args.partition, "seed": args.seed,
    }  # fmt: skip
    with _folder() as folder:
        env = {**os.environ, "CITYBRAIN_DATABASE_URL": sqlalchemy_url(args.pg_url), "CITYBRAIN_DATA_DIR": str(folder)}
        reused = args.reuse and exists(args.pg_url) and case_count(args.pg_url) == args.cases
        result["reused"] = reused
        try:
            if not reused:
                recreate(args.pg_url)
                began = time.perf_counter()
                citybrain(env, "db", "init")
                result["db_init_s"] = round(time.perf_counter() - began, 1)
                vocab = prepare(args.pg_url, env)
                result["load"] = load(args.pg_url, vocab, args)
                result["load"] |= rollup(args.pg_url, folder)
                if args.partition:
                    result["partition_s"] = round(partition(env), 1)
            result["sizes"] = sizes(args.pg_url)
            if not args.no_queries:
                try:
                    result["queries"] = measure(args.pg_url, env, args)
                except SystemExit as error:  # the server did not start or a key was refused: keep the load's figures
                    result["queries_error"] = str(error)
        finally:
            if not args.keep:
                drop(args.pg_url)
    result["targets_p95_ms"] = TARGETS_MS
    result["machine"] = {
        "cpus": os.cpu_count(),
        "load_avg_before_1_5_15m": [round(x, 2) for x in load_before],
        "load_avg_after_1_5_15m": [round(x, 2) for x in os.getloadavg()],
        "uptime_before": uptime_before,
        "uptime_after": _uptime(),
        "note": "2 cores shared with other sessions' work",
    }
    return result


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    result = run(args)
    text = json.dumps(result, indent=2, ensure_ascii=False, default=str)
    out = args.out or RESULTS / f"pg_scale_{args.cases}.json"
    out.write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
