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

A batch is validated message by message (a rejected one leaves the others) and written as the DataArray extension
writes: one insert statement per Datastream. Should the database refuse the batch, the worker tries it again one
message at a time, each in a savepoint, so that the message it refuses is rejected alone. The caller commits the
batch and only then acknowledges its messages.
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
from citybrain.core.errors import CityBrainError, InvalidInput
from citybrain.core.settings import Settings
from citybrain.models import Datastream
from citybrain.sensing import repository
from citybrain.sensing.create import (
    Writer,
    Written,
    create,
    created_in,
    existing,
    feature_from_location,
    split,
    widen,
)
from citybrain.sensing.dataarray import observation_values
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
    written: list[Written] = field(default_factory=list)  # the created ones as written: what is published
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


def store(session: Session, messages: list[tuple[str, Parsed]], now: datetime, *, one_by_one: bool = False) -> Outcome:
    """Store the parsed messages (``(topic, parsed)``) in the session's transaction; the caller commits.

    Quickly, as the DataArray extension does (each message validated alone, then one INSERT per Datastream);
    ``one_by_one`` writes each message in a savepoint of its own instead, so that a message the database refuses
    is rejected alone (the worker's second try after a batch failed)."""
    outcome = Outcome()
    seen = repository.known_receipts(session, [p.key for _, p in messages if p.key])
    writer = Writer(session, WORKER, now)
    rows = _Rows(writer)
    for topic, parsed in messages:
        if parsed.notice:
            outcome.notices += 1
        elif parsed.problem is not None:
            outcome.rejected.append(f"{topic}: {parsed.problem}")
        elif parsed.key in seen:
            outcome.duplicates += 1
        else:
            if one_by_one or not rows.add(topic, parsed, outcome):
                _store_one(writer, topic, parsed, outcome)
            seen.add(parsed.key)
    rows.insert(outcome)
    return outcome


class _Rows:
    """Validated Observations by Datastream, inserted together; Datastreams and default features looked up once."""

    def __init__(self, w: Writer) -> None:
        self.w = w
        self.datastreams: dict[int, Datastream] = {}
        self.features: dict[int, int] = {}  # Datastream id → the FeatureOfInterest of its Thing's Location
        self.by_datastream: dict[int, list[tuple[str, dict[str, Any]]]] = {}

    def add(self, topic: str, parsed: Parsed, outcome: Outcome) -> bool:
        """Validate and keep one message; False when it needs the full create (an inline FeatureOfInterest)."""
        try:
            props, inline = split(BY_NAME["Observation"], parsed.body)
            feature = inline.pop("FeatureOfInterest", None)
            if inline or (feature is not None and set(feature) != {"@iot.id"}):
                return False
            datastream = self._datastream(parsed.datastream_id)
            values = observation_values(self.w, datastream, props)
            values["datastream_id"] = datastream.id
            values["feature_of_interest_id"] = self._feature(datastream, feature)
        except CityBrainError as exc:
            outcome.rejected.append(f"{topic}: {exc.message}")
            return True
        self.by_datastream.setdefault(datastream.id, []).append((parsed.key, values))
        return True

    def _datastream(self, datastream_id: int) -> Datastream:
        if datastream_id not in self.datastreams:
            self.datastreams[datastream_id] = existing(self.w, BY_NAME["Datastream"], datastream_id)
        return self.datastreams[datastream_id]

    def _feature(self, datastream: Datastream, linked: dict[str, Any] | None) -> int:
        if linked is not None:
            ident = linked["@iot.id"]
            if not isinstance(ident, int) or isinstance(ident, bool):
                raise InvalidInput(f"FeatureOfInterest/@iot.id must be a whole number, not {ident!r}")
            return int(existing(self.w, BY_NAME["FeatureOfInterest"], ident).id)
        if datastream.id not in self.features:
            self.features[datastream.id] = feature_from_location(self.w, datastream.thing_id)
        return self.features[datastream.id]

    def insert(self, outcome: Outcome) -> None:
        for datastream_id, keyed in self.by_datastream.items():
            rows = [values for _key, values in keyed]
            widen(self.w, datastream_id, rows)
            ids = repository.insert_observations(self.w.session, rows)
            repository.add_receipts(
                self.w.session, [(key, i) for (key, _), i in zip(keyed, ids, strict=True)], self.w.now
            )
            outcome.created.extend(ids)
            outcome.written.extend(zip(ids, rows, strict=True))
        created_in(self.w.session)  # the worker announces outcome.written itself, after commit


def _store_one(w: Writer, topic: str, parsed: Parsed, outcome: Outcome) -> None:
    body = parsed.body | {"Datastream": {"@iot.id": parsed.datastream_id}}
    try:
        with w.session.begin_nested():
            row = create(w, BY_NAME["Observation"], body)
            repository.add_receipt(w.session, parsed.key, row.id, w.now)
        outcome.created.append(row.id)
        outcome.written.extend(created_in(w.session))
    except CityBrainError as exc:
        outcome.rejected.append(f"{topic}: {exc.message}")
    except IntegrityError:
        outcome.duplicates += 1  # another worker stored the same key in the meantime
    except DBAPIError as exc:
        if exc.connection_invalidated:
            raise
        outcome.rejected.append(f"{topic}: the database refused it ({str(exc.orig).splitlines()[0]})")
    finally:
        created_in(w.session)  # the worker announces outcome.written itself, after commit
