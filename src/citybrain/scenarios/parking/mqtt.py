"""Gate reads over MQTT: ``citybrain/parking/<car_park_code>/events``, taken by the sensing MQTT worker.

A message is the JSON of a ``POST /api/v1/parking/events`` body — one read, or ``{"events": [...]}`` — validated
by the same schemas and stored by the same :func:`ingest.ingest`, bound to the topic's car park as a gate key is
to its own: a read naming another car park rejects the message. Each message is stored in a savepoint of its own;
one that cannot be stored (not JSON, a bad read, an unknown car park …) is rejected whole, nothing of it written, its
reason logged and counted by the worker, and acknowledged (a resend with the same fault would fail again).

At-least-once delivery: each stored message leaves its content key (sha256 of the car park and the body's canonical
JSON) in the worker's receipts (``sta_mqtt_receipts``, kept ``mqtt_dedupe_hours``), so a redelivered message — or the
same message published twice — is stored once. The pairing's own duplicate rule would only catch a repeat within
``parking_duplicate_seconds`` of the read, not a redelivery after an outage.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from citybrain.core.errors import CityBrainError, InvalidInput
from citybrain.core.settings import Settings
from citybrain.scenarios.parking import ingest, repository
from citybrain.scenarios.parking.schemas import EventBatch, EventIn
from citybrain.sensing import repository as receipts
from citybrain.sensing.mqtt_ingest import Handled, Received

TOPIC_ROOT = "citybrain/parking/"
TOPIC_LEAF = "/events"


def events_topic(settings: Settings, code: str) -> str:
    """Where a gate of car park ``code`` publishes its reads."""
    return f"{settings.mqtt_topic_prefix}{TOPIC_ROOT}{code}{TOPIC_LEAF}"


class GateReads:
    """The worker's handler of gate-read topics (``IngestWorker(..., handlers=[GateReads(settings)])``)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.root = f"{settings.mqtt_topic_prefix}{TOPIC_ROOT}"

    def filters(self) -> list[str]:
        return [f"{self.root}+{TOPIC_LEAF}"]

    def claims(self, topic: str) -> bool:
        return topic.startswith(self.root) and topic.endswith(TOPIC_LEAF)

    def store(self, session: Session, messages: list[Received], now: datetime) -> Handled:
        handled = Handled()
        keyed = [(m, _key(self._code(m.topic), m.payload)) for m in messages]
        seen = receipts.known_receipts(session, [k for _, k in keyed if k])
        for message, key in keyed:
            if key in seen:
                handled.duplicates += 1
                continue
            try:
                with session.begin_nested():
                    self._ingest(session, message)
                    receipts.add_receipts(session, [(key, None)], now)
                handled.stored += 1
                seen.add(key)
            except CityBrainError as exc:
                handled.rejected.append(f"{message.topic}: {exc.message}")
            except IntegrityError:
                handled.duplicates += 1  # another worker stored the same message in the meantime
            except DBAPIError as exc:
                if exc.connection_invalidated:
                    raise
                handled.rejected.append(f"{message.topic}: the database refused it ({str(exc.orig).splitlines()[0]})")
        return handled

    def _code(self, topic: str) -> str:
        return topic[len(self.root) : -len(TOPIC_LEAF)]

    def _ingest(self, session: Session, message: Received) -> None:
        code = self._code(message.topic)
        reads = ingest.reads_of(parse(message.payload))
        for i, read in enumerate(reads):
            if read.car_park != code:
                raise InvalidInput(f"read {i}: car park {read.car_park!r} is not the topic's {code!r}; nothing stored")
        park = repository.car_park(session, code)
        if park is None:
            raise InvalidInput(f"unknown car park {code!r}; nothing stored")
        ingest.ingest(session=session, reads=reads, gate_park=park.id, settings=self.settings)


def parse(payload: bytes) -> EventIn | EventBatch:
    """The message as the POST body's schema; InvalidInput naming each problem."""
    try:
        body = json.loads(payload)
    except ValueError as exc:  # UnicodeDecodeError is one
        raise InvalidInput(f"not JSON: {exc}") from None
    if not isinstance(body, dict):
        raise InvalidInput('a gate message must be a JSON object: one read, or {"events": [...]}')
    schema: type[EventIn | EventBatch] = EventBatch if "events" in body else EventIn
    try:
        return schema.model_validate(body)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg'].removeprefix('Value error, ')}"
            for e in exc.errors()
        )
        raise InvalidInput(f"{problems}; nothing stored") from None


def _key(code: str, payload: bytes) -> str:
    """The message's content key; empty when it is not JSON (it is rejected, never stored)."""
    try:
        body: Any = json.loads(payload)
        canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except ValueError:
        return ""
    return hashlib.sha256(f"parking/{code}\n{canonical}".encode()).hexdigest()
