"""The daily report (日报) and the hourly report (实时报) of HJ 633-2012, vectorised over stations and periods.

Which concentration feeds which column of Table 1:

| code  | daily report (日报)                        | hourly report (实时报)                             |
|-------|--------------------------------------------|----------------------------------------------------|
| PM2.5 | 24-h mean of the day → PM25_24h            | 24-h moving mean (hours h-23…h) → PM25_24h         |
| PM10  | 24-h mean → PM10_24h                       | 24-h moving mean → PM10_24h                        |
| SO2   | 24-h mean → SO2_24h                        | 1-h value → SO2_1h (above 800: note 2, SO2_24h)    |
| NO2   | 24-h mean → NO2_24h                        | 1-h value → NO2_1h                                 |
| CO    | 24-h mean → CO_24h (mg/m³)                 | 1-h value → CO_1h (mg/m³)                          |
| O3_1h | the day's maximum 1-h value → O3_1h        | 1-h value → O3_1h                                  |
| O3_8h | the day's maximum 8-h moving mean → O3_8h  | 8-h moving mean (hours h-7…h) → O3_8h              |

O3_8h above 800 µg/m³ has no IAQI; the O3 1-h IAQI stands in (note 3).

Data validity (GB 3095-2012 Table 4; HJ 663-2013 for the daily maximum 8-h mean) — a period short of data gets no
index for that pollutant, and a reason:

- a 24-h mean (daily, or moving in the hourly report) needs at least 20 hourly values;
- an 8-h moving mean needs at least 6 of its 8 hours;
- the day's maximum 8-h mean is taken over the 17 windows that lie wholly within the day — those ending at 08:00 …
  24:00, i.e. hours 0-7 … 16-23 (HJ 663-2013: "8时至24时") — and needs at least 14 valid ones;
- the day's maximum 1-h O3 value needs the same 20 hourly values as a 24-h mean (no rule is given for it; without
  one a day with two night hours would report a tiny maximum).

``DailyRules`` holds these numbers; ``DailyRules.sanity_check()`` is the simpler reading that reproduces the
Aotizhongxin figures in ../shared/standards/STANDARDS.md (docs/air.md explains the differences).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Literal

import numpy as np

from citybrain.sensing.air_grid import AirSeries, FloatArray, IntArray, moving_mean
from citybrain.sensing.aqi import CATEGORIES, CODES, IAQI_TOP, category_levels, iaqi

#: Table 1 column of each code, daily and hourly; units of the concentrations records carry.
DAILY_COLUMNS = {"PM2.5": "PM25_24h", "PM10": "PM10_24h", "SO2": "SO2_24h", "NO2": "NO2_24h", "CO": "CO_24h"}
DAILY_COLUMNS |= {"O3_1h": "O3_1h", "O3_8h": "O3_8h"}
HOURLY_COLUMNS = {"PM2.5": "PM25_24h", "PM10": "PM10_24h", "SO2": "SO2_1h", "NO2": "NO2_1h", "CO": "CO_1h"}
HOURLY_COLUMNS |= {"O3_1h": "O3_1h", "O3_8h": "O3_8h"}
NOTE_LIMIT = 800.0  # µg/m³, notes (2) and (3)
TOPS = {"PM25_24h": 500.0, "PM10_24h": 600.0, "SO2_24h": 2620.0, "NO2_24h": 940.0, "NO2_1h": 3840.0}
TOPS |= {"CO_24h": 60.0, "CO_1h": 150.0, "O3_1h": 1200.0}


@dataclass(frozen=True)
class DailyRules:
    """The validity rules of the daily report (defaults: GB 3095-2012 and HJ 663-2013, as above)."""

    min_hours: int = 20
    min_hours_8h: int = 6
    min_8h_means: int = 14
    #: "day": the 17 windows wholly within the day; "ending": the 24 windows ending in the day (hours h-7…h, h=0…23)
    o3_windows: Literal["day", "ending"] = "day"
    #: the daily report's O3 daily maximum 1-h value counts in the AQI (HJ 633-2012); False: only through note (3)
    o3_1h: bool = True

    @classmethod
    def sanity_check(cls) -> DailyRules:
        """The reading behind STANDARDS.md's Aotizhongxin figures: daily means of whatever hours there are, the 8-h
        means with 6 of 8 hours, the maximum over the 24 windows ending in the day, no O3 1-h."""
        return cls(min_hours=1, min_hours_8h=6, min_8h_means=1, o3_windows="ending", o3_1h=False)


@dataclass(frozen=True)
class Reason:
    """Why a pollutant has no index (or how a note changed it), in Chinese and English."""

    code: str
    zh: str
    en: str


@dataclass(frozen=True)
class AqiGrid:
    """IAQIs and AQI for every station × period: arrays (stations, periods), NaN where there is no index.

    ``concentrations[code]`` are what the index was computed from, in the index's units (CO mg/m³);
    ``counts[code]`` the valid hours (or 8-h means, for O3_8h of a day) behind each.
    """

    period: Literal["day", "hour"]
    stations: tuple[str, ...]
    start: date
    iaqi: dict[str, FloatArray]
    aqi: FloatArray
    concentrations: dict[str, FloatArray]
    counts: dict[str, IntArray]
    needed: dict[str, int]
    of: dict[str, int]
    substituted: dict[str, np.ndarray] = field(default_factory=dict)  # code → bool mask where a note applied
    first: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    last: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def label(self, period: int) -> str:
        """The record's date (YYYY-MM-DD) or time (ISO 8601, the file's local time) of a period index."""
        if self.period == "day":
            return (self.start + timedelta(days=period)).isoformat()
        return (datetime.combine(self.start, datetime.min.time()) + timedelta(hours=period)).isoformat()


def _day_max(values: FloatArray, valid_from: int) -> FloatArray:
    """Max over the last axis from position ``valid_from`` on, ignoring NaN (NaN when all are NaN)."""
    part = values[..., valid_from:]
    best = np.max(np.where(np.isnan(part), -np.inf, part), axis=-1)
    return np.asarray(np.where(np.isneginf(best), np.nan, best), dtype=np.float64)


def _aqi(iaqis: dict[str, FloatArray]) -> FloatArray:
    stack = np.stack(list(iaqis.values()))
    best = np.max(np.where(np.isnan(stack), -1.0, stack), axis=0)
    return np.asarray(np.where(best < 0, np.nan, best), dtype=np.float64)


def daily_index(series: AirSeries, rules: DailyRules | None = None) -> AqiGrid:
    """The daily report's IAQIs and AQI for every station and day of ``series``."""
    rules = rules or DailyRules()
    s, d = len(series.stations), series.days
    conc: dict[str, FloatArray] = {}
    counts: dict[str, IntArray] = {}
    for code in ("PM2.5", "PM10", "SO2", "NO2", "CO"):
        by_day = series.values[code].reshape(s, d, 24)
        n = (~np.isnan(by_day)).sum(axis=-1)
        total = np.nansum(by_day, axis=-1)
        conc[code] = np.where(n >= max(rules.min_hours, 1), total / np.maximum(n, 1), np.nan)
        counts[code] = n
    o3 = series.values["O3"]
    o3_by_day = o3.reshape(s, d, 24)
    counts["O3_1h"] = (~np.isnan(o3_by_day)).sum(axis=-1)
    conc["O3_1h"] = np.where(counts["O3_1h"] >= max(rules.min_hours, 1), _day_max(o3_by_day, 0), np.nan)
    mean8, _ = moving_mean(o3, 8, rules.min_hours_8h)
    first_window = 7 if rules.o3_windows == "day" else 0
    windows = mean8.reshape(s, d, 24)
    counts["O3_8h"] = (~np.isnan(windows[..., first_window:])).sum(axis=-1)
    conc["O3_8h"] = np.where(counts["O3_8h"] >= max(rules.min_8h_means, 1), _day_max(windows, first_window), np.nan)
    iaqis = {code: iaqi(DAILY_COLUMNS[code], conc[code]) for code in CODES}
    note3 = conc["O3_8h"] > NOTE_LIMIT
    if not rules.o3_1h:
        iaqis["O3_1h"] = np.where(note3, iaqis["O3_1h"], np.nan)
    needed = dict.fromkeys(CODES, rules.min_hours) | {"O3_8h": rules.min_8h_means}
    of = dict.fromkeys(CODES, 24) | {"O3_8h": 24 - first_window}
    return AqiGrid(
        "day", series.stations, series.start, iaqis, _aqi(iaqis), conc, counts, needed, of,
        substituted={"O3_8h": note3}, first=series.first_day, last=series.last_day,
    )  # fmt: skip


