"""How often, when and where each kind of complaint comes: the rhythms of a 12345 centre, declared once.

Each category has a share of the volume, a month curve (heating in winter, noise and water in summer), a weekend
factor (parking and labour complaints drop, neighbour noise rises), an hour-of-day profile (night construction at
22:00–06:00) and what drives where it happens (people, or building work). Departments differ in how well they work.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


def _profile(points: dict[int, float]) -> FloatArray:
    """A 24-hour profile from a few hours' weights, linearly interpolated around the clock, summing to 1."""
    hours = sorted(points)
    xs = np.array(hours + [hours[0] + 24], dtype=float)
    ys = np.array([points[h] for h in hours] + [points[hours[0]]], dtype=float)
    grid = np.arange(24, dtype=float)
    values = np.interp(np.where(grid < hours[0], grid + 24, grid), xs, ys)
    return np.asarray(values / values.sum(), dtype=np.float64)


HOURS: dict[str, FloatArray] = {
    # Daytime: a morning and an early-afternoon peak, quiet at night (the hotline works around the clock).
    "day": _profile({0: 0.3, 5: 0.2, 8: 4, 10: 6, 12: 4, 15: 5.5, 18: 3.5, 21: 2, 23: 0.8}),
    "evening": _profile({0: 1.5, 4: 0.3, 8: 1.5, 12: 2, 17: 3, 20: 6, 22: 5, 23: 3}),
    # Night construction: almost everything between 22:00 and 06:00.
    "night": _profile({0: 7, 2: 5, 4: 4, 5: 5, 6: 1.2, 7: 0.15, 12: 0.1, 20: 0.15, 21: 1, 22: 7, 23: 8}),
    "commute": _profile({0: 0.2, 5: 0.3, 7: 5, 8: 7, 10: 3, 13: 2.5, 17: 5, 18: 6, 20: 2, 23: 0.5}),
    "office": _profile({0: 0.1, 6: 0.2, 8: 3, 9: 7, 11: 6, 12: 2.5, 14: 6, 16: 6, 17: 4, 18: 1.5, 21: 0.5}),
}

FLAT = (1.0,) * 12
SUMMER = (0.7, 0.7, 0.8, 0.9, 1.1, 1.3, 1.5, 1.5, 1.2, 1.0, 0.8, 0.7)
WINTER = (1.5, 1.4, 1.1, 0.9, 0.8, 0.7, 0.7, 0.7, 0.8, 0.9, 1.2, 1.5)
HEATING = (3.0, 2.6, 1.3, 0.08, 0.0, 0.0, 0.0, 0.0, 0.0, 0.1, 1.6, 3.0)  # Nov–Mar season
RAINY = (0.8, 0.9, 1.2, 1.4, 1.5, 1.4, 1.2, 1.0, 0.9, 0.8, 0.8, 0.8)
DRY = (1.2, 1.2, 1.3, 1.1, 0.9, 0.8, 0.8, 0.8, 1.0, 1.2, 1.2, 1.2)
YEAR_END = (1.8, 1.5, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.9, 1.1, 1.7)  # unpaid wages before Spring Festival
SCHOOL = (1.0, 1.3, 1.1, 0.9, 0.9, 1.2, 0.7, 1.2, 1.6, 0.9, 0.8, 0.8)

COMPLAINT = {"投诉": 0.62, "举报": 0.1, "求助": 0.12, "咨询": 0.08, "建议": 0.05, "表扬": 0.03}
HELP = {"求助": 0.55, "投诉": 0.25, "咨询": 0.12, "建议": 0.05, "表扬": 0.03}
ASK = {"咨询": 0.8, "建议": 0.1, "求助": 0.07, "表扬": 0.03}
REPORT = {"举报": 0.55, "投诉": 0.4, "咨询": 0.05}


@dataclass(frozen=True)
class CategoryProfile:
    code: str
    share: float
    months: tuple[float, ...]
    weekend: float  # volume on Saturday/Sunday relative to a weekday
    hours: str
    driver: str  # "people": where residents are; "building": where construction goes on
    request_types: dict[str, float]
    department: str  # fallback owner when the directory has no routing rule
    sla: str  # fallback SLA class when the directory is not at hand (pure generation)


def _c(
    code: str,
    share: float,
    months: tuple[float, ...] = FLAT,
    weekend: float = 1.0,
    hours: str = "day",
    driver: str = "people",
    request_types: dict[str, float] | None = None,
    department: str = "urban_mgmt",
    sla: str = "general",
) -> CategoryProfile:
    return CategoryProfile(code, share, months, weekend, hours, driver, request_types or COMPLAINT, department, sla)


