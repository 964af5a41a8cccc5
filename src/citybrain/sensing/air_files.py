"""Reading hourly air files in the Beijing multi-site layout (CSV, optionally gzip-compressed).

Columns used: year, month, day, hour, PM2.5, PM10, SO2, NO2, CO, O3, station ("NA" or empty = missing); others
(No, TEMP, wd, …) are ignored. The files measure every pollutant in µg/m³, CO included; the values are kept as
measured and converted to mg/m³ only where the index is computed (``air_grid.air_series``).

All or nothing: every file is read and checked before anything is computed, and a bad file is one
:class:`InvalidInput` naming the file and what is wrong with it (missing columns, a value that is not a number,
an impossible date).
"""

from __future__ import annotations

import csv
import gzip
import zlib
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

from citybrain.core.errors import InvalidInput
from citybrain.sensing.air_grid import (
    POLLUTANT_COLUMNS,
    REQUIRED_COLUMNS,
    TIME_COLUMNS,
    AirSeries,
    air_series,
    day_numbers,
    int_column,
)

COLUMN_TYPES: dict[str, pa.DataType] = {c: pa.int64() for c in TIME_COLUMNS}
COLUMN_TYPES |= {c: pa.float64() for c in POLLUTANT_COLUMNS} | {"station": pa.string()}


def header(path: Path) -> list[str]:
    """The column names on the first line of a CSV file (gzip when its name ends in .gz)."""
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rt", encoding="utf-8-sig", newline="") as text:
                line = text.readline()
        else:
            with path.open(encoding="utf-8-sig", newline="") as text:
                line = text.readline()
    except FileNotFoundError:
        raise InvalidInput(f"{path}: no such file") from None
    except (OSError, EOFError, zlib.error, UnicodeDecodeError) as exc:
        raise InvalidInput(f"{path}: cannot read it as a CSV file ({exc})") from None
    if not line.strip():
        raise InvalidInput(f"{path}: empty file, no header line")
    return [name.strip() for name in next(csv.reader([line]))]


def require_columns(path: Path, columns: Sequence[str], layout: str, *, label: str | None = None) -> None:
    """InvalidInput naming the file (``label``, default its name), the missing columns and the ones found."""
    found = header(path)
    missing = [c for c in columns if c not in found]
    if missing:
        raise InvalidInput(
            f"{label or path.name}: missing column(s) {', '.join(missing)} (the {layout} layout needs "
            f"{', '.join(columns)}); found: {', '.join(found)}"
        )


def read_layout(path: Path, columns: Sequence[str], layout: str, convert: pacsv.ConvertOptions) -> pa.Table:
    """The named columns of a CSV(.gz) file, read whole; InvalidInput names the file and what is wrong with it."""
    require_columns(path, columns, layout, label=str(path))
    try:
        table = pacsv.read_csv(path, convert_options=convert)
    except (pa.ArrowInvalid, OSError, EOFError, zlib.error) as exc:
        raise InvalidInput(f"{path}: {str(exc).splitlines()[0]}") from None
    if table.num_rows == 0:
        raise InvalidInput(f"{path}: no rows after the header")
    return table


def read_air_file(path: Path) -> pa.Table:
    """One file's rows (the used columns only), checked: InvalidInput names the file and the problem."""
    path = Path(path)
    convert = pacsv.ConvertOptions(
        column_types=COLUMN_TYPES,
        include_columns=list(REQUIRED_COLUMNS),
        null_values=["NA", ""],
        strings_can_be_null=True,
    )
    table = read_layout(path, REQUIRED_COLUMNS, "Beijing", convert)
    try:
        if table.column("station").null_count:
            raise InvalidInput("a row has no station")
        day_numbers(*(int_column(table, c) for c in TIME_COLUMNS))
    except InvalidInput as exc:
        raise InvalidInput(f"{path}: {exc.message}") from None
    return table


def read_air_files(paths: Sequence[Path]) -> pa.Table:
    """All files' rows in one table, in the order given; nothing is returned unless every file is good."""
    if not paths:
        raise InvalidInput("no input file given")
    with ThreadPoolExecutor(max_workers=min(4, len(paths))) as pool:
        tables = list(pool.map(read_air_file, [Path(p) for p in paths]))
    return pa.concat_tables(tables)


def read_air_series(paths: Sequence[Path], units: dict[str, str] | None = None) -> AirSeries:
    """The files' readings on the station × hour grid, in the index's units (see ``air_grid.air_series``)."""
    return air_series(read_air_files(paths), units)
