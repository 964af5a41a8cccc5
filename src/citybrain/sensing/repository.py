"""All SQL of the SensorThings API: pages, counts, related rows, links, owners, inserts and deletes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Table, bindparam, case, delete, func, insert, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select
from sqlalchemy.sql.dml import Update
from sqlalchemy.sql.elements import ColumnElement

from citybrain.core import bulk
from citybrain.core.types import UTCDateTime
from citybrain.models import (
    Datastream,
    FeatureOfInterest,
    HistoricalLocation,
    HistoricalLocationLocation,
    Location,
    MqttReceipt,
    Observation,
    Thing,
    ThingLocation,
)
from citybrain.models.base import Base
from citybrain.sensing.entities import EntityType, Nav, target

Expr = ColumnElement[Any]


def get(session: Session, entity: EntityType, entity_id: int) -> Any:
    return session.get(entity.model, entity_id)


def related(nav: Nav, source: EntityType, source_id: int) -> Expr:
    """The condition on ``nav``'s target that picks the rows linked to the source row ``source_id``."""
    other = target(nav).model
    if nav.link is not None:
        link = nav.link
        ids = select(getattr(link, nav.link_target)).where(getattr(link, nav.link_source) == source_id)
        return other.id.in_(ids)  # type: ignore[attr-defined,no-any-return]
    if nav.many:
        return getattr(other, str(nav.fk)) == source_id  # type: ignore[no-any-return]
    fk = select(getattr(source.model, str(nav.fk))).where(source.model.id == source_id)  # type: ignore[attr-defined]
    return other.id == fk.scalar_subquery()  # type: ignore[attr-defined,no-any-return]


def page(
    session: Session,
    entity: EntityType,
    where: Sequence[Expr],
    order: Sequence[Expr],
    limit: int,
    offset: int,
    ties_descending: bool = False,
) -> list[Any]:
    """Up to ``limit`` rows after ``offset``. The id breaks ties (so pages never overlap), in the direction of the last
    key, so that ``phenomenonTime desc`` walks the (datastream, time, id) index backwards without a sort."""
    model: Any = entity.model
    tie = model.id.desc() if ties_descending else model.id.asc()
    statement = select(model).where(*where).order_by(*order, tie).limit(limit).offset(offset)
    return list(session.scalars(statement))


def count(session: Session, entity: EntityType, where: Sequence[Expr]) -> int:
    model: Any = entity.model
    return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def by_ids(session: Session, entity: EntityType, ids: set[int]) -> dict[int, Any]:
    if not ids:
        return {}
    model: Any = entity.model
    return {row.id: row for row in session.scalars(select(model).where(model.id.in_(sorted(ids))))}


def exists(session: Session, entity: EntityType, entity_id: int) -> bool:
    model: Any = entity.model
    return session.scalar(select(model.id).where(model.id == entity_id)) is not None


# ---- writes -----------------------------------------------------------------------------------------------------


def add(session: Session, row: Base) -> Any:
    session.add(row)
    session.flush()
    return row


def remove(session: Session, entity: EntityType, entity_id: int) -> None:
    """Delete one entity; the database's ON DELETE CASCADE removes what depends on it (a Thing's Datastreams …)."""
    model: Any = entity.model
    session.execute(delete(model).where(model.id == entity_id))
    session.expire_all()


def link(session: Session, nav: Nav, source_id: int, target_id: int) -> None:
    assert nav.link is not None
    values = {nav.link_source: source_id, nav.link_target: target_id}
    present = select(nav.link).filter_by(**values)
    if session.scalar(present) is None:
        session.add(nav.link(**values))
        session.flush()


def thing_location_ids(session: Session, thing_id: int) -> list[int]:
    statement = select(ThingLocation.location_id).where(ThingLocation.thing_id == thing_id)
    return list(session.scalars(statement.order_by(ThingLocation.location_id)))


def location_thing_ids(session: Session, location_id: int) -> list[int]:
    statement = select(ThingLocation.thing_id).where(ThingLocation.location_id == location_id)
    return list(session.scalars(statement))


