"""Storing a batch of MQTT messages as Observations, through the same service (and validation) as HTTP.

Each message is one of:

- **created** — a new Observation (and its receipt);
- **duplicate** — its content key is already stored: a redelivery (or the same reading sent twice), nothing written;
- **notice** — it carries an ``@iot.id``: an Observation announced by a server (ours, after commit), not a request
  to create one; skipped;
- **rejected** — it cannot be stored (not JSON, not an object, an unknown Datastream, a result of the wrong type,
  a bad time …): the reason goes to the log and the message is acknowledged, so it is not redelivered forever.

The content key is sha256 of the Datastream id and the payload's canonical JSON (keys sorted, no spaces): the same
message redelivered — or published twice — for the same Datastream is one Observation. A reading should therefore
carry its ``phenomenonTime``: two messages without one and with the same result are one Observation while the key
is remembered (``mqtt_dedupe_hours``).

Each message is written in a savepoint, so a rejected one leaves the rest of the batch to be committed; the caller
commits the batch and only then acknowledges its messages.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from citybrain.auth.roles import Principal
from citybrain.core.errors import CityBrainError
from citybrain.core.settings import Settings
from citybrain.sensing import repository
from citybrain.sensing.create import Writer, create, created_in
from citybrain.sensing.entities import BY_NAME
from citybrain.sensing.mqtt_client import datastream_of

#: The worker writes as the server itself; who may publish to the topics is for the broker's ACL to say.
WORKER = Principal(name="MQTT worker", role="admin")


@dataclass
class Parsed:
    """A message ready to store, or the reason it cannot be (``problem``), or a server's notice (``notice``)."""

    datastream_id: int = 0
    body: dict[str, Any] = field(default_factory=dict)
    key: str = ""
    problem: str | None = None
    notice: bool = False


@dataclass
class Outcome:
    created: list[int] = field(default_factory=list)
    duplicates: int = 0
    notices: int = 0
    rejected: list[str] = field(default_factory=list)  # "topic: reason", one per rejected message


def content_key(datastream_id: int, body: dict[str, Any]) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return hashlib.sha256(f"{datastream_id}\n{canonical}".encode()).hexdigest()


def parse(settings: Settings, topic: str, payload: bytes) -> Parsed:
    """Topic and payload to (Datastream, body, key), without touching the database."""
    try:
        named = datastream_of(settings, topic)
    except ValueError as exc:
        return Parsed(problem=str(exc))
    try:
        body = json.loads(payload)
    except ValueError as exc:  # UnicodeDecodeError is one
        return Parsed(problem=f"not JSON: {exc}")
    if not isinstance(body, dict):
        return Parsed(problem="an Observation must be a JSON object")
    if "@iot.id" in body:
        return Parsed(notice=True)
    linked = body.pop("Datastream", None)
    linked_id = linked.get("@iot.id") if isinstance(linked, dict) else None
    if named is None:
        if not isinstance(linked_id, int) or isinstance(linked_id, bool):
            return Parsed(problem='on v1.1/Observations the body needs "Datastream": {"@iot.id": n}')
        named = linked_id
    elif linked is not None and linked_id != named:
        return Parsed(problem=f"the body's Datastream {linked!r} is not the topic's Datastream({named})")
    try:
        key = content_key(named, body)
    except ValueError as exc:
        return Parsed(problem=f"not JSON: {exc}")
    return Parsed(datastream_id=named, body=body, key=key)


def store(session: Session, messages: list[tuple[str, Parsed]], now: datetime) -> Outcome:
    """Store the parsed messages (``(topic, parsed)``) in the session's transaction; the caller commits."""
    outcome = Outcome()
    seen = repository.known_receipts(session, [p.key for _, p in messages if p.key])
    writer = Writer(session, WORKER, now)
    for topic, parsed in messages:
        if parsed.notice:
            outcome.notices += 1
        elif parsed.problem is not None:
            outcome.rejected.append(f"{topic}: {parsed.problem}")
        elif parsed.key in seen:
            outcome.duplicates += 1
        else:
            _store_one(writer, topic, parsed, outcome)
            seen.add(parsed.key)
    return outcome


def _store_one(w: Writer, topic: str, parsed: Parsed, outcome: Outcome) -> None:
    body = parsed.body | {"Datastream": {"@iot.id": parsed.datastream_id}}
    try:
        with w.session.begin_nested():
            row = create(w, BY_NAME["Observation"], body)
            repository.add_receipt(w.session, parsed.key, row.id, w.now)
        outcome.created.append(row.id)
    except CityBrainError as exc:
        outcome.rejected.append(f"{topic}: {exc.message}")
    except IntegrityError:
        outcome.duplicates += 1  # another worker stored the same key in the meantime
    except DBAPIError as exc:
        if exc.connection_invalidated:
            raise
        outcome.rejected.append(f"{topic}: the database refused it ({str(exc.orig).splitlines()[0]})")
    finally:
        created_in(w.session)  # the worker announces outcome.created itself, after commit