def hourly_index(series: AirSeries) -> AqiGrid:
    """The hourly report's IAQIs and AQI for every station and hour of ``series`` (rules as in the module doc)."""
    conc: dict[str, FloatArray] = {}
    counts: dict[str, IntArray] = {}
    for code in ("PM2.5", "PM10"):
        conc[code], counts[code] = moving_mean(series.values[code], 24, 20)
    for code in ("SO2", "NO2", "CO"):
        conc[code] = series.values[code]
        counts[code] = (~np.isnan(conc[code])).astype(np.int64)
    conc["O3_1h"] = series.values["O3"]
    counts["O3_1h"] = (~np.isnan(conc["O3_1h"])).astype(np.int64)
    conc["O3_8h"], counts["O3_8h"] = moving_mean(series.values["O3"], 8, 6)
    iaqis = {code: iaqi(HOURLY_COLUMNS[code], conc[code]) for code in CODES}
    note2 = conc["SO2"] > NOTE_LIMIT
    so2_24h, so2_count = moving_mean(series.values["SO2"], 24, 20)
    iaqis["SO2"] = np.where(note2, iaqi("SO2_24h", so2_24h), iaqis["SO2"])
    conc["SO2"] = np.where(note2, so2_24h, conc["SO2"])
    counts["SO2"] = np.where(note2, so2_count, counts["SO2"])
    note3 = conc["O3_8h"] > NOTE_LIMIT
    needed = dict.fromkeys(CODES, 1) | {"PM2.5": 20, "PM10": 20, "O3_8h": 6}
    of = dict.fromkeys(CODES, 1) | {"PM2.5": 24, "PM10": 24, "O3_8h": 8}
    return AqiGrid(
        "hour", series.stations, series.start, iaqis, _aqi(iaqis), conc, counts, needed, of,
        substituted={"SO2": note2, "O3_8h": note3}, first=series.first_day * 24, last=series.last_day * 24 + 23,
    )  # fmt: skip