def set_thing_locations(session: Session, thing_id: int, location_ids: Sequence[int], at: datetime) -> None:
    """The Thing is now at these Locations (only): the links are replaced and a HistoricalLocation is written."""
    session.execute(delete(ThingLocation).where(ThingLocation.thing_id == thing_id))
    for location_id in dict.fromkeys(location_ids):
        session.add(ThingLocation(thing_id=thing_id, location_id=location_id))
    history = HistoricalLocation(thing_id=thing_id, time=at)
    session.add(history)
    session.flush()
    for location_id in dict.fromkeys(location_ids):
        session.add(HistoricalLocationLocation(historical_location_id=history.id, location_id=location_id))
    session.flush()


def thing_owner(session: Session, thing_id: int) -> int | None:
    return session.scalar(select(Thing.owner_key_id).where(Thing.id == thing_id))


def datastream_thing(session: Session, datastream_id: int) -> int | None:
    return session.scalar(select(Datastream.thing_id).where(Datastream.id == datastream_id))


def feature_for_location(session: Session, location_id: int) -> int | None:
    statement = select(FeatureOfInterest.id).where(FeatureOfInterest.location_id == location_id)
    return session.scalar(statement.order_by(FeatureOfInterest.id).limit(1))


def first_location(session: Session, thing_id: int) -> Location | None:
    ids = thing_location_ids(session, thing_id)
    return session.get(Location, ids[0]) if ids else None


@dataclass(frozen=True)
class ThingContext:
    """What writing an Observation needs to know of its Datastream's Thing: who owns it, its first Location (by id)
    and the FeatureOfInterest made from that Location (None until the first Observation without one makes it)."""

    owner_key_id: int | None
    location_id: int | None
    feature_id: int | None


def _thing_context_statement() -> Select[Any]:
    """The Thing, its Locations (the first by id) and, per Location, its first FeatureOfInterest."""
    feature = select(func.min(FeatureOfInterest.id)).where(FeatureOfInterest.location_id == ThingLocation.location_id)
    located = select(Thing.owner_key_id, ThingLocation.location_id, feature.scalar_subquery())
    located = located.outerjoin(ThingLocation, ThingLocation.thing_id == Thing.id)
    return located.where(Thing.id == bindparam("thing_id")).order_by(ThingLocation.location_id).limit(1)


_THING_CONTEXT = _thing_context_statement()


def thing_context(session: Session, thing_id: int) -> ThingContext | None:
    """The Thing's owner, first Location and that Location's FeatureOfInterest in one round trip, read afresh every
    time (nothing cached: another worker may have moved the Thing or deleted the feature a moment ago)."""
    row = session.execute(_THING_CONTEXT, {"thing_id": thing_id}).one_or_none()
    return None if row is None else ThingContext(row[0], row[1], row[2])


def insert_observation(session: Session, values: dict[str, Any]) -> int:
    """One Observation from its column values, with a Core INSERT (no ORM object to track); its id."""
    table: Table = Observation.__table__  # type: ignore[assignment]
    result = session.execute(insert(table), values)
    return int(result.inserted_primary_key[0])  # type: ignore[attr-defined]


def insert_observations(session: Session, rows: list[dict[str, Any]]) -> list[int]:
    """Many Observations (every row with the same columns); their ids, in the order given.

    The ids are taken first, then the rows go in with one COPY or executemany (``core/bulk.py``): no ORM objects,
    no RETURNING, no statement per row. A column that is empty in every row is left out (SQL NULL, as the importers
    write it), which also spares converting it."""
    if not rows:
        return []
    table: Table = Observation.__table__  # type: ignore[assignment]
    ids = bulk.new_ids(session, table, len(rows))
    filled = ["id"] + [c for c in rows[0] if any(row[c] is not None for row in rows)]
    values = [[i] + [row[c] for c in filled[1:]] for row, i in zip(rows, ids, strict=True)]
    bulk.insert_many(session, table, filled, values)
    return ids


