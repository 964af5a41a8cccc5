"""MQTT with the real broker: publishing creates Observations, every new Observation is published, redelivered
messages are stored once, bad messages are rejected while the worker goes on, and the persistent session keeps
what was published while the worker was down.

Each test has its own topic prefix and client id, so parallel test runs on the one broker never meet. Outside CI a
broker that does not answer skips these tests with a message; in CI it fails them.
"""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from citybrain.core.db import Database
from citybrain.core.settings import Settings
from citybrain.sensing.mqtt_ingest import IngestWorker, Received
from citybrain.web.app import create_app
from tests.sensing.conftest import STA, create, get, station
from tests.sensing.mqtt_helpers import Listener, publisher, send, stored, topic, wait_for

READING = {"phenomenonTime": "2024-01-01T08:00:00Z", "result": 35.5}


@pytest.fixture
def worker(db: Database, mqtt_settings: Settings) -> Iterator[IngestWorker]:
    running = started(db, mqtt_settings)
    yield running
    running.stop()


def started(db: Database, settings: Settings, kind: type[IngestWorker] = IngestWorker) -> IngestWorker:
    running = kind(db, settings)
    running.start()
    wait_for(running.subscribed.is_set, what="the worker's subscription")
    time.sleep(0.3)  # the SUBACK
    return running


def kill(running: IngestWorker) -> None:
    """End a worker as a crash would: no DISCONNECT, nothing more acknowledged; its session stays on the broker."""
    running._stopping.set()  # noqa: SLF001 - a crash, not a stop: the test reaches inside
    running.client.loop_stop()
    sock = running.client.socket()
    if sock is not None:
        sock.close()
    if running.publisher is not None:
        running.publisher.stop(timeout=1)


class CrashesBeforeAck(IngestWorker):
    """A worker that dies between COMMIT and PUBACK: it stores its batches but never acknowledges them."""

    def _acknowledge(self, batch: list[Received]) -> None:
        return None


def test_a_published_observation_is_stored(
    mqtt_app: TestClient, worker: IngestWorker, datastream: int, mqtt_settings: Settings
) -> None:
    station_client = publisher(mqtt_settings)
    send(station_client, topic(mqtt_settings, datastream), READING | {"resultTime": "2024-01-01T08:05:00Z"})
    wait_for(lambda: worker.tally.created == 1, what="the Observation")
    found = get(mqtt_app, f"Datastreams({datastream})/Observations")["value"]
    assert [(o["phenomenonTime"], o["result"], o["resultTime"]) for o in found] == [
        ("2024-01-01T08:00:00Z", 35.5, "2024-01-01T08:05:00Z")
    ]
    assert found[0]["FeatureOfInterest@iot.navigationLink"]  # made from the station's Location, as over HTTP
    station_client.disconnect()


def test_v1_1_observations_takes_the_datastream_from_the_body(
    mqtt_app: TestClient, worker: IngestWorker, datastream: int, mqtt_settings: Settings
) -> None:
    station_client = publisher(mqtt_settings)
    body = READING | {"Datastream": {"@iot.id": datastream}}
    send(station_client, f"{mqtt_settings.mqtt_topic_prefix}v1.1/Observations", body)
    wait_for(lambda: worker.tally.created == 1, what="the Observation")
    assert stored(worker.db, datastream) == 1
    station_client.disconnect()


