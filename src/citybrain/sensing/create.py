"""Creating entities, with deep insert: a body may carry its linked entities inline (created with it) or as
``{"@iot.id": n}`` (linked). A Thing's Locations write a HistoricalLocation; an Observation without a
FeatureOfInterest gets one made from its Thing's Location (the same one each time for the same Location).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from citybrain.auth.roles import Principal
from citybrain.core.errors import InvalidInput
from citybrain.models import Datastream, FeatureOfInterest, Location
from citybrain.sensing import policy, repository, schemas
from citybrain.sensing.columns import COLUMNS, Values
from citybrain.sensing.entities import EntityType, Nav, target


@dataclass(frozen=True)
class NewObservation:
    """An Observation just written, as its id and the column values it was written with: nothing more to read back
    (the 201 answer and its MQTT message are made from these), and no ORM object to track."""

    id: int
    values: Values


@dataclass
class Writer:
    """One request's write context: its session, the caller, and the request's time."""

    session: Session
    principal: Principal
    now: datetime


def split(entity: EntityType, body: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(own properties, inline or linked entities by navigation name)."""
    props, inline = {}, {}
    for key, value in body.items():
        if entity.nav(key) is not None:
            inline[key] = value
        elif key in ("@iot.id", "@iot.selfLink") or key.endswith("@iot.navigationLink"):
            continue
        else:
            props[key] = value
    if "id" in props:
        raise InvalidInput(f"{entity.name}: ids are given by the server; do not send 'id'")
    return props, inline


def _link_id(entity: EntityType, body: dict[str, Any]) -> int | None:
    if "@iot.id" not in body:
        return None
    # An object with an @iot.id links to that entity; the rest of it is ignored (as FROST does: clients such as
    # frost-sta-client send the whole entity they read).
    value = body["@iot.id"]
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidInput(f"@iot.id of {entity.name} must be a whole number, not {value!r}")
    return value


def existing(w: Writer, entity: EntityType, entity_id: int) -> Any:
    row = repository.get(w.session, entity, entity_id)
    if row is None:
        raise InvalidInput(f"no {entity.name} with @iot.id {entity_id}")
    return row


def create(w: Writer, entity: EntityType, body: Any) -> Any:
    """Create ``entity`` from ``body`` (or, for a bare ``{"@iot.id": n}``, return that existing entity)."""
    if not isinstance(body, dict):
        raise InvalidInput(f"a {entity.name} must be a JSON object")
    link = _link_id(entity, body)
    if link is not None:
        return existing(w, entity, link)
    props, inline = split(entity, body)
    values = COLUMNS[entity.name](schemas.validate(entity.name, props))
    for nav in entity.navs:
        if not nav.many and nav.name in inline:
            values[str(nav.fk)] = create(w, target(nav), inline[nav.name]).id
    _BEFORE.get(entity.name, _nothing)(w, values, props)
    if entity.name == "Observation":
        created = NewObservation(repository.insert_observation(w.session, values), values)
        note_created(w.session, [(created.id, values)])
        return created
    row = repository.add(w.session, entity.model(**values))
    for nav in entity.navs:
        if nav.many and nav.name in inline:
            _children(w, entity, row, nav, inline[nav.name])
    return row


def _children(w: Writer, entity: EntityType, row: Any, nav: Nav, items: Any) -> None:
    if not isinstance(items, list):
        raise InvalidInput(f"{entity.name}/{nav.name} must be a JSON array")
    other = target(nav)
    if nav.link is None:
        for item in items:
            if not isinstance(item, dict):
                raise InvalidInput(f"each of {entity.name}/{nav.name} must be a JSON object")
            if _link_id(other, item) is not None:
                raise InvalidInput(f"{nav.name} are linked from their own side: set {nav.inverse} in each of them")
            create(w, other, item | {nav.inverse: {"@iot.id": row.id}})
        return
    ids = [create(w, other, item).id for item in items]
    _link_many(w, entity, row.id, nav, ids)


def _link_many(w: Writer, entity: EntityType, row_id: int, nav: Nav, ids: list[int]) -> None:
    """Link ``row_id`` to ``ids`` through ``nav``'s table; a Thing's new Locations replace its old ones."""
    if entity.name == "Thing" and nav.name == "Locations":
        repository.set_thing_locations(w.session, row_id, ids, w.now)
    elif entity.name == "Location" and nav.name == "Things":
        for thing_id in ids:
            policy.check_thing(w.session, w.principal, thing_id, "move that Thing")
            repository.set_thing_locations(w.session, thing_id, [row_id], w.now)
    else:
        for other_id in ids:
            repository.link(w.session, nav, row_id, other_id)