Span = tuple[datetime | None, datetime | None]
#: The Datastream's time columns, each with the direction an Observation can move it in.
_TIME_COLUMNS = (
    ("phenomenon_time_start", "lower"),
    ("phenomenon_time_end", "upper"),
    ("result_time_start", "lower"),
    ("result_time_end", "upper"),
)


@lru_cache(maxsize=16)
def _widen_statement(bounded: tuple[bool, ...]) -> Update:
    """``UPDATE … SET col = CASE WHEN col moves THEN :bound ELSE col END WHERE id = :id AND (any col moves)`` for
    the columns that have a bound. Built once per shape with bound parameters (its cache key is computed once); the
    WHERE leaves the row untouched — no page written — when the new Observations lie within the times already set."""
    table: Any = Datastream.__table__
    sets, moves = {}, []
    for (name, direction), present in zip(_TIME_COLUMNS, bounded, strict=True):
        if not present:
            continue
        column, bound = table.c[name], bindparam(f"widen_{name}", type_=UTCDateTime())
        moved = or_(column.is_(None), column > bound if direction == "lower" else column < bound)
        sets[name] = case((moved, bound), else_=column)
        moves.append(moved)
    return update(table).where(table.c.id == bindparam("widen_datastream_id"), or_(*moves)).values(**sets)


def widen_datastream_times(session: Session, datastream_id: int, phenomenon: Span, result: Span) -> None:
    """Stretch a Datastream's phenomenonTime and resultTime over new Observations in one UPDATE, so that two
    writers at once cannot lose each other's extension (each compares with the row as it is when it updates)."""
    bounds = (*phenomenon, *result)
    if all(b is None for b in bounds):
        return
    params: dict[str, Any] = {"widen_datastream_id": datastream_id}
    params |= {f"widen_{name}": b for (name, _), b in zip(_TIME_COLUMNS, bounds, strict=True) if b is not None}
    changed = session.execute(_widen_statement(tuple(b is not None for b in bounds)), params)
    if getattr(changed, "rowcount", 1):
        session.expire_all()


def recompute_datastream_times(session: Session, datastream_id: int) -> None:
    """A Datastream's phenomenonTime and resultTime span its Observations (after one was changed or deleted)."""
    of = Observation.datastream_id == datastream_id
    end = func.coalesce(Observation.phenomenon_time_end, Observation.phenomenon_time_start)
    span = select(
        func.min(Observation.phenomenon_time_start),
        func.max(end),
        func.min(Observation.result_time),
        func.max(Observation.result_time),
    ).where(of)
    first, last, result_first, result_last = session.execute(span).one()
    values = {
        "phenomenon_time_start": first,
        "phenomenon_time_end": last,
        "result_time_start": result_first,
        "result_time_end": result_last,
    }
    session.execute(update(Datastream).where(Datastream.id == datastream_id).values(**values))
    session.expire_all()


def known_receipts(session: Session, keys: Sequence[str]) -> set[str]:
    """Which of these MQTT message keys were already stored (one query per 500 keys)."""
    found: set[str] = set()
    unique = sorted(set(keys))
    for start in range(0, len(unique), 500):
        chunk = unique[start : start + 500]
        found.update(session.scalars(select(MqttReceipt.key).where(MqttReceipt.key.in_(chunk))))
    return found


def add_receipt(session: Session, key: str, observation_id: int, now: datetime) -> None:
    session.add(MqttReceipt(key=key, observation_id=observation_id, received_at=now))
    session.flush()


def add_receipts(session: Session, keyed: Sequence[tuple[str, int | None]], now: datetime) -> None:
    """Many receipts in one multi-row INSERT (no Observation: a message another topic handler stored)."""
    if keyed:
        rows = [{"key": key, "observation_id": i, "received_at": now} for key, i in keyed]
        session.execute(insert(MqttReceipt), rows)


def purge_receipts(session: Session, before: datetime) -> int:
    """Forget MQTT message keys received before ``before``; how many were forgotten."""
    result = session.execute(delete(MqttReceipt).where(MqttReceipt.received_at < before))
    return int(getattr(result, "rowcount", 0) or 0)
