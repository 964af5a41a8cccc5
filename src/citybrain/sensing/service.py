"""Reading the SensorThings API: resolve a resource path, then list, page, count, select and expand.

Services never commit; the route's transaction does. Every query goes through ``sensing/repository.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.exc import DataError
from sqlalchemy.orm import Session

from citybrain.core.errors import InvalidInput, NotFound
from citybrain.sensing import filter_sql, present, repository
from citybrain.sensing.entities import ENTITY_TYPES, EntityType, Nav, entity_set, target
from citybrain.sensing.paths import Segment
from citybrain.sensing.query import QueryOptions

CONFORMANCE = [
    "http://www.opengis.net/spec/iot_sensing/1.1/req/datamodel",
    "http://www.opengis.net/spec/iot_sensing/1.1/req/resource-path/resource-path-to-entities",
    "http://www.opengis.net/spec/iot_sensing/1.1/req/request-data",
    "http://www.opengis.net/spec/iot_sensing/1.1/req/create-update-delete",
    "http://www.opengis.net/spec/iot_sensing/1.1/req/data-array/data-array",
]

NextLink = Callable[[int, int], str]  # (skip, top) -> URL


@dataclass
class Resolved:
    """What a resource path names: a collection (``where`` picks its rows), one entity, or one property of it."""

    entity: EntityType
    where: list[Any] = field(default_factory=list)
    row: Any = None
    prop: str | None = None
    raw_value: bool = False
    parent: tuple[EntityType, Any, Nav] | None = None  # the entity a navigated collection hangs from


def root(base: str) -> dict[str, Any]:
    """The service document: every entity set and its URL, and the conformance classes served."""
    value = [{"name": e.plural, "url": f"{base}/{e.plural}"} for e in ENTITY_TYPES]
    return {"value": value, "serverSettings": {"conformance": CONFORMANCE}}


def _one(session: Session, entity: EntityType, entity_id: int) -> Any:
    row = repository.get(session, entity, entity_id)
    if row is None:
        raise NotFound(f"no {entity.name} with id {entity_id}")
    return row


def _step(session: Session, current: Resolved, segment: Segment) -> Resolved:
    if current.row is None:
        raise InvalidInput(f"navigate from one entity, e.g. {current.entity.plural}(1)/{segment.name}")
    nav = current.entity.nav(segment.name)
    if nav is None:
        if segment.id is None and current.entity.prop(segment.name) is not None:
            return Resolved(current.entity, row=current.row, prop=segment.name)
        raise NotFound(f"{current.entity.name} has no property or link {segment.name!r}")
    other = target(nav)
    if not nav.many:
        if segment.id is not None:
            raise InvalidInput(f"{nav.name} is a single entity; drop the ({segment.id})")
        return Resolved(other, row=_one(session, other, getattr(current.row, str(nav.fk))))
    where = [repository.related(nav, current.entity, current.row.id)]
    if segment.id is None:
        return Resolved(other, where=where, parent=(current.entity, current.row, nav))
    rows = repository.page(session, other, [*where, other.model.id == segment.id], [], 1, 0)  # type: ignore[attr-defined]
    if not rows:
        raise NotFound(f"no {other.name} {segment.id} under {current.entity.name}({current.row.id})/{nav.name}")
    return Resolved(other, row=rows[0])


def resolve(session: Session, segments: list[Segment]) -> Resolved:
    """Walk ``Things(1)/Datastreams(2)/Observations``; an unknown set, id or link is a 404."""
    if not segments:
        raise NotFound("no resource path")
    first = segments[0]
    entity = entity_set(first.name)
    current = Resolved(entity) if first.id is None else Resolved(entity, row=_one(session, entity, first.id))
    for segment in segments[1:]:
        if current.prop is not None:
            if segment.name == "$value" and not current.raw_value:
                current.raw_value = True
                continue
            raise NotFound(f"nothing under the property {current.prop!r}")
        current = _step(session, current, segment)
    return current


@dataclass(frozen=True)
class Reader:
    session: Session
    base: str  # the service root URL, e.g. http://host/sta/v1.1
    max_page: int

    def collection(
        self, entity: EntityType, where: list[Any], options: QueryOptions, next_link: NextLink | None
    ) -> dict[str, Any]:
        scope = filter_sql.scope_of(entity)
        size = options.page_size(self.max_page)
        ties_descending = bool(options.orderby) and options.orderby[-1].descending
        try:
            conditions = [*where, filter_sql.condition(scope, options.filter)] if options.filter else list(where)
            order = filter_sql.order_by(scope, options.orderby)
            rows = repository.page(self.session, entity, conditions, order, size + 1, options.skip, ties_descending)
            count = repository.count(self.session, entity, conditions) if options.count else None
        except RecursionError:
            raise InvalidInput("$filter is nested too deeply to run") from None
        except DataError as exc:  # PostgreSQL: 'EPB' compared as a number, a division by zero …
            problem = str(exc.orig).splitlines()[0] if exc.orig else "invalid data"
            raise InvalidInput(f"the query cannot be evaluated on the stored values: {problem}") from None
        out: dict[str, Any] = {}
        if count is not None:
            out["@iot.count"] = count
        out["value"] = [self.entity(entity, row, options) for row in rows[:size]]
        if len(rows) > size > 0 and next_link is not None:
            out["@iot.nextLink"] = next_link(options.skip + size, size)
        return out

    def entity(self, entity: EntityType, row: Any, options: QueryOptions) -> dict[str, Any]:
        out = present.entity_json(entity, row, self.base, options.select)
        for expand in options.expand:
            nav = entity.nav(expand.nav)
            assert nav is not None
            out |= self._expanded(entity, row, nav, expand.options)
        return out

    def _expanded(self, entity: EntityType, row: Any, nav: Nav, options: QueryOptions) -> dict[str, Any]:
        other = target(nav)
        if not nav.many:
            linked = repository.get(self.session, other, getattr(row, str(nav.fk)))
            return {nav.name: self.entity(other, linked, options) if linked is not None else None}
        link = f"{present.self_link(self.base, entity, row.id)}/{nav.name}"
        plain = options.filter is None and not options.orderby and not options.expand and options.select is None

        def next_link(skip: int, top: int) -> str:
            return f"{link}?$top={top}&$skip={skip}"

        where = [repository.related(nav, entity, row.id)]
        listed = self.collection(other, where, options, next_link if plain else None)
        out: dict[str, Any] = {nav.name: listed["value"]}
        for key in ("@iot.count", "@iot.nextLink"):
            if key in listed:
                out[f"{nav.name}{key}"] = listed[key]
        return out
