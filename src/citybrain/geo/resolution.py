"""From place mentions to one place: the district (区), the grid cell (网格) when the clues single one out, how sure.

The clues narrow down step by step. A district name picks the district; each road (路) and community (社区) name keeps
only the cells that carry it; a clue that fits none of the cells left is reported as a conflict and ignored.
Confidence is the chance that the most specific answer returned is right, from a fixed table (docs/geo.md):

====================================================  =========
cell singled out by a district and two or more clues   0.95
cell singled out by a district and one clue            0.90
cell singled out by two clues, no district named       0.85
cell singled out by one clue alone                     0.70
district named, the clues leave several of its cells   0.90
district named by its stem only (中心 for 中心区)         0.80
district inferred: all cells left lie in it            0.60
cells left lie in several districts                    0.20
nothing matched                                        0.00
====================================================  =========

A conflict (a clue that fits nowhere, two districts named) takes 0.2 off, never below 0.1; a district name that
several districts share equally is not used (the other clues decide).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from citybrain.geo.names import FAMILY_OF_LEVEL, name_key

if TYPE_CHECKING:
    from citybrain.geo.gazetteer import Area, Gazetteer, NameHits
    from citybrain.geo.places import PlaceMention


@dataclass(frozen=True)
class Match:
    """A mention and what it matched in the gazetteer (``how``: exact, stem, city, conflict)."""

    text: str
    level: str
    kind: str  # "district", "grid" or "city"
    codes: tuple[str, ...]
    how: str


@dataclass(frozen=True)
class Resolution:
    """Where a case is (``district_code``, ``grid``, centre ``lat``/``lon``), how sure, and why."""

    district_code: str | None
    grid: str | None
    lat: float | None
    lon: float | None
    confidence: float
    source: str  # "coordinates", "text" or "none"
    matched: tuple[Match, ...] = ()
    reasons: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


NOTHING = Resolution(None, None, None, None, 0.0, "none", (), ("no place in the text matches the gazetteer",))


@dataclass
class _Clues:
    districts: list[tuple[PlaceMention, NameHits]]
    times_named: dict[str, int]  # how often each district name was written (a repeated name weighs more)
    cells: list[tuple[PlaceMention, NameHits]]
    matched: list[Match]
    unmatched: list[str]


def resolve_mentions(gazetteer: Gazetteer, mentions: Sequence[PlaceMention]) -> Resolution:
    """The most specific place the mentions agree on (see the module docstring for the confidence table)."""
    clues = _collect(gazetteer, mentions)
    reasons: list[str] = []
    district, how, penalty = _choose_district(clues, reasons)
    cells, used = _narrow(gazetteer, district, clues, reasons)
    penalty += 0.2 * sum(1 for m in clues.matched if m.how == "conflict")
    if clues.unmatched:
        reasons.append("not in the gazetteer / 地名库中没有: " + ", ".join(clues.unmatched[:8]))
    result = _answer(gazetteer, district, how, cells, used, reasons)
    if result is None:
        why = "the places named do not single out a district / 地名无法确定区" if clues.matched else NOTHING.reasons[0]
        return Resolution(None, None, None, None, 0.0, "none", tuple(clues.matched), (*reasons, why))
    confidence = result.confidence
    if penalty:
        confidence = max(0.1, confidence - penalty) if confidence > 0.2 else confidence
    return Resolution(
        result.district_code,
        result.grid,
        result.lat,
        result.lon,
        round(confidence, 2),
        "text",
        tuple(clues.matched),
        tuple(reasons),
    )


def _collect(gazetteer: Gazetteer, mentions: Sequence[PlaceMention]) -> _Clues:
    clues = _Clues([], {}, [], [], [])
    seen: set[tuple[str, str]] = set()
    for mention in mentions:
        family = FAMILY_OF_LEVEL.get(mention.level)
        key = (name_key(mention.text), mention.level)
        if family == "admin":
            clues.times_named[key[0]] = clues.times_named.get(key[0], 0) + 1
        if family is None or key in seen:
            continue
        seen.add(key)
        if family == "admin" and gazetteer.is_city(mention.text):
            clues.matched.append(Match(mention.text, mention.level, "city", (), "city"))
            continue
        hits = gazetteer.lookup(mention.text, family)
        if hits is None:
            clues.unmatched.append(mention.text)
        elif family == "admin":
            clues.districts.append((mention, hits))
        else:
            clues.cells.append((mention, hits))
    return clues


def _choose_district(clues: _Clues, reasons: list[str]) -> tuple[Area | None, str, float]:
    """The district most named (exact names weigh more than stems); several districts named is a conflict."""
    votes: dict[str, float] = {}
    areas: dict[str, Area] = {}
    hows: dict[str, str] = {}
    for mention, hits in clues.districts:
        times = clues.times_named.get(name_key(mention.text), 1)
        for area in hits.areas:
            weight = times * (1.0 if hits.how == "exact" else 0.8) / len(hits.areas)
            votes[area.code] = votes.get(area.code, 0.0) + weight
            areas[area.code] = area
            hows[area.code] = "exact" if hows.get(area.code) == "exact" else hits.how
        clues.matched.append(Match(mention.text, mention.level, "district", hits.codes, hits.how))
    if not votes:
        return None, "", 0.0
    ranked = sorted(votes, key=lambda code: -votes[code])
    best = ranked[0]
    penalty = 0.0
    if len(ranked) > 1:
        others = ", ".join(ranked[1:4])
        if votes[ranked[1]] == votes[best]:
            reasons.append(f"the district name is ambiguous / 区名有歧义: {best}, {others}")
            return None, "", 0.0
        reasons.append(f"several districts named / 提到多个区: {best} (most), also {others}")
        penalty = 0.2
    area = areas[best]
    reasons.append(f"区 district {area.code} {area.name_zh or area.name_en} ({hows[best]} name)")
    return area, hows[best], penalty


def _narrow(
    gazetteer: Gazetteer, district: Area | None, clues: _Clues, reasons: list[str]
) -> tuple[frozenset[str] | None, int]:
    """The grid cells that every clue agrees on, within the district if one is named; and how many clues agreed."""
    cells = gazetteer.grid_codes_of(district.code) if district is not None else None
    used = 0
    for mention, hits in clues.cells:
        pool = hits.code_set if cells is None else cells & hits.code_set
        if not pool:
            where = district.code if district is not None and used == 0 else "the other clues"
            reasons.append(f"“{mention.text}” is not in {where}: ignored / 与其他地点不符，已忽略")
            clues.matched.append(Match(mention.text, mention.level, "grid", hits.codes, "conflict"))
            continue
        cells, used = pool, used + 1
        clues.matched.append(Match(mention.text, mention.level, "grid", hits.codes, hits.how))
    return cells, used


def _answer(
    gazetteer: Gazetteer, district: Area | None, how: str, cells: frozenset[str] | None, used: int, reasons: list[str]
) -> Resolution | None:
    if cells is not None and used and len(cells) == 1:
        grid = gazetteer.area(next(iter(cells)))
        assert grid is not None
        named = district is not None
        confidence = (0.95 if used >= 2 else 0.90) if named else (0.85 if used >= 2 else 0.70)
        reasons.append(f"网格 grid {grid.code}: the only cell that fits {used} road/community clue(s)")
        return _result(grid.district_code, grid.code, grid.lat, grid.lon, confidence)
    if cells is not None and used:
        return _several(gazetteer, district, how, cells, reasons)
    if district is not None:
        return _result(district.code, None, district.lat, district.lon, _district_confidence(how))
    return None


def _several(
    gazetteer: Gazetteer, district: Area | None, how: str, cells: frozenset[str], reasons: list[str]
) -> Resolution:
    areas = [a for a in (gazetteer.area(c) for c in sorted(cells)) if a is not None]
    districts = sorted({a.district_code for a in areas})
    shown = ", ".join(a.code for a in areas[:6]) + (" …" if len(areas) > 6 else "")
    reasons.append(f"{len(areas)} grid cells fit / 符合的网格: {shown}")
    if district is not None:
        return _result(district.code, None, district.lat, district.lon, _district_confidence(how))
    lat, lon = _mean_centre(areas)
    if len(districts) == 1:
        reasons.append(f"区 district {districts[0]}: every cell that fits lies in it")
        return _result(districts[0], None, lat, lon, 0.60)
    reasons.append(f"the cells lie in {len(districts)} districts / 分布在多个区: {', '.join(districts[:6])}")
    return _result(None, None, None, None, 0.20)


def _district_confidence(how: str) -> float:
    return 0.90 if how == "exact" else 0.80


def _mean_centre(areas: Sequence[Area]) -> tuple[float | None, float | None]:
    points = [(a.lat, a.lon) for a in areas if a.lat is not None and a.lon is not None]
    if not points:
        return None, None
    return (
        round(sum(p[0] for p in points if p[0] is not None) / len(points), 6),
        round(sum(p[1] for p in points if p[1] is not None) / len(points), 6),
    )


def _result(district: str | None, grid: str | None, lat: float | None, lon: float | None, conf: float) -> Resolution:
    return Resolution(district, grid, lat, lon, conf, "text")
