"""Nothing lost: a real server (``citybrain serve``) SIGKILLed under Open311 load, and a bulk import SIGKILLed
midway, on SQLite and PostgreSQL.

The load comes from the benchmark's open-loop generator (bench/loadgen.py), each request a different body so
every stored case can be traced to the request that made it. After each kill the server is started again and
the database must hold every request that got a success answer exactly once; retries with the same
Idempotency-Key after a kill must not make a second case.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest
from bench import loadgen
from bench.import_canonical import write_csv as write_canonical
from sqlalchemy import func, select

from citybrain.core.db import Database
from citybrain.core.settings import Settings
from citybrain.models import Case, ImportBatch
from tests.conftest import make_key

CITYBRAIN = [sys.executable, "-c", "from citybrain.cli.main import app; app(prog_name='citybrain')"]
KILLS = 3  # the last round's requests carry Idempotency-Keys
RATE, LOAD_SECONDS, KILL_AFTER_FIRST_CASE = 120.0, 2.0, 0.25
MARK = re.compile(r"crash-(\d+-\d+)")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env(settings: Settings) -> dict[str, str]:
    src = str(Path(__file__).resolve().parents[2] / "src")
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")]),
        "CITYBRAIN_DATABASE_URL": settings.resolved_database_url(),
        "CITYBRAIN_DATA_DIR": str(settings.data_dir),
        "CITYBRAIN_IDEMPOTENCY_LEASE_SECONDS": "1",  # a killed request's key is free again a second later
        "CITYBRAIN_API_KEY_REQUESTS_PER_MINUTE": "0",  # the load is far above a citizen app's budget, on purpose
        "CITYBRAIN_MQTT_PUBLISH": "false",
    }


@dataclass
class Server:
    """``citybrain serve`` in its own process, killed with SIGKILL (no shutdown, no drain)."""

    settings: Settings
    port: int = 0
    process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 30) -> str:
        self.port = _free_port()
        self.process = subprocess.Popen(
            [*CITYBRAIN, "serve", "--port", str(self.port)],
            env=_env(self.settings),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, "citybrain serve exited while starting"
            try:
                if httpx.get(f"{base}/open311/v2/discovery.json", timeout=1).status_code == 200:
                    return base
            except httpx.HTTPError:
                time.sleep(0.1)
        raise AssertionError(f"citybrain serve did not answer within {timeout} s")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)


@pytest.fixture
def server(db: Database, settings: Settings) -> Iterator[Server]:
    running = Server(settings)
    yield running
    running.kill()


class KeyedTarget(loadgen.Target):
    """The generator's target with an ``Idempotency-Key`` per body (the same key for the same body)."""

    def requests(self) -> list[bytes]:
        plain = super().requests()
        return [r.replace(b"\r\n", f"\r\nIdempotency-Key: key-{i}\r\n".encode(), 1) for i, r in enumerate(plain)]


def _bodies(key: str, round_: int, n: int) -> list[bytes]:
    base = {"api_key": key, "service_code": "roads.damage", "lat": "39.9", "long": "116.4"}
    return [urlencode({**base, "description": f"路面坑洼 crash-{round_}-{i}"}).encode() for i in range(n)]


def _load_and_kill(server: Server, target: loadgen.Target, total: int, db: Database, mark: str) -> loadgen.RunResult:
    """Offer the load; SIGKILL the server once it has stored the first case of this round (a fixed sleep killed a
    server before the generator's first connection on a loaded machine); return what the clients heard."""
    box: list[loadgen.RunResult] = []
    thread = threading.Thread(
        target=lambda: box.append(
            loadgen.run(target, rate=total / LOAD_SECONDS, duration=LOAD_SECONDS, connections=16, drain_timeout=5)
        )
    )
    thread.start()
    _wait_for_a_stored_case(db, mark, timeout=30)
    time.sleep(KILL_AFTER_FIRST_CASE)
    server.kill()
    thread.join()
    return box[0]


