"""Open-loop HTTP/1.1 load generator for loopback benchmarks.

Why open-loop: a closed-loop client (wrk, ab) waits for a reply before it sends the next request, so a slow
server quietly lowers the offered load and its queueing delay never shows (coordinated omission). Here requests
are *scheduled* at a fixed arrival rate and each latency is measured from its scheduled send time: time spent
waiting for a free connection counts against the server, as it would for a citizen's app.

Why raw HTTP over asyncio streams: the generator shares the machine's cores with the server, so it must be cheap.
One request is a pre-built byte string; one response is a status line, a few headers and a small JSON body.
``python -m bench.loadgen --self-test`` measures the generator's own cost against a trivial server.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

LOOPBACK = "127.0.0.1"

# perf_counter, not loop.time(): uvloop's clock ticks in whole milliseconds, too coarse for latencies.
_now = time.perf_counter


@dataclass(frozen=True)
class Target:
    """Where and what to POST; ``bodies`` are cycled through so requests differ."""

    port: int
    path: str
    bodies: Sequence[bytes]
    content_type: str = "application/x-www-form-urlencoded"

    def requests(self) -> list[bytes]:
        head = (
            f"POST {self.path} HTTP/1.1\r\nHost: {LOOPBACK}:{self.port}\r\n"
            f"Content-Type: {self.content_type}\r\nAccept: application/json\r\n"
        )
        return [(head + f"Content-Length: {len(b)}\r\n\r\n").encode() + b for b in self.bodies]


@dataclass
class RunResult:
    """What one run saw. Latencies are of successful requests, from their scheduled send time."""

    rate_target: float
    duration_s: float
    connections: int
    sent: int = 0
    ok: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    latencies_s: list[float] = field(default_factory=list)
    queue_waits_s: list[float] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    first_scheduled: float = 0.0
    last_done: float = 0.0
    ended: float = 0.0
    cpu_s: float = 0.0

    def summary(self) -> dict[str, Any]:
        window = max(self.last_done - self.first_scheduled, 1e-9)
        return {
            "rate_target": self.rate_target,
            "duration_s": self.duration_s,
            "connections": self.connections,
            "sent": self.sent,
            "ok": self.ok,
            "errors": sum(self.errors.values()),
            "error_kinds": dict(self.errors),
            "achieved_rps": round(self.ok / window, 1),
            "latency_ms": percentiles_ms(self.latencies_s),
            "queue_wait_ms": percentiles_ms(self.queue_waits_s),
            "loadgen_cpu_percent": round(100 * self.cpu_s / max(self.ended - self.first_scheduled, 1e-9), 1),
        }


def percentiles_ms(values: list[float]) -> dict[str, float | None]:
    """Nearest-rank p50/p90/p99/p99.9/max in milliseconds (None when there is nothing to rank)."""
    if not values:
        return {"p50": None, "p90": None, "p99": None, "p999": None, "max": None}
    ordered = sorted(values)

    def rank(q: float) -> float:
        index = min(len(ordered) - 1, max(0, int(q * len(ordered) + 0.999999) - 1))
        return round(ordered[index] * 1000, 2)

    return {"p50": rank(0.50), "p90": rank(0.90), "p99": rank(0.99), "p999": rank(0.999), "max": rank(1.0)}


class _Rejected(Exception):
    """A complete HTTP answer that is not an acknowledgement (counted by its kind)."""


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split(b" ", 2)[1])
    length, chunked, close = 0, False, False
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        key = name.strip().lower()
        if key == b"content-length":
            length = int(value)
        elif key == b"transfer-encoding":
            chunked = b"chunked" in value.lower()
        elif key == b"connection":
            close = b"close" in value.lower()
    if not chunked:
        return status, await reader.readexactly(length), close
    parts = []
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        parts.append(await reader.readexactly(size + 2))
        if size == 0:
            return status, b"".join(p[:-2] for p in parts), close


def acknowledged_id(status: int, body: bytes) -> str:
    """The service_request_id of an acknowledgement (HTTP 200/201), else raise :class:`_Rejected`."""
    if status not in (200, 201):
        raise _Rejected(f"http_{status}")
    try:
        doc = json.loads(body)
    except ValueError as exc:
        raise _Rejected("bad_json") from exc
    item = doc[0] if isinstance(doc, list) and doc else doc
    ident = item.get("service_request_id") if isinstance(item, dict) else None
    if ident in (None, ""):
        raise _Rejected("no_service_request_id")
    return str(ident)


#: What a broken or refused connection raises while a request is sent or its answer read (counted by name).
CONNECTION_ERRORS = (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError, IndexError)


class KeepAlive:
    """One keep-alive connection to the server: opened when needed, closed after an error (the caller's
    ``except CONNECTION_ERRORS``: ``close()``) or when the server answers ``Connection: close``."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self.writer is None or self.reader is None:
            self.reader, self.writer = await asyncio.open_connection(LOOPBACK, self.port)
        return self.reader, self.writer

    async def send(self, request: bytes) -> tuple[int, bytes]:
        """The answer's status and body (the connection opened first if it is not)."""
        reader, writer = await self.open()
        writer.write(request)
        status, body, close = await _read_response(reader)
        if close:
            self.close()
        return status, body

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def _connection(queue: asyncio.Queue[tuple[float, bytes] | None], port: int, result: RunResult) -> None:
    """One keep-alive connection: takes the next scheduled request, sends it, waits for the answer."""
    connection = KeepAlive(port)
    while (item := await queue.get()) is not None:
        scheduled, request = item
        try:
            await connection.open()
            result.queue_waits_s.append(_now() - scheduled)
            status, body = await connection.send(request)
            ident = acknowledged_id(status, body)
        except _Rejected as exc:
            result.errors[str(exc)] += 1
            continue
        except CONNECTION_ERRORS as exc:
            result.errors[type(exc).__name__] += 1
            connection.close()
            continue
        done = _now()
        result.ok += 1
        result.ids.append(ident)
        result.latencies_s.append(done - scheduled)
        result.last_done = max(result.last_done, done)
    connection.close()


