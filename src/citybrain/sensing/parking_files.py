"""Reading car-park occupancy files in the Birmingham layout (UCI "Parking Birmingham"): columns SystemCodeNumber,
Capacity, Occupancy, LastUpdated (``YYYY-MM-DD HH:MM:SS``, the city's local clock), CSV, optionally gzip-compressed.

Every row is kept — duplicates, negatives and counts above capacity included — because the fault detectors
(``analytics.sensor_faults.detect_counter``) mark them and the importer stores each reading with its quality. The
readings come back per car park in file order, with each one's row number in the file, so a flag can be traced to
its line. A bad file is one :class:`InvalidInput` naming the file and what is wrong.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from citybrain.core.errors import InvalidInput
from citybrain.sensing.air_files import read_layout

PARKING_COLUMNS: tuple[str, ...] = ("SystemCodeNumber", "Capacity", "Occupancy", "LastUpdated")
COLUMN_TYPES: dict[str, pa.DataType] = {
    "SystemCodeNumber": pa.string(),
    "Capacity": pa.int64(),
    "Occupancy": pa.int64(),
    "LastUpdated": pa.timestamp("s"),
}


@dataclass(frozen=True)
class CarParkReadings:
    """One car park's readings in file order: ``times`` in seconds since 1970 (local clock, as written),
    ``occupancy`` and ``capacity`` per reading, ``rows`` the 0-based data row in the file (header not counted)."""

    code: str
    times: npt.NDArray[np.int64]
    occupancy: npt.NDArray[np.float64]
    capacity: npt.NDArray[np.float64]
    rows: npt.NDArray[np.int64]


def read_parking_table(path: Path) -> pa.Table:
    """The file's four columns, typed and checked; InvalidInput names the file and the problem."""
    path = Path(path)
    convert = pacsv.ConvertOptions(column_types=COLUMN_TYPES, include_columns=list(PARKING_COLUMNS))
    table = read_layout(path, PARKING_COLUMNS, "parking", convert)
    empty = [c for c in PARKING_COLUMNS if table.column(c).null_count]
    if empty:
        raise InvalidInput(f"{path}: empty value(s) in column(s) {', '.join(empty)}; every row needs all four")
    return table


def car_parks(table: pa.Table) -> list[CarParkReadings]:
    """The table's readings split per car park (in order of first appearance), each in file order."""
    encoded = pc.dictionary_encode(table.column("SystemCodeNumber")).combine_chunks()
    park = np.asarray(encoded.indices.to_numpy(zero_copy_only=False), dtype=np.int64)
    times = np.asarray(table.column("LastUpdated").cast(pa.int64()).to_numpy(), dtype=np.int64)
    occupancy = np.asarray(table.column("Occupancy").to_numpy(), dtype=np.float64)
    capacity = np.asarray(table.column("Capacity").to_numpy(), dtype=np.float64)
    order = np.argsort(park, kind="stable")
    bounds = np.searchsorted(park[order], np.arange(len(encoded.dictionary) + 1))
    parks = []
    for i, code in enumerate(encoded.dictionary.to_pylist()):
        rows = order[bounds[i] : bounds[i + 1]]
        parks.append(CarParkReadings(str(code), times[rows], occupancy[rows], capacity[rows], rows.astype(np.int64)))
    return parks


def read_parking_file(path: Path) -> list[CarParkReadings]:
    """A parking file's readings per car park (see :func:`car_parks`)."""
    return car_parks(read_parking_table(path))