def _wait_for_a_stored_case(db: Database, mark: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with db.reading() as session:
            if session.scalar(select(Case.id).where(Case.text.like(f"%crash-{mark}-%")).limit(1)) is not None:
                return
        time.sleep(0.02)
    raise AssertionError(f"the server stored no case of round {mark} within {timeout} s")


def _stored_marks(db: Database) -> Counter[str]:
    with db.reading() as session:
        texts = session.scalars(select(Case.text).where(Case.text.like("%crash-%")))
        return Counter(m.group(1) for t in texts if (m := MARK.search(t or "")))


def _stored_ids(db: Database, ids: Sequence[str]) -> dict[str, str]:
    with db.reading() as session:
        rows = session.execute(select(Case.id, Case.text).where(Case.id.in_([int(i) for i in ids])))
        return {str(id_): MARK.search(text or "").group(1) for id_, text in rows}  # type: ignore[union-attr]


def test_acknowledged_requests_survive_sigkill_exactly_once_and_keyed_retries_create_nothing_twice(
    db: Database, server: Server
) -> None:
    """KILLS rounds of load, each ended by SIGKILL; the last round's requests carry Idempotency-Keys and are
    all retried after the restart, answered or not (what a careful app does)."""
    key = make_key(db, "app")
    total = int(RATE * LOAD_SECONDS)
    acknowledged: list[str] = []
    keyed = _bodies(key, KILLS, total)
    first_answers: list[str] = []
    for round_ in range(KILLS):
        port = int(server.start().rsplit(":", 1)[1])
        last = round_ == KILLS - 1
        target = (
            KeyedTarget(port, "/open311/v2/requests.json", keyed)
            if last
            else loadgen.Target(port, "/open311/v2/requests.json", _bodies(key, round_, total))
        )
        result = _load_and_kill(server, target, total, db, str(KILLS if last else round_))
        assert 0 < result.ok < total, result.summary()  # the kill came while requests were being answered
        (first_answers if last else acknowledged).extend(result.ids)
    base = server.start()  # a restart after the last kill, as an operator would
    stored = _stored_ids(db, acknowledged + first_answers)
    assert set(acknowledged + first_answers) <= set(stored), "acknowledged requests are missing after SIGKILL"
    time.sleep(1.1)  # the lease of the keyed requests the kill interrupted runs out
    retried = _retry(base, keyed)
    assert set(first_answers) <= set(retried)  # an answered request's retry got its first answer back
    marks = _stored_marks(db)
    assert [m for m, n in marks.items() if n > 1] == []  # nothing stored twice
    assert sum(1 for m in marks if m.startswith(f"{KILLS}-")) == total  # every keyed request once
    assert len(set(acknowledged)) == len(acknowledged)


def _retry(base: str, bodies: list[bytes]) -> list[str]:
    answers: list[str] = []
    with httpx.Client(base_url=base, timeout=30) as client:
        for i, body in enumerate(bodies):
            response = client.post(
                "/open311/v2/requests.json",
                content=body,
                headers={"Idempotency-Key": f"key-{i}", "Content-Type": "application/x-www-form-urlencoded"},
            )
            assert response.status_code == 200, response.text
            answers.append(response.json()[0]["service_request_id"])
    return answers


def _counts(db: Database) -> tuple[int, int]:
    with db.reading() as session:
        return (
            int(session.scalar(select(func.count()).select_from(Case)) or 0),
            int(session.scalar(select(func.count()).select_from(ImportBatch)) or 0),
        )


def test_a_bulk_import_killed_midway_writes_nothing_and_reruns(
    db: Database, settings: Settings, tmp_path: Path, backend: str
) -> None:
    rows = 40_000 if backend == "sqlite" else 20_000
    path = tmp_path / "cases.csv"
    write_canonical(path, rows, seed=7)
    env = _env(settings)
    command = [*CITYBRAIN, "import", "canonical", str(path)]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    time.sleep(2.5 if backend == "sqlite" else 4.0)
    assert process.poll() is None, "the import finished before it could be killed; give it a bigger file"
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    assert _counts(db) == (0, 0)
    reports = settings.data_dir / "import-reports"
    assert not list(reports.glob("*.part")) if reports.exists() else True
    second = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert second.returncode == 0, second.stdout + second.stderr
    assert _counts(db) == (rows, 1)
    third = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert third.returncode == 0, third.stdout + third.stderr
    assert "already" in third.stdout.lower()
    assert _counts(db) == (rows, 1)
