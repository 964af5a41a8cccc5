"""Billing a closed session (先离场后付费): the entry car park's tariff on its own clock, the plate's passes, in fen."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

from citybrain.core import clock
from citybrain.core.errors import InvalidInput
from citybrain.models.parking import CarPark, ParkingBill, ParkingPass, ParkingSession
from citybrain.scenarios.parking import plates
from citybrain.scenarios.parking.tariff import Cover, Tariff, charge

UNPAID = "unpaid"
FOREVER = datetime(9999, 12, 31)  # noqa: DTZ001 — a wall-clock time, naive on purpose
FREE = "free"  # nothing to pay (free minutes, a pass, an exempt vehicle): kept, so the account shows the stay


def bill_for(stay: ParkingSession, park: CarPark, passes: Iterable[ParkingPass], *, timezone: str,
             now: datetime) -> ParkingBill:  # fmt: skip
    """The bill of a closed session (entered_at and exited_at set), to the account of its entry plate."""
    if stay.entered_at is None or stay.exited_at is None:
        raise InvalidInput(f"session {stay.id} has no entry and exit to bill")
    zone = clock.city_zone(park.timezone or timezone)
    mine = [p for p in passes if p.plate == stay.plate and p.car_park_id in (None, park.id)]
    exempt = plates.is_exempt(stay.plate) or any(p.kind == "exempt" for p in mine)
    covers = [Cover(_wall(p.valid_from, zone), _wall(p.valid_to, zone) if p.valid_to else FOREVER)
              for p in mine if p.kind == "monthly"]  # fmt: skip
    result = charge(Tariff.from_json(park.tariff), _wall(stay.entered_at, zone), _wall(stay.exited_at, zone),
                    exempt=exempt, passes=covers)  # fmt: skip
    return ParkingBill(
        session_id=stay.id, plate=stay.plate, car_park_id=park.id, amount_fen=result.amount_fen,
        detail=result.reason[:300], status=UNPAID if result.amount_fen > 0 else FREE, created_at=now, reminders=0,
    )  # fmt: skip


def _wall(at: datetime, zone: ZoneInfo) -> datetime:
    """The time on the car park's wall clock, naive: units are minutes of that clock (China keeps no DST)."""
    return clock.as_utc(at).astimezone(zone).replace(tzinfo=None)
