"""Car parks, gate keys and the staff side of sessions and bills (flushes, never commits).

Every staff correction of a pairing is reversible and written into both sessions' ``history`` with who and why:
:func:`unpair` undoes a pairing (the entry reopens, the exit becomes an orphan, the bill is voided) and :func:`pair`
joins an orphan exit to an open (or missed-exit) entry and bills it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from citybrain.auth import service as auth_service
from citybrain.core import clock
from citybrain.core.earth import METRES_PER_DEGREE
from citybrain.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from citybrain.models.parking import CarPark, GateKey, ParkingBill, ParkingPass, ParkingSession
from citybrain.scenarios.parking import plates, repository
from citybrain.scenarios.parking.billing import bill_row, charge_stay
from citybrain.scenarios.parking.tariff import Tariff
from citybrain.sensing import ngsi_ld as ngsi


def save_car_park(*, session: Session, code: str, name: str, lat: float, lon: float, capacity: int,
                  tariff: dict[str, Any] | None = None, timezone: str | None = None) -> CarPark:  # fmt: skip
    """Create or update a car park (its tariff checked before anything is written)."""
    checked = Tariff.from_json(tariff).to_json()
    if timezone:
        clock.city_zone(timezone)
    if capacity < 0 or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise InvalidInput("capacity ≥ 0, lat in −90…90 and lon in −180…180")
    park = repository.car_park(session, code)
    if park is None:
        park = CarPark(code=code, created_at=clock.utcnow())
        session.add(park)
    park.name, park.lat, park.lon, park.capacity, park.tariff, park.timezone = (
        name, lat, lon, capacity, checked, timezone)  # fmt: skip
    session.flush()
    return park


def car_park(session: Session, code: str) -> CarPark:
    park = repository.car_park(session, code)
    if park is None:
        raise NotFound(f"no car park with code {code!r}")
    return park


def create_gate_key(*, session: Session, code: str, name: str) -> str:
    """A new API key of role ``gate`` that may post reads for car park ``code`` only; its plaintext (shown once)."""
    park = car_park(session, code)
    key, plaintext = auth_service.create_api_key(session=session, name=name, role="gate", rate_limit_per_minute=0)
    session.add(GateKey(api_key_id=key.id, car_park_id=park.id))
    session.flush()
    return plaintext


def gate_scope(session: Session, *, role: str, key_id: int | None) -> int | None:
    """The car park a caller may post reads for (None: any — an admin); a gate key not bound to one is refused."""
    if role != "gate":
        return None
    park = repository.gate_car_park(session, key_id) if key_id is not None else None
    if park is None:
        raise Forbidden("this gate key is bound to no car park; make gate keys with `citybrain parking gate-key`")
    return park


def _note(actor: str, action: str, why: str) -> dict[str, Any]:
    return {"at": clock.iso(clock.utcnow()), "by": actor, "action": action, "why": why}


def _session(session: Session, session_id: int) -> ParkingSession:
    found = repository.parking_session(session, session_id)
    if found is None:
        raise NotFound(f"no parking session {session_id}")
    return found


def unpair(*, session: Session, session_id: int, actor: str, note: str) -> tuple[ParkingSession, ParkingSession]:
    """Undo a pairing: the entry reopens, its exit becomes an orphan exit, the bill is voided."""
    stay = _session(session, session_id)
    if stay.status != "closed" or stay.exited_at is None or stay.exit_car_park_id is None:
        raise Conflict(f"session {session_id} is {stay.status}: only a closed session can be unpaired")
    bill = repository.bill_of(session, stay.id)
    if bill is not None and bill.status == "paid":
        raise Conflict(f"bill {bill.id} of session {session_id} is paid; refund it before unpairing")
    why = f"unpaired by {actor}: {note}"
    orphan = ParkingSession(
        plate=stay.exit_plate or stay.plate, plate_key=plates.plate_key(stay.exit_plate or stay.plate),
        car_park_id=stay.exit_car_park_id, exit_car_park_id=stay.exit_car_park_id, exited_at=stay.exited_at,
        exit_plate=stay.exit_plate, status="orphan_exit", match_rule="unpaired", review=True, overstay=False,
        history=[_note(actor, "unpaired", f"{why} (was the exit of session {stay.id})")],
    )  # fmt: skip
    session.add(orphan)
    session.flush()
    repository.relink_exit_events(session, stay.id, orphan.id, "orphan_exit", "unpaired", why)
    if bill is not None:
        bill.status = "void"
    stay.status, stay.exited_at, stay.exit_car_park_id, stay.exit_plate = "open", None, None, None
    stay.match_rule, stay.match_confidence = None, None
    stay.history = [*stay.history, _note(actor, "unpaired", f"{why} (exit moved to session {orphan.id})")]
    session.flush()
    return stay, orphan


def pair(*, session: Session, orphan_id: int, session_id: int, actor: str, note: str, timezone: str) -> ParkingSession:
    """Join the orphan exit ``orphan_id`` to the open or missed-exit session ``session_id`` and bill it."""
    orphan, stay = _session(session, orphan_id), _session(session, session_id)
    if orphan.status != "orphan_exit" or orphan.exited_at is None:
        raise Conflict(f"session {orphan_id} is {orphan.status}, not an orphan exit")
    if stay.status not in ("open", "missed_exit") or stay.entered_at is None:
        raise Conflict(f"session {session_id} is {stay.status}: only an open or missed-exit entry can be paired")
    if clock.as_utc(stay.entered_at) > clock.as_utc(orphan.exited_at):
        raise InvalidInput(f"exit before entry: session {session_id} entered after the exit of {orphan_id}")
    why = f"paired by {actor}: {note}"
    stay.status, stay.exited_at, stay.exit_car_park_id = "closed", orphan.exited_at, orphan.exit_car_park_id
    stay.exit_plate, stay.match_rule, stay.match_confidence = orphan.exit_plate, "staff", 1.0
    stay.history = [*stay.history, _note(actor, "paired", f"{why} (exit of session {orphan_id})")]
    orphan.status = "void"
    orphan.history = [*orphan.history, _note(actor, "paired", f"{why} (moved to session {session_id})")]
    repository.relink_exit_events(session, orphan.id, stay.id, "close", "staff", why)
    old = repository.bill_of(session, stay.id)
    if old is not None:
        session.delete(old)  # a void bill of an earlier pairing: the new one replaces it
        session.flush()
    park = session.get(CarPark, stay.car_park_id)
    if park is None:
        raise NotFound(f"car park {stay.car_park_id} of session {session_id} is gone")
    result = charge_stay(stay.plate, stay.entered_at, orphan.exited_at, park, repository.passes(session, [stay.plate]),
                         timezone=timezone)  # fmt: skip
    session.add(ParkingBill(**bill_row(stay.id, stay.plate, park, result, clock.utcnow())))
    session.flush()
    return stay


def flag_overstays(*, session: Session, hours: float, now: datetime | None = None) -> list[ParkingSession]:
    """Mark open sessions entered more than ``hours`` ago as overstay (超时未出场) for review."""
    now = now or clock.utcnow()
    found = repository.overdue_open_sessions(session, now - timedelta(hours=hours))
    for s in found:
        s.overstay, s.review = True, True
        s.history = [*s.history, _note("overstays", "overstay", f"open for more than {hours:g} h")]
    session.flush()
    return found


def pay(*, session: Session, bill_id: int) -> ParkingBill:
    bill = repository.bill(session, bill_id)
    if bill is None:
        raise NotFound(f"no parking bill {bill_id}")
    if bill.status != "unpaid":
        raise Conflict(f"bill {bill_id} is {bill.status}, not unpaid")
    bill.status, bill.paid_at = "paid", clock.utcnow()
    session.flush()
    return bill


def remind(*, session: Session, after_hours: float, now: datetime | None = None) -> list[ParkingBill]:
    """Count a reminder (催缴) on every unpaid bill older than ``after_hours`` not reminded within as long."""
    now = now or clock.utcnow()
    since = now - timedelta(hours=after_hours)
    found = repository.bills_to_remind(session, since, since)
    for b in found:
        b.reminders, b.last_reminded_at = b.reminders + 1, now
    session.flush()
    return found


def add_pass(*, session: Session, plate: str, kind: str, car_park_code: str | None, valid_from: datetime,
             valid_to: datetime | None) -> ParkingPass:  # fmt: skip
    if kind not in ("monthly", "exempt"):
        raise InvalidInput("a pass is monthly (月卡) or exempt (免费车辆)")
    if valid_to is not None and valid_to <= valid_from:
        raise InvalidInput("valid_to must be after valid_from")
    park_id = car_park(session, car_park_code).id if car_park_code else None
    found = ParkingPass(plate=plates.normalize(plate), car_park_id=park_id, kind=kind, valid_from=valid_from,
                        valid_to=valid_to, created_at=clock.utcnow())  # fmt: skip
    session.add(found)
    session.flush()
    return found


@dataclass(frozen=True)
class Space:
    """A car park's space now: ``occupied`` from the open sessions the gates saw."""

    park: CarPark
    occupied: int
    distance_m: float | None = None

    @property
    def free(self) -> int:
        return max(0, self.park.capacity - self.occupied)


