"""Side effects after commit: every new Observation is published to its Datastream's MQTT topic.

``v1.1/Datastreams(<id>)/Observations`` receives the full entity (``@iot.id``, ``@iot.selfLink``, the properties
and navigation links), whatever route created it: ``POST …/Observations``, ``CreateObservations``, or a message the
MQTT worker stored. Only committed Observations are announced: the routes and the worker hand them over after their
transaction returned — as they were written (id and column values), so nothing is read back from the database.

A thread of the publisher turns them into messages and sends them at ``mqtt_qos``, many per socket write
(``mqtt_wire.py``; the worker's publisher uses the worker's paho client instead). Nothing is given up while the broker
acknowledges: a batch whose connection fails is sent again on a new one (at least once, as QoS 1 promises). Up to
``WAITING`` Observations wait for the thread. When that many already wait, a new submission waits for room — at
most ``SUBMIT_WAIT_SECONDS``, and only while the broker answers — and is otherwise not published: counted in
``tally.dropped`` and said in a warning with the count. While the broker is unreachable a warning says so (with the
number waiting) at most once a minute. Writes succeed either way; no HTTP answer waits longer than that.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass
from typing import Any

from paho.mqtt.client import Client
from paho.mqtt.enums import MQTTErrorCode
from sqlalchemy.orm import Session

from citybrain.core.settings import Settings
from citybrain.sensing.create import Written, created_in
from citybrain.sensing.mqtt_client import observations_topic
from citybrain.sensing.mqtt_wire import PublishConnection
from citybrain.sensing.present import observation_text

log = logging.getLogger("citybrain.sensing.mqtt")
WAITING = 100_000  # Observations waiting for the publisher's thread (five seconds at 20,000 a second)
SUBMIT_WAIT_SECONDS = 5.0  # the longest a writer waits for room while the broker answers
IN_FLIGHT = 5_000  # QoS 1 messages sent before waiting for their acknowledgements
#: QoS 2: Mosquitto's default (max_inflight_messages 20) completes more QoS 2 messages than that from one client at
#: once but forwards only the first 20 (measured with Mosquitto 2.0.11), so no more are sent before they complete.
IN_FLIGHT_QOS2 = 20
WARN_EVERY_SECONDS = 60.0
RECONNECT_SECONDS = (1.0, 30.0)  # first pause before connecting again, doubling up to the second

Message = tuple[bytes, bytes]  # (topic, payload)


@dataclass
class PublishTally:
    published: int = 0  # acknowledged by the broker (or, sharing the worker's paho client, handed to it)
    dropped: int = 0  # never sent: no room to wait in, or still waiting when the publisher stopped


class Publisher:
    """Publishes committed Observations; on a connection of its own unless given the worker's paho client."""

    def __init__(self, settings: Settings, client: Client | None = None) -> None:
        self.settings = settings
        self.client = client
        ident = f"{settings.mqtt_client_id}-pub-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self.link = PublishConnection(settings, ident) if client is None else None
        self.tally = PublishTally()
        self._jobs: deque[tuple[list[Written], str]] = deque()
        self._waiting = 0
        self._room = threading.Condition()
        self._stopping = False
        self._give_up_at = float("inf")
        self._thread: threading.Thread | None = None
        self._topics: dict[int, bytes] = {}
        self._warned = 0.0
        self._pause = RECONNECT_SECONDS[0]

    @property
    def waiting(self) -> int:
        """Observations handed over and not yet published."""
        return self._waiting

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="citybrain-mqtt-publisher", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Publish what is waiting (for at most ``timeout`` seconds; the rest is counted and logged), disconnect."""
        with self._room:
            self._stopping, self._give_up_at = True, time.monotonic() + timeout
            self._room.notify_all()
        if self._thread is not None:
            self._thread.join(timeout + 1.0)
            self._thread = None
        if self.link is not None:
            self.link.close(polite=True)

    def submit(self, written: list[Written], base: str) -> None:
        """Announce these committed Observations (``base``: the service root for their selfLinks)."""
        if not written:
            return
        with self._room:
            deadline = time.monotonic() + SUBMIT_WAIT_SECONDS
            while self._full(len(written)) and self._answering() and not self._stopping:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._room.wait(left)
            if self._full(len(written)) or self._stopping:
                why = "the publisher is stopping" if self._stopping else f"{self._waiting} already waiting"
                self._dropped(len(written), why)
                return
            self._jobs.append((written, base))
            self._waiting += len(written)
            self._room.notify_all()

    def _full(self, more: int) -> bool:
        return self._waiting > 0 and self._waiting + more > WAITING

    def _answering(self) -> bool:
        return self.link is None or self.link.connected

    # -- the publisher's thread ------------------------------------------------------------------------------

    def _run(self) -> None:
        while (job := self._next()) is not None:
            written, base = job
            try:
                self._send([self._message(ident, values, base) for ident, values in written])
            except Exception as exc:  # noqa: BLE001 - a message that cannot be made must not stop the thread
                self._dropped(len(written), f"{type(exc).__name__}: {exc}")
            with self._room:
                self._jobs.popleft()
                self._waiting -= len(written)
                self._room.notify_all()
        if self._waiting:
            self._dropped(self._waiting, "the publisher stopped before the broker took them")

    def _next(self) -> tuple[list[Written], str] | None:
        """The oldest job (left queued until it is sent, so that it counts as waiting); None when stopping. While
        there is nothing to send, the connection is kept alive (outside the lock: writers never wait for a ping)."""
        while True:
            with self._room:
                idle = not self._jobs and not self._stopping and not self._room.wait(30.0)
                if not idle:
                    if self._stopping and (not self._jobs or time.monotonic() >= self._give_up_at):
                        return None
                    if self._jobs:
                        return self._jobs[0]
                    continue
            self._keep_alive()

    def _keep_alive(self) -> None:
        if self.link is not None and self.link.connected:
            try:
                self.link.ping()
            except OSError as exc:
                log.warning("MQTT: the publisher's connection to the broker was lost (%s)", exc)

    def _message(self, ident: int, values: dict[str, Any], base: str) -> Message:
        datastream_id = values["datastream_id"]
        topic = self._topics.get(datastream_id)
        if topic is None:
            topic = self._topics[datastream_id] = observations_topic(self.settings, datastream_id).encode()
        return topic, observation_text(base, ident, values).encode()

    def _send(self, messages: list[Message]) -> None:
        if self.client is not None:
            self._send_paho(self.client, messages)
            return
        sent = 0
        while sent < len(messages):
            if not self._connected():
                if self._stopping:
                    self._dropped(len(messages) - sent, "the publisher stopped while the broker was unreachable")
                    return
                continue
            chunk = messages[sent : sent + (IN_FLIGHT if self.settings.mqtt_qos == 1 else IN_FLIGHT_QOS2)]
            assert self.link is not None
            try:
                self.link.publish(chunk, self.settings.mqtt_qos)
            except OSError as exc:
                self._unreachable(exc)
                continue
            sent += len(chunk)
            self.tally.published += len(chunk)

    def _connected(self) -> bool:
        """Connected to the broker, or after a failed try a pause (growing up to 30 s, cut short by ``stop``)."""
        assert self.link is not None
        if self.link.connected:
            return True
        try:
            self.link.connect()
        except OSError as exc:
            self._unreachable(exc)
            with self._room:
                self._room.wait_for(lambda: self._stopping, timeout=self._pause)
            self._pause = min(self._pause * 2, RECONNECT_SECONDS[1])
            return False
        self._pause = RECONNECT_SECONDS[0]
        return True

    def _send_paho(self, client: Client, messages: list[Message]) -> None:
        """The worker's paho client: queued by paho (without a limit) and sent by its network thread."""
        for topic, payload in messages:
            info = client.publish(topic.decode(), payload, qos=self.settings.mqtt_qos)
            if info.rc in (MQTTErrorCode.MQTT_ERR_SUCCESS, MQTTErrorCode.MQTT_ERR_NO_CONN):
                self.tally.published += 1  # NO_CONN: queued by paho, sent on reconnect
            else:
                self._dropped(1, f"paho {info.rc.name}")

    # -- telling ---------------------------------------------------------------------------------------------

    def _unreachable(self, exc: OSError) -> None:
        now = time.monotonic()
        if now - self._warned >= WARN_EVERY_SECONDS:
            self._warned = now
            s = self.settings
            log.warning(
                "MQTT: broker %s:%s unreachable (%s); %d new Observation(s) waiting to be published",
                s.mqtt_host,
                s.mqtt_port,
                exc,
                self._waiting,
            )

    def _dropped(self, count: int, why: str) -> None:
        with self._room:  # re-entrant: submit calls this holding it
            self.tally.dropped += count
            so_far = self.tally.dropped
        log.warning("MQTT: %d new Observation(s) not published (%s); %d so far", count, why, so_far)


def after_commit(publisher: Publisher | None, session: Session, base: str) -> None:
    """Hand the committed transaction's new Observations to the publisher (none configured: nothing to do)."""
    written = created_in(session)
    if publisher is not None:
        publisher.submit(written, base)
