"""Publishing new Observations to the real broker: every one of a large CreateObservations reaches a subscriber, the
message is the entity as a GET reads it, and when the broker cannot take them the loss is counted and said.
"""

from __future__ import annotations

import logging
import queue
import shutil
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from citybrain.core import clock
from citybrain.core.db import Database
from citybrain.core.settings import Settings
from citybrain.sensing import tasks
from citybrain.sensing.mqtt_wire import PublishConnection
from citybrain.sensing.tasks import Publisher
from citybrain.web.app import create_app
from tests.conftest import IN_CI
from tests.sensing.conftest import STA, create, get, station
from tests.sensing.mqtt_helpers import Listener, deployed_broker, topic, wait_for

ROWS = 5_000


def _bulk(datastream: int, rows: int) -> list[dict[str, Any]]:
    start = datetime(2024, 1, 1, tzinfo=UTC)
    data = [[(start + timedelta(minutes=i)).isoformat(), i / 4] for i in range(rows)]
    return [{"Datastream": {"@iot.id": datastream}, "components": ["phenomenonTime", "result"], "dataArray": data}]


def _heard(listener: Listener, count: int, timeout: float = 60.0) -> list[dict[str, Any]]:
    """The next ``count`` messages (or fewer, if no more come within ``timeout`` seconds of the last)."""
    got: list[dict[str, Any]] = []
    try:
        while len(got) < count:
            got.append(listener.next(timeout=timeout)[1])
    except queue.Empty:
        pass
    return got


def _id(link: str) -> int:
    return int(link.rsplit("(", 1)[1].rstrip(")"))


@pytest.fixture
def deployed_settings(mqtt_settings: Settings, tmp_path: Path) -> Iterator[Settings]:
    """The test's MQTT settings on a broker of its own, configured as deploy/mosquitto.conf."""
    if shutil.which("mosquitto") is None and not Path("/usr/sbin/mosquitto").exists():
        if IN_CI:
            pytest.fail("mosquitto is required in CI (.ci/run installs it)")
        pytest.skip("no mosquitto binary to start a broker with deploy/mosquitto.conf")
    with deployed_broker(tmp_path) as port:
        yield mqtt_settings.model_copy(update={"mqtt_port": port})


def test_every_observation_of_a_large_create_observations_reaches_the_subscriber(
    db: Database, deployed_settings: Settings, admin: dict[str, str]
) -> None:
    """5,000 rows in one request: the subscriber hears exactly the created ids, each once. (The publisher queued
    them in paho with a limit of 20,000 and dropped the rest under load; this fails if any is dropped or skipped.)"""
    with TestClient(create_app(deployed_settings, database=db)) as client:
        thing = create(client, "Things", station("Dongsi"), admin)
        datastream = get(client, f"Things({thing['@iot.id']})/Datastreams")["value"][0]["@iot.id"]
        listener = Listener(deployed_settings, topic(deployed_settings, datastream))
        response = client.post(f"{STA}/CreateObservations", json=_bulk(datastream, ROWS), headers=admin)
        assert response.status_code == 201, response.text
        created = [_id(link) for link in response.json()]
        heard = _heard(listener, ROWS + 1, timeout=5)  # one more than created: none may come twice
        listener.close()
        publisher = client.app.state.mqtt_publisher  # type: ignore[attr-defined]
        assert (publisher.tally.published, publisher.tally.dropped) == (ROWS, 0)
    assert len(set(created)) == ROWS
    assert sorted(m["@iot.id"] for m in heard) == sorted(created)


