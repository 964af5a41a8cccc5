"""Demo City's senses: air-quality stations and car parks, a year of readings with one planted pollution episode
and planted faults. Pure and seeded: same city, period and seed → same readings.

Stations: one air-quality station (空气质量监测站) per district at its centre, a second downtown; hourly PM2.5, PM10,
NO2, O3 (µg/m³), CO (mg/m³) and SO2 (µg/m³). Each pollutant is a city-wide weather factor (AR(1) by day, on the log
scale: a bad day is bad everywhere, and lingers) times a local factor, a season (particles and NO2 high in winter,
O3 in summer) and a daily shape (traffic peaks for NO2, CO and particles, the afternoon for O3). Car parks (停车场):
occupancy every 30 minutes, office-hours on weekdays, with each car park's capacity.

Planted (see :data:`EPISODE_DISTRICT`, :func:`pollution_episode`, :func:`planted_faults`): a three-day PM2.5
episode in Beicheng (PM10 rises with it, as it physically must), which the case stream answers with odour
complaints (``environment.air``) two days later; and faults — a stuck NO2 run, a PM10 spike, a gap, an O3 value
out of physical range and a car park fuller than its capacity — so the fault detector has a key to check; and, on the
day before the period's last, a stuck PM10 run and a stuck car-park count (the Demo City ends today: yesterday's
nightly sensor job has something to say).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

import numpy as np
import numpy.typing as npt

from citybrain.core import clock
from citybrain.simulate.city import City, to_lat_lon

FloatArray = npt.NDArray[np.float64]

#: quantity → (unit, typical level, winter/summer swing (+ = winter high), daily shape)
POLLUTANTS: dict[str, tuple[str, float, float, str]] = {
    "PM2.5": ("µg/m³", 42.0, 0.45, "traffic"),
    "PM10": ("µg/m³", 30.0, 0.35, "traffic"),  # the coarse part; PM10 = PM2.5 + coarse
    "NO2": ("µg/m³", 32.0, 0.25, "traffic"),
    "O3": ("µg/m³", 70.0, -0.45, "afternoon"),
    "CO": ("mg/m³", 0.8, 0.3, "traffic"),
    "SO2": ("µg/m³", 9.0, 0.3, "flat"),
}
EPISODE_DISTRICT = "D04"
EPISODE_DAYS = 3
EPISODE_PM25 = 140.0  # µg/m³ added to PM2.5 (and to PM10) through the episode
ODOUR_LAG_DAYS = 2
ODOUR_CATEGORY = "environment.air"
ODOUR_PER_DAY = 20.0  # extra complaints a day at 300 cases/day, scaled with the city's volume
MIN_DAYS_FOR_EPISODE = 60  # shorter Demo Cities get no episode (and no extra complaints)
CAR_PARKS = (("D01", 0.8, 0.5), ("D02", 0.3, -0.4), ("D05", -0.5, 0.2))  # district, km offset east, north


@dataclass(frozen=True)
class Station:
    id: str
    kind: str  # "air" or "parking"
    district: str
    lat: float
    lon: float
    capacity: int | None = None


@dataclass(frozen=True)
class Episode:
    district: str
    quantity: str
    start: date  # first local day
    days: int
    added: float
    complaint_category: str
    complaint_lag: int

    @property
    def complaint_days(self) -> tuple[date, ...]:
        return tuple(self.start + timedelta(days=self.complaint_lag + i) for i in range(self.days))


@dataclass(frozen=True)
class Fault:
    station: str
    quantity: str
    kind: str  # "stuck", "spike", "gap", "out_of_range"
    start: datetime  # aware, first affected reading
    end: datetime  # aware, last affected reading


@dataclass(frozen=True)
class Series:
    station: str
    quantity: str
    unit: str
    times: tuple[datetime, ...]  # aware, the city's zone
    values: FloatArray  # NaN = no reading (a gap: the row is not written)


@dataclass(frozen=True)
class SensorCity:
    seed: int
    start: date
    days: int
    stations: tuple[Station, ...]
    series: tuple[Series, ...]
    episode: Episode | None
    faults: tuple[Fault, ...]

    def station(self, station_id: str) -> Station:
        return next(s for s in self.stations if s.id == station_id)

    def rows(self) -> Iterator[tuple[str, str, float, float, str, str, str, float]]:
        """(station, district, lat, lon, quantity, unit, time ISO, value) for every reading, gaps left out."""
        for s in self.series:
            station = self.station(s.station)
            for moment, value in zip(s.times, s.values, strict=True):
                if np.isfinite(value):
                    row = (station.id, station.district, station.lat, station.lon, s.quantity, s.unit)
                    yield (*row, moment.isoformat(), round(float(value), 3))


def pollution_episode(start: date, days: int) -> Episode | None:
    """The planted episode of a period: 40% of the way in, in Beicheng (None for a period under 60 days)."""
    if days < MIN_DAYS_FOR_EPISODE:
        return None
    first = start + timedelta(days=int(days * 0.4))
    return Episode(EPISODE_DISTRICT, "PM2.5", first, EPISODE_DAYS, EPISODE_PM25, ODOUR_CATEGORY, ODOUR_LAG_DAYS)


def stations(city: City) -> tuple[Station, ...]:
    """One air station per district at its centre, a second in the centre district, and three car parks."""
    out = [
        Station(f"AQ-{d.code}", "air", d.code, round(d.center_lat, 6), round(d.center_lon, 6)) for d in city.districts
    ]
    center = city.district("D01")
    out.append(
        Station("AQ-D01b", "air", "D01", round(center.center_lat + 0.012, 6), round(center.center_lon - 0.01, 6))
    )
    for i, (code, east, north) in enumerate(CAR_PARKS, start=1):
        d = city.district(code)
        lat, lon = to_lat_lon(0.0, 0.0)
        dlat, dlon = to_lat_lon(east, north)
        capacity = 300 + 150 * i
        out.append(Station(f"CP-{i:02d}", "parking", code, round(d.center_lat + dlat - lat, 6),
                           round(d.center_lon + dlon - lon, 6), capacity))  # fmt: skip
    return tuple(out)


def simulate_sensors(
    city: City, *, start: date, days: int, seed: int = 1, zone: tzinfo | None = None, episode: bool = True
) -> SensorCity:
    """``days`` days of readings from local midnight of ``start``; ``episode=False`` plants no episode (a null)."""
    if days < 1:
        raise ValueError("days must be ≥ 1")
    zone = zone or clock.city_zone("Asia/Shanghai")
    rng = np.random.default_rng([seed, 2024, 13])
    planted = pollution_episode(start, days) if episode else None
    hours = tuple(datetime.combine(start, time(0), zone) + timedelta(hours=h) for h in range(days * 24))
    series: list[Series] = []
    weather = {q: _ar1(rng, days, 0.7, 0.3) for q in POLLUTANTS}
    all_stations = stations(city)
    for station in all_stations:
        if station.kind == "air":
            series.extend(_air(rng, station, start, hours, weather, planted))
    halves = tuple(datetime.combine(start, time(0), zone) + timedelta(minutes=30 * k) for k in range(days * 48))
    for station in all_stations:
        if station.kind == "parking":
            series.append(_parking(rng, station, halves))
    faulted, faults = _plant_faults(series, days)
    return SensorCity(seed, start, days, all_stations, tuple(faulted), planted, faults)


def _ar1(rng: np.random.Generator, n: int, phi: float, sd: float) -> FloatArray:
    e = rng.normal(0.0, sd * np.sqrt(1 - phi**2), size=n)
    out = np.empty(n)
    out[0] = rng.normal(0.0, sd)
    for t in range(1, n):
        out[t] = phi * out[t - 1] + e[t]
    return out


_SHAPES = {
    "traffic": 1
    + 0.25 * np.exp(-(((np.arange(24) - 8) / 1.5) ** 2))
    + 0.3 * np.exp(-(((np.arange(24) - 19) / 2) ** 2)),
    "afternoon": 0.5 + 0.9 * np.exp(-(((np.arange(24) - 15) / 3.0) ** 2)),
    "flat": np.ones(24),
}


def _air(
    rng: np.random.Generator,
    station: Station,
    start: date,
    hours: tuple[datetime, ...],
    weather: dict[str, FloatArray],
    episode: Episode | None,
) -> list[Series]:
    days = len(hours) // 24
    doy = np.array([(start + timedelta(days=d)).timetuple().tm_yday for d in range(days)], dtype=np.float64)
    hour = np.tile(np.arange(24), days)
    values: dict[str, FloatArray] = {}
    for quantity, (_, level, swing, shape) in POLLUTANTS.items():
        local = _ar1(rng, days, 0.5, 0.2) + rng.normal(0.0, 0.15)
        season = 1 + swing * np.cos(2 * np.pi * (doy - 15) / 365.25)
        daily = level * season * np.exp(weather[quantity] + local)
        noise = np.exp(rng.normal(0.0, 0.15, size=days * 24))
        values[quantity] = np.repeat(daily, 24) * _SHAPES[shape][hour] * noise
    if episode is not None and station.district == episode.district:
        first = (episode.start - start).days
        bump = np.zeros(days * 24)
        bump[first * 24 : (first + episode.days) * 24] = episode.added * rng.uniform(0.8, 1.2, size=episode.days * 24)
        values["PM2.5"] = values["PM2.5"] + bump
    values["PM10"] = values["PM10"] + values["PM2.5"]
    return [
        Series(station.id, q, POLLUTANTS[q][0], hours, np.round(v, 3 if q == "CO" else 1)) for q, v in values.items()
    ]


def _parking(rng: np.random.Generator, station: Station, halves: tuple[datetime, ...]) -> Series:
    capacity = float(station.capacity or 500)
    hour = np.array([h.hour + h.minute / 60 for h in halves])
    weekday = np.array([h.weekday() < 5 for h in halves])
    office = np.exp(-(((hour - 13.0) / 4.0) ** 2))
    share = np.where(weekday, 0.15 + 0.75 * office, 0.1 + 0.35 * office)
    share = share * np.exp(rng.normal(0.0, 0.05, size=len(halves)))
    occupancy = np.clip(np.round(share * capacity), 0, capacity)
    return Series(station.id, "occupancy", "vehicles", halves, occupancy.astype(np.float64))


#: station, quantity ("*" = every quantity of the station), kind, where in the period (share), first hour, hours
_FAULTS = (
    ("AQ-D02", "NO2", "stuck", 0.2, 6, 12),
    ("AQ-D06", "PM10", "spike", 0.3, 10, 1),
    ("AQ-D07", "*", "gap", 0.6, 4, 30),
    ("AQ-D08", "O3", "out_of_range", 0.7, 14, 1),
    ("CP-02", "occupancy", "out_of_range", 0.5, 12, 2),
)


#: station, quantity, kind, days before the period's end (2: the day before its last — yesterday, for a period that
#: ends today, as ``citybrain demo``'s does, so the nightly job finds a sensor in trouble), first hour, hours
_LATE_FAULTS = (
    ("AQ-D03", "PM10", "stuck", 2, 8, 8),
    ("CP-03", "occupancy", "stuck", 2, 10, 4),
)


def planted_faults(days: int) -> tuple[tuple[str, str, str, int, int], ...]:
    """(station, quantity, kind, first hour of the period, hours) of each planted fault."""
    spread = tuple((s, q, kind, int(days * at) * 24 + hour, length) for s, q, kind, at, hour, length in _FAULTS)
    late = tuple(
        (s, q, kind, (days - before) * 24 + hour, length)
        for s, q, kind, before, hour, length in _LATE_FAULTS
        if days > before
    )
    return spread + late


def _plant_faults(series: list[Series], days: int) -> tuple[list[Series], tuple[Fault, ...]]:
    """Spoil the readings where :func:`planted_faults` says; a fault's times are those of the readings it spoiled."""
    out = list(series)
    faults = []
    for station, quantity, kind, first_hour, length in planted_faults(days):
        spoiled: list[Series] = []
        for k, s in enumerate(out):
            if s.station != station or quantity not in ("*", s.quantity):
                continue
            step = 2 if s.quantity == "occupancy" else 1  # readings per hour
            lo, hi = first_hour * step, (first_hour + length) * step
            if hi > len(s.values):
                continue
            values = s.values.copy()
            values[lo:hi] = _spoil(kind, values[lo:hi], s.quantity)
            out[k] = Series(s.station, s.quantity, s.unit, s.times, values)
            spoiled.append(out[k])
        if spoiled:
            s = spoiled[0]
            step = 2 if s.quantity == "occupancy" else 1
            start, end = s.times[first_hour * step], s.times[(first_hour + length) * step - 1]
            faults.append(Fault(station, quantity, kind, start, end))
    return out, tuple(faults)


def _spoil(kind: str, values: FloatArray, quantity: str) -> FloatArray:
    if kind == "stuck":
        return np.full_like(values, values[0])
    if kind == "spike":
        return values * 8.0
    if kind == "gap":
        return np.full_like(values, np.nan)
    if quantity == "occupancy":
        return np.full_like(values, 2000.0)  # more cars than any car park here holds
    return np.full_like(values, 9999.0)  # a sentinel no O3 sensor can read
