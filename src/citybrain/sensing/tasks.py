"""Side effects after commit: every new Observation is published to its Datastream's MQTT topic.

``v1.1/Datastreams(<id>)/Observations`` receives the full entity (``@iot.id``, ``@iot.selfLink``, the properties
and navigation links), whatever route created it: ``POST …/Observations``, ``CreateObservations``, or a message the
MQTT worker stored. Only committed Observations are announced: the routes and the worker hand their ids over
after their transaction returned.

Best effort: the web request or the worker's batch never waits for the broker. A thread of the publisher reads the
new rows and publishes them at ``mqtt_qos``; while the broker is away paho keeps up to ``QUEUED`` messages and
sends them on reconnect, beyond that they are dropped and counted, with a warning in the log at most once a minute.
Writes succeed either way.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import threading
import time
import uuid
from dataclasses import dataclass

from paho.mqtt.client import Client
from paho.mqtt.enums import MQTTErrorCode
from sqlalchemy.orm import Session

from citybrain.core.db import Database
from citybrain.core.settings import Settings
from citybrain.sensing import repository
from citybrain.sensing.create import created_in
from citybrain.sensing.entities import BY_NAME
from citybrain.sensing.mqtt_client import make_client, observations_topic
from citybrain.sensing.present import entity_json

log = logging.getLogger("citybrain.sensing.mqtt")
QUEUED = 20_000  # messages paho holds while the broker is away
JOBS = 10_000  # batches of new Observations waiting to be read and published
CHUNK = 500  # Observations read per query
WARN_EVERY_SECONDS = 60.0


@dataclass
class PublishTally:
    published: int = 0
    dropped: int = 0


class Publisher:
    """Publishes committed Observations; owns a connection of its own unless given the worker's client."""

    def __init__(self, db: Database, settings: Settings, client: Client | None = None) -> None:
        self.db, self.settings = db, settings
        self._own = client is None
        ident = f"{settings.mqtt_client_id}-pub-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self.client = client if client is not None else make_client(settings, ident)
        if self._own:
            self.client.max_queued_messages_set(QUEUED)
        self.tally = PublishTally()
        self._jobs: queue.Queue[tuple[list[int], str] | None] = queue.Queue(maxsize=JOBS)
        self._thread: threading.Thread | None = None
        self._warned = 0.0

    def start(self) -> None:
        if self._own:
            self.client.connect_async(self.settings.mqtt_host, self.settings.mqtt_port)
            self.client.loop_start()
        self._thread = threading.Thread(target=self._run, name="citybrain-mqtt-publisher", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Publish what is waiting (for at most ``timeout`` seconds), then disconnect."""
        if self._thread is not None:
            self._jobs.put(None)
            self._thread.join(timeout)
            self._thread = None
        if self._own:
            self.client.disconnect()
            self.client.loop_stop()

    def submit(self, observation_ids: list[int], base: str) -> None:
        """Announce these committed Observations (``base``: the service root for their selfLinks)."""
        if not observation_ids:
            return
        try:
            self._jobs.put_nowait((observation_ids, base))
        except queue.Full:
            self._dropped(len(observation_ids), "too many waiting")

    def _run(self) -> None:
        while (job := self._jobs.get()) is not None:
            try:
                self._publish(*job)
            except Exception as exc:  # noqa: BLE001 - best effort: a failed read must not stop the thread
                self._dropped(len(job[0]), f"{type(exc).__name__}: {exc}")

    def _publish(self, observation_ids: list[int], base: str) -> None:
        observation = BY_NAME["Observation"]
        for start in range(0, len(observation_ids), CHUNK):
            with self.db.reading() as session:
                rows = repository.by_ids(session, observation, set(observation_ids[start : start + CHUNK]))
                messages = [
                    (observations_topic(self.settings, row.datastream_id), entity_json(observation, row, base))
                    for row in rows.values()
                ]
            for topic, entity in messages:
                info = self.client.publish(topic, json.dumps(entity, ensure_ascii=False), qos=self.settings.mqtt_qos)
                if info.rc in (MQTTErrorCode.MQTT_ERR_SUCCESS, MQTTErrorCode.MQTT_ERR_NO_CONN):
                    self.tally.published += 1  # NO_CONN: queued by paho, sent on reconnect
                else:
                    self._dropped(1, f"paho {info.rc.name}")

    def _dropped(self, count: int, why: str) -> None:
        self.tally.dropped += count
        now = time.monotonic()
        if now - self._warned >= WARN_EVERY_SECONDS:
            self._warned = now
            log.warning(
                "MQTT: %d new Observation(s) not published (%s); %d dropped so far", count, why, self.tally.dropped
            )


def after_commit(publisher: Publisher | None, session: Session, base: str) -> None:
    """Hand the committed transaction's new Observations to the publisher (none configured: nothing to do)."""
    ids = created_in(session)
    if publisher is not None:
        publisher.submit(ids, base)
