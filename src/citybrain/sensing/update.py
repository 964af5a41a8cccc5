"""Changing and deleting entities (PATCH, DELETE), and creating through a navigation path (``POST
Datastreams(1)/Observations``). Flushes only; the route's transaction commits."""

from __future__ import annotations

from typing import Any

from citybrain.core.errors import InvalidInput
from citybrain.models import Datastream
from citybrain.sensing import jsonpatch, policy, present, repository, schemas
from citybrain.sensing.columns import COLUMNS
from citybrain.sensing.create import NewObservation, Writer, create, split
from citybrain.sensing.entities import EntityType, target
from citybrain.sensing.service import Resolved


def create_at(w: Writer, resolved: Resolved, body: Any) -> tuple[EntityType, Any]:
    """POST to an entity set, or to a navigated collection (the parent link is filled in)."""
    if resolved.row is not None or resolved.prop is not None:
        raise InvalidInput("POST to an entity set (e.g. /Things) or a navigated collection, not to one entity")
    if not isinstance(body, dict):
        raise InvalidInput(f"a {resolved.entity.name} must be a JSON object")
    if resolved.parent is not None:
        parent_entity, parent_row, nav = resolved.parent
        back = target(nav).nav(nav.inverse)
        assert back is not None
        body = dict(body)
        body[back.name] = [{"@iot.id": parent_row.id}] if back.many else {"@iot.id": parent_row.id}
    return resolved.entity, create(w, resolved.entity, body)


def created_json(w: Writer, entity: EntityType, row: Any, base: str) -> dict[str, Any]:
    """The 201 answer: a new Observation from the values it was just written with (nothing to read back); any other
    entity as stored (read back for what the database filled in)."""
    if isinstance(row, NewObservation):
        return present.observation_json(base, row.id, row.values)
    w.session.flush()
    w.session.refresh(row)
    return present.entity_json(entity, row, base)


def _current(entity: EntityType, row: Any) -> dict[str, Any]:
    values = {p.name: present.value_of(p, row) for p in entity.props if p.name != "id"}
    return {k: v for k, v in values.items() if v is not None or k == "result"}


def patch(w: Writer, entity: EntityType, row: Any, body: Any) -> Any:
    """Change some properties and to-one links (and a Thing's Locations); the rest stays. A JSON array is a JSON
    Patch of the properties."""
    if isinstance(body, list):
        body = jsonpatch.apply(_current(entity, row), body)
    if not isinstance(body, dict):
        raise InvalidInput(f"a {entity.name} patch must be a JSON object (or a JSON Patch array)")
    policy.check_change(w.session, w.principal, entity, row)
    props, inline = split(entity, body)
    values = COLUMNS[entity.name](schemas.validate(entity.name, _current(entity, row) | props))
    for nav_name, value in inline.items():
        nav = entity.nav(nav_name)
        assert nav is not None
        if nav.many and not (entity.name == "Thing" and nav.name == "Locations"):
            raise InvalidInput(f"{entity.name}/{nav.name} is changed from the other side of the link")
        if nav.many:
            if not isinstance(value, list):
                raise InvalidInput("Thing/Locations must be a JSON array")
            ids = [create(w, target(nav), item).id for item in value]
            repository.set_thing_locations(w.session, row.id, ids, w.now)
        else:
            values[str(nav.fk)] = create(w, target(nav), value).id
    _check_patch(w, entity, row, values)
    for attr, value in values.items():
        setattr(row, attr, value)
    w.session.flush()
    if entity.name == "Observation":
        repository.recompute_datastream_times(w.session, row.datastream_id)
    return row


def _check_patch(w: Writer, entity: EntityType, row: Any, values: dict[str, Any]) -> None:
    if entity.name == "Datastream" and values.get("thing_id", row.thing_id) != row.thing_id:
        policy.check_thing(w.session, w.principal, values["thing_id"], "move a Datastream to it")
    if entity.name == "Observation":
        datastream = w.session.get(Datastream, values.get("datastream_id", row.datastream_id))
        assert datastream is not None
        policy.check_thing(w.session, w.principal, datastream.thing_id, "move an Observation to it")
        result = present.decode_result(
            values["result_type"], values["result_number"], values["result_string"], values["result_json"]
        )
        schemas.check_result(datastream.observation_type, result)


def delete(w: Writer, entity: EntityType, row: Any) -> None:
    policy.check_change(w.session, w.principal, entity, row)
    datastream_id = row.datastream_id if entity.name == "Observation" else None
    repository.remove(w.session, entity, row.id)
    if datastream_id is not None:
        repository.recompute_datastream_times(w.session, datastream_id)
