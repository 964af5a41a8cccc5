"""A year of citizens' requests in Demo City, with its rhythms and one planted pattern. Pure and seeded.

Volumes are Poisson per day and category: share × month curve × weekend factor × a day-level swing. Places
follow residents (or building work), hours follow each category's profile. Every case is then lived through
(:mod:`citybrain.simulate.lifecycle`) up to ``now``. Planted: in three cells, for a few weeks each, night
construction noise, construction-site and road-works complaints come together (see docs/demo.md). And, in a
city of 60 days or more, odour complaints two days after the planted pollution episode of
:mod:`citybrain.simulate.sensors`; they are made from their own random streams and appended after the regular
cases, so every other case is what it was without them.
"""

from __future__ import annotations

import random
from bisect import bisect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from itertools import accumulate

import numpy as np

from citybrain.core import clock
from citybrain.simulate.city import Cell, City
from citybrain.simulate.lifecycle import CaseState, SimCallback, SimEvent, Sla, derive_state, simulate_life
from citybrain.simulate.profiles import (
    CATEGORIES,
    CHANNELS,
    DEFAULT_QUALITY,
    HOURS,
    PLANTED_CATEGORIES,
    QUALITY,
    SLA_HOURS,
    CategoryProfile,
    FloatArray,
)
from citybrain.simulate.sensors import ODOUR_PER_DAY, Episode, pollution_episode
from citybrain.simulate.text_builder import CaseText, compose

#: The planted cells: a big site in the Hi-Tech Zone, one in Xincheng, one in Binjiang (docs/demo.md).
PLANTED_CELLS = ("D05-0304", "D08-0203", "D07-0405")
_PLANTED_AT = (0.25, 0.55, 0.85)  # where in the period each burst starts


@dataclass(frozen=True)
class Directory:
    """Who owns what, as the loaded directory says: (category, district) → department code, and SLAs."""

    routes: Mapping[tuple[str, str], str | None]
    sla: Mapping[str, Sla]
    departments: tuple[str, ...]


@dataclass(frozen=True)
class PlantedPattern:
    cell_id: str
    start: date  # first local day
    end: date  # day after the last
    categories: tuple[str, ...]


@dataclass(frozen=True)
class SimCase:
    index: int
    created_at: datetime
    channel: str
    request_type: str
    category: str
    district: str
    grid: str
    sla_code: str
    lat: float
    lon: float
    text: CaseText
    contact_name: str
    contact_phone: str | None
    contact_email: str | None
    duplicate_of: int | None
    events: tuple[SimEvent, ...]
    callbacks: tuple[SimCallback, ...]
    state: CaseState


@dataclass(frozen=True)
class Stream:
    seed: int
    start: date
    end: date
    now: datetime
    cases: tuple[SimCase, ...]
    planted: tuple[PlantedPattern, ...]
    episode: Episode | None = None  # the pollution episode whose odour complaints are among the cases


def default_directory(city: City) -> Directory:
    """The owners and SLAs the profiles assume, for generating without a database."""
    routes = {(p.code, d.code): p.department for p in CATEGORIES for d in city.districts}
    sla = {p.code: Sla(p.sla, *SLA_HOURS[p.sla]) for p in CATEGORIES}
    return Directory(routes, sla, tuple(sorted({p.department for p in CATEGORIES})))