def reasons(grid: AqiGrid, station: int, period: int) -> list[Reason]:
    """Why each pollutant of one station-period has no index, and which notes or caps changed one."""
    out: list[Reason] = []
    columns = DAILY_COLUMNS if grid.period == "day" else HOURLY_COLUMNS
    for code in CODES:
        value = grid.iaqi[code][station, period]
        c = float(grid.concentrations[code][station, period])
        noted = code in grid.substituted and bool(grid.substituted[code][station, period])
        if noted:
            out.append(_note_reason(grid, code, c, has_index=not np.isnan(value)))
        elif np.isnan(value):
            if grid.period == "day" and code == "O3_1h" and not np.isnan(c):
                continue  # not counted under DailyRules(o3_1h=False): nothing is missing
            out.append(_missing_reason(grid, code, int(grid.counts[code][station, period])))
        elif value == IAQI_TOP and c > TOPS.get(columns[code], np.inf):
            top = TOPS[columns[code]]
            out.append(
                Reason(
                    code,
                    f"{code}：浓度{c:g}超过表1最高限值{top:g}，分指数按500计",
                    f"{code}: {c:g} above the table's top ({top:g}); IAQI 500",
                )
            )
    return out


def _missing_reason(grid: AqiGrid, code: str, count: int) -> Reason:
    needed, of = grid.needed[code], grid.of[code]
    if grid.period == "hour" and of == 1:
        return Reason(code, f"{code}：该小时无有效数据", f"{code}: no valid value for this hour")
    if code == "O3_8h" and grid.period == "day":
        return Reason(
            code,
            f"{code}：{of}个8小时滑动平均中仅{count}个有效（至少需{needed}个）",
            f"{code}: {count} of {of} valid 8-h means (needs {needed})",
        )
    last = "最近" if grid.period == "hour" else ""
    return Reason(
        code,
        f"{code}：{last}{of}小时中仅{count}小时有数据（至少需{needed}小时）",
        f"{code}: {count} of {'the last ' if last else ''}{of} hours (needs {needed})",
    )


