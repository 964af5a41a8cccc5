"""SQL of the car-park scenario (dialect-neutral): car parks, gate keys, sessions by plate key, bills, passes."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, delete, func, insert, select, update
from sqlalchemy.orm import Session

from citybrain.core import bulk
from citybrain.models.parking import CarPark, GateEvent, GateKey, ParkingBill, ParkingPass, ParkingSession

OPEN = "open"
CLOSED = "closed"
ORPHAN_EXIT = "orphan_exit"


def car_park(session: Session, code: str) -> CarPark | None:
    return session.scalars(select(CarPark).where(CarPark.code == code)).first()


def car_parks(session: Session, codes: Collection[str] | None = None) -> list[CarPark]:
    stmt = select(CarPark).order_by(CarPark.code)
    if codes is not None:
        stmt = stmt.where(CarPark.code.in_(list(codes)))
    return list(session.scalars(stmt))


def car_park_codes(session: Session) -> dict[int, str]:
    return {int(i): str(c) for i, c in session.execute(select(CarPark.id, CarPark.code))}


def gate_car_park(session: Session, api_key_id: int) -> int | None:
    """The car park a gate key is bound to (None: not a gate key of any)."""
    return session.scalar(select(GateKey.car_park_id).where(GateKey.api_key_id == api_key_id))


def open_sessions(session: Session, keys: Collection[str]) -> list[ParkingSession]:
    """Open sessions whose plate shares one of ``keys`` (plates.plate_key)."""
    if not keys:
        return []
    stmt = select(ParkingSession).where(ParkingSession.plate_key.in_(list(keys)), ParkingSession.status == OPEN)
    return list(session.scalars(stmt))


def recent_exits(session: Session, keys: Collection[str], since: datetime) -> list[ParkingSession]:
    if not keys:
        return []
    stmt = select(ParkingSession).where(
        ParkingSession.plate_key.in_(list(keys)), ParkingSession.status == CLOSED, ParkingSession.exited_at >= since
    )
    return list(session.scalars(stmt))


def parking_session(session: Session, session_id: int) -> ParkingSession | None:
    return session.get(ParkingSession, session_id)


def sessions(
    session: Session, *, status: str | None, review: bool | None, plate: str | None, limit: int, offset: int
) -> tuple[list[ParkingSession], int]:
    stmt = select(ParkingSession)
    if status is not None:
        stmt = stmt.where(ParkingSession.status == status)
    if review is not None:
        stmt = stmt.where(ParkingSession.review.is_(review))
    if plate is not None:
        stmt = stmt.where(ParkingSession.plate == plate)
    total = int(session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
    rows = session.scalars(stmt.order_by(ParkingSession.id.desc()).limit(limit).offset(offset))
    return list(rows), total


def events_of(session: Session, session_id: int) -> list[GateEvent]:
    return list(session.scalars(select(GateEvent).where(GateEvent.session_id == session_id).order_by(GateEvent.id)))


def relink_exit_events(session: Session, from_session: int, to_session: int, outcome: str, rule: str,
                       explanation: str) -> None:  # fmt: skip
    """Move the exit reads of one session to another (a staff pairing or unpairing)."""
    session.execute(
        update(GateEvent)
        .where(GateEvent.session_id == from_session, GateEvent.direction == "out")
        .values(session_id=to_session, outcome=outcome, rule=rule, explanation=explanation[:500])
    )


def open_counts(session: Session) -> dict[int, int]:
    """Open sessions per car park (the vehicles inside, as the gates saw them)."""
    stmt = (
        select(ParkingSession.car_park_id, func.count())
        .where(ParkingSession.status == OPEN)
        .group_by(ParkingSession.car_park_id)
    )
    return {int(park): int(n) for park, n in session.execute(stmt)}


def overdue_open_sessions(session: Session, before: datetime) -> list[ParkingSession]:
    stmt = select(ParkingSession).where(
        ParkingSession.status == OPEN, ParkingSession.entered_at < before, ParkingSession.overstay.is_(False)
    )
    return list(session.scalars(stmt.order_by(ParkingSession.id)))


def passes(session: Session, plates: Collection[str]) -> list[ParkingPass]:
    if not plates:
        return []
    return list(session.scalars(select(ParkingPass).where(ParkingPass.plate.in_(list(plates)))))


def unpaid_totals(session: Session, plates: Collection[str]) -> dict[str, int]:
    """Unpaid fen per plate (欠费)."""
    if not plates:
        return {}
    stmt = (
        select(ParkingBill.plate, func.sum(ParkingBill.amount_fen))
        .where(ParkingBill.plate.in_(list(plates)), ParkingBill.status == "unpaid")
        .group_by(ParkingBill.plate)
    )
    return {str(p): int(v or 0) for p, v in session.execute(stmt)}


def bill_of(session: Session, session_id: int) -> ParkingBill | None:
    return session.scalars(select(ParkingBill).where(ParkingBill.session_id == session_id)).first()


def bill(session: Session, bill_id: int) -> ParkingBill | None:
    return session.get(ParkingBill, bill_id)


def bills(
    session: Session, *, status: str | None, plate: str | None, limit: int, offset: int
) -> tuple[list[ParkingBill], int]:
    stmt = select(ParkingBill)
    if status is not None:
        stmt = stmt.where(ParkingBill.status == status)
    if plate is not None:
        stmt = stmt.where(ParkingBill.plate == plate)
    total = int(session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
    rows = session.scalars(stmt.order_by(ParkingBill.created_at, ParkingBill.id).limit(limit).offset(offset))
    return list(rows), total


def bills_to_remind(session: Session, created_before: datetime, reminded_before: datetime) -> list[ParkingBill]:
    stmt = select(ParkingBill).where(
        ParkingBill.status == "unpaid",
        ParkingBill.created_at < created_before,
        (ParkingBill.last_reminded_at.is_(None)) | (ParkingBill.last_reminded_at < reminded_before),
    )
    return list(session.scalars(stmt.order_by(ParkingBill.id)))


# The gate-read path writes with Core statements (executemany, RETURNING): thousands of reads a second.
STAY_COLUMNS = ("id", "plate", "plate_key", "car_park_id", "exit_car_park_id", "entered_at", "exited_at",
                "exit_plate", "status", "match_rule", "match_confidence", "review", "overstay", "history")  # fmt: skip
_SESSIONS: Table = ParkingSession.__table__  # type: ignore[assignment]
_EVENTS: Table = GateEvent.__table__  # type: ignore[assignment]
_BILLS: Table = ParkingBill.__table__  # type: ignore[assignment]


def stays(session: Session, keys: Collection[str], since: datetime) -> list[dict[str, Any]]:
    """Open sessions of ``keys``, and those closed or orphan exits at or after ``since`` (for duplicate exits), as
    dicts. One statement per status, each on the (plate_key, status) index: an OR would scan the table."""
    if not keys:
        return []
    columns = [_SESSIONS.c[name] for name in STAY_COLUMNS]
    wanted = _SESSIONS.c.plate_key.in_(list(keys))
    opened = select(*columns).where(wanted, _SESSIONS.c.status == OPEN)
    exits = [
        select(*columns).where(wanted, _SESSIONS.c.status == status, _SESSIONS.c.exited_at >= since)
        for status in (CLOSED, ORPHAN_EXIT)
    ]
    return [dict(row._mapping) for stmt in (opened, *exits) for row in session.execute(stmt)]


def insert_returning_ids(session: Session, table: str, rows: list[dict[str, Any]]) -> list[int]:
    """Insert ``rows`` into ``parking_sessions`` or ``parking_events``; their new ids in the rows' order.

    ``INSERT … RETURNING`` of many rows is slow on both databases, so the ids are taken first and the rows go in
    with them by COPY or one executemany (``core/bulk.py``)."""
    if not rows:
        return []
    target = {"sessions": _SESSIONS, "events": _EVENTS}[table]
    ids = bulk.new_ids(session, target, len(rows))
    names = list(rows[0])
    values = [[i, *(row[n] for n in names)] for row, i in zip(rows, ids, strict=True)]
    bulk.insert_many(session, target, ["id", *names], values)
    return ids


def update_stays(session: Session, rows: list[dict[str, Any]]) -> None:
    """Write back sessions the batch changed (every pairing column, by id)."""
    if not rows:
        return
    names = [n for n in STAY_COLUMNS if n != "id"]
    stmt = update(_SESSIONS).where(_SESSIONS.c.id == bindparam("_id")).values({n: bindparam(f"_{n}") for n in names})
    session.execute(stmt, [{f"_{k}": v for k, v in row.items() if k in STAY_COLUMNS} for row in rows])


def insert_bills(session: Session, rows: list[dict[str, Any]]) -> None:
    if rows:
        session.execute(insert(_BILLS), rows)


def drop_void_bills(session: Session, session_ids: Collection[int]) -> set[int]:
    """Delete the void bills of ``session_ids`` (a pairing undone by staff, now closed again) and return the ids of
    those sessions that keep a live bill."""
    if not session_ids:
        return set()
    ids = list(session_ids)
    session.execute(delete(_BILLS).where(_BILLS.c.session_id.in_(ids), _BILLS.c.status == "void"))
    return {int(i) for i in session.scalars(select(_BILLS.c.session_id).where(_BILLS.c.session_id.in_(ids)))}


def stays_overlapping(session: Session, first: datetime, last: datetime) -> list[tuple[int, datetime, datetime | None]]:
    """(car park id, entered, exited or None) of every open or closed stay inside at some time in [first, last]."""
    stmt = select(ParkingSession.car_park_id, ParkingSession.entered_at, ParkingSession.exited_at).where(
        ParkingSession.status.in_((OPEN, CLOSED)),
        ParkingSession.entered_at.is_not(None),
        ParkingSession.entered_at <= last,
        (ParkingSession.exited_at.is_(None)) | (ParkingSession.exited_at > first),
    )
    return [(int(p), e, x) for p, e, x in session.execute(stmt) if e is not None]


def last_read_at(session: Session) -> datetime | None:
    """When the newest gate read was taken (any car park)."""
    return session.scalar(select(func.max(GateEvent.at)))


def car_park_by_id(session: Session, car_park_id: int) -> CarPark:
    park = session.get(CarPark, car_park_id)
    if park is None:
        raise LookupError(f"car park {car_park_id} vanished")
    return park


def totals(session: Session) -> tuple[int, int, int, int]:
    """(car parks, open sessions, unpaid bills, unpaid fen) — counts only, for public panels."""
    parks = int(session.scalar(select(func.count()).select_from(CarPark)) or 0)
    inside = int(session.scalar(select(func.count()).where(ParkingSession.status == OPEN)) or 0)
    bills, fen = session.execute(
        select(func.count(), func.coalesce(func.sum(ParkingBill.amount_fen), 0)).where(ParkingBill.status == "unpaid")
    ).one()
    return parks, inside, int(bills), int(fen)