def planted_patterns(city: City, start: date, days: int) -> tuple[PlantedPattern, ...]:
    """Three bursts of building-site trouble, spread over the period (also for a ten-day city)."""
    length = max(2, min(21, days // 6))
    patterns = []
    for cell_id, at in zip(PLANTED_CELLS, _PLANTED_AT, strict=True):
        first = start + timedelta(days=min(int(days * at), max(days - length, 0)))
        patterns.append(
            PlantedPattern(city.cell(cell_id).id, first, first + timedelta(days=length), tuple(PLANTED_CATEGORIES))
        )
    return tuple(patterns)


def _cell_weights(city: City, profile: CategoryProfile, site_factor: FloatArray) -> FloatArray:
    population = np.array([c.population for c in city.cells], dtype=float)
    if profile.driver == "building":
        development = np.array([city.district(c.district_code).development for c in city.cells])
        weights = population**0.3 * development**1.5 * site_factor
    else:
        weights = population
    return np.asarray(weights / weights.sum(), dtype=np.float64)


def _scale(cases_per_day: float) -> float:
    """Per-share rate so that a year averages ``cases_per_day``."""
    total = 0.0
    for p in CATEGORIES:
        total += p.share * float(np.mean(p.months)) * (5 + 2 * p.weekend) / 7
    return cases_per_day / total


@dataclass(frozen=True)
class _Draft:
    local: datetime
    profile: CategoryProfile
    cell: Cell


def _day_drafts(
    rng: np.random.Generator, city: City, day: date, scale: float, weights: dict[str, FloatArray], zone: tzinfo
) -> list[_Draft]:
    weekend = day.weekday() >= 5
    swing = rng.gamma(25.0, 1 / 25.0)
    drafts: list[_Draft] = []
    midnight = datetime.combine(day, time(0), zone)
    for profile in CATEGORIES:
        lam = scale * profile.share * profile.months[day.month - 1] * (profile.weekend if weekend else 1.0) * swing
        n = int(rng.poisson(lam))
        if n == 0:
            continue
        cells = rng.choice(len(city.cells), size=n, p=weights[profile.code])
        seconds = rng.choice(24, size=n, p=HOURS[profile.hours]) * 3600 + rng.integers(0, 3600, size=n)
        drafts.extend(
            _Draft(midnight + timedelta(seconds=int(s)), profile, city.cells[int(c)])
            for c, s in zip(cells, seconds, strict=True)
        )
    return drafts


def _planted_drafts(
    rng: np.random.Generator,
    city: City,
    day: date,
    patterns: tuple[PlantedPattern, ...],
    intensity: float,
    zone: tzinfo,
) -> list[_Draft]:
    by_code = {p.code: p for p in CATEGORIES}
    midnight = datetime.combine(day, time(0), zone)
    drafts: list[_Draft] = []
    for pattern in patterns:
        if not pattern.start <= day < pattern.end:
            continue
        for code, rate in PLANTED_CATEGORIES.items():
            profile = by_code[code]
            n = int(rng.poisson(rate * intensity))
            seconds = rng.choice(24, size=n, p=HOURS[profile.hours]) * 3600 + rng.integers(0, 3600, size=n)
            drafts.extend(
                _Draft(midnight + timedelta(seconds=int(s)), profile, city.cell(pattern.cell_id)) for s in seconds
            )
    return drafts


def generate(
    city: City,
    *,
    days: int = 365,
    cases_per_day: float = 300,
    seed: int = 1,
    now: datetime | None = None,
    directory: Directory | None = None,
    zone: tzinfo | None = None,
    on_day: Callable[[int], None] | None = None,
) -> Stream:
    """``days`` days of cases ending at ``now`` (default: the clock's now). Same arguments → same stream."""
    if days < 1 or cases_per_day <= 0:
        raise ValueError("days must be ≥ 1 and cases_per_day > 0")
    now = clock.as_utc(now or clock.utcnow())
    zone = zone or clock.city_zone("Asia/Shanghai")
    directory = directory or default_directory(city)
    rng = np.random.default_rng([seed, 2024])
    r = random.Random(int(rng.integers(2**62)))
    start = now.astimezone(zone).date() - timedelta(days=days - 1)
    planted = planted_patterns(city, start, days)
    site_factor = rng.lognormal(0.0, 1.0, size=len(city.cells))
    weights = {p.code: _cell_weights(city, p, site_factor) for p in CATEGORIES}
    scale, intensity = _scale(cases_per_day), max(1.0, cases_per_day / 100)
    maker = _CaseMaker(r, city, directory, now)
    for offset in range(days):
        day = start + timedelta(days=offset)
        drafts = _day_drafts(rng, city, day, scale, weights, zone) + _planted_drafts(
            rng, city, day, planted, intensity, zone
        )
        drafts.sort(key=lambda d: (d.local, d.profile.code, d.cell.id))
        for draft in drafts:
            if draft.local.astimezone(UTC) <= now:
                maker.make(draft)
        if on_day:
            on_day(1)
    episode = pollution_episode(start, days)
    odour = _episode_cases(city, maker, episode, seed=seed, intensity=cases_per_day / 300, zone=zone)
    return Stream(seed, start, start + timedelta(days=days), now, tuple(maker.cases) + odour, planted, episode)


def _episode_cases(
    city: City, maker: _CaseMaker, episode: Episode | None, *, seed: int, intensity: float, zone: tzinfo
) -> tuple[SimCase, ...]:
    """The odour complaints the episode drives, numbered after ``maker``'s cases; own seeds, never duplicates."""
    if episode is None:
        return ()
    rng = np.random.default_rng([seed, 2024, 13, 1])
    odour = _CaseMaker(random.Random(int(rng.integers(2**62))), city, maker.directory, maker.now, duplicates=False)
    profile = _PROFILES[episode.complaint_category]
    cells = [c for c in city.cells if c.district_code == episode.district]
    weights = np.array([c.population for c in cells], dtype=float)
    for day in episode.complaint_days:
        n = int(rng.poisson(ODOUR_PER_DAY * intensity))
        picked = rng.choice(len(cells), size=n, p=weights / weights.sum())
        seconds = rng.choice(24, size=n, p=HOURS[profile.hours]) * 3600 + rng.integers(0, 3600, size=n)
        midnight = datetime.combine(day, time(0), zone)
        made = (
            _Draft(midnight + timedelta(seconds=int(s)), profile, cells[int(c)])
            for c, s in zip(picked, seconds, strict=True)
        )
        drafts = sorted(made, key=lambda d: d.local)
        for draft in drafts:
            if draft.local.astimezone(UTC) <= maker.now:
                odour.make(draft)
    first = len(maker.cases)
    return tuple(replace(c, index=first + c.index) for c in odour.cases)


class _Picker:
    """A weighted choice, prepared once (``random.choices`` rebuilds its tables on every call)."""

    def __init__(self, table: Mapping[str, float]) -> None:
        self.keys = list(table)
        self.cum = list(accumulate(table.values()))

    def pick(self, r: random.Random) -> str:
        return self.keys[min(bisect(self.cum, r.random() * self.cum[-1]), len(self.keys) - 1)]


_CHANNELS = _Picker(CHANNELS)
_REQUEST_TYPES = {p.code: _Picker(p.request_types) for p in CATEGORIES}
_PROFILES = {p.code: p for p in CATEGORIES}


class _CaseMaker:
    """Turns drafts into whole cases: who, what, through which channel, and the life that followed."""

    def __init__(
        self, r: random.Random, city: City, directory: Directory, now: datetime, *, duplicates: bool = True
    ) -> None:
        self.r, self.city, self.directory, self.now, self.duplicates = r, city, directory, now, duplicates
        self.cases: list[SimCase] = []
        self.cells = {c.id: c for c in city.cells}
        self.districts = {d.code: d for d in city.districts}

    def _duplicate_source(self) -> SimCase | None:
        if not self.duplicates or len(self.cases) < 20 or self.r.random() > 0.03:
            return None
        original = self.cases[-self.r.randint(1, min(200, len(self.cases)))]
        return original if original.state.status not in ("invalid", "merged") else None

    def make(self, draft: _Draft) -> None:
        r = self.r
        original = self._duplicate_source()
        profile, cell = draft.profile, draft.cell
        category = original.category if original else profile.code
        if original:
            cell = self.cells[original.grid]
            profile = _PROFILES[category]
        fate = "merged" if original else ("invalid" if r.random() < 0.02 else "normal")
        channel = _CHANNELS.pick(r)
        request_type = _REQUEST_TYPES[category].pick(r)
        english = r.random() < (0.3 if channel in ("app", "open311") else 0.08)
        district = self.districts[cell.district_code]
        text = compose(r, category, cell, district, request_type=request_type, english=english)
        department = self.directory.routes.get((category, cell.district_code))
        wrong = None
        if department and fate != "invalid" and r.random() < 0.05:
            others = [d for d in self.directory.departments if d != department]
            wrong = r.choice(others) if others else None
        sla = self.directory.sla[category]
        quality = QUALITY.get(department or "", DEFAULT_QUALITY)
        created = draft.local.astimezone(UTC)
        events, callbacks = simulate_life(
            r, created=created, now=self.now, fate=fate, department=department, wrong_department=wrong,
            sla=sla, quality=quality, reply=text.reply,
        )  # fmt: skip
        self.cases.append(
            SimCase(
                index=len(self.cases),
                created_at=created,
                channel=channel,
                request_type=request_type,
                category=category,
                district=cell.district_code,
                grid=cell.id,
                sla_code=sla.code,
                lat=round(cell.lat + r.uniform(-0.0045, 0.0045), 6),
                lon=round(cell.lon + r.uniform(-0.005, 0.005), 6),
                text=text,
                contact_name=text.citizen,
                contact_phone=text.phone,
                contact_email=text.email,
                duplicate_of=original.index if original else None,
                events=tuple(events),
                callbacks=tuple(callbacks),
                state=derive_state(events, sla),
            )
        )
