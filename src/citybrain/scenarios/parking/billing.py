"""Billing a closed session (先离场后付费): the entry car park's tariff on its own clock, the plate's passes, in fen."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

from citybrain.core import clock
from citybrain.models.parking import CarPark, ParkingPass
from citybrain.scenarios.parking import plates
from citybrain.scenarios.parking.tariff import Charge, Cover, Tariff, charge

UNPAID = "unpaid"
FREE = "free"  # nothing to pay (free minutes, a pass, an exempt vehicle): kept, so the account shows the stay
FOREVER = datetime(9999, 12, 31)  # noqa: DTZ001 — a wall-clock time, naive on purpose


def charge_stay(plate: str, entered_at: datetime, exited_at: datetime, park: CarPark, passes: Iterable[ParkingPass],
                *, timezone: str) -> Charge:  # fmt: skip
    """What a stay of ``plate`` in ``park`` costs, its passes and exemption considered."""
    zone = clock.city_zone(park.timezone or timezone)
    mine = [p for p in passes if p.plate == plate and p.car_park_id in (None, park.id)]
    exempt = plates.is_exempt(plate) or any(p.kind == "exempt" for p in mine)
    covers = [Cover(_wall(p.valid_from, zone), _wall(p.valid_to, zone) if p.valid_to else FOREVER)
              for p in mine if p.kind == "monthly"]  # fmt: skip
    return charge(Tariff.from_json(park.tariff), _wall(entered_at, zone), _wall(exited_at, zone), exempt=exempt,
                  passes=covers)  # fmt: skip


def bill_row(session_id: int, plate: str, park: CarPark, result: Charge, now: datetime) -> dict[str, object]:
    """The ``parking_bills`` row of a charge, billed to the plate's account."""
    return {
        "session_id": session_id, "plate": plate, "car_park_id": park.id, "amount_fen": result.amount_fen,
        "detail": result.reason[:300], "status": UNPAID if result.amount_fen > 0 else FREE, "created_at": now,
        "paid_at": None, "reminders": 0, "last_reminded_at": None,
    }  # fmt: skip


def _wall(at: datetime, zone: ZoneInfo) -> datetime:
    """The time on the car park's wall clock, naive: units are minutes of that clock (China keeps no DST)."""
    return clock.as_utc(at).astimezone(zone).replace(tzinfo=None)
