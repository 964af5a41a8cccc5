"""What each kind of request in the soak's mix costs the server in CPU, not in wall time.

    python -m bench.soak_cpu --db sqlite
    python -m bench.soak_cpu --db postgresql --requests 400 --profile-dir /tmp/soak-profiles

Wall-clock latency on a shared machine says more about the neighbours than about the server; CPU seconds used by
the server's processes (user + system, from /proc) per request do not. Each kind of bench/soak.py's mix is sent
alone, closed-loop over a few keep-alive connections, after a warm-up of the same kind; the figure is the server's
CPU over the kind's requests divided by their number (on PostgreSQL the database backends' CPU is reported beside
it). ``--profile-dir``: py-spy records each kind (a flame graph's collapsed stacks) for finding where the time goes.

Result: bench/results/soak_cpu_<db>.json (``--out`` to name another file).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import time
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import loadgen
from bench.open311_load import (
    BackendWatch,
    _cpu_model,
    _git_commit,
    free_port,
    fresh_database,
    py_spy,
    server,
    server_command,
    tree_cpu_seconds,
)
from bench.soak import Kind, _setup, mix

RESULTS = Path(__file__).resolve().parent / "results"


async def _closed_loop(kind: Kind, port: int, count: int, connections: int, seed: int) -> Counter[int]:
    """``count`` requests of one kind, each connection sending its next when the last is answered."""
    rng = random.Random(seed)
    statuses: Counter[int] = Counter()
    left = [count]

    async def one_connection() -> None:
        reader, writer = await asyncio.open_connection(loadgen.LOOPBACK, port)
        try:
            while left[0] > 0:
                left[0] -= 1
                writer.write(kind.build(rng))
                status, _body, close = await loadgen._read_response(reader)
                statuses[status] += 1
                if close:
                    writer.close()
                    reader, writer = await asyncio.open_connection(loadgen.LOOPBACK, port)
        finally:
            writer.close()

    await asyncio.gather(*(one_connection() for _ in range(connections)))
    return statuses


def _send(kind: Kind, port: int, count: int, connections: int, seed: int) -> Counter[int]:
    loop = loadgen.new_event_loop()
    try:
        return loop.run_until_complete(_closed_loop(kind, port, count, connections, seed))
    finally:
        loop.close()


def measure(kind: Kind, pid: int, args: argparse.Namespace, port: int, profile: Path | None) -> dict[str, Any]:
    _send(kind, port, args.warmup, args.connections, seed=1)
    with py_spy(pid, profile), BackendWatch(args.db == "postgresql") as backends:
        cpu0, wall0 = tree_cpu_seconds(pid), time.perf_counter()
        statuses = _send(kind, port, args.requests, args.connections, seed=2)
        cpu, wall = tree_cpu_seconds(pid) - cpu0, time.perf_counter() - wall0
    answered = sum(statuses.values())
    figures = {
        "requests": answered,
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "unexpected": sum(v for k, v in statuses.items() if k not in kind.ok),
        "server_cpu_ms_per_request": round(1000 * cpu / answered, 2),
        "wall_ms_per_request": round(1000 * wall / answered, 2),
    }
    if args.db == "postgresql":
        figures["postgres_cpu_ms_per_request"] = round(1000 * backends.cpu_seconds() / answered, 2)
    return figures


def run(args: argparse.Namespace) -> dict[str, Any]:
    with fresh_database(args.db) as db_env:
        env = {**os.environ, **db_env, "CITYBRAIN_MQTT_PUBLISH": "false"}
        keys, case_ids, datastream = _setup(env, args.days)
        port = free_port()
        with server(env, server_command(port, 1), port) as proc:
            kinds = mix(port, keys, case_ids, datastream)
            wanted = [k for k in kinds if not args.kinds or k.name in args.kinds]
            by_kind = {}
            for kind in wanted:
                profile = args.profile_dir / f"{args.db}_{kind.name}.txt" if args.profile_dir else None
                by_kind[kind.name] = measure(kind, proc.pid, args, port, profile)
                print(kind.name, json.dumps(by_kind[kind.name]), flush=True)
    weighted = sum(k.share * by_kind[k.name]["server_cpu_ms_per_request"] for k in wanted) / sum(
        k.share for k in wanted
    )
    return {
        "benchmark": "soak_cpu",
        "db": args.db,
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": _git_commit(),
        "machine": {"cpus": os.cpu_count(), "cpu": _cpu_model(), "load_avg_1m_at_end": round(os.getloadavg()[0], 2)},
        "requests_per_kind": args.requests,
        "connections": args.connections,
        "by_kind": by_kind,
        "mix_server_cpu_ms_per_request": round(weighted, 2),
        "mix_capacity_rps_per_core": round(1000 / weighted, 1),
    }


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--requests", type=int, default=600, help="Measured requests per kind (default 600).")
    parser.add_argument("--warmup", type=int, default=100, help="Unmeasured requests per kind first (default 100).")
    parser.add_argument("--connections", type=int, default=4, help="Keep-alive connections (default 4).")
    parser.add_argument("--days", type=int, default=30, help="Days of Demo City loaded first (default 30).")
    parser.add_argument("--kinds", nargs="*", help="Only these kinds of the mix (default all).")
    parser.add_argument("--profile-dir", type=Path, help="py-spy's collapsed stacks per kind into this folder.")
    parser.add_argument("--out", type=Path, help="Where to write the JSON (default bench/results/soak_cpu_<db>.json).")
    args = parser.parse_args(argv)
    if args.profile_dir:
        args.profile_dir.mkdir(parents=True, exist_ok=True)
    result = run(args)
    out = args.out or RESULTS / f"soak_cpu_{args.db}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in result.items() if k != "by_kind"}, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
