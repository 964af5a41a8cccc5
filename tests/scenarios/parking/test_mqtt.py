"""Gate reads over MQTT with the real broker (Mosquitto at 127.0.0.1:1883), taken by the sensing worker:
published reads become sessions and bills, bad messages are rejected whole and counted, a redelivered message is
stored once. Each test has its own topic prefix and client id (as tests/sensing/test_mqtt.py)."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from citybrain.core.db import Database
from citybrain.core.settings import Settings
from citybrain.models.parking import GateEvent, ParkingBill, ParkingSession
from citybrain.scenarios.parking.mqtt import GateReads, events_topic
from citybrain.sensing.mqtt_ingest import IngestWorker, Received
from citybrain.web.app import create_app
from tests.scenarios.parking.conftest import at
from tests.sensing.mqtt_helpers import broker_settings, publisher, send, wait_for


@pytest.fixture
def mqtt_settings(settings: Settings) -> Settings:
    return broker_settings(settings, mqtt_publish=False)


class CrashesBeforeAck(IngestWorker):
    """A worker that dies between COMMIT and PUBACK: it stores its batches but never acknowledges them."""

    def _acknowledge(self, batch: list[Received]) -> None:
        return None


def started(db: Database, settings: Settings, kind: type[IngestWorker] = IngestWorker) -> IngestWorker:
    running = kind(db, settings, handlers=[GateReads(settings)])
    running.start()
    wait_for(running.subscribed.is_set, what="the worker's subscription")
    time.sleep(0.3)  # the SUBACK
    return running


@pytest.fixture
def worker(db: Database, mqtt_settings: Settings, parks: dict[str, str]) -> Iterator[IngestWorker]:
    running = started(db, mqtt_settings)
    yield running
    running.stop()


def read(direction: str, plate: str, minutes: float, park: str = "P1", **more: Any) -> dict[str, Any]:
    return {"car_park": park, "gate": f"{park}-{direction}", "direction": direction, "plate": plate,
            "time": at(minutes), **more}  # fmt: skip


def count(db: Database, table: type[Any]) -> int:
    with db.reading() as session:
        return int(session.scalar(select(func.count()).select_from(table)) or 0)


def test_published_reads_become_sessions_and_bills(worker: IngestWorker, db: Database, mqtt_settings: Settings) -> None:
    gate = publisher(mqtt_settings)
    send(gate, events_topic(mqtt_settings, "P1"), read("in", "粤B12345", 0))
    send(gate, events_topic(mqtt_settings, "P1"), {"events": [read("out", "粤B12345", 95), read("in", "沪A00001", 96)]})
    send(gate, events_topic(mqtt_settings, "P2"), read("in", "京N99999", 10, park="P2"))
    wait_for(lambda: worker.tally.handled == 3, what="three gate messages")
    with db.reading() as session:
        stays = dict(session.execute(select(ParkingSession.plate, ParkingSession.status)).all())
        bills = session.execute(select(ParkingBill.plate, ParkingBill.amount_fen)).all()
    assert stays == {"粤B12345": "closed", "沪A00001": "open", "京N99999": "open"}
    assert [tuple(b) for b in bills] == [("粤B12345", 1200)]  # 95 min: two started hours at 600
    assert count(db, GateEvent) == 4
    assert (worker.tally.rejected, worker.tally.created) == (0, 0)
    gate.disconnect()


def test_a_bad_message_is_rejected_whole_counted_and_logged(
    worker: IngestWorker, db: Database, mqtt_settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="citybrain.sensing.mqtt")
    gate = publisher(mqtt_settings)
    p1 = events_topic(mqtt_settings, "P1")
    bad = [
        (p1, b"{not json"),
        (p1, [read("in", "粤B12345", 0)]),
        (p1, {"events": [read("in", "粤B12345", 0), read("in", "??", 1)]}),  # one bad read: none of the two stored
        (p1, read("in", "粤B12345", 0, park="P2")),  # the message names another car park than its topic
        (events_topic(mqtt_settings, "NOPE"), read("in", "粤B12345", 0, park="NOPE")),
        (p1, read("sideways", "粤B12345", 0)),
        (p1, read("in", "粤B12345", 0) | {"time": "2026-12-07T09:00:00"}),  # no offset
    ]
    for where, body in bad:
        send(gate, where, body)
    send(gate, p1, read("in", "沪A00001", 5))
    wait_for(lambda: worker.tally.received == len(bad) + 1, what="every message")
    assert (worker.tally.rejected, worker.tally.handled) == (len(bad), 1)
    assert (count(db, ParkingSession), count(db, GateEvent)) == (1, 1)
    reasons = "\n".join(r.getMessage() for r in caplog.records)
    for expected in ("not JSON", "JSON object", "unreadable plate", "'P2' is not the topic's 'P1'",
                     "unknown car park 'NOPE'", "direction", "time"):  # fmt: skip
        assert expected in reasons
    gate.disconnect()


def test_a_redelivered_message_is_stored_once(db: Database, mqtt_settings: Settings, parks: dict[str, str]) -> None:
    """The worker commits the batch and dies before its PUBACK: the broker delivers the message again to the next
    worker, whose receipt lookup finds it stored — one session, two reads, one bill. A gate that resends one read
    of it in a message of its own (another message) meets the pairing's duplicate rule: kept, opens nothing."""
    stalled = started(db, mqtt_settings, CrashesBeforeAck)
    gate = publisher(mqtt_settings)
    send(gate, events_topic(mqtt_settings, "P1"), {"events": [read("in", "粤B12345", 0), read("out", "粤B12345", 50)]})
    wait_for(lambda: stalled.tally.handled == 1, what="the message stored, not acknowledged")
    _kill(stalled)
    restarted = started(db, mqtt_settings)
    try:
        wait_for(lambda: restarted.tally.duplicates == 1, what="the redelivered message")
        send(gate, events_topic(mqtt_settings, "P1"), read("out", "粤B12345", 50))  # the gate resends its exit read
        wait_for(lambda: restarted.tally.handled == 1, what="the resent read")
        assert restarted.tally.duplicates == 1
    finally:
        restarted.stop()
    assert (count(db, ParkingSession), count(db, ParkingBill)) == (1, 1)
    with db.reading() as session:
        outcomes = list(session.scalars(select(GateEvent.outcome).order_by(GateEvent.id)))
    assert outcomes == ["open", "close", "duplicate"]
    gate.disconnect()


