"""Soak: mixed traffic on one server for minutes — citizens posting, staff working cases, the cockpit polling, the
portal's public list, sensors writing — open-loop at a fixed total rate, on loopback.

    python -m bench.soak --db sqlite --minutes 10 --rate 200
    python -m bench.soak --db postgresql --minutes 10 --rate 200

What it reports (bench/results/soak_<db>.json): per kind of request and in all, how many were sent, answered as
expected and refused or failed (by kind of error), latency p50/p90/p99/max measured from the *scheduled* send time
(so a server that falls behind cannot hide it), and the server's resident memory sampled every 10 s: its growth is
measured from the end of the first minute (imports, caches and connection pools are filled by then) to the end.
The targets of issue 15: no error, memory growth ≤ 10 %, p99 ≤ 200 ms at 200 requests/s for 10 minutes.

The city is Demo City loaded with ``citybrain demo --no-serve`` (a small one: ``--days``), with an operator, an app
and an admin key; the server is ``citybrain serve`` as a user starts it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from bench import loadgen
from bench.open311_load import (
    _cpu_model,
    _git_commit,
    citybrain,
    free_port,
    fresh_database,
    py_spy,
    request_bodies,
    server,
    server_command,
    tree_cpu_seconds,
)

RESULTS = Path(__file__).resolve().parent / "results"
_now = time.perf_counter


@dataclass(frozen=True)
class Kind:
    """One kind of request in the mix: its share of the rate and how its raw requests are built."""

    name: str
    share: float
    build: Callable[[random.Random], bytes]
    ok: frozenset[int] = frozenset({200, 201, 202})


@dataclass
class Seen:
    sent: int = 0
    ok: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    latencies_s: list[float] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {
            "sent": self.sent,
            "ok": self.ok,
            "errors": sum(self.errors.values()),
            "error_kinds": dict(self.errors),
            "latency_ms": loadgen.percentiles_ms(self.latencies_s),
        }


def _get(port: int, path: str, key: str) -> bytes:
    head = f"GET {path} HTTP/1.1\r\nHost: {loadgen.LOOPBACK}:{port}\r\n"
    return (head + f"X-API-Key: {key}\r\nAccept: application/json\r\n\r\n").encode()


def _post(port: int, path: str, key: str, body: bytes, content_type: str) -> bytes:
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {loadgen.LOOPBACK}:{port}\r\nX-API-Key: {key}\r\n"
        f"Content-Type: {content_type}\r\nAccept: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


def mix(port: int, keys: dict[str, str], case_ids: Sequence[int], datastream: int) -> list[Kind]:
    """The traffic of a working day, by share of all requests."""
    citizen_bodies = request_bodies(keys["app"], count=2000)
    operator, admin = keys["operator"], keys["admin"]

    def observation(rng: random.Random) -> bytes:
        at = (datetime.now(UTC) - timedelta(seconds=rng.randint(0, 3600))).isoformat(timespec="milliseconds")
        body = json.dumps({"phenomenonTime": at, "result": round(rng.uniform(5, 180), 1)}).encode()
        return _post(port, f"/sta/v1.1/Datastreams({datastream})/Observations", admin, body, "application/json")

    def note(rng: random.Random) -> bytes:
        body = json.dumps({"note": f"已电话联系市民 {rng.randint(1, 9999)}"}, ensure_ascii=False).encode()
        return _post(port, f"/api/v1/cases/{rng.choice(case_ids)}/note", operator, body, "application/json")

    return [
        Kind(
            "citizen_post",
            0.25,
            lambda rng: _post(
                port,
                "/open311/v2/requests.json",
                keys["app"],
                rng.choice(citizen_bodies),
                "application/x-www-form-urlencoded",
            ),
        ),
        Kind("staff_list", 0.15, lambda rng: _get(port, "/api/v1/cases?open=true&limit=20", operator)),
        Kind(
            "staff_search",
            0.05,
            lambda rng: _get(port, "/api/v1/cases?" + urlencode({"q": rng.choice(["噪音", "路灯", "供暖"])}), operator),
        ),
        Kind("staff_case", 0.15, lambda rng: _get(port, f"/api/v1/cases/{rng.choice(case_ids)}", operator)),
        Kind("staff_note", 0.05, note),
        Kind(
            "cockpit",
            0.15,
            lambda rng: _get(port, "/api/v1/cockpit/" + rng.choice(["trends", "map", "board", "ranking"]), operator),
        ),
        Kind("portal_public", 0.10, lambda rng: _get(port, "/portal/public/requests?limit=20", "")),
        Kind("sensor_write", 0.10, observation),
    ]


class StallWatch(threading.Thread):
    """With ``--stall-dumps DIR``: when a request has waited longer than ``after`` seconds for its answer, what
    every thread of every server process is doing right then (``py-spy dump``) and what the machine runs
    (``top``), one file per stall, at most one every ``cooldown`` seconds — for stalls too rare for a profile.
    ``--nonblocking``: a dump that paused the server (py-spy's default) would itself make the next stall."""

    def __init__(self, pid: int, out: Path, inflight: dict[int, float], after: float = 1.0) -> None:
        super().__init__(daemon=True)
        self.pid, self.out, self.inflight, self.after = pid, out, inflight, after
        self.cooldown = 5.0
        self.stalls: list[float] = []
        self._stop_event = threading.Event()

    def run(self) -> None:
        spy = Path(sys.executable).with_name("py-spy")
        if not spy.exists():
            raise SystemExit("--stall-dumps needs py-spy: .venv/bin/pip install py-spy")
        self.out.mkdir(parents=True, exist_ok=True)
        last = -1e9
        while not self._stop_event.wait(0.1):
            now = _now()
            oldest = min(self.inflight.values(), default=now)
            if now - oldest < self.after or now - last < self.cooldown:
                continue
            last = now
            self.stalls.append(round(now - oldest, 2))
            self._dump(spy, len(self.stalls), now - oldest)

    def _dump(self, spy: Path, n: int, waited: float) -> None:
        parts = [f"# stall {n}: a request waiting {waited:.2f} s at {datetime.now(UTC).isoformat()}\n"]
        for pid in _server_pids(self.pid):
            done = subprocess.run(
                [str(spy), "dump", "--nonblocking", "--pid", str(pid)], capture_output=True, text=True, check=False
            )
            parts.append(f"## py-spy dump --pid {pid}\n{done.stdout}{done.stderr}")
        top = subprocess.run(["top", "-b", "-n", "1", "-w", "200"], capture_output=True, text=True, check=False)
        parts.append("## top\n" + "\n".join(top.stdout.splitlines()[:25]))
        (self.out / f"stall-{n:03d}.txt").write_text("\n".join(parts), encoding="utf-8")

    def stop(self) -> list[float]:
        self._stop_event.set()
        self.join()
        return self.stalls


def _server_pids(root: int) -> list[int]:
    """The server's process and its children (uvicorn's workers)."""
    pids = [root]
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == root:
                pids.append(int(entry))
    return pids


async def _connection(
    queue: asyncio.Queue[tuple[float, Kind, bytes] | None],
    port: int,
    seen: dict[str, Seen],
    timeline: list[tuple[float, float]],
    inflight: dict[int, float],
) -> None:
    connection = loadgen.KeepAlive(port)
    me = id(connection)
    while (item := await queue.get()) is not None:
        scheduled, kind, request = item
        tally = seen[kind.name]
        inflight[me] = scheduled
        try:
            await connection.open()
            status, _body = await connection.send(request)
        except loadgen.CONNECTION_ERRORS as exc:
            tally.errors[type(exc).__name__] += 1
            connection.close()
            continue
        finally:
            inflight.pop(me, None)
        if status in kind.ok:
            tally.ok += 1
            tally.latencies_s.append(_now() - scheduled)
            timeline.append((scheduled, tally.latencies_s[-1]))
        else:
            tally.errors[f"http_{status}"] += 1
    connection.close()


async def _offer(
    kinds: list[Kind], *, port: int, rate: float, seconds: float, connections: int, inflight: dict[int, float]
) -> tuple[dict[str, Seen], list[dict[str, Any]]]:
    rng = random.Random(2026)
    seen = {k.name: Seen() for k in kinds}
    timeline: list[tuple[float, float]] = []
    queue: asyncio.Queue[tuple[float, Kind, bytes] | None] = asyncio.Queue()
    workers = [asyncio.create_task(_connection(queue, port, seen, timeline, inflight)) for _ in range(connections)]
    total = int(rate * seconds)
    weights = [k.share for k in kinds]
    start = _now() + 0.05
    sent = 0
    while sent < total:
        due = min(total, int((_now() - start) * rate) + 1)
        while sent < due:
            kind = rng.choices(kinds, weights)[0]
            seen[kind.name].sent += 1
            queue.put_nowait((start + sent / rate, kind, kind.build(rng)))
            sent += 1
        await asyncio.sleep(max(0.0, start + sent / rate - _now()))
    for _ in workers:
        queue.put_nowait(None)
    _done, pending = await asyncio.wait(workers, timeout=30)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    for tally in seen.values():
        unfinished = tally.sent - tally.ok - sum(tally.errors.values())
        if unfinished > 0:
            tally.errors["unfinished"] += unfinished
    return seen, _by_minute(timeline, start, rate)


def _by_minute(timeline: list[tuple[float, float]], start: float, rate: float) -> list[dict[str, Any]]:
    """Answers and latency by the minute their requests were scheduled in: when a server fell behind, and whether
    it caught up."""
    minutes: dict[int, list[float]] = {}
    for scheduled, latency in timeline:
        minutes.setdefault(int((scheduled - start) // 60), []).append(latency)
    return [
        {"minute": m + 1, "offered": int(rate * 60), "answered": len(lat)} | loadgen.percentiles_ms(lat)
        for m, lat in sorted(minutes.items())
    ]


def _rss_kib(root: int) -> int:
    """Resident memory of the server and its children (uvicorn workers), in KiB."""
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            status = Path(f"/proc/{entry}/status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if int(entry) == root or fields.get("PPid", "").strip() == str(root):
            total += int(fields.get("VmRSS", "0 kB").split()[0])
    return total


class MemoryWatch(threading.Thread):
    def __init__(self, pid: int, every: float = 10.0) -> None:
        super().__init__(daemon=True)
        self.pid, self.every = pid, every
        self.samples: list[tuple[float, int]] = []
        self._stop_event = threading.Event()
        self._t0 = time.monotonic()

    def run(self) -> None:
        while not self._stop_event.is_set():
            self.samples.append((round(time.monotonic() - self._t0, 1), _rss_kib(self.pid)))
            self._stop_event.wait(self.every)

    def stop(self) -> list[tuple[float, int]]:
        self._stop_event.set()
        self.join()
        self.samples.append((round(time.monotonic() - self._t0, 1), _rss_kib(self.pid)))
        return self.samples


def _setup(env: dict[str, str], days: int) -> tuple[dict[str, str], list[int], int]:
    """Load a small Demo City; keys for the app, an operator and an admin (without a rate limit: the soak is one
    client standing for a whole city's traffic); some case ids; a Datastream id."""
    citybrain("demo", "--no-serve", "--days", str(days), "--cases-per-day", "100", env=env)
    keys = {
        role: citybrain("apikey", "create", f"soak {role}", "--role", role, "--rate-limit", "0", env=env)
        .strip()
        .splitlines()[-1]
        .strip()
        for role in ("app", "operator", "admin")
    }
    from sqlalchemy import create_engine, text

    engine = create_engine(env["CITYBRAIN_DATABASE_URL"])
    with engine.connect() as conn:
        case_ids = [int(r[0]) for r in conn.execute(text("SELECT id FROM cases ORDER BY id DESC LIMIT 2000"))]
        datastream = conn.execute(text("SELECT min(id) FROM sta_datastreams")).scalar()
    engine.dispose()
    if datastream is None:
        raise SystemExit("the demo loaded no Datastream: the sensor share of the mix has nothing to write to")
    return keys, case_ids, int(datastream)


def _memory(samples: list[tuple[float, int]], warm_seconds: float) -> dict[str, Any]:
    after_warmup = [kib for at, kib in samples if at >= warm_seconds] or [samples[-1][1]]
    base, end, peak = after_warmup[0], samples[-1][1], max(kib for _at, kib in samples)
    return {
        "rss_mib_at_warmup_end": round(base / 1024, 1),
        "rss_mib_at_end": round(end / 1024, 1),
        "rss_mib_peak": round(peak / 1024, 1),
        "growth_percent": round(100 * (end - base) / base, 1) if base else None,
        "samples_mib": [(at, round(kib / 1024, 1)) for at, kib in samples],
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    with fresh_database(args.db) as db_env:
        env = {**os.environ, **db_env, "CITYBRAIN_MQTT_PUBLISH": "false"}
        keys, case_ids, datastream = _setup(env, args.days)
        port = free_port()
        with server(env, server_command(port, args.workers), port) as proc:
            kinds = mix(port, keys, case_ids, datastream)
            watch = MemoryWatch(proc.pid)
            watch.start()
            inflight: dict[int, float] = {}
            stalls = StallWatch(proc.pid, args.stall_dumps, inflight) if args.stall_dumps else None
            if stalls:
                stalls.start()
            t0, server_cpu0, own_cpu0 = time.monotonic(), tree_cpu_seconds(proc.pid), time.process_time()
            loop = loadgen.new_event_loop()
            try:
                with py_spy(proc.pid, args.profile):
                    seen, by_minute = loop.run_until_complete(
                        _offer(
                            kinds,
                            port=port,
                            rate=args.rate,
                            seconds=args.minutes * 60,
                            connections=args.connections,
                            inflight=inflight,
                        )
                    )
            finally:
                loop.close()
            elapsed = time.monotonic() - t0
            server_cpu, own_cpu = tree_cpu_seconds(proc.pid) - server_cpu0, time.process_time() - own_cpu0
            samples = watch.stop()
            stalled = stalls.stop() if stalls else None
    every = Seen()
    for tally in seen.values():
        every.sent += tally.sent
        every.ok += tally.ok
        every.errors.update(tally.errors)
        every.latencies_s += tally.latencies_s
    return {
        "benchmark": "soak",
        "db": args.db,
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": _git_commit(),
        "machine": {"cpus": os.cpu_count(), "cpu": _cpu_model(), "load_avg_1m_at_end": round(os.getloadavg()[0], 2)},
        "rate_target": args.rate,
        "minutes": args.minutes,
        "workers": args.workers,
        "connections": args.connections,
        "achieved_rps": round(every.ok / elapsed, 1),
        # CPU, not wall time: what the mix costs the server whatever else the machine is doing
        "cpu": {
            "server_seconds": round(server_cpu, 1),
            "server_ms_per_answered_request": round(1000 * server_cpu / every.ok, 2) if every.ok else None,
            "load_generator_seconds": round(own_cpu, 1),
        },
        "all": every.summary(),
        "by_kind": {name: tally.summary() for name, tally in seen.items()},
        "by_minute": by_minute,
        "memory": _memory(samples, warm_seconds=min(60.0, args.minutes * 60 / 5)),
        "stall_dumps": None if stalled is None else {"dir": str(args.stall_dumps), "waited_s": stalled},
        "targets": {"errors": 0, "memory_growth_percent_max": 10, "p99_ms_max": 200},
    }


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--minutes", type=float, default=10.0, help="How long the mixed load runs (default 10).")
    parser.add_argument("--rate", type=float, default=200.0, help="Requests per second in all (default 200).")
    parser.add_argument("--connections", type=int, default=32, help="Keep-alive connections (default 32).")
    parser.add_argument("--workers", type=int, default=1, help="Server processes (citybrain serve --workers).")
    parser.add_argument("--days", type=int, default=30, help="Days of Demo City loaded first (default 30).")
    parser.add_argument("--out", type=Path, help="Where to write the JSON (default bench/results/soak_<db>.json).")
    parser.add_argument(
        "--profile", type=Path, help="py-spy's collapsed stacks of the server's processes over the whole run (a file)."
    )
    parser.add_argument(
        "--stall-dumps",
        type=Path,
        help="A folder: whenever a request waits over 1 s, py-spy dumps every server thread's stack there.",
    )
    args = parser.parse_args(argv)
    result = run(args)
    out = args.out or RESULTS / f"soak_{args.db}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(
        json.dumps(
            {k: v for k, v in result.items() if k != "memory"}
            | {"memory": {k: v for k, v in result["memory"].items() if k != "samples_mib"}},
            ensure_ascii=False,
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
