"""Air quality index (环境空气质量指数, AQI) by HJ 633-2012: the breakpoint table, IAQI, AQI, level, category, colour.

Pure functions: concentrations in (floats or numpy arrays), numbers and frozen dataclasses out; no I/O. The table
is declared here once (``BREAKPOINTS``); ``../shared/standards/hj633_2012_iaqi_breakpoints.csv`` is the reference
a test compares it with, never read at run time.

Choices, each documented where it is made:

- **Rounding (进位取整)**: every IAQI is rounded *up* to an integer, and the AQI is the largest of those integers, so
  IAQI and AQI are rounded the same way (the AQI of rounded IAQIs equals the rounded maximum, since rounding up is
  monotone). Before rounding up, the interpolated value is rounded to 6 decimals, so that floating-point noise
  (e.g. 57.00000000000001 for PM2.5 40.6 µg/m³) does not push an exact integer to the next one.
- **Above the table's top** (e.g. PM2.5 24-h above 500 µg/m³): IAQI 500. The index is defined on 0–500 and the
  table has no band above it; the notes (2) and (3) are the only places where the standard says "no IAQI" for a
  high value, and they name a replacement. Such days are commonly reported as AQI 500 ("爆表", off the scale — from
  our knowledge of practice, not a stored source); a missing index on the worst days would hide them. The record
  says the cap was applied.
- **SO2 1-h above 800 µg/m³** (note 2) and **O3 8-h above 800 µg/m³** (note 3): no IAQI from that column
  (``iaqi`` returns NaN); the report substitutes the SO2 24-h IAQI, resp. the O3 1-h IAQI.
- **Negative or NaN concentration**: no IAQI (NaN).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

#: The IAQI at each row of HJ 633-2012 Table 1.
IAQI_LEVELS: tuple[int, ...] = (0, 50, 100, 150, 200, 300, 400, 500)
IAQI_TOP = 500

#: Pollutant codes of a report, in the order records list them (O3 has two: daily/1-h maximum and 8-h average).
CODES: tuple[str, ...] = ("PM2.5", "PM10", "SO2", "NO2", "CO", "O3_1h", "O3_8h")

UG = "µg/m³"
MG = "mg/m³"


@dataclass(frozen=True)
class Breakpoints:
    """One column of HJ 633-2012 Table 1: the concentrations at IAQI 0, 50, 100, … (fewer where a note ends it)."""

    key: str  # as the reference CSV names the column, without its unit suffix
    pollutant: str  # SO2, NO2, PM10, CO, O3, PM2.5
    averaging: str  # 1h, 8h, 24h
    unit: str
    concentrations: tuple[float, ...]
    #: what a concentration above the last breakpoint gets: "cap" (IAQI 500) or "none" (a note replaces it)
    above_top: str = "cap"
    note: str = field(default="")


#: HJ 633-2012 Table 1 (空气质量分指数及对应的污染物项目浓度限值). Units: µg/m³, CO mg/m³.
BREAKPOINTS: dict[str, Breakpoints] = {
    b.key: b
    for b in (
        Breakpoints("SO2_24h", "SO2", "24h", UG, (0, 50, 150, 475, 800, 1600, 2100, 2620)),
        Breakpoints(
            "SO2_1h",
            "SO2",
            "1h",
            UG,
            (0, 150, 500, 650, 800),
            above_top="none",
            note="(2) SO2 1-h above 800 µg/m³: no 1-h IAQI; the 24-h IAQI is used",
        ),
        Breakpoints("NO2_24h", "NO2", "24h", UG, (0, 40, 80, 180, 280, 565, 750, 940)),
        Breakpoints("NO2_1h", "NO2", "1h", UG, (0, 100, 200, 700, 1200, 2340, 3090, 3840)),
        Breakpoints("PM10_24h", "PM10", "24h", UG, (0, 50, 150, 250, 350, 420, 500, 600)),
        Breakpoints("CO_24h", "CO", "24h", MG, (0, 2, 4, 14, 24, 36, 48, 60)),
        Breakpoints("CO_1h", "CO", "1h", MG, (0, 5, 10, 35, 60, 90, 120, 150)),
        Breakpoints("O3_1h", "O3", "1h", UG, (0, 160, 200, 300, 400, 800, 1000, 1200)),
        Breakpoints(
            "O3_8h",
            "O3",
            "8h",
            UG,
            (0, 100, 160, 215, 265, 800),
            above_top="none",
            note="(3) O3 8-h above 800 µg/m³: no 8-h IAQI; the O3 1-h IAQI is used",
        ),
        Breakpoints("PM25_24h", "PM2.5", "24h", UG, (0, 35, 75, 115, 150, 250, 350, 500)),
    )
}

FloatArray = npt.NDArray[np.float64]


def iaqi(key: str, concentration: npt.ArrayLike) -> FloatArray:
    """IAQI of concentrations in the unit of ``BREAKPOINTS[key]``, rounded up; NaN where there is no index.

    No index for NaN or negative concentrations, nor above the top of a column that a note ends (SO2 1-h, O3 8-h).
    Above the top of any other column: 500 (see the module's docstring).
    """
    table = BREAKPOINTS[key]
    bp = np.asarray(table.concentrations, dtype=np.float64)
    levels = np.asarray(IAQI_LEVELS[: len(bp)], dtype=np.float64)
    c = np.asarray(concentration, dtype=np.float64)
    seg = np.clip(np.searchsorted(bp, c, side="right") - 1, 0, len(bp) - 2)
    lo, hi = bp[seg], bp[seg + 1]
    raw = levels[seg] + (levels[seg + 1] - levels[seg]) * (c - lo) / (hi - lo)
    out = np.ceil(np.round(raw, 6))
    above = c > bp[-1]
    out = np.where(above, IAQI_TOP if table.above_top == "cap" else np.nan, out)
    out = np.where(np.isnan(c) | (c < 0), np.nan, out)
    return np.asarray(out, dtype=np.float64)


def iaqi_of(key: str, concentration: float) -> int | None:
    """:func:`iaqi` of one concentration: an integer, or None when there is no index."""
    value = float(iaqi(key, concentration))
    return None if np.isnan(value) else int(value)


@dataclass(frozen=True)
class Category:
    """One row of HJ 633-2012 Table 2: level (级别), category (类别) and its colour."""

    level: int  # 1 … 6
    level_zh: str
    level_en: str
    zh: str
    en: str
    colour_zh: str
    colour_en: str
    rgb: tuple[int, int, int]
    low: int  # the AQI range, inclusive
    high: int | None

    @property
    def hex(self) -> str:
        return "#{:02X}{:02X}{:02X}".format(*self.rgb)


CATEGORIES: tuple[Category, ...] = (
    Category(1, "一级", "Level I", "优", "Excellent", "绿色", "green", (0, 228, 0), 0, 50),
    Category(2, "二级", "Level II", "良", "Good", "黄色", "yellow", (255, 255, 0), 51, 100),
    Category(3, "三级", "Level III", "轻度污染", "Lightly polluted", "橙色", "orange", (255, 126, 0), 101, 150),
    Category(4, "四级", "Level IV", "中度污染", "Moderately polluted", "红色", "red", (255, 0, 0), 151, 200),
    Category(5, "五级", "Level V", "重度污染", "Heavily polluted", "紫色", "purple", (153, 0, 76), 201, 300),
    Category(6, "六级", "Level VI", "严重污染", "Severely polluted", "褐红色", "maroon", (126, 0, 35), 301, None),
)


def category_of(aqi: int) -> Category:
    """The level and category of an (integer, non-negative) AQI."""
    if aqi < 0:
        raise ValueError(f"AQI cannot be negative: {aqi}")
    for category in CATEGORIES:
        if category.high is None or aqi <= category.high:
            return category
    raise AssertionError("unreachable: the last category is open-ended")


def category_levels(aqi: npt.ArrayLike) -> npt.NDArray[np.int8]:
    """Level 1…6 of each AQI in an array; 0 where the AQI is NaN."""
    a = np.asarray(aqi, dtype=np.float64)
    edges = np.asarray([c.high for c in CATEGORIES[:-1]], dtype=np.float64)
    levels = (np.searchsorted(edges, a, side="left") + 1).astype(np.int8)
    return np.where(np.isnan(a), np.int8(0), levels).astype(np.int8)


@dataclass(frozen=True)
class AirQuality:
    """The AQI of one place and period: the IAQIs it came from, primary and exceeding pollutants, the category.

    ``aqi`` is None when no pollutant has an index. Primary pollutants (首要污染物) are all those whose IAQI is the
    AQI, named only when the AQI is above 50; exceeding pollutants (超标污染物) are those with an IAQI above 100.
    """

    aqi: int | None
    iaqi: Mapping[str, int]
    primary: tuple[str, ...]
    exceeding: tuple[str, ...]
    category: Category | None


def air_quality(iaqis: Mapping[str, float | int | None]) -> AirQuality:
    """Combine IAQIs (code → value, None or NaN for no index) into the AQI; codes keep the order given."""
    present = {code: int(v) for code, v in iaqis.items() if v is not None and not np.isnan(v)}
    if not present:
        return AirQuality(None, {}, (), (), None)
    aqi = max(present.values())
    primary = tuple(code for code, v in present.items() if v == aqi) if aqi > 50 else ()
    exceeding = tuple(code for code, v in present.items() if v > 100)
    return AirQuality(aqi, present, primary, exceeding, category_of(aqi))
