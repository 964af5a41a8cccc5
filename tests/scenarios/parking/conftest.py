from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from citybrain.core.db import Database
from citybrain.scenarios.parking import service

#: 09:00 on a Monday in Shanghai, the city's clock.
T0 = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)
TARIFF = {"free_minutes": 15, "unit_minutes": 60, "day_rate_fen": 600, "night_rate_fen": 200, "daily_cap_fen": 6000}


def at(minutes: float) -> str:
    return (T0 + timedelta(minutes=minutes)).isoformat()


@pytest.fixture
def parks(db: Database) -> dict[str, str]:
    """Two car parks side by side, and a gate key for each (plaintext)."""
    keys = {}
    with db.transaction() as s:
        service.save_car_park(session=s, code="P1", name="人民广场", lat=31.2304, lon=121.4737, capacity=2,
                              tariff=TARIFF)  # fmt: skip
        service.save_car_park(session=s, code="P2", name="南京东路", lat=31.2384, lon=121.4837, capacity=100,
                              tariff=TARIFF)  # fmt: skip
        for code in ("P1", "P2"):
            keys[code] = service.create_gate_key(session=s, code=code, name=f"gate {code}")
    return keys
