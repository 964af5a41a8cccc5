"""Collision files in: NYC crashes (NYPD MV-104AN), STATS19 as published by Cambridgeshire, and our canonical CSV.

Every reader checks the header first and names every missing column (InvalidInput, exit 2 on the command line);
a file that is not text in its encoding, or not CSV, is one clear error too. Nothing is written by reading.
STATS19 Easting/Northing (British National Grid, EPSG:27700) become WGS84 through pyproj, offline (the wheel
carries PROJ's data; without the OSTN15 grid the transformation is a Helmert fit, a few metres off — well inside the
30 m snapping radius).
"""

from __future__ import annotations

import csv
import gzip
import io
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from citybrain.core.errors import InvalidInput
from citybrain.scenarios.traffic_safety.records import NEAR_SIDES, Collisions
from citybrain.scenarios.traffic_safety.streets import split_location
from citybrain.scenarios.traffic_safety.vehicles import vehicle_class

FORMATS = ("nyc", "stats19", "canonical")

NYC_COLUMNS = (
    "COLLISION_ID", "CRASH DATE", "LATITUDE", "LONGITUDE", "ON STREET NAME", "CROSS STREET NAME",
    "NUMBER OF PEDESTRIANS INJURED", "NUMBER OF PEDESTRIANS KILLED", "NUMBER OF CYCLIST INJURED",
    "NUMBER OF CYCLIST KILLED", "NUMBER OF MOTORIST INJURED", "NUMBER OF MOTORIST KILLED",
    *(f"VEHICLE TYPE CODE {i}" for i in range(1, 6)),
)  # fmt: skip
STATS19_COLUMNS = (
    "Reference", "Date", "Junction Detail", "Ped", "Cycle", "TWMV", "Location", "Easting", "Northing",
    "Vehicle_1_Type", "Vehicle_1_Manouvres", "Vehicle_2_Type", "Vehicle_2_Manouvres", "Vehicle_3_Type",
    "V3_Manouvres",
)  # fmt: skip
CANONICAL_COLUMNS = (
    "collision_id", "lat", "lon", "on_street", "cross_street", "at_junction", "vehicle_types", "vulnerable_hurt",
)  # fmt: skip
CANONICAL_OPTIONAL = ("date", "manoeuvres")
#: STATS19 junction details that are not a road junction (a private drive is an entrance, not an intersection).
STATS19_NOT_JUNCTION = frozenset({"Not at junction", "Private drive/entry", ""})

_ENCODINGS = {"nyc": "utf-8-sig", "stats19": "latin-1", "canonical": "utf-8-sig"}
_NEAR_SIDE = {"nyc": "right", "stats19": "left", "canonical": "right"}
_TRUE = frozenset({"1", "true", "yes", "y", "t"})
_FALSE = frozenset({"0", "false", "no", "n", "f", ""})


def read_collisions(
    path: Path, fmt: str, *, near_side: str | None = None, rejects: list[tuple[int, str, str]] | None = None
) -> Collisions:
    """The collisions of one file (CSV, or CSV.gz) in ``fmt``; ``near_side`` overrides the format's default.

    A malformed canonical row refuses the whole file — unless ``rejects`` is given (the importer's report): then
    the row is left out and ``(row, collision_id, reason)`` appended to it."""
    if fmt not in FORMATS:
        raise InvalidInput(f"unknown collision format {fmt!r}: use one of {', '.join(FORMATS)}")
    side = near_side or _NEAR_SIDE[fmt]
    if side not in NEAR_SIDES:
        raise InvalidInput(f"--near-side takes right or left, not {side!r}")
    header, rows = _rows(path, _ENCODINGS[fmt])
    required = {"nyc": NYC_COLUMNS, "stats19": STATS19_COLUMNS, "canonical": CANONICAL_COLUMNS}[fmt]
    missing = [c for c in required if c not in header]
    if missing:
        raise InvalidInput(f"{path.name} is not a {fmt} collision file: missing column(s) {', '.join(missing)}")
    column = {name: header.index(name) for name in reversed(header)}  # the first of a duplicated name wins
    try:
        if fmt == "canonical":
            return _canonical(rows, column, side, rejects)
        return (_nyc if fmt == "nyc" else _stats19)(rows, column, side)
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            f"{path.name} is not {_ENCODINGS[fmt]} text ({exc.reason}); {fmt} files are read as {_ENCODINGS[fmt]}"
        ) from None
    except csv.Error as exc:
        raise InvalidInput(f"{path.name} is not a readable CSV file: {exc}") from None


