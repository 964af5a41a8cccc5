"""Car parks (/api/v1/parking): gates post reads; staff see sessions and bills, correct pairings; anyone finds space.

A gate key (role ``gate``, ``citybrain parking gate-key``) posts reads for its own car park only; operators and
administrators manage car parks, sessions, passes and bills; the car-park list and ``nearby`` are public.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from citybrain.auth.deps import GatePoster, ParkingManager
from citybrain.core.http import DbDep, writing
from citybrain.core.inputs import Offset, RowId
from citybrain.scenarios.parking import ingest, plates, repository, service
from citybrain.scenarios.parking.schemas import (
    AccountOut,
    AheadOut,
    BillList,
    BillOut,
    CarParkIn,
    CarParkList,
    CarParkOut,
    EventBatch,
    EventIn,
    ForecastList,
    ForecastOut,
    NoteIn,
    OutcomeList,
    OutcomeOut,
    PairIn,
    PassIn,
    PassOut,
    RemindIn,
    SessionList,
    SessionOut,
)
from citybrain.scenarios.parking.sensor_forecast import sensor_forecasts
from citybrain.scenarios.parking.session_forecast import session_forecasts

router = APIRouter(prefix="/parking", tags=["parking 停车"])
Limit = Annotated[int, Query(ge=1, le=500)]


def _park_out(space: service.Space) -> CarParkOut:
    p = space.park
    return CarParkOut(code=p.code, name=p.name, lat=p.lat, lon=p.lon, capacity=p.capacity, occupied=space.occupied,
                      free=space.free, distance_m=space.distance_m, tariff=p.tariff)  # fmt: skip


class _LdJson(JSONResponse):
    """JSON-LD, as NGSI-LD clients ask for it (``Accept: application/ld+json``)."""

    media_type = "application/ld+json"


@router.post("/events", response_model=OutcomeList, summary="Post gate reads (one, or a batch as {events: [...]})")
def post_events(body: EventIn | EventBatch, request: Request, db: DbDep, principal: GatePoster) -> OutcomeList:
    """Pair each read into a session (entry, exit, duplicate or orphan exit), bill what it closes, and answer each
    entry with the plate's arrears. A bad read refuses the whole batch (400 listing them); nothing is stored."""
    reads = ingest.reads_of(body)
    with writing(db, "parking session") as session:
        scope = service.gate_scope(session, role=principal.role, key_id=principal.key_id)
        found = ingest.ingest(session=session, reads=reads, gate_park=scope, settings=request.app.state.settings)
        return OutcomeList(items=[OutcomeOut(**vars(o)) for o in found])


@router.get("/car-parks", response_model=CarParkList, summary="Every car park with its occupancy now")
def list_car_parks(db: DbDep) -> CarParkList:
    with db.reading() as session:
        return CarParkList(items=[_park_out(s) for s in service.occupancy(session)])


@router.get(
    "/ngsi-ld",
    summary="Every car park as an NGSI-LD OffStreetParking entity (Smart Data Models)",
    response_class=_LdJson,
    responses={200: {"content": {"application/ld+json": {"schema": {"type": "array", "items": {"type": "object"}}}}}},
)
def ngsi_ld(
    db: DbDep,
    options: Annotated[str | None, Query(max_length=16, description="keyValues for plain values")] = None,
) -> JSONResponse:
    """Occupancy from the gates' open sessions, as ``sensing export`` gives sensor car parks (application/ld+json)."""
    with db.reading() as session:
        found = service.ngsi_ld(session, key_values=options == "keyValues")
    return _LdJson(found)


@router.put("/car-parks/{code}", response_model=CarParkOut, summary="Create or change a car park and its tariff")
def put_car_park(code: str, body: CarParkIn, db: DbDep, principal: ParkingManager) -> CarParkOut:
    with writing(db, "car park") as session:
        park = service.save_car_park(session=session, code=code, name=body.name, lat=body.lat, lon=body.lon,
                                     capacity=body.capacity, tariff=body.tariff, timezone=body.timezone)  # fmt: skip
        return _park_out(service.Space(park, repository.open_counts(session).get(park.id, 0)))


@router.get("/forecast", response_model=ForecastList, summary="Every car park's occupancy 1–4 h ahead")
def forecast(request: Request, db: DbDep) -> ForecastList:
    """Car parks with sensors from their readings; barrier-free car parks without from the occupancy their gates'
    sessions give, from the newest gate read: weekly profile + fading level (docs/parking.md#forecast)."""
    timezone = request.app.state.settings.timezone
    with db.reading() as session:
        found = sensor_forecasts(session, timezone=timezone)
        found += session_forecasts(session, timezone=timezone, skip={f.code for f in found})
    return ForecastList(items=[ForecastOut(code=f.code, capacity=f.capacity, as_of_local=f.as_of, source=f.source,
                                           ahead=[AheadOut(**vars(a)) for a in f.ahead]) for f in found])  # fmt: skip


