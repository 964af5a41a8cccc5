"""MQTT test helpers: the real broker (Mosquitto at 127.0.0.1:1883), a listening client, waiting for a condition."""

from __future__ import annotations

import json
import queue
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from paho.mqtt.client import Client, MQTTMessage
from sqlalchemy import func, select

from citybrain.core.db import Database
from citybrain.core.settings import Settings
from citybrain.models import Observation
from citybrain.sensing.mqtt_client import make_client, observations_topic
from tests.conftest import IN_CI

BROKER = ("127.0.0.1", 1883)
DEPLOYED_CONF = Path(__file__).resolve().parents[2] / "deploy" / "mosquitto.conf"


def broker_problem(address: tuple[str, int] = BROKER) -> str | None:
    try:
        with socket.create_connection(address, timeout=2):
            return None
    except OSError as exc:
        return str(exc)


def broker_settings(settings: Settings, **more: Any) -> Settings:
    """``settings`` on the real broker with a topic prefix and client id of their own (so tests never meet), and
    ``more``; skips the test when no broker answers (fails it in CI)."""
    problem = broker_problem()
    if problem:
        if IN_CI:
            pytest.fail(f"the MQTT broker is required in CI but did not answer at {BROKER}: {problem}")
        pytest.skip(f"no MQTT broker at {BROKER} ({problem}); start Mosquitto to run the MQTT tests")
    run = uuid.uuid4().hex[:10]
    update = {
        "mqtt_host": BROKER[0],
        "mqtt_port": BROKER[1],
        "mqtt_topic_prefix": f"cbtest/{run}/",
        "mqtt_client_id": f"cbtest-{run}",
        "mqtt_session_expiry_seconds": 120,
        **more,
    }
    return settings.model_copy(update=update)


class Listener:
    """A subscriber, as a city's dashboard would be: every message on its topics, in order."""

    def __init__(self, settings: Settings, *topics: str) -> None:
        self.messages: queue.Queue[tuple[str, Any]] = queue.Queue()
        self.client = make_client(settings, f"listener-{uuid.uuid4().hex[:8]}")
        self.client.on_message = self._on_message
        self.client.connect(settings.mqtt_host, settings.mqtt_port)
        self.client.loop_start()
        for topic in topics:
            info = self.client.subscribe(topic, qos=1)
            assert info[0] == 0
        time.sleep(0.3)  # the SUBACK

    def _on_message(self, _client: Client, _userdata: object, message: MQTTMessage) -> None:
        self.messages.put((message.topic, json.loads(message.payload)))

    def next(self, timeout: float = 10.0) -> tuple[str, Any]:
        return self.messages.get(timeout=timeout)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def publisher(settings: Settings) -> Client:
    """A station's client: publishes at QoS 1 and waits for the broker's PUBACK."""
    client = make_client(settings, f"station-{uuid.uuid4().hex[:8]}")
    client.connect(settings.mqtt_host, settings.mqtt_port)
    client.loop_start()
    return client


def send(client: Client, topic: str, body: Any) -> None:
    payload = body if isinstance(body, bytes) else json.dumps(body)
    info = client.publish(topic, payload, qos=1)
    info.wait_for_publish(timeout=10)
    assert info.is_published()


def topic(settings: Settings, datastream_id: int) -> str:
    return observations_topic(settings, datastream_id)


def stored(db: Database, datastream_id: int) -> int:
    with db.reading() as session:
        query = select(func.count()).select_from(Observation).where(Observation.datastream_id == datastream_id)
        return int(session.scalar(query) or 0)


def wait_for(condition: Callable[[], bool], timeout: float = 15.0, what: str = "the condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)


@contextmanager
def deployed_broker(folder: Path) -> Iterator[int]:
    """A Mosquitto of the test's own on a free loopback port, with deploy/mosquitto.conf's queue limits; its port.

    A distribution's default broker keeps 1,000 messages per subscriber and drops the rest: a burst of thousands
    of Observations would lose messages at the broker, whatever the publisher does."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    store = folder / "broker"
    store.mkdir()
    store.chmod(0o777)  # mosquitto started as root runs as its own user
    text = DEPLOYED_CONF.read_text(encoding="utf-8").replace("listener 1883 127.0.0.1", f"listener {port} 127.0.0.1")
    conf = folder / "mosquitto.conf"
    conf.write_text(text.replace("/var/lib/mosquitto/", f"{store}/"), encoding="utf-8")
    binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    process = subprocess.Popen([binary, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: broker_problem(("127.0.0.1", port)) is None, timeout=10, what=f"mosquitto on port {port}")
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)