def _note_reason(grid: AqiGrid, code: str, c: float, *, has_index: bool) -> Reason:
    if code == "SO2":
        tail_zh = "采用24小时平均分指数" if has_index else "24小时平均数据不足（至少需20小时），无分指数"
        tail_en = "the 24-h IAQI is used" if has_index else "the 24-h mean lacks data (needs 20 hours): no IAQI"
        return Reason(
            code,
            f"SO2：1小时浓度超过800 µg/m³，不计算1小时分指数，{tail_zh}（HJ 633-2012 表1注2）",
            f"SO2: 1-h value above 800 µg/m³, no 1-h IAQI; {tail_en} (HJ 633-2012 Table 1 note 2)",
        )
    return Reason(
        code,
        f"O3_8h：8小时平均浓度{c:g} µg/m³超过800，不计算8小时分指数，采用O3 1小时分指数（表1注3）",
        f"O3_8h: 8-h mean {c:g} µg/m³ above 800, no 8-h IAQI; the O3 1-h IAQI is used (Table 1 note 3)",
    )


def records(grid: AqiGrid) -> list[dict[str, object]]:
    """One record per station and period within the station's span, in the shape the command writes.

    ``{station, date|time, aqi, level, category, primary, iaqi, …}``: ``aqi``, ``level`` and ``category`` are None
    when no pollutant has an index, and ``reason`` says why; ``iaqi`` holds only the pollutants with an index.
    """
    return [record for chunk in records_by_station(grid) for record in chunk]


def records_by_station(grid: AqiGrid) -> Iterator[list[dict[str, object]]]:
    """:func:`records`, one station at a time (so a writer never holds 12 stations × 35,064 hours at once)."""
    levels = category_levels(grid.aqi)
    for s in range(len(grid.stations)):
        yield _station_records(grid, levels, s)


def _station_records(grid: AqiGrid, levels: np.ndarray, s: int) -> list[dict[str, object]]:
    key = "date" if grid.period == "day" else "time"
    station = grid.stations[s]
    lo, hi = int(grid.first[s]), int(grid.last[s]) + 1
    aqi_row = grid.aqi[s, lo:hi].tolist()
    level_row = levels[s, lo:hi].tolist()
    iaqi_rows = [(code, grid.iaqi[code][s, lo:hi].tolist()) for code in CODES]
    conc_rows = [(code, np.round(grid.concentrations[code][s, lo:hi], 3).tolist()) for code in CODES]
    noted = np.zeros(hi - lo, dtype=bool)
    for mask in grid.substituted.values():
        noted |= mask[s, lo:hi]
    noted_row = noted.tolist()
    out: list[dict[str, object]] = []
    for i in range(hi - lo):
        values = {code: int(row[i]) for code, row in iaqi_rows if row[i] == row[i]}
        aqi = aqi_row[i]
        record: dict[str, object] = {"station": station, key: grid.label(lo + i)}
        record.update(_index_fields(None if aqi != aqi else int(aqi), level_row[i], values))
        record["concentrations"] = {code: row[i] for code, row in conc_rows if row[i] == row[i]}
        unusual = len(values) < len(CODES) or noted_row[i] or (aqi == aqi and aqi >= IAQI_TOP)
        why = reasons(grid, s, lo + i) if unusual else []
        record["reasons"] = [{"pollutant": r.code, "zh": r.zh, "en": r.en} for r in why]
        record["reason"] = None if values else _no_index(why)
        out.append(record)
    return out


def _index_fields(aqi: int | None, level: int, values: dict[str, int]) -> dict[str, object]:
    if aqi is None:
        return {"aqi": None, "level": None, "category": None, "primary": [], "iaqi": {}, "exceeding": []}
    category = CATEGORIES[level - 1]
    return {
        "aqi": aqi,
        "level": category.level_zh,
        "category": category.zh,
        "primary": [code for code, v in values.items() if v == aqi] if aqi > 50 else [],
        "iaqi": values,
        "exceeding": [code for code, v in values.items() if v > 100],
        "level_en": category.level_en,
        "category_en": category.en,
        "colour": {"name": category.colour_en, "name_zh": category.colour_zh, "rgb": list(category.rgb),
                   "hex": category.hex},
    }  # fmt: skip


def _no_index(why: list[Reason]) -> dict[str, str]:
    return {
        "zh": "无任何污染物的分指数，不计算AQI：" + "；".join(r.zh for r in why),
        "en": "no pollutant has an index, so no AQI: " + "; ".join(r.en for r in why),
    }


def daily_report(series: AirSeries, rules: DailyRules | None = None) -> list[dict[str, object]]:
    """日报: one record per station and day (see :func:`records`)."""
    return records(daily_index(series, rules))


def hourly_report(series: AirSeries) -> list[dict[str, object]]:
    """实时报: one record per station and hour (see :func:`records`)."""
    return records(hourly_index(series))