NEW_OBSERVATIONS = "citybrain.sta.new_observations"
#: A new Observation as it was written: its id and its column values (what its MQTT message is made from).
Written = tuple[int, Values]


def note_created(session: Session, written: list[Written]) -> None:
    """Remember the transaction's new Observations, to be published once it commits (``sensing/tasks.py``)."""
    session.info.setdefault(NEW_OBSERVATIONS, []).extend(written)


def created_in(session: Session) -> list[Written]:
    """The Observations the session's transaction created (and forget them)."""
    written: list[Written] = session.info.pop(NEW_OBSERVATIONS, [])
    return written


def _nothing(_w: Writer, _values: Values, _props: dict[str, Any]) -> None:
    return None


def _thing(w: Writer, values: Values, _props: dict[str, Any]) -> None:
    values["owner_key_id"] = w.principal.key_id


def _needs(entity: str, values: Values, *columns: str) -> None:
    missing = [c for c in columns if values.get(c) is None]
    if missing:
        names = {"thing_id": "Thing", "sensor_id": "Sensor", "observed_property_id": "ObservedProperty"}
        names |= {"datastream_id": "Datastream"}
        wanted = ", ".join(names[c] for c in missing)
        raise InvalidInput(f'a {entity} needs its {wanted} (inline, or linked as {{"@iot.id": n}})')


def _historical_location(w: Writer, values: Values, _props: dict[str, Any]) -> None:
    _needs("HistoricalLocation", values, "thing_id")
    policy.check_thing(w.session, w.principal, values["thing_id"], "add a HistoricalLocation to it")


def _datastream(w: Writer, values: Values, _props: dict[str, Any]) -> None:
    _needs("Datastream", values, "thing_id", "sensor_id", "observed_property_id")
    policy.check_thing(w.session, w.principal, values["thing_id"], "add a Datastream to it")


def _observation(w: Writer, values: Values, props: dict[str, Any]) -> None:
    _needs("Observation", values, "datastream_id")
    datastream = w.session.get(Datastream, values["datastream_id"])
    assert datastream is not None
    thing = repository.thing_context(w.session, datastream.thing_id) or repository.ThingContext(None, None, None)
    policy.check_owner(w.principal, datastream.thing_id, thing.owner_key_id, "add Observations to its Datastreams")
    schemas.check_result(datastream.observation_type, props.get("result"))
    if values.get("phenomenon_time_start") is None:
        values["phenomenon_time_start"], values["phenomenon_time_end"] = w.now, None
    if values.get("feature_of_interest_id") is None:
        found = thing.feature_id
        values["feature_of_interest_id"] = found if found is not None else _feature_made(w, thing.location_id)
    widen(w, datastream.id, [values])


def widen(w: Writer, datastream_id: int, rows: list[dict[str, Any]]) -> None:
    """The Datastream's phenomenonTime and resultTime grow to cover new Observations (one UPDATE, atomic)."""
    ends = [r.get("phenomenon_time_end") or r["phenomenon_time_start"] for r in rows]
    results = [r["result_time"] for r in rows if r.get("result_time") is not None]
    first, last = min(r["phenomenon_time_start"] for r in rows), max(ends)
    span = (min(results), max(results)) if results else (None, None)
    repository.widen_datastream_times(w.session, datastream_id, (first, last), span)


def feature_from_location(w: Writer, thing_id: int) -> int:
    """The FeatureOfInterest standing for the Thing's (first) Location, made on first use."""
    thing = repository.thing_context(w.session, thing_id)
    if thing is not None and thing.feature_id is not None:
        return thing.feature_id
    return _feature_made(w, thing.location_id if thing is not None else None)


def _feature_made(w: Writer, location_id: int | None) -> int:
    """A new FeatureOfInterest copied from the Location (the first Observation there without a feature)."""
    location = w.session.get(Location, location_id) if location_id is not None else None
    if location is None:
        raise InvalidInput(
            "the Observation names no FeatureOfInterest and its Datastream's Thing has no Location to make one from"
        )
    feature = FeatureOfInterest(
        name=location.name,
        description=location.description,
        encoding_type=location.encoding_type,
        feature=location.location,
        lat=location.lat,
        lon=location.lon,
        properties=None,
        location_id=location.id,
    )
    return int(repository.add(w.session, feature).id)


_BEFORE = {
    "Thing": _thing,
    "HistoricalLocation": _historical_location,
    "Datastream": _datastream,
    "Observation": _observation,
}