@router.get("/nearby", response_model=CarParkList, summary="The nearest car parks with a free space")
def nearby(
    db: DbDep,
    lat: Annotated[float, Query(ge=-90, le=90)],
    lon: Annotated[float, Query(ge=-180, le=180)],
    limit: Annotated[int, Query(ge=1, le=50)] = 5,
) -> CarParkList:
    """Car parks with space now, nearest first, with their distance in metres (public: no plates)."""
    with db.reading() as session:
        return CarParkList(items=[_park_out(s) for s in service.nearby(session, lat=lat, lon=lon, limit=limit)])


@router.get("/sessions", response_model=SessionList, summary="Parking sessions, newest first")
def list_sessions(
    db: DbDep,
    principal: ParkingManager,
    status: Annotated[
        str | None, Query(max_length=16, description="open, closed, missed_exit, orphan_exit, void")
    ] = None,
    review: Annotated[bool | None, Query(description="only those a person should look at")] = None,
    plate: Annotated[str | None, Query(max_length=32)] = None,
    limit: Limit = 50,
    offset: Annotated[Offset, Query()] = 0,
) -> SessionList:
    with db.reading() as session:
        wanted = plates.normalize(plate) if plate else None
        items, total = repository.sessions(session, status=status, review=review, plate=wanted, limit=limit,
                                           offset=offset)  # fmt: skip
        return SessionList(items=[SessionOut.model_validate(s) for s in items], total=total)


@router.post("/sessions/{session_id}/unpair", response_model=list[SessionOut], summary="Undo a session's pairing")
def unpair(session_id: RowId, body: NoteIn, db: DbDep, principal: ParkingManager) -> list[SessionOut]:
    """The entry reopens, the exit becomes an orphan exit, the bill is voided; both keep the note in history."""
    with writing(db, "parking session") as session:
        pair = service.unpair(session=session, session_id=session_id, actor=principal.name, note=body.note)
        return [SessionOut.model_validate(s) for s in pair]


@router.post("/sessions/{session_id}/pair", response_model=SessionOut, summary="Pair an orphan exit with an entry")
def pair(session_id: RowId, body: PairIn, request: Request, db: DbDep, principal: ParkingManager) -> SessionOut:
    with writing(db, "parking session") as session:
        stay = service.pair(session=session, orphan_id=session_id, session_id=body.session_id, actor=principal.name,
                            note=body.note, timezone=request.app.state.settings.timezone)  # fmt: skip
        return SessionOut.model_validate(stay)


@router.get("/bills", response_model=BillList, summary="Bills, oldest first (status=unpaid: the unpaid list)")
def list_bills(
    db: DbDep,
    principal: ParkingManager,
    status: Annotated[str | None, Query(max_length=16, description="unpaid, paid, free or void")] = None,
    limit: Limit = 50,
    offset: Annotated[Offset, Query()] = 0,
) -> BillList:
    with db.reading() as session:
        items, total = repository.bills(session, status=status, plate=None, limit=limit, offset=offset)
        return BillList(items=[BillOut.model_validate(b) for b in items], total=total)


@router.post("/bills/{bill_id}/pay", response_model=BillOut, summary="Record a bill as paid")
def pay(bill_id: RowId, db: DbDep, principal: ParkingManager) -> BillOut:
    with writing(db, "parking bill") as session:
        return BillOut.model_validate(service.pay(session=session, bill_id=bill_id))


@router.post("/bills/remind", response_model=BillList, summary="Count a reminder on old unpaid bills (催缴)")
def remind(body: RemindIn, db: DbDep, principal: ParkingManager) -> BillList:
    with writing(db, "parking bill") as session:
        found = service.remind(session=session, after_hours=body.after_hours)
        return BillList(items=[BillOut.model_validate(b) for b in found], total=len(found))


@router.get("/accounts/{plate}", response_model=AccountOut, summary="A plate's account: its bills and arrears")
def account(plate: str, db: DbDep, principal: ParkingManager) -> AccountOut:
    with db.reading() as session:
        wanted = plates.normalize(plate)
        items, _ = repository.bills(session, status=None, plate=wanted, limit=500, offset=0)
        unpaid = sum(b.amount_fen for b in items if b.status == "unpaid")
        return AccountOut(plate=wanted, unpaid_fen=unpaid, bills=[BillOut.model_validate(b) for b in items])


@router.post("/passes", response_model=PassOut, summary="Add a monthly pass or an exempt vehicle")
def add_pass(body: PassIn, db: DbDep, principal: ParkingManager) -> PassOut:
    with writing(db, "parking pass") as session:
        found = service.add_pass(session=session, plate=body.plate, kind=body.kind, car_park_code=body.car_park,
                                 valid_from=body.valid_from, valid_to=body.valid_to)  # fmt: skip
        return PassOut.model_validate(found)