def test_the_message_is_the_observation_as_read(
    mqtt_app: TestClient, datastream: int, mqtt_settings: Settings, admin: dict[str, str]
) -> None:
    """Made from the values just written, not read back: it must still equal what a GET answers."""
    listener = Listener(mqtt_settings, topic(mqtt_settings, datastream))
    components = ["phenomenonTime", "resultTime", "result"]
    rows = [
        ["2024-01-01T00:00:00.125+08:00", "2024-01-01T00:05:00Z", 12.5],
        ["2024-01-01T01:00:00Z/2024-01-01T02:00:00Z", None, 7],
        [None, None, 0.1],
    ]
    full = ["phenomenonTime", "result", "resultQuality", "validTime", "parameters"]
    other = [
        ["2024-01-02T01:00:00Z", 4.5, None, None, None],  # a column filled in some rows only
        ["2024-01-02T00:00:00Z", 3.5, {"flag": "pass"}, "2024-01-02T00:00:00Z/2024-01-03T00:00:00Z", {"n": [1]}],
    ]
    body = [
        {"Datastream": {"@iot.id": datastream}, "components": components, "dataArray": rows},
        {"Datastream": {"@iot.id": datastream}, "components": full, "dataArray": other},
    ]
    links = mqtt_app.post(f"{STA}/CreateObservations", json=body, headers=admin).json()
    heard = {m["@iot.id"]: m for m in _heard(listener, len(links) + 1, timeout=5)}
    listener.close()
    assert sorted(heard) == sorted(_id(link) for link in links)
    for link in links:
        assert heard[_id(link)] == get(mqtt_app, link.split("/v1.1/")[1])
    assert heard[_id(links[-1])]["resultQuality"] == {"flag": "pass"}
    assert heard[_id(links[-1])]["parameters"] == {"n": [1]}


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _written(n: int) -> list[tuple[int, dict[str, Any]]]:
    now = clock.utcnow()
    values = {"datastream_id": 1, "feature_of_interest_id": 1, "phenomenon_time_start": now, "result_type": 1}
    return [(i, values | {"result_number": float(i)}) for i in range(1, n + 1)]


def test_with_no_broker_the_unpublished_are_counted_and_said(
    mqtt_settings: Settings, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The broker is unreachable: submissions beyond the waiting room are dropped at once (the writer does not wait
    for a broker that is away) and the ones still waiting when the publisher stops are counted too, each in a
    warning with its count."""
    caplog.set_level(logging.WARNING, logger="citybrain.sensing.mqtt")
    monkeypatch.setattr(tasks, "WAITING", 100)
    publisher = Publisher(mqtt_settings.model_copy(update={"mqtt_port": _closed_port()}))
    publisher.start()
    publisher.submit(_written(80), "http://city.example/sta/v1.1")
    wait_for(lambda: "unreachable" in caplog.text, what="the warning that the broker is unreachable")
    began = clock.utcnow()
    publisher.submit(_written(30), "http://city.example/sta/v1.1")
    assert (clock.utcnow() - began).total_seconds() < 1.0
    assert publisher.tally.dropped == 30
    assert "30 new Observation(s) not published" in caplog.text
    assert "80 new Observation(s) waiting" in caplog.text
    publisher.stop(timeout=0.5)
    assert publisher.tally.dropped == 110
    assert "80 new Observation(s) not published" in caplog.text
    assert publisher.tally.published == 0


def test_a_lost_connection_is_made_again_and_nothing_is_skipped(mqtt_settings: Settings) -> None:
    """The connection breaks between two batches: the write or the wait for acknowledgements fails, the publisher
    connects again and sends the batch again, and it arrives whole."""
    base = "http://city.example/sta/v1.1"
    listener = Listener(mqtt_settings, topic(mqtt_settings, 1))
    publisher = Publisher(mqtt_settings)
    publisher.start()
    publisher.submit(_written(10), base)
    wait_for(lambda: publisher.tally.published == 10, what="the first batch")
    assert publisher.link is not None
    assert publisher.link._sock is not None  # noqa: SLF001
    publisher.link._sock.shutdown(socket.SHUT_RDWR)  # noqa: SLF001 - broken as a broker restart would leave it
    publisher.submit([(i + 10, v) for i, v in _written(1000)], base)
    wait_for(lambda: publisher.tally.published == 1010, what="the second batch")
    heard = _heard(listener, 1010, timeout=10)
    publisher.stop()
    listener.close()
    assert sorted(m["@iot.id"] for m in heard) == list(range(1, 1011))


@pytest.mark.parametrize("qos", [1, 2])
def test_the_wire_connection_publishes_at_each_qos(deployed_settings: Settings, qos: int) -> None:
    listener = Listener(deployed_settings, topic(deployed_settings, 7))
    link = PublishConnection(deployed_settings, f"{deployed_settings.mqtt_client_id}-wire")
    link.connect()
    link.publish([(topic(deployed_settings, 7).encode(), f'{{"n": {n}}}'.encode()) for n in range(300)], qos)
    link.ping()
    link.close(polite=True)
    assert [m["n"] for m in _heard(listener, 301, timeout=3)] == list(range(300))
    listener.close()
