"""OGC SensorThings API v1.1 (Sensing) under ``/sta/v1.1``: thin routes over ``sensing/service.py`` and friends.

The resource path (``Things(1)/Datastreams``) is one path parameter parsed by ``sensing/paths.py``. Reads are public
unless ``CITYBRAIN_STA_READ_REQUIRES_KEY`` is set; every write needs a ``sensor`` or ``admin`` key (``SensorWriter``,
checked before the body is read).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from pydantic import AfterValidator
from sqlalchemy.orm import Session

from citybrain.auth.deps import SensorWriter, get_optional_principal, get_principal
from citybrain.auth.roles import Principal
from citybrain.core import clock
from citybrain.core.errors import InvalidInput
from citybrain.core.http import DbDep, writing
from citybrain.core.inputs import storable_json
from citybrain.sensing import dataarray, present, query, service, tasks, update
from citybrain.sensing.create import Writer
from citybrain.sensing.paths import parse_path

router = APIRouter(tags=["sensing SensorThings API 传感器"])
JsonBody = Annotated[Any, Body(), AfterValidator(storable_json)]  # no NUL, NaN or 2^64 in the store


def sta_reader(request: Request, db: DbDep) -> Principal:
    """Anyone, unless the city requires a key for reading (any role's key then)."""
    if request.app.state.settings.sta_read_requires_key:
        return get_principal(request, db)
    return get_optional_principal(request, db)


StaReader = Annotated[Principal, Depends(sta_reader)]


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/") + "/sta/v1.1"


def _max_page(request: Request) -> int:
    return int(request.app.state.settings.sta_max_page_size)


def _announce(request: Request, session: Session) -> None:
    """After commit: the new Observations go to their MQTT topics (best effort, never failing the request)."""
    tasks.after_commit(getattr(request.app.state, "mqtt_publisher", None), session, _base(request))


@router.get("", summary="The service document: entity sets and conformance classes")
def service_root(request: Request, _caller: StaReader) -> dict[str, Any]:
    return service.root(_base(request))


@router.post("/CreateObservations", status_code=201, summary="DataArray: many Observations at once")
def create_observations(request: Request, db: DbDep, principal: SensorWriter, body: JsonBody) -> list[str]:
    """Rows of ``dataArray`` per Datastream; answers the new Observations' selfLinks. All or nothing."""
    with writing(db, "observation") as session:
        w = Writer(session, principal, clock.utcnow())
        links = dataarray.create_observations(w, body, _base(request))
    _announce(request, session)
    return links


@router.get("/{path:path}", summary="Read an entity set, an entity, a navigation or a property")
def read(path: str, request: Request, db: DbDep, _caller: StaReader) -> Response:
    """Query options: $filter, $orderby, $top, $skip, $count, $select, $expand (nested, with its own options)."""
    segments = parse_path(path)
    if not segments:
        return JSONResponse(service.root(_base(request)))
    with db.reading() as session:
        resolved = service.resolve(session, segments)
        options = query.from_params(request.query_params, resolved.entity)
        reader = service.Reader(session, _base(request), _max_page(request))
        if resolved.prop is not None:
            value = present.value_of(resolved.entity.prop(resolved.prop), resolved.row)  # type: ignore[arg-type]
            if resolved.raw_value:
                return PlainTextResponse("" if value is None else str(value))
            return JSONResponse({resolved.prop: value})
        if resolved.row is not None:
            return JSONResponse(reader.entity(resolved.entity, resolved.row, options))

        def next_link(skip: int, top: int) -> str:
            return str(request.url.include_query_params(**{"$skip": skip, "$top": top}))

        return JSONResponse(reader.collection(resolved.entity, resolved.where, options, next_link))


@router.post("/{path:path}", status_code=201, summary="Create an entity (deep insert), or one in a navigated set")
def create(path: str, request: Request, db: DbDep, principal: SensorWriter, body: JsonBody) -> Response:
    base = _base(request)
    with writing(db, "sensor record") as session:
        resolved = service.resolve(session, parse_path(path))
        w = Writer(session, principal, clock.utcnow())
        entity, row = update.create_at(w, resolved, body)
        out = update.created_json(w, entity, row, base)
    _announce(request, session)
    return JSONResponse(out, status_code=201, headers={"Location": out["@iot.selfLink"]})


@router.put("/{path:path}", summary="Replace one entity's properties (as PATCH with every property)")
@router.patch("/{path:path}", summary="Change some properties or links of one entity (a JSON object or JSON Patch)")
def patch(path: str, request: Request, db: DbDep, principal: SensorWriter, body: JsonBody) -> Response:
    with writing(db, "sensor record") as session:
        resolved = service.resolve(session, parse_path(path))
        if resolved.row is None or resolved.prop is not None:
            raise InvalidInput("PATCH one entity, e.g. /Things(1)")
        row = update.patch(Writer(session, principal, clock.utcnow()), resolved.entity, resolved.row, body)
        session.refresh(row)
        out = present.entity_json(resolved.entity, row, _base(request))
    return JSONResponse(out)


@router.delete("/{path:path}", summary="Delete one entity and what depends on it")
def delete(path: str, db: DbDep, principal: SensorWriter) -> Response:
    with writing(db, "sensor record") as session:
        resolved = service.resolve(session, parse_path(path))
        if resolved.row is None or resolved.prop is not None:
            raise InvalidInput("DELETE one entity, e.g. /Things(1)")
        update.delete(Writer(session, principal, clock.utcnow()), resolved.entity, resolved.row)
    return Response(status_code=200)
