"""The MQTT ingest worker: ``v1.1/Datastreams(<id>)/Observations`` messages become Observations.

Nothing acknowledged is lost: the worker subscribes at QoS 1 with manual acknowledgement, stores a batch of
messages in one transaction, and sends their PUBACKs only after the COMMIT returned. A worker that dies before that
leaves the messages unacknowledged in its persistent session (fixed client id, ``clean_start=False``, a session
expiry), and the broker delivers them again when it is back; their content keys (``mqtt_store.py``) keep a message
whose batch was committed but not yet acknowledged from becoming a second Observation.

A packet id only means something on the connection it came on: a message received before a reconnect is not
acknowledged on the new connection (the broker redelivers it; it is then a duplicate). A batch whose COMMIT fails
(the database is away) is tried again, with a pause growing to 30 s, and is not acknowledged until it is stored.
Paho reconnects to the broker by itself (1 s, doubling to 30 s).

Other domains' messages ride on the same worker: a :class:`TopicHandler` (e.g. car-park gate reads,
``scenarios/parking/mqtt.py``) adds its topic filters, and the messages it claims are stored by it in the batch's
transaction and acknowledged with the batch — the same session, the same at-least-once guarantee.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from paho.mqtt.client import Client, ConnectFlags, DisconnectFlags, MQTTMessage
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode
from paho.mqtt.subscribeoptions import SubscribeOptions
from sqlalchemy.orm import Session

from citybrain.core import clock
from citybrain.core.db import Database
from citybrain.core.settings import Settings
from citybrain.sensing import mqtt_store, repository
from citybrain.sensing.mqtt_client import ingest_filters, make_client, session_properties
from citybrain.sensing.tasks import Publisher

log = logging.getLogger("citybrain.sensing.mqtt")
PURGE_EVERY_SECONDS = 600.0
REPORT_EVERY_SECONDS = 60.0


@dataclass(frozen=True)
class Received:
    topic: str
    payload: bytes
    mid: int
    qos: int
    connection: int  # which connection it came on: a packet id is only valid there


@dataclass
class Handled:
    """What a topic handler did with its messages of one batch."""

    stored: int = 0
    duplicates: int = 0
    rejected: list[str] = field(default_factory=list)  # "topic: reason", one per rejected message


class TopicHandler(Protocol):
    """Messages on other topics than SensorThings', stored in the worker's batch transaction (never commits).

    ``store`` takes each message in a savepoint of its own: one it cannot store is rejected alone (its reason in
    ``Handled.rejected``) and acknowledged, so it is not redelivered forever."""

    def filters(self) -> list[str]: ...

    def claims(self, topic: str) -> bool: ...

    def store(self, session: Session, messages: list[Received], now: datetime) -> Handled: ...


@dataclass
class Tally:
    """What the worker did since it started (also logged once a minute)."""

    received: int = 0
    created: int = 0
    handled: int = 0  # messages stored by the topic handlers (e.g. gate reads)
    duplicates: int = 0
    notices: int = 0
    rejected: int = 0
    batches: int = 0


class IngestWorker:
    """Subscribe, store in batches, acknowledge after commit, publish the new Observations. ``start``/``stop``."""

    def __init__(
        self,
        db: Database,
        settings: Settings,
        client_id: str | None = None,
        handlers: Sequence[TopicHandler] = (),
    ) -> None:
        self.db, self.settings, self.handlers = db, settings, list(handlers)
        self.client: Client = make_client(settings, client_id or settings.mqtt_client_id, manual_ack=True)
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_message = self._on_message
        self.publisher = Publisher(settings, client=self.client) if settings.mqtt_publish else None
        self.tally = Tally()
        self.subscribed = threading.Event()
        self._inbox: queue.Queue[Received] = queue.Queue()
        self._connection = 0
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------------------------

    def start(self) -> None:
        s = self.settings
        self.client.connect_async(s.mqtt_host, s.mqtt_port, clean_start=False, properties=session_properties(s))
        self.client.loop_start()
        if self.publisher is not None:
            self.publisher.start()
        self._thread = threading.Thread(target=self._run, name="citybrain-mqtt-ingest", daemon=True)
        self._thread.start()
        log.info("MQTT worker %s: broker %s:%s, topics %s", s.mqtt_client_id, s.mqtt_host, s.mqtt_port, self.filters)

    def stop(self, timeout: float = 10.0) -> None:
        """Store and acknowledge what was received, then disconnect (the session stays on the broker)."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        if self.publisher is not None:
            self.publisher.stop()
        self.client.disconnect()
        self.client.loop_stop()
        log.info("MQTT worker stopped: %s", self.tally)

    @property
    def filters(self) -> list[str]:
        return ingest_filters(self.settings) + [f for h in self.handlers for f in h.filters()]

    # -- paho callbacks (its network thread) -----------------------------------------------------------------

    def _on_connect(
        self, client: Client, _userdata: object, flags: ConnectFlags, reason: ReasonCode, _props: Properties | None
    ) -> None:
        self._connection += 1
        if reason.is_failure:
            log.warning("MQTT: the broker refused the connection: %s", reason)
            return
        options = SubscribeOptions(qos=self.settings.mqtt_qos, noLocal=True)  # not our own publications
        client.subscribe([(f, options) for f in self.filters])
        log.info("MQTT: connected (session %s)", "resumed" if flags.session_present else "new")
        self.subscribed.set()

    def _on_disconnect(
        self, _client: Client, _userdata: object, _flags: DisconnectFlags, reason: ReasonCode, _p: Properties | None
    ) -> None:
        self.subscribed.clear()
        if not self._stopping.is_set():
            log.warning("MQTT: disconnected (%s); reconnecting", reason)

    def _on_message(self, _client: Client, _userdata: object, message: MQTTMessage) -> None:
        self._inbox.put(Received(message.topic, bytes(message.payload), message.mid, message.qos, self._connection))

    # -- the batch loop (the worker's thread) ----------------------------------------------------------------

    def _run(self) -> None:
        purged = reported = time.monotonic()
        while not (self._stopping.is_set() and self._inbox.empty()):
            batch = self._take()
            if batch:
                self._store_until_done(batch)
            now = time.monotonic()
            if now - purged >= PURGE_EVERY_SECONDS:
                purged = now
                self._purge()
            if now - reported >= REPORT_EVERY_SECONDS:
                reported = now
                log.info("MQTT worker: %s", self.tally)

    def _take(self) -> list[Received]:
        try:
            batch = [self._inbox.get(timeout=0.2)]
        except queue.Empty:
            return []
        while len(batch) < self.settings.mqtt_batch_size:
            try:
                batch.append(self._inbox.get_nowait())
            except queue.Empty:
                break
        return batch

    def _store_until_done(self, batch: list[Received]) -> None:
        pause, one_by_one = 0.5, False
        claimed: list[list[Received]] = [[] for _ in self.handlers]
        sensing = []
        for m in batch:
            owner = next((i for i, h in enumerate(self.handlers) if h.claims(m.topic)), None)
            if owner is None:
                sensing.append(m)
            else:
                claimed[owner].append(m)
        parsed = [(m.topic, mqtt_store.parse(self.settings, m.topic, m.payload)) for m in sensing]
        while True:
            try:
                with self.db.transaction() as session:
                    now = clock.utcnow()
                    outcome = mqtt_store.store(session, parsed, now, one_by_one=one_by_one)
                    handled = [h.store(session, ms, now) for h, ms in zip(self.handlers, claimed, strict=True) if ms]
                break
            except Exception:  # the database is away or refused the batch: keep it, unacknowledged, and retry
                log.exception("MQTT: storing a batch of %d messages failed; retrying in %.1f s", len(batch), pause)
                one_by_one = True  # next time each message in a savepoint: one the database refuses is rejected alone
                if self._stopping.wait(pause):
                    return  # unacknowledged: the broker delivers them again to the next worker
                pause = min(pause * 2, 30.0)
        self._acknowledge(batch)
        self._count(len(batch), outcome, handled)
        if self.publisher is not None:
            self.publisher.submit(outcome.written, self.settings.sta_public_url)

    def _acknowledge(self, batch: list[Received]) -> None:
        for message in batch:
            if message.connection == self._connection and message.qos > 0:
                self.client.ack(message.mid, message.qos)

    def _count(self, received: int, outcome: mqtt_store.Outcome, handled: list[Handled]) -> None:
        t = self.tally
        t.received += received
        t.batches += 1
        t.created += len(outcome.created)
        t.duplicates += outcome.duplicates + sum(h.duplicates for h in handled)
        t.notices += outcome.notices
        t.handled += sum(h.stored for h in handled)
        rejected = outcome.rejected + [reason for h in handled for reason in h.rejected]
        t.rejected += len(rejected)
        for reason in rejected:
            log.warning("MQTT: rejected %s", reason)

    def _purge(self) -> None:
        before = clock.utcnow() - timedelta(hours=self.settings.mqtt_dedupe_hours)
        try:
            with self.db.transaction() as session:
                forgotten = repository.purge_receipts(session, before)
            log.info("MQTT: forgot %d message keys older than %s", forgotten, before.isoformat())
        except Exception:  # noqa: BLE001 - tried again at the next purge
            log.exception("MQTT: purging old message keys failed")
