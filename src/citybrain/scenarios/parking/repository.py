"""SQL of the car-park scenario (dialect-neutral): car parks, gate keys, sessions by plate key, bills, passes."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from citybrain.models.parking import CarPark, GateEvent, GateKey, ParkingBill, ParkingPass, ParkingSession

OPEN = "open"
CLOSED = "closed"


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