async def _schedule(
    queue: asyncio.Queue[tuple[float, bytes] | None],
    requests: Sequence[bytes],
    rate: float,
    total: int,
    start: float,
) -> None:
    """Enqueue request i at start + i/rate, never earlier; a late wake-up enqueues every request now due."""
    sent = 0
    while sent < total:
        due = min(total, int((_now() - start) * rate) + 1)
        while sent < due:
            queue.put_nowait((start + sent / rate, requests[sent % len(requests)]))
            sent += 1
        await asyncio.sleep(max(0.0, start + sent / rate - _now()))


async def run_open_loop(
    target: Target, *, rate: float, duration: float, connections: int, drain_timeout: float = 10.0
) -> RunResult:
    """Offer ``rate`` requests/s for ``duration`` s over ``connections`` keep-alive connections, then drain.

    Requests still unanswered ``drain_timeout`` s after the last one was scheduled count as errors
    (``unfinished``), so a run always ends by itself.
    """
    total = int(rate * duration)
    result = RunResult(rate_target=rate, duration_s=duration, connections=connections, sent=total)
    queue: asyncio.Queue[tuple[float, bytes] | None] = asyncio.Queue()
    workers = [asyncio.create_task(_connection(queue, target.port, result)) for _ in range(connections)]
    cpu0 = _cpu_seconds()
    start = _now() + 0.05
    result.first_scheduled = result.last_done = start
    await _schedule(queue, target.requests(), rate, total, start)
    for _ in workers:
        queue.put_nowait(None)
    _done, pending = await asyncio.wait(workers, timeout=drain_timeout)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    result.cpu_s = _cpu_seconds() - cpu0
    result.ended = _now()
    unfinished = total - result.ok - sum(result.errors.values())
    if unfinished > 0:
        result.errors["unfinished"] += unfinished
    return result


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def new_event_loop() -> asyncio.AbstractEventLoop:
    """uvloop when installed (it is, with uvicorn[standard]): the generator should cost the server little CPU."""
    try:
        import uvloop

        return uvloop.new_event_loop()
    except ImportError:  # pragma: no cover - plain asyncio works, only a little slower
        return asyncio.new_event_loop()


def run(target: Target, *, rate: float, duration: float, connections: int, drain_timeout: float = 10.0) -> RunResult:
    loop = new_event_loop()
    try:
        return loop.run_until_complete(
            run_open_loop(target, rate=rate, duration=duration, connections=connections, drain_timeout=drain_timeout)
        )
    finally:
        loop.close()


# --- self-test: the generator against a trivial server, to see what the generator itself costs -------------

_TRIVIAL_SERVER = r"""
import asyncio, sys
count = 0
async def handle(reader, writer):
    global count
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            await reader.readexactly(length)
            count += 1
            body = b'[{"service_request_id":"%d"}]' % count
            writer.write(b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"
                         % len(body) + body)
    except (asyncio.IncompleteReadError, ConnectionError):
        writer.close()
async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", int(sys.argv[1]))
    print("ready", flush=True)
    async with server:
        await server.serve_forever()
asyncio.run(main())
"""


def self_test(rate: float, duration: float, connections: int, port: int) -> dict[str, Any]:
    """Run the generator against a one-file asyncio server in another process; return both CPU costs."""
    server = subprocess.Popen([sys.executable, "-c", _TRIVIAL_SERVER, str(port)], stdout=subprocess.PIPE, text=True)
    try:
        if server.stdout is None or server.stdout.readline().strip() != "ready":
            raise RuntimeError("the trivial server did not start")
        cpu_before = _proc_cpu_seconds(server.pid)
        started = time.monotonic()
        body = "service_code=noise.residential&lat=28.2&long=112.9&description=" + "楼上噪音" * 10
        result = run(
            Target(port=port, path="/open311/v2/requests.json", bodies=[body.encode()]),
            rate=rate,
            duration=duration,
            connections=connections,
        )
        server_cpu = _proc_cpu_seconds(server.pid) - cpu_before
        summary = result.summary()
        summary["trivial_server_cpu_percent"] = round(100 * server_cpu / (time.monotonic() - started), 1)
        summary["distinct_ids"] = len(set(result.ids))
        return summary
    finally:
        server.terminate()
        server.wait(timeout=10)


def _proc_cpu_seconds(pid: int) -> float:
    """User + system CPU of one process, from /proc (Linux)."""
    import os

    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Open-loop load generator; --self-test measures its own cost.")
    parser.add_argument("--self-test", action="store_true", help="run against a trivial local server")
    parser.add_argument("--rate", type=float, default=500)
    parser.add_argument("--duration", type=float, default=5)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--port", type=int, default=18399)
    args = parser.parse_args(argv)
    if not args.self_test:
        parser.error("use bench/open311_load.py for the real benchmark; this module alone only has --self-test")
    print(json.dumps(self_test(args.rate, args.duration, args.connections, args.port), indent=2))


if __name__ == "__main__":
    main()