def occupancy(session: Session) -> list[Space]:
    counts = repository.open_counts(session)
    return [Space(p, counts.get(p.id, 0)) for p in repository.car_parks(session)]


def nearby(session: Session, *, lat: float, lon: float, limit: int) -> list[Space]:
    """Car parks with a free space, nearest first (equirectangular metres, as every distance of ours)."""
    scale = math.cos(math.radians(lat))
    found = []
    for s in occupancy(session):
        dx, dy = (s.park.lon - lon) * scale, s.park.lat - lat
        found.append(Space(s.park, s.occupied, round(math.hypot(dx, dy) * METRES_PER_DEGREE, 1)))
    return sorted((s for s in found if s.free > 0), key=lambda s: s.distance_m or 0.0)[:limit]


def ngsi_ld(session: Session, *, key_values: bool) -> list[dict[str, Any]]:
    """Every car park with spaces as an OffStreetParking entity, occupied = its open sessions now."""
    now = clock.utcnow()
    return [
        ngsi.off_street_parking(s.park.code, s.park.name, ngsi.point(s.park.lon, s.park.lat), s.park.capacity,
                                s.occupied, now, key_values=key_values)
        for s in occupancy(session) if s.park.capacity > 0
    ]  # fmt: skip


@dataclass(frozen=True)
class GateTotals:
    """The landing page's line on barrier-free car parks: counts and money only, no plate."""

    car_parks: int
    inside: int
    unpaid_bills: int
    unpaid_fen: int

    @property
    def unpaid_yuan(self) -> str:
        return f"{self.unpaid_fen // 100}.{self.unpaid_fen % 100:02d}"


def totals(session: Session) -> GateTotals:
    return GateTotals(*repository.totals(session))
