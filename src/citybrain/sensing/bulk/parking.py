"""``citybrain import parking``: car-park occupancy in the Birmingham layout (SystemCodeNumber, Capacity, Occupancy,
LastUpdated), every reading kept and marked with its quality.

One Thing per car park (named by its code; with ``--metadata`` its Location and description from the feed's
snapshot), one Datastream ``occupancy`` (OM_CountObservation, unit vehicle, the capacity in its properties), one
Observation per row — duplicates, counts above capacity or below zero included. Each car park's readings go through
the fault detector (``analytics.sensor_faults.detect_counter``) and each Observation's ``resultQuality`` is the worst
fault that concerns it (``Fault.result_quality()``), or ``{"qartod": 1, "flag": "pass"}``. LastUpdated is
Birmingham local time (Europe/London, British Summer Time until 30 Oct 2016), read in that zone whatever the
server's; the detector judges times on that local clock (its active hours are the feed's 08:00–16:30).

The file is read in blocks, but the detector needs each car park's whole series: memory grows by about 40 bytes a
reading (1.4 MB for the 35,717-row file), not by the file's text.
"""

from __future__ import annotations

import csv
import json
import zlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from citybrain.analytics.sensor_faults import detect_counter
from citybrain.core.errors import InvalidInput
from citybrain.models.sensing import RESULT_INTEGER
from citybrain.sensing.air_files import require_columns
from citybrain.sensing.bulk import repository
from citybrain.sensing.bulk.occupancy import occupancy_property, occupancy_values, quality_marks
from citybrain.sensing.bulk.service import ImportRun, Progress
from citybrain.sensing.parking_files import PARKING_COLUMNS, CarParkReadings, car_parks

BIRMINGHAM_ZONE = "Europe/London"
_WHOLE = r"^-?\d{1,9}$"


@dataclass(frozen=True)
class CarParkInfo:
    """What the feed's metadata snapshot says of a car park."""

    name: str
    lon: float
    lat: float