CATEGORIES: tuple[CategoryProfile, ...] = (
    _c("noise.construction.night", 3.0, SUMMER, 1.1, "night", "building", REPORT),
    _c("noise.construction", 1.5, FLAT, 0.6, "day", "building"),
    _c("noise.residential", 2.5, FLAT, 1.3, "evening", department="public_security"),
    _c("noise.commercial", 1.5, SUMMER, 1.4, "evening", department="ecology"),
    _c("noise.traffic", 0.6, FLAT, 0.8, "commute", department="traffic_police"),
    _c("construction.site", 1.5, FLAT, 0.6, "day", "building", department="housing"),
    _c("construction.site.dust", 1.0, DRY, 0.7, "day", "building", department="ecology"),
    _c("construction.illegal", 1.2, FLAT, 0.9, "day", request_types=REPORT),
    _c("roads.works", 1.2, FLAT, 0.6, "day", "building", department="transport"),
    _c("roads.damage", 2.0, RAINY, 0.9, "day", department="transport"),
    _c("roads.signals", 0.6, FLAT, 0.8, "commute", department="traffic_police", sla="urgent"),
    _c("sanitation.garbage", 4.0, SUMMER, 1.1, "day"),
    _c("sanitation.street_cleaning", 1.5, FLAT, 1.0, "day"),
    _c("sanitation.vendors", 1.5, SUMMER, 1.2, "evening"),
    _c("heating.no_heat", 2.5, HEATING, 1.2, "evening", request_types=HELP, department="heating", sla="utilities"),
    _c("utilities.water", 3.0, SUMMER, 1.0, "day", request_types=HELP, department="water", sla="utilities"),
    _c("utilities.power", 2.0, SUMMER, 1.0, "evening", request_types=HELP, department="power", sla="utilities"),
    _c("utilities.gas", 0.8, WINTER, 1.0, "day", request_types=HELP, department="gas", sla="utilities"),
    _c("parking.illegal", 3.0, FLAT, 0.5, "commute", department="traffic_police"),
    _c("parking.blocked_driveway", 1.5, FLAT, 0.6, "commute", department="traffic_police"),
    _c("environment.air", 1.0, WINTER, 1.0, "day", department="ecology"),
    _c("environment.water", 0.6, SUMMER, 1.0, "day", department="ecology"),
    _c("greenery.trees", 1.0, RAINY, 1.0, "day", department="landscaping"),
    _c("housing.property", 4.0, FLAT, 1.1, "evening", department="housing", sla="complex"),
    _c("housing.elevator", 1.2, FLAT, 1.0, "day", request_types=HELP, department="housing"),
    _c("public_safety.manhole", 0.6, RAINY, 1.0, "day", request_types=HELP, sla="urgent"),
    _c("market.food", 1.5, SUMMER, 1.1, "evening", request_types=REPORT, department="market"),
    _c("labor.wages", 2.0, YEAR_END, 0.3, "office", request_types=HELP, department="hrss", sla="complex"),
    _c("education", 1.5, SCHOOL, 0.4, "office", request_types=ASK, department="education"),
    _c("health", 1.5, WINTER, 0.8, "day", request_types=ASK, department="health"),
    _c("transit.bus", 2.0, FLAT, 0.7, "commute", department="transport"),
    _c("consultation", 6.0, FLAT, 0.5, "office", request_types=ASK, department="civil_affairs"),
)

#: The planted co-occurrence: these three come together around a few big building sites (see docs/demo.md).
PLANTED_CATEGORIES: dict[str, float] = {"noise.construction.night": 3.0, "construction.site": 2.0, "roads.works": 2.0}

#: Channels (渠道): the 12345 hotline carries most, then web, WeChat, apps (incl. Open311 clients), mailbox.
CHANNELS: dict[str, float] = {
    "hotline": 0.55,
    "web": 0.13,
    "wechat": 0.12,
    "app": 0.08,
    "open311": 0.06,
    "mailbox": 0.06,
}

#: SLA classes (hours to sign for, hours to resolve) — the default directory's, for pure generation.
SLA_HOURS: dict[str, tuple[float, float]] = {
    "urgent": (0.5, 2.0),
    "utilities": (1.0, 24.0),
    "general": (2.0, 24.0 * 7),
    "complex": (2.0, 24.0 * 15),
}


@dataclass(frozen=True)
class Quality:
    """How a department works: late sign-for (签收) share, overdue share, callback outcomes."""

    late_accept: float
    overdue: float
    speed: float  # typical share of the resolve deadline used
    resolved: float  # share of callbacks saying "resolved"
    satisfaction: float  # mean satisfaction (1–5) when resolved


DEFAULT_QUALITY = Quality(0.08, 0.06, 0.35, 0.85, 4.1)
QUALITY: dict[str, Quality] = {
    "water": Quality(0.03, 0.02, 0.15, 0.95, 4.6),
    "power": Quality(0.03, 0.03, 0.15, 0.94, 4.5),
    "gas": Quality(0.02, 0.02, 0.12, 0.96, 4.6),
    "traffic_police": Quality(0.05, 0.04, 0.2, 0.88, 4.2),
    "urban_mgmt": Quality(0.1, 0.08, 0.35, 0.8, 3.9),
    "housing": Quality(0.15, 0.2, 0.55, 0.62, 3.2),
    "heating": Quality(0.12, 0.15, 0.45, 0.7, 3.4),
    "hrss": Quality(0.1, 0.12, 0.5, 0.72, 3.6),
    "ecology": Quality(0.06, 0.05, 0.3, 0.84, 4.0),
    "transport": Quality(0.08, 0.1, 0.4, 0.8, 3.9),
    "civil_affairs": Quality(0.04, 0.03, 0.25, 0.9, 4.4),
}
