"""From a day of stored air readings to alert signals: a level crossed (heavy pollution), a series out of its
habit (the temporal detectors on daily means), and a sensor at fault (stuck, gap, jump unlike its neighbours, out
of range). Pure: arrays in (``sensing.air_grid.AirSeries``), :class:`~citybrain.alerts.signals.Signal` out.

Every signal names who it is for in ``explanation.department``: the environment department (生态环境局) for the air
itself, the station's maintainer for its faults.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np

from citybrain.alerts.signals import Signal
from citybrain.analytics.detectors import TemporalSignal, run_all
from citybrain.analytics.sensor_faults import QUANTITY_LIMITS, Fault, detect_grid
from citybrain.analytics.warnings import number, significant_series
from citybrain.sensing.air_grid import INDEX_UNITS, AirSeries, moving_mean
from citybrain.sensing.air_report import DAILY_COLUMNS, AqiGrid
from citybrain.sensing.aqi import CODES, category_of, iaqi

#: The environment department's code (directory/data/departments.json: 生态环境局, Ecology and Environment Bureau).
ENVIRONMENT_DEPARTMENT = "ecology"
#: A station's daily AQI above this raises a heavy-pollution alert (HJ 633-2012: 201–300 重度污染, > 300 严重污染).
HEAVY_AQI = 200
#: The daily means the temporal detectors watch, per station (O3 by its daily maximum 8-h mean).
WATCHED = ("PM2.5", "PM10", "SO2", "NO2", "CO", "O3_8h")
#: Faults that become alerts (at-ceiling readings are censored, not broken: they stay marked, not alerted).
ALERTED_FAULTS = ("stuck", "gap", "jump", "out_of_range")
EPOCH = datetime(1970, 1, 1)  # noqa: DTZ001 -- local clock seconds: the grid is in the city's local time


def day_index(series: AirSeries, day: date) -> int | None:
    d = (day - series.start).days
    return d if 0 <= d < series.days else None


def heavy_pollution(series: AirSeries, grid: AqiGrid, day: date) -> list[Signal]:
    """One signal per station whose daily AQI on ``day`` is above :data:`HEAVY_AQI`."""
    d = day_index(series, day)
    if d is None:
        return []
    found = []
    for s, station in enumerate(series.stations):
        aqi = grid.aqi[s, d]
        if aqi != aqi or int(aqi) <= HEAVY_AQI:
            continue
        values = {code: int(grid.iaqi[code][s, d]) for code in CODES if grid.iaqi[code][s, d] == grid.iaqi[code][s, d]}
        found.append(_heavy_signal(series, station, day, int(aqi), values, _carrying_hours(series, s, d, values)))
    return found


def _heavy_signal(
    series: AirSeries, station: str, day: date, aqi: int, values: dict[str, int], hours: list[dict[str, Any]]
) -> Signal:
    category = category_of(aqi)
    primary = [code for code, v in values.items() if v == aqi]
    return Signal(
        kind="threshold",
        detector="aqi_heavy",
        series=f"air/{station}",
        on=day,
        observed=float(aqi),
        expected=float(HEAVY_AQI),
        title=f"{station}: AQI {aqi} {category.zh} ({category.en}), 首要污染物 primary {', '.join(primary)}",
        explanation={
            "series": f"air/{station}",
            "station": station,
            "department": ENVIRONMENT_DEPARTMENT,
            "threshold": HEAVY_AQI,
            "aqi": aqi,
            "level": category.level_zh,
            "category": category.zh,
            "category_en": category.en,
            "primary": primary,
            "iaqi": values,
            "hours": hours,
        },
    )


def _carrying_hours(series: AirSeries, s: int, d: int, values: dict[str, int]) -> list[dict[str, Any]]:
    """The hours of the day whose own reading of a primary pollutant is above the concentration of IAQI 200 in the
    daily table (for O3_8h: the 8-h means ending in that hour): the hours that carried the day."""
    aqi = max(values.values())
    hours: list[dict[str, Any]] = []
    for code in (c for c, v in values.items() if v == aqi):
        pollutant = code.split("_")[0]
        row = series.values[pollutant][s]
        if code == "O3_8h":
            row = moving_mean(row[None, :], 8, 6)[0][0]
        day_values = row[d * 24 : (d + 1) * 24]
        with np.errstate(invalid="ignore"):
            above = np.flatnonzero(iaqi(DAILY_COLUMNS[code], day_values) > HEAVY_AQI)
        start = datetime.combine(series.start, datetime.min.time()) + timedelta(days=d)
        hours += [
            {"time": (start + timedelta(hours=int(h))).isoformat(), "pollutant": code,
             "concentration": round(float(day_values[h]), 3), "unit": INDEX_UNITS[pollutant]}
            for h in above
        ]  # fmt: skip
    return hours


def unusual_means(series: AirSeries, grid: AqiGrid, day: date, *, max_q: float = 0.05) -> list[Signal]:
    """The temporal detectors (all but Farrington, which needs counts) on each station's daily means; a series
    warns as complaint series do (Bonferroni over methods, Benjamini–Hochberg over series, above expectation)."""
    if day_index(series, day) is None or series.days < 2:
        return []
    keys = [(station, code) for station in series.stations for code in WATCHED]
    values = np.stack([grid.concentrations[code][s] for s in range(len(series.stations)) for code in WATCHED])
    dates = [series.start + timedelta(days=i) for i in range(series.days)]
    judged = run_all(values, dates, keys, as_of=day)
    by_series: dict[tuple[str, ...], list[TemporalSignal]] = {}
    for alarm in significant_series(judged, max_q):
        by_series.setdefault(alarm.series_key, []).append(alarm)
    return [_mean_signal(alarms) for alarms in by_series.values()]


def _mean_signal(alarms: list[TemporalSignal]) -> Signal:
    lead = alarms[0]  # strongest first
    station, code = lead.series_key
    unit = INDEX_UNITS[code.split("_")[0]]
    methods = [
        {"method": a.method, "expected": number(a.expected), "threshold": number(a.threshold),
         "p_value": number(a.p_value)}
        for a in alarms
    ]  # fmt: skip
    names = ", ".join(a.method for a in alarms)
    return Signal(
        kind="temporal",
        detector="sensor_temporal",
        series=f"air/{station}/{code}",
        on=lead.date.date(),
        observed=round(float(lead.observed), 3),
        expected=number(lead.expected),
        p_value=number(lead.p_value),
        recurrence_days=number(lead.recurrence_interval),
        title=f"{station} {code}: daily mean {lead.observed:.1f} {unit}, expected {lead.expected:.1f} ({names})",
        explanation={
            "series": f"air/{station}/{code}",
            "station": station,
            "pollutant": code,
            "unit": unit,
            "department": ENVIRONMENT_DEPARTMENT,
            "method": lead.method,
            "threshold": number(lead.threshold),
            "methods": methods,
        },
    )


def sensor_faults(series: AirSeries, day: date, maintainers: Mapping[str, str]) -> list[Signal]:
    """One signal per fault (of :data:`ALERTED_FAULTS`) that touches ``day``'s hours, addressed to the station's
    maintainer (``maintainers[station]``, default the environment department)."""
    d = day_index(series, day)
    if d is None:
        return []
    hours = series.days * 24
    times = (np.arange(hours, dtype=np.int64) + (series.start - EPOCH.date()).days * 24) * 3600
    found = []
    for pollutant, grid in series.values.items():
        report = detect_grid(times, grid, QUANTITY_LIMITS[pollutant])
        for fault in report.faults:
            if fault.kind in ALERTED_FAULTS and _touches(fault, d * 24, (d + 1) * 24):
                station = series.stations[fault.series]
                who = maintainers.get(station, ENVIRONMENT_DEPARTMENT)
                found.append(_fault_signal(fault, station, pollutant, day, who))
    return found


def _touches(fault: Fault, first: int, stop: int) -> bool:
    if fault.first == fault.stop:  # a gap: the reading after the silence
        return first <= fault.first < stop
    return fault.first < stop and fault.stop > first


def _fault_signal(fault: Fault, station: str, pollutant: str, day: date, who: str) -> Signal:
    when = [(EPOCH + timedelta(seconds=t)).isoformat() for t in (fault.start_time, fault.end_time)]
    return Signal(
        kind="sensor_fault",
        detector=fault.kind,
        series=f"{station}/{pollutant}",
        on=day,
        observed=float(fault.readings),
        title=f"传感器故障 sensor fault {station} {pollutant}: {fault.kind} — {fault.evidence}",
        explanation={
            "series": f"{station}/{pollutant}",
            "station": station,
            "pollutant": pollutant,
            "department": who,
            "fault": fault.kind,
            "evidence": fault.evidence,
            "quality": fault.result_quality(),
            "from": when[0],
            "to": when[1],
            "readings": fault.readings,
        },
    )


def maintainers_of(streams: Sequence[Any]) -> dict[str, str]:
    """Who maintains each station: its Thing's ``properties.maintainer`` (a department code), else
    ``properties.department``, else the environment department."""
    found: dict[str, str] = {}
    for stream in streams:
        props = stream.thing_properties or {}
        found.setdefault(stream.station, str(props.get("maintainer") or props.get("department") or
                                             ENVIRONMENT_DEPARTMENT))  # fmt: skip
    return found