def read_metadata(path: Path) -> dict[str, CarParkInfo]:
    """SystemCodeNumber → name and point, from a snapshot with columns SystemCodeNumber, ShortDescription, geom."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.DictReader(fh, skipinitialspace=True))
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"{path.name}: cannot read the car-park metadata ({exc})") from None
    needed = {"SystemCodeNumber", "ShortDescription", "geom"}
    if not rows or not needed <= set(rows[0]):
        raise InvalidInput(f"{path.name}: the car-park metadata needs columns {', '.join(sorted(needed))}")
    found: dict[str, CarParkInfo] = {}
    for number, row in enumerate(rows, start=2):
        try:
            lon, lat = json.loads(row["geom"])["coordinates"][:2]
        except (ValueError, KeyError, TypeError):
            raise InvalidInput(f"{path.name}, line {number}: geom is not a GeoJSON point") from None
        found[row["SystemCodeNumber"].strip()] = CarParkInfo(row["ShortDescription"].strip(), float(lon), float(lat))
    return found


class ParkingFile:
    """The Birmingham car-park layout; ``metadata`` gives names and places by SystemCodeNumber."""

    kind = "parking"

    def __init__(self, metadata: dict[str, CarParkInfo] | None = None) -> None:
        self.metadata = metadata or {}

    def check(self, path: Path) -> None:
        require_columns(path, PARKING_COLUMNS, "Birmingham parking")

    def load(self, run: ImportRun, path: Path, progress: Progress | None) -> None:
        table = _read(run, path, progress)
        if table.num_rows == 0:
            return
        for park in car_parks(table):
            self._car_park(run, park)

    def _car_park(self, run: ImportRun, park: CarParkReadings) -> None:
        report = detect_counter(park.times, park.occupancy, park.capacity)
        quality = quality_marks(report, park.times.size, run.summary.flags)
        datastream_id, feature_id = self._entities(run, park)
        seconds = _utc_seconds(park.times)
        run.write(datastream_id, feature_id, seconds, park.occupancy, result_type=RESULT_INTEGER, quality=quality)

    def _entities(self, run: ImportRun, park: CarParkReadings) -> tuple[int, int]:
        session, info = run.session, self.metadata.get(park.code)
        capacity = int(Counter(park.capacity.tolist()).most_common(1)[0][0])
        description = f"car park {info.name}" if info else f"car park {park.code}"
        thing, created = repository.thing(
            session, park.code, description, {"kind": "car_park", "code": park.code, "timezone": BIRMINGHAM_ZONE}
        )
        thing_id = run.note_thing(thing, created)
        if info is not None:
            repository.place(session, thing_id, info.name, info.lon, info.lat, run.now)
        sensor = repository.sensor(
            session, "car-park occupancy counter", "entry/exit counter of a car park's occupancy feed",
            "https://archive.ics.uci.edu/dataset/482/parking+birmingham",
        )  # fmt: skip
        name = info.name if info else park.code
        values = occupancy_values(
            thing_id, int(sensor.id), occupancy_property(session), code=park.code, name=name, capacity=capacity
        )
        datastream, made = repository.datastream(session, values)
        run.summary.datastreams_created += made
        return int(datastream.id), repository.feature(session, thing_id, park.code)


def _utc_seconds(local: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    stamps = pc.assume_timezone(pa.array(local, pa.timestamp("s")), BIRMINGHAM_ZONE, ambiguous="earliest",
                                nonexistent="earliest")  # fmt: skip
    return np.asarray(stamps.cast(pa.int64()).to_numpy(zero_copy_only=False), dtype=np.int64)


def _read(run: ImportRun, path: Path, progress: Progress | None) -> pa.Table:
    """The readable rows as a typed table (local times), in file order; unreadable rows are reported."""
    total = path.stat().st_size
    raw = pa.OSFile(str(path))
    stream: Any = pa.CompressedInputStream(raw, "gzip") if path.suffix == ".gz" else raw
    convert = pacsv.ConvertOptions(column_types=dict.fromkeys(PARKING_COLUMNS, pa.string()),
                                   include_columns=list(PARKING_COLUMNS), strings_can_be_null=True)  # fmt: skip
    parts: list[pa.Table] = []
    try:
        first_row = 2
        for batch in pacsv.open_csv(stream, convert_options=convert):
            good, typed = _typed(run, batch, first_row)
            parts.append(typed.filter(pa.array(good)))
            first_row += batch.num_rows
            run.summary.read += batch.num_rows
            if progress is not None:
                progress(raw.tell(), total, "bytes")
    except (pa.ArrowInvalid, OSError, EOFError, zlib.error) as exc:
        raise InvalidInput(f"{path.name}: {str(exc).splitlines()[0]}") from None
    finally:
        raw.close()
    if not parts:
        return pa.table({c: pa.array([], pa.string()) for c in PARKING_COLUMNS})
    return pa.concat_tables(parts)


def _typed(run: ImportRun, batch: pa.RecordBatch, first_row: int) -> tuple[npt.NDArray[np.bool_], pa.Table]:
    text = {c: pc.utf8_trim_whitespace(batch.column(c)) for c in PARKING_COLUMNS}
    code_ok = pc.fill_null(pc.not_equal(text["SystemCodeNumber"], ""), False)
    capacity_ok = pc.fill_null(pc.match_substring_regex(text["Capacity"], _WHOLE), False)
    occupancy_ok = pc.fill_null(pc.match_substring_regex(text["Occupancy"], _WHOLE), False)
    stamps = pc.strptime(text["LastUpdated"], format="%Y-%m-%d %H:%M:%S", unit="s", error_is_null=True)
    checks = {
        "SystemCodeNumber": ("empty", code_ok),
        "Capacity": ("not a whole number", capacity_ok),
        "Occupancy": ("not a whole number", occupancy_ok),
        "LastUpdated": ("not a time YYYY-MM-DD HH:MM:SS", pc.is_valid(stamps)),
    }
    good = np.ones(batch.num_rows, dtype=bool)
    for column, (problem, ok) in checks.items():
        bad = ~np.asarray(ok.to_numpy(zero_copy_only=False), dtype=bool)
        for row in np.flatnonzero(bad & good).tolist():
            given = text[column][row].as_py()
            run.reject(first_row + row, text["SystemCodeNumber"][row].as_py(), f"{column}: {problem}: {given!r}")
        good &= ~bad
    typed = pa.table(
        {
            "SystemCodeNumber": text["SystemCodeNumber"],
            "Capacity": pc.cast(pc.if_else(capacity_ok, text["Capacity"], "0"), pa.int64()),
            "Occupancy": pc.cast(pc.if_else(occupancy_ok, text["Occupancy"], "0"), pa.int64()),
            "LastUpdated": stamps,
        }
    )
    return good, typed
