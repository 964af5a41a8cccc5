"""``citybrain import air``: hourly files in the Beijing multi-site layout, streamed into SensorThings.

One Thing per station (found by name, else created; no Location — the files give no coordinates), one Datastream per
(station, pollutant) with its ObservedProperty and the unit as measured (µg/m³, CO included: HJ 633's mg/m³ for CO
is applied where the index is computed), one Observation per valid value. "NA" or empty is no Observation. The
files' hours are Beijing local time, read in Asia/Shanghai whatever the server's zone; hour ``h`` is the hour
beginning at h:00, stored as the Observation's phenomenonTime (an instant, in UTC). The weather columns are ignored.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from citybrain.core.errors import InvalidInput
from citybrain.models.sensing import RESULT_NUMBER
from citybrain.sensing.air_files import require_columns
from citybrain.sensing.air_grid import POLLUTANT_COLUMNS, REQUIRED_COLUMNS, TIME_COLUMNS
from citybrain.sensing.bulk import repository
from citybrain.sensing.bulk.service import ImportRun, Progress

BEIJING_ZONE = "Asia/Shanghai"
OM_MEASUREMENT = "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement"
UNIT_UG = {
    "name": "microgram per cubic metre",
    "symbol": "µg/m³",
    "definition": "http://qudt.org/vocab/unit/MicroGM-PER-M3",
}
POLLUTANT_NAMES = {
    "PM2.5": "fine particulate matter (aerodynamic diameter ≤ 2.5 µm)",
    "PM10": "particulate matter (aerodynamic diameter ≤ 10 µm)",
    "SO2": "sulphur dioxide",
    "NO2": "nitrogen dioxide",
    "CO": "carbon monoxide",
    "O3": "ozone",
}
_NUMBER = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"
BLOCK_BYTES = 1 << 21


@dataclass
class _Station:
    thing_id: int
    feature_id: int
    datastreams: dict[str, int]


class AirFile:
    """The Beijing multi-site layout (year, month, day, hour, PM2.5, PM10, SO2, NO2, CO, O3, station)."""

    kind = "air"

    def __init__(self) -> None:
        self._stations: dict[str, _Station] = {}

    def check(self, path: Path) -> None:
        require_columns(path, REQUIRED_COLUMNS, "Beijing")

    def load(self, run: ImportRun, path: Path, progress: Progress | None) -> None:
        total = path.stat().st_size
        raw = pa.OSFile(str(path))
        stream: Any = pa.CompressedInputStream(raw, "gzip") if path.suffix == ".gz" else raw
        convert = pacsv.ConvertOptions(
            # times as whole numbers (a file with text there is not in this layout); pollutants as text, so that
            # one value that is not a number is a reported row, not a refused file
            column_types=dict.fromkeys(REQUIRED_COLUMNS, pa.string()) | dict.fromkeys(TIME_COLUMNS, pa.int64()),
            include_columns=list(REQUIRED_COLUMNS),
            null_values=["NA", ""],
            strings_can_be_null=True,
        )
        try:
            reader = pacsv.open_csv(stream, read_options=pacsv.ReadOptions(block_size=BLOCK_BYTES),
                                    convert_options=convert)  # fmt: skip
            first_row = 2  # the header is line 1
            for batch in reader:
                self._batch(run, batch, first_row)
                first_row += batch.num_rows
                run.summary.read += batch.num_rows
                if progress is not None:
                    progress(raw.tell(), total, "bytes")
        except (pa.ArrowInvalid, OSError, EOFError, zlib.error) as exc:
            raise InvalidInput(f"{path.name}: {str(exc).splitlines()[0]}") from None
        finally:
            raw.close()

    def _batch(self, run: ImportRun, batch: pa.RecordBatch, first_row: int) -> None:
        good, seconds = _times(run, batch, first_row)
        stations = pc.utf8_trim_whitespace(batch.column("station"))
        no_station = np.asarray(pc.fill_null(pc.equal(stations, ""), True).to_numpy(zero_copy_only=False))
        for row in np.flatnonzero(good & no_station).tolist():
            run.reject(first_row + row, None, "station: empty")
        good &= ~no_station
        names = np.asarray(pc.fill_null(stations, "").to_numpy(zero_copy_only=False), dtype=object)
        for name in sorted(set(names[good].tolist())):
            station = self._station(run, name)
            rows = good & (names == name)
            for pollutant in POLLUTANT_COLUMNS:
                values, valid = _values(run, batch, pollutant, rows, first_row, name)
                chosen = rows & valid
                run.write(station.datastreams[pollutant], station.feature_id, seconds[chosen], values[chosen],
                          result_type=RESULT_NUMBER)  # fmt: skip

    def _station(self, run: ImportRun, name: str) -> _Station:
        found = self._stations.get(name)
        if found is not None:
            return found
        session = run.session
        thing, created = repository.thing(
            session,
            name,
            f"air-quality monitoring station {name} (Beijing multi-site layout)",
            {"kind": "air_quality_station", "timezone": BEIJING_ZONE},
        )
        thing_id = run.note_thing(thing, created)
        sensor = repository.sensor(
            session,
            "Beijing air-quality monitor",
            "hourly concentrations of the national monitoring network (Beijing Municipal Environmental Monitoring "
            "Center), as published in the Beijing multi-site air-quality files",
            "https://doi.org/10.24432/C5RK5G",
        )
        streams: dict[str, int] = {}
        for pollutant in POLLUTANT_COLUMNS:
            prop = repository.observed_property(
                session, pollutant, f"urn:citybrain:observed-property:{pollutant}", POLLUTANT_NAMES[pollutant]
            )
            values = {
                "name": f"{pollutant} at {name}",
                "description": f"hourly {POLLUTANT_NAMES[pollutant]} at {name}, as measured",
                "unit_of_measurement": UNIT_UG,
                "observation_type": OM_MEASUREMENT,
                "properties": {"pollutant": pollutant, "station": name},
                "thing_id": thing_id,
                "sensor_id": sensor.id,
                "observed_property_id": prop.id,
            }
            datastream, made = repository.datastream(session, values)
            run.summary.datastreams_created += made
            streams[pollutant] = int(datastream.id)
        station = _Station(thing_id, repository.feature(session, thing_id, name), streams)
        self._stations[name] = station
        return station


def _whole(batch: pa.RecordBatch, name: str) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    column = batch.column(name)
    if column.null_count == 0:
        return np.asarray(column.to_numpy(), dtype=np.int64), np.ones(len(column), dtype=bool)
    valid = np.asarray(pc.is_valid(column).to_numpy(zero_copy_only=False), dtype=bool)
    return np.asarray(pc.fill_null(column, 0).to_numpy(), dtype=np.int64), valid


def _times(
    run: ImportRun, batch: pa.RecordBatch, first_row: int
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.int64]]:
    """Which rows have a possible date and hour, and each row's phenomenonTime as UTC seconds (Beijing local)."""
    (year, y_ok), (month, m_ok), (day, d_ok), (hour, h_ok) = (_whole(batch, c) for c in TIME_COLUMNS)
    good = y_ok & m_ok & d_ok & h_ok & (month >= 1) & (month <= 12) & (day >= 1) & (day <= 31) & (hour <= 23)
    good &= year >= 1970
    months = (np.where(good, year, 1970) - 1970) * 12 + np.where(good, month, 1) - 1
    first = months.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    days = first + np.where(good, day, 1) - 1
    good &= days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) == months
    for row in np.flatnonzero(~good).tolist():
        when = "-".join(str(batch.column(c)[row].as_py()) for c in TIME_COLUMNS)
        run.reject(first_row + row, None, f"year/month/day/hour: not a possible hour: {when[:40]!r}")
    local = np.where(good, days * 86400 + np.where(good, hour, 0) * 3600, 0)
    stamps = pc.assume_timezone(pa.array(local, pa.timestamp("s")), BEIJING_ZONE, ambiguous="earliest",
                                nonexistent="earliest")  # fmt: skip
    return good, np.asarray(stamps.cast(pa.int64()).to_numpy(zero_copy_only=False), dtype=np.int64)


def _values(
    run: ImportRun, batch: pa.RecordBatch, pollutant: str, rows: npt.NDArray[np.bool_], first_row: int, station: str
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
    """The pollutant's numbers and which are valid; a value that is not a number is reported (the row's others stay)."""
    column = batch.column(pollutant)
    present = np.asarray(pc.is_valid(column).to_numpy(zero_copy_only=False))
    run.summary.empty += int((rows & ~present).sum())
    try:  # the usual case: every cell a plain number or NA, cast at once
        numbers = pc.cast(column, pa.float64())
        return np.asarray(pc.fill_null(numbers, 0.0).to_numpy(zero_copy_only=False), dtype=np.float64), present
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    text = pc.utf8_trim_whitespace(column)
    ok = np.asarray(pc.fill_null(pc.match_substring_regex(text, _NUMBER), False).to_numpy(zero_copy_only=False))
    for row in np.flatnonzero(rows & present & ~ok).tolist():
        run.reject(first_row + row, station, f"{pollutant}: not a number: {str(text[row].as_py())[:40]!r}")
    numbers = pc.cast(pc.if_else(pa.array(ok), text, "0"), pa.float64())
    return np.asarray(numbers.to_numpy(zero_copy_only=False), dtype=np.float64), ok
