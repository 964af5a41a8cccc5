"""Who may change what: an admin anything; a ``sensor`` key only what hangs off the Things it created.

A sensor key may create new Things (it owns them), Locations, Sensors, ObservedProperties and FeaturesOfInterest,
and Datastreams, Observations and HistoricalLocations of its own Things. It may change or delete its Things and their
Datastreams, Observations and HistoricalLocations, and a Location only when every Thing there is its own. Sensors,
ObservedProperties and FeaturesOfInterest may be shared by many stations: only an admin changes or deletes them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from citybrain.auth.roles import Principal
from citybrain.core.errors import Forbidden
from citybrain.sensing import repository
from citybrain.sensing.entities import EntityType


def _is_admin(principal: Principal) -> bool:
    return principal.role == "admin"


def owns_thing(session: Session, principal: Principal, thing_id: int | None) -> bool:
    if _is_admin(principal):
        return True
    if thing_id is None or principal.key_id is None:
        return False
    return repository.thing_owner(session, thing_id) == principal.key_id


def check_thing(session: Session, principal: Principal, thing_id: int | None, what: str) -> None:
    if not owns_thing(session, principal, thing_id):
        raise Forbidden(f"this sensor key may not {what}: Thing {thing_id} is not one it created")


def check_owner(principal: Principal, thing_id: int, owner_key_id: int | None, what: str) -> None:
    """:func:`check_thing` when the Thing's owner has already been read (with what else the write needed)."""
    if not _is_admin(principal) and (principal.key_id is None or owner_key_id != principal.key_id):
        raise Forbidden(f"this sensor key may not {what}: Thing {thing_id} is not one it created")


def _things_of(session: Session, entity: EntityType, row: Any) -> list[int | None] | None:
    """The Things whose owner decides about ``row``; None when only an admin decides."""
    if entity.name == "Thing":
        return [row.id]
    if entity.name in ("Datastream", "HistoricalLocation"):
        return [row.thing_id]
    if entity.name == "Observation":
        return [repository.datastream_thing(session, row.datastream_id)]
    if entity.name == "Location":
        return list(repository.location_thing_ids(session, row.id)) or None
    return None


def check_change(session: Session, principal: Principal, entity: EntityType, row: Any) -> None:
    """403 unless the caller may PATCH or DELETE ``row``."""
    if _is_admin(principal):
        return
    things = _things_of(session, entity, row)
    if things is None:
        raise Forbidden(f"only an admin may change or delete a {entity.name} (it may be shared by many stations)")
    for thing_id in things:
        check_thing(session, principal, thing_id, f"change {entity.name} {row.id}")