def test_every_new_observation_reaches_the_subscribers(
    mqtt_app: TestClient, worker: IngestWorker, datastream: int, mqtt_settings: Settings, admin: dict[str, str]
) -> None:
    """HTTP POST, CreateObservations and MQTT alike, as the full entity after commit."""
    listener = Listener(mqtt_settings, topic(mqtt_settings, datastream))
    posted = create(mqtt_app, f"Datastreams({datastream})/Observations", READING, admin)
    heard_topic, heard = listener.next()
    assert heard_topic == topic(mqtt_settings, datastream)
    assert heard == posted  # the same JSON as the HTTP answer: @iot.id, @iot.selfLink, navigation links
    bulk = [{"Datastream": {"@iot.id": datastream}, "components": ["result"], "dataArray": [[1.0], [2.0]]}]
    links = mqtt_app.post(f"{STA}/CreateObservations", json=bulk, headers=admin).json()
    assert sorted(listener.next()[1]["@iot.selfLink"] for _ in links) == sorted(links)
    station_client = publisher(mqtt_settings)
    send(station_client, topic(mqtt_settings, datastream), {"phenomenonTime": "2024-01-02T00:00:00Z", "result": 9})
    _, raw = listener.next()  # the station's own message passes through the broker to every subscriber …
    assert "@iot.id" not in raw
    _, from_mqtt = listener.next()  # … then the stored Observation
    assert from_mqtt["result"] == 9
    assert from_mqtt["@iot.selfLink"] == f"http://city.example/sta/v1.1/Observations({from_mqtt['@iot.id']})"
    # the worker heard the HTTP ones too (they carry @iot.id): notices, not new Observations
    wait_for(lambda: worker.tally.notices == 3, what="the worker to skip the three announcements")
    assert stored(worker.db, datastream) == 4
    listener.close()
    station_client.disconnect()


def test_the_same_message_twice_is_one_observation(
    mqtt_app: TestClient, worker: IngestWorker, datastream: int, mqtt_settings: Settings
) -> None:
    station_client = publisher(mqtt_settings)
    send(station_client, topic(mqtt_settings, datastream), READING)
    send(station_client, topic(mqtt_settings, datastream), READING)
    send(station_client, topic(mqtt_settings, datastream), READING | {"result": 36.0})
    wait_for(lambda: worker.tally.received == 3, what="three messages")
    assert (worker.tally.created, worker.tally.duplicates) == (2, 1)
    assert stored(worker.db, datastream) == 2
    station_client.disconnect()


def test_a_batch_stored_but_not_acknowledged_is_redelivered_and_not_stored_again(
    mqtt_app: TestClient, db: Database, datastream: int, mqtt_settings: Settings
) -> None:
    crashing = started(db, mqtt_settings, CrashesBeforeAck)
    station_client = publisher(mqtt_settings)
    send(station_client, topic(mqtt_settings, datastream), READING)
    wait_for(lambda: crashing.tally.created == 1, what="the first worker to commit")
    kill(crashing)
    restarted = started(db, mqtt_settings)  # the same client id: the broker resumes the session
    try:
        wait_for(lambda: restarted.tally.duplicates == 1, what="the redelivery")
        assert stored(db, datastream) == 1
    finally:
        restarted.stop()
    again = started(db, mqtt_settings)  # acknowledged this time: nothing more comes
    try:
        time.sleep(1.0)
        assert again.tally.received == 0
    finally:
        again.stop()
    station_client.disconnect()


def test_a_message_received_but_not_acknowledged_reaches_the_next_worker(
    mqtt_app: TestClient, db: Database, datastream: int, mqtt_settings: Settings
) -> None:
    """The worker died before it stored anything: the broker still has the message for its session."""
    stalled = started(db, mqtt_settings)
    stalled._stopping.set()  # noqa: SLF001 - its batch loop ends: it receives but never stores
    assert stalled._thread is not None  # noqa: SLF001
    stalled._thread.join()  # noqa: SLF001
    station_client = publisher(mqtt_settings)
    send(station_client, topic(mqtt_settings, datastream), READING)
    wait_for(lambda: not stalled._inbox.empty(), what="the message to reach the stalled worker")  # noqa: SLF001
    kill(stalled)
    assert stored(db, datastream) == 0
    restarted = started(db, mqtt_settings)
    try:
        wait_for(lambda: restarted.tally.created == 1, what="the redelivered message")
        assert stored(db, datastream) == 1
    finally:
        restarted.stop()
    station_client.disconnect()