def _kill(running: IngestWorker) -> None:
    """End a worker as a crash would: no DISCONNECT, nothing more acknowledged; its session stays on the broker."""
    running._stopping.set()  # noqa: SLF001 - a crash, not a stop: the test reaches inside
    running.client.loop_stop()
    sock = running.client.socket()
    if sock is not None:
        sock.close()


def test_the_worker_in_the_server_takes_gate_reads(
    db: Database, mqtt_settings: Settings, parks: dict[str, str]
) -> None:
    """``citybrain serve --mqtt``: the app's own worker has the gate handler."""
    in_server = mqtt_settings.model_copy(update={"mqtt_worker_in_server": True})
    with TestClient(create_app(in_server, database=db)) as client:
        running = client.app.state.mqtt_worker  # type: ignore[attr-defined]
        assert events_topic(in_server, "+") in running.filters
        wait_for(running.subscribed.is_set, what="the worker's subscription")
        time.sleep(0.3)  # the SUBACK
        gate = publisher(in_server)
        send(gate, events_topic(in_server, "P2"), read("in", "粤B12345", 0, park="P2"))
        wait_for(lambda: running.tally.handled == 1, what="the gate read")
        gate.disconnect()
        listed = client.get("/api/v1/parking/car-parks").json()["items"]
        assert {p["code"]: p["occupied"] for p in listed} == {"P1": 0, "P2": 1}
