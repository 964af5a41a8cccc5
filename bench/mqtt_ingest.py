"""Benchmark of MQTT ingestion: a station publishes Observations at a steady rate; how many does the worker store?

    .venv/bin/python -m bench.mqtt_ingest                       # 2,000 msg/s for 60 s into a fresh SQLite file
    .venv/bin/python -m bench.mqtt_ingest --rate 3000 --duration 30
    .venv/bin/python -m bench.mqtt_ingest --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench

The broker is the local Mosquitto (127.0.0.1:1883, loopback only) under a topic prefix of this run's own. The worker
is the real one (``citybrain sensing mqtt``, a process of its own, default settings: batches of 500, publishing
every stored Observation back to the broker). This process publishes ``--rate`` messages a second at QoS 1 (one
Datastream, each with its own phenomenonTime) for ``--duration`` seconds — a bounded loop that stops by itself —
then waits until the worker has stored them all or stalled for 20 s. Reported: messages published (PUBACKed by the
broker), Observations stored, lost (published − stored), the publishing rate reached, the stored rate during the
publishing window and overall, the largest backlog, and the load average before and after (2 shared cores).
Target: none lost and ≥ 2,000 stored per second. Prints JSON and writes bench/results/mqtt_ingest.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from paho.mqtt.client import Client
from sqlalchemy import func, select

from citybrain.auth.roles import Principal
from citybrain.core import migrate
from citybrain.core.db import Database
from citybrain.core.settings import Settings
from citybrain.models import Datastream, Observation
from citybrain.sensing.create import Writer, create
from citybrain.sensing.entities import BY_NAME
from citybrain.sensing.mqtt_client import make_client, observations_topic

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
BROKER_CONF = ROOT / "deploy" / "mosquitto.conf"
STALL_SECONDS = 20.0
OM = "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement"


def station(db: Database) -> int:
    """One station with a Location and a PM2.5 Datastream; its Datastream id."""
    body = {
        "name": "bench station",
        "description": "",
        "Locations": [
            {
                "name": "roof",
                "description": "",
                "encodingType": "application/geo+json",
                "location": {"type": "Point", "coordinates": [116.4, 39.9]},
            }
        ],
        "Datastreams": [
            {
                "name": "PM2.5",
                "description": "",
                "observationType": OM,
                "unitOfMeasurement": {"name": "µg/m³", "symbol": "µg/m³", "definition": "http://qudt.org/vocab/unit"},
                "Sensor": {"name": "s", "description": "", "encodingType": "text/plain", "metadata": "-"},
                "ObservedProperty": {"name": "PM2.5", "definition": "http://example.org/pm25", "description": ""},
            }
        ],
    }
    with db.transaction() as session:
        create(Writer(session, Principal("bench", "admin"), datetime.now(UTC)), BY_NAME["Thing"], body)
        session.flush()
        return int(session.scalar(select(func.min(Datastream.id))))


def own_broker(folder: Path) -> tuple[subprocess.Popen[bytes], int]:
    """A Mosquitto of this run's own, on a free loopback port, with the deployment's queue limits."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    conf = folder / "mosquitto.conf"
    store = folder / "broker"
    store.mkdir()
    store.chmod(0o777)  # mosquitto started as root runs as its own user
    text = BROKER_CONF.read_text(encoding="utf-8").replace("listener 1883 127.0.0.1", f"listener {port} 127.0.0.1")
    conf.write_text(text.replace("/var/lib/mosquitto/", f"{store}/"), encoding="utf-8")
    process = subprocess.Popen(["mosquitto", "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(50):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process, port
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"mosquitto did not start on port {port}")


def stored(db: Database) -> int:
    with db.reading() as session:
        return int(session.scalar(select(func.count()).select_from(Observation)) or 0)


def start_worker(settings: Settings, env: dict[str, str]) -> subprocess.Popen[bytes]:
    code = "from citybrain.cli.main import app; app(['sensing', 'mqtt'])"
    return subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


class Station:
    """Publishes paced QoS 1 messages; counts the broker's PUBACKs."""

    def __init__(self, settings: Settings, datastream: int) -> None:
        self.topic = observations_topic(settings, datastream)
        self.client: Client = make_client(settings, f"bench-station-{uuid.uuid4().hex[:6]}")
        self.client.max_inflight_messages_set(1000)
        self.client.max_queued_messages_set(0)
        self.acked = 0
        self._lock = threading.Lock()
        self.client.on_publish = self._on_publish
        self.client.connect(settings.mqtt_host, settings.mqtt_port)
        self.client.loop_start()
        self.start = datetime(2024, 1, 1, tzinfo=UTC)

    def _on_publish(self, *_args: Any) -> None:
        with self._lock:
            self.acked += 1

    def send(self, number: int) -> None:
        when = (self.start + timedelta(seconds=number)).isoformat().replace("+00:00", "Z")
        self.client.publish(self.topic, json.dumps({"phenomenonTime": when, "result": number % 500 / 3}), qos=1)

    def run(self, rate: float, duration: float, first: int) -> tuple[int, float]:
        """Publish at ``rate`` for ``duration`` seconds, in 10 ms steps; (messages sent, seconds taken)."""
        began, sent = time.perf_counter(), 0
        while (elapsed := time.perf_counter() - began) < duration:
            due = min(int(elapsed * rate) + 1, int(duration * rate))
            while sent < due:
                self.send(first + sent)
                sent += 1
            time.sleep(0.005)
        while sent < int(duration * rate):
            self.send(first + sent)
            sent += 1
        return sent, time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=2000.0, help="messages per second")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of publishing")
    parser.add_argument("--database-url", default="", help="default: a fresh SQLite file")
    parser.add_argument("--out", default="mqtt_ingest")
    parser.add_argument("--no-publish", action="store_true", help="the worker does not publish what it stored")
    parser.add_argument(
        "--own-broker",
        action="store_true",
        help=f"run a Mosquitto of this run's own on a free loopback port with {BROKER_CONF.name} (queue limits)",
    )
    args = parser.parse_args()
    run = uuid.uuid4().hex[:8]
    folder = Path(tempfile.mkdtemp(prefix="cb-mqtt-bench-"))
    url = args.database_url or f"sqlite:///{folder / 'bench.db'}"
    broker = own_broker(folder) if args.own_broker else None
    port = broker[1] if broker else 1883
    env = os.environ | {
        "CITYBRAIN_MQTT_PORT": str(port),
        "CITYBRAIN_MQTT_PUBLISH": "false" if args.no_publish else "true",
        "CITYBRAIN_DATABASE_URL": url,
        "CITYBRAIN_DATA_DIR": str(folder),
        "CITYBRAIN_MQTT_TOPIC_PREFIX": f"bench/{run}/",
        "CITYBRAIN_MQTT_CLIENT_ID": f"bench-{run}",
        "CITYBRAIN_MQTT_SESSION_EXPIRY_SECONDS": "300",
    }
    settings = Settings(database_url=url, data_dir=folder, mqtt_topic_prefix=f"bench/{run}/", mqtt_port=port)
    db = Database(settings)
    migrate.upgrade(db.engine)
    datastream = station(db)
    load_before = os.getloadavg()
    worker = start_worker(settings, env)
    try:
        result = measure(db, settings, datastream, args.rate, args.duration)
    finally:
        worker.terminate()
        _, errors = worker.communicate(timeout=60)
        if broker is not None:
            broker[0].terminate()
            broker[0].wait(timeout=30)
    result |= {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_avg_before_1_5_15m": load_before,
            "load_avg_after_1_5_15m": os.getloadavg(),
        },
        "database": db.engine.dialect.name,
        "broker": f"own Mosquitto with {BROKER_CONF.name}" if broker else "the machine's Mosquitto (its own config)",
        "worker_publishes": not args.no_publish,
        "worker_exit": worker.returncode,
        "worker_log_tail": errors.decode(errors="replace").strip().splitlines()[-3:],
        "target": "none lost, >= 2000 stored/s sustained for 60 s",
    }
    db.dispose()
    shutil.rmtree(folder, ignore_errors=True)
    text = json.dumps(result, indent=2, ensure_ascii=False)
    print(text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{args.out}.json").write_text(text + "\n", encoding="utf-8")


def measure(db: Database, settings: Settings, datastream: int, rate: float, duration: float) -> dict[str, Any]:
    sender = Station(settings, datastream)
    deadline = time.monotonic() + 60
    while stored(db) < 1:  # warm-up until the worker has subscribed: the same message again is stored once
        if time.monotonic() > deadline:
            raise SystemExit("the worker stored nothing within 60 s")
        sender.send(0)
        time.sleep(1.0)
    samples: list[tuple[float, int]] = []
    watching = threading.Event()

    def watch() -> None:
        began = time.perf_counter()
        while not watching.is_set():
            samples.append((time.perf_counter() - began, stored(db) - 1))
            time.sleep(1.0)

    watcher = threading.Thread(target=watch)
    watcher.start()
    sent, took = sender.run(rate, duration, first=1)
    at_end = stored(db) - 1
    last, still = at_end, time.monotonic()
    while last < sent and time.monotonic() - still < STALL_SECONDS:
        time.sleep(0.5)
        now = stored(db) - 1
        if now != last:
            last, still = now, time.monotonic()
    watching.set()
    watcher.join()
    finished = samples[-1][0] if samples else took
    for moment, count in samples:
        if count >= last:
            finished = moment
            break
    sender.client.disconnect()
    sender.client.loop_stop()
    backlog = max((int(rate * min(t, duration)) - c for t, c in samples), default=0)
    return {
        "rate_asked": rate,
        "duration_s": duration,
        "published": sent,
        "pubacked_by_broker": sender.acked - 1,
        "publish_seconds": round(took, 2),
        "publish_rate": round(sent / took, 1),
        "stored": last,
        "lost": sent - last,
        "stored_during_publishing": at_end,
        "stored_rate_during_publishing": round(at_end / took, 1),
        "stored_rate_overall": round(last / max(finished, took), 1),
        "seconds_to_store_all": round(finished, 1),
        "largest_backlog": backlog,
    }


if __name__ == "__main__":
    main()