def test_bad_messages_are_rejected_and_the_worker_goes_on(
    mqtt_app: TestClient,
    worker: IngestWorker,
    datastream: int,
    mqtt_settings: Settings,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="citybrain.sensing.mqtt")
    station_client = publisher(mqtt_settings)
    here = topic(mqtt_settings, datastream)
    bad = [
        (here, b"{not json"),
        (here, [1, 2]),
        (here, {"phenomenonTime": "yesterday", "result": 1}),
        (here, {"phenomenonTime": "2024-01-01T00:00:00Z", "result": "high"}),  # OM_Measurement wants a number
        (here, {"result": 1, "colour": "red"}),
        (here, READING | {"FeatureOfInterest": {"@iot.id": "x"}}),
        (topic(mqtt_settings, 999_999), READING),
        (f"{mqtt_settings.mqtt_topic_prefix}v1.1/Things(1)/Observations", READING),
    ]
    for where, body in bad:
        send(station_client, where, body)
    send(station_client, here, READING)
    wait_for(lambda: worker.tally.received == len(bad) + 1, what="every message")
    assert (worker.tally.rejected, worker.tally.created) == (len(bad), 1)
    assert stored(worker.db, datastream) == 1
    reasons = "\n".join(r.getMessage() for r in caplog.records)
    expected_reasons = ("not JSON", "JSON object", "phenomenonTime", "number", "colour", "'x'", "999999", "Things(1)")
    for expected in expected_reasons:
        assert expected in reasons
    station_client.disconnect()


def test_messages_published_while_the_worker_is_down_arrive_when_it_is_back(
    mqtt_app: TestClient, db: Database, datastream: int, mqtt_settings: Settings
) -> None:
    first = started(db, mqtt_settings)
    first.stop()  # a clean stop: DISCONNECT, but the session (subscriptions, queue) stays on the broker
    station_client = publisher(mqtt_settings)
    for hour in range(5):
        reading = {"phenomenonTime": f"2024-01-01T0{hour}:00:00Z", "result": hour}
        send(station_client, topic(mqtt_settings, datastream), reading)
    assert stored(db, datastream) == 0
    back = started(db, mqtt_settings)
    try:
        wait_for(lambda: back.tally.created == 5, what="the five queued messages")
        assert stored(db, datastream) == 5
    finally:
        back.stop()
    station_client.disconnect()


def test_http_writes_succeed_when_no_broker_answers(
    db: Database, mqtt_settings: Settings, admin: dict[str, str]
) -> None:
    nowhere = mqtt_settings.model_copy(update={"mqtt_port": _closed_port()})
    with TestClient(create_app(nowhere, database=db)) as client:
        thing = create(client, "Things", station("Offline"), admin)
        ds = get(client, f"Things({thing['@iot.id']})/Datastreams")["value"][0]["@iot.id"]
        create(client, f"Datastreams({ds})/Observations", READING, admin)
        assert stored(db, ds) == 1


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_message_the_database_refuses_is_rejected_alone(
    mqtt_app: TestClient, worker: IngestWorker, admin: dict[str, str], mqtt_settings: Settings, backend: str
) -> None:
    """Valid JSON PostgreSQL cannot store (NUL in text): the batch fails, is tried one message per savepoint, and
    only that message is rejected. SQLite stores NUL, so there both are Observations."""
    thing = create(mqtt_app, "Things", station("Categories", kind="OM_CategoryObservation"), admin)
    ds = get(mqtt_app, f"Things({thing['@iot.id']})/Datastreams")["value"][0]["@iot.id"]
    station_client = publisher(mqtt_settings)
    send(station_client, topic(mqtt_settings, ds), {"phenomenonTime": "2024-01-01T00:00:00Z", "result": "a\u0000b"})
    send(station_client, topic(mqtt_settings, ds), {"phenomenonTime": "2024-01-01T01:00:00Z", "result": "good"})
    wait_for(lambda: worker.tally.received == 2, what="both messages")
    if backend == "postgresql":
        assert (worker.tally.created, worker.tally.rejected) == (1, 1)
        assert [o["result"] for o in get(mqtt_app, f"Datastreams({ds})/Observations")["value"]] == ["good"]
    else:
        assert (worker.tally.created, worker.tally.rejected) == (2, 0)
    station_client.disconnect()