def _rows(path: Path, encoding: str) -> tuple[list[str], Iterator[list[str]]]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror or exc}") from None
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise InvalidInput(f"{path.name} is not a readable gzip file: {exc}") from None
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            f"{path.name} is not {encoding} text (byte {exc.start}: {exc.reason}); check the file and --format"
        ) from None
    rows = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(rows)]
    except StopIteration:
        raise InvalidInput(f"{path.name} is empty: no header row") from None
    return header, rows


def _cell(row: list[str], index: int) -> str:
    return row[index].strip() if index < len(row) else ""


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return float("nan")


def _count(text: str) -> int:
    try:
        return int(float(text))
    except ValueError:
        return 0


class _Columns:
    """Lists filled row by row, turned into a ``Collisions`` at the end."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.dates: list[str] = []
        self.lat: list[float] = []
        self.lon: list[float] = []
        self.on: list[str] = []
        self.cross: list[str] = []
        self.junction: list[bool] = []
        self.vehicles: list[tuple[str, ...]] = []
        self.manoeuvres: list[tuple[str, ...]] = []
        self.hurt: list[bool] = []
        self.rows: list[int] = []

    def done(self, source: str, near_side: str) -> Collisions:
        return Collisions(
            source=source, near_side=near_side, ids=tuple(self.ids), dates=tuple(self.dates),
            lat=np.asarray(self.lat, dtype=np.float64), lon=np.asarray(self.lon, dtype=np.float64),
            on_street=tuple(self.on), cross_street=tuple(self.cross),
            at_junction=np.asarray(self.junction, dtype=bool), vehicles=tuple(self.vehicles),
            manoeuvres=tuple(self.manoeuvres), vulnerable_hurt=np.asarray(self.hurt, dtype=bool),
            rows=tuple(self.rows),
        )  # fmt: skip


def _nyc(rows: Iterator[list[str]], col: dict[str, int], side: str) -> Collisions:
    """NYC: no manoeuvre; motorcyclists are counted among motorists, so a motorist hurt with a motorcycle in the
    crash counts as a vulnerable road user hurt. LAT/LON of 0 are missing values."""
    out = _Columns()
    kinds = [f"VEHICLE TYPE CODE {i}" for i in range(1, 6)]
    for number, row in enumerate(rows, start=2):
        if not any(row):
            continue
        out.rows.append(number)
        lat, lon = _number(_cell(row, col["LATITUDE"])), _number(_cell(row, col["LONGITUDE"]))
        if lat == 0 or lon == 0:
            lat = lon = float("nan")
        vehicles = tuple(v for v in (_cell(row, col[k]) for k in kinds) if v)
        vru = sum(_count(_cell(row, col[k])) for k in NYC_COLUMNS[6:10]) > 0
        motorist = _count(_cell(row, col[NYC_COLUMNS[10]])) + _count(_cell(row, col[NYC_COLUMNS[11]])) > 0
        moto = any(vehicle_class(v) == "motorcycle" for v in vehicles)
        on, cross = _cell(row, col["ON STREET NAME"]), _cell(row, col["CROSS STREET NAME"])
        out.ids.append(_cell(row, col["COLLISION_ID"]))
        out.dates.append(_us_date(_cell(row, col["CRASH DATE"])))
        out.lat.append(lat)
        out.lon.append(lon)
        out.on.append(on)
        out.cross.append(cross)
        out.junction.append(bool(on and cross))
        out.vehicles.append(vehicles)
        out.manoeuvres.append(("",) * len(vehicles))
        out.hurt.append(vru or (motorist and moto))
    return out.done("nyc", side)


def _us_date(text: str) -> str:
    found = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", text)
    return f"{found.group(3)}-{int(found.group(1)):02d}-{int(found.group(2)):02d}" if found else text


def _stats19(rows: Iterator[list[str]], col: dict[str, int], side: str) -> Collisions:
    """STATS19 holds injury collisions only, one row each with up to three vehicles. A pedestrian casualty (Ped=Y),
    a pedal cycle (Cycle=Y) or a two-wheeled motor vehicle (TWMV=Y) in a collision with a large vehicle stands for a
    vulnerable road user hurt: the file has no casualty table, and in such a collision the casualty is almost
    always the one outside the large vehicle."""
    out = _Columns()
    pairs = [("Vehicle_1_Type", "Vehicle_1_Manouvres"), ("Vehicle_2_Type", "Vehicle_2_Manouvres"),
             ("Vehicle_3_Type", "V3_Manouvres")]  # fmt: skip
    eastings: list[float] = []
    northings: list[float] = []
    for number, row in enumerate(rows, start=2):
        if not any(row):
            continue
        out.rows.append(number)
        present = [(_cell(row, col[t]), _cell(row, col[m])) for t, m in pairs if _cell(row, col[t])]
        on, cross = split_location(_cell(row, col["Location"]))
        out.ids.append(_cell(row, col["Reference"]))
        date = _cell(row, col["Date"])
        out.dates.append(f"{date[:4]}-{date[4:6]}-{date[6:8]}" if re.fullmatch(r"\d{8}", date) else date)
        eastings.append(_number(_cell(row, col["Easting"])))
        northings.append(_number(_cell(row, col["Northing"])))
        out.on.append(on)
        out.cross.append(cross)
        out.junction.append(_cell(row, col["Junction Detail"]) not in STATS19_NOT_JUNCTION)
        out.vehicles.append(tuple(t for t, _ in present))
        out.manoeuvres.append(tuple(m for _, m in present))
        out.hurt.append(any(_cell(row, col[flag]).upper() == "Y" for flag in ("Ped", "Cycle", "TWMV")))
    out.lat, out.lon = _british_grid_to_wgs84(eastings, northings)
    return out.done("stats19", side)


def _british_grid_to_wgs84(eastings: list[float], northings: list[float]) -> tuple[list[float], list[float]]:
    from pyproj import Transformer

    if not eastings:
        return [], []
    to_wgs84 = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)
    lon, lat = to_wgs84.transform(np.asarray(eastings), np.asarray(northings))
    lat, lon = np.asarray(lat, dtype=np.float64), np.asarray(lon, dtype=np.float64)
    bad = ~np.isfinite(lat) | ~np.isfinite(lon)
    lat[bad] = lon[bad] = np.nan
    return lat.tolist(), lon.tolist()


def _canonical(
    rows: Iterator[list[str]], col: dict[str, int], side: str, rejects: list[tuple[int, str, str]] | None
) -> Collisions:
    """Canonical CSV: vehicle_types and manoeuvres ``|``-separated and aligned; at_junction and vulnerable_hurt
    1/0 (true/false, yes/no). A malformed value rejects the file with its line numbers (the first five)."""
    out = _Columns()
    problems: list[str] = []
    for line, row in enumerate(rows, start=2):
        if not any(row):
            continue
        flags = [_flag(_cell(row, col[name])) for name in ("at_junction", "vulnerable_hurt")]
        lat_text, lon_text = _cell(row, col["lat"]), _cell(row, col["lon"])
        lat, lon = _number(lat_text), _number(lon_text)
        cid = _cell(row, col["collision_id"])
        vehicles = tuple(v.strip() for v in _cell(row, col["vehicle_types"]).split("|") if v.strip())
        moves = _cell(row, col["manoeuvres"]).split("|") if "manoeuvres" in col else []
        reason = _canonical_problem(cid, flags, lat_text, lon_text, lat, lon, vehicles, moves)
        if reason:
            problems.append(f"line {line}: {reason}")
            if rejects is not None:
                rejects.append((line, cid, reason))
            continue
        out.rows.append(line)
        out.ids.append(cid)
        out.dates.append(_cell(row, col["date"]) if "date" in col else "")
        out.lat.append(lat)
        out.lon.append(lon)
        out.on.append(_cell(row, col["on_street"]))
        out.cross.append(_cell(row, col["cross_street"]))
        out.junction.append(bool(flags[0]))
        out.vehicles.append(vehicles)
        out.manoeuvres.append(tuple(m.strip() for m in moves) if moves else ("",) * len(vehicles))
        out.hurt.append(bool(flags[1]))
    if rejects is not None:
        return out.done("canonical", side)  # the importer reports repeated ids itself
    twice = sorted(cid for cid, n in Counter(out.ids).items() if n > 1)
    if twice:
        problems.append(f"collision_id repeated: {', '.join(twice[:5])}")
    if problems:
        raise InvalidInput(f"{len(problems)} bad row(s), nothing read: " + "; ".join(problems[:5]))
    return out.done("canonical", side)


def _flag(text: str) -> bool | None:
    low = text.lower()
    return True if low in _TRUE else False if low in _FALSE else None


def _canonical_problem(
    cid: str, flags: list[bool | None], lat_text: str, lon_text: str, lat: float, lon: float,
    vehicles: tuple[str, ...], moves: list[str],
) -> str | None:  # fmt: skip
    if not cid:
        return "no collision id"
    if None in flags:
        return "at_junction and vulnerable_hurt take 1/0, true/false or yes/no"
    if (lat_text and not -90 <= lat <= 90) or (lon_text and not -180 <= lon <= 180):
        return f"lat/lon {lat_text!r}, {lon_text!r} is not a WGS84 position"
    if moves and any(m.strip() for m in moves) and len(moves) != len(vehicles):
        return f"{len(moves)} manoeuvre(s) for {len(vehicles)} vehicle(s)"
    return None
