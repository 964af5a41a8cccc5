"""``citybrain geo locate-file``: locate every message of a CSV file (a city's history, an export) in one pass."""

from __future__ import annotations

import csv
import io
import math
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from citybrain.cli.common import console, err_console, handle_errors, write_whole
from citybrain.cli.geo.places import DemoOpt, GazetteerOpt, SeedOpt, load_gazetteer
from citybrain.core.errors import InvalidInput

if TYPE_CHECKING:
    from citybrain.geo.gazetteer import Gazetteer
    from citybrain.geo.resolution import Resolution

#: Columns written: the message's id and where it is — never its text (it may carry a citizen's name or phone).
OUT_COLUMNS = ("id", "district_code", "grid", "lat", "lon", "confidence", "source", "reasons")


@handle_errors
def locate_file(
    input: Annotated[Path, typer.Option("--input", "-i", help="UTF-8 CSV file with a header row.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="CSV file to write (one row per message).")],
    text_col: Annotated[str, typer.Option("--text-col", help="Column holding the message text.")] = "text",
    id_col: Annotated[str, typer.Option("--id-col", help="Column identifying the message.")] = "id",
    lat_col: Annotated[str | None, typer.Option("--lat-col", help="Latitude column, if any.")] = None,
    lon_col: Annotated[str | None, typer.Option("--lon-col", help="Longitude column, with --lat-col.")] = None,
    gazetteer: GazetteerOpt = None,
    demo: DemoOpt = False,
    seed: SeedOpt = 1,
) -> None:
    """Locate every message of a CSV file: district (区), grid cell (网格), centre, confidence, reasons.

    The output has the id and the answer, not the text. A row with bad coordinates gets confidence 0 and the
    reason; the file is written whole or not at all.

    Example:

        citybrain geo locate-file --demo --input messages.csv --text-col text --out located.csv
    """
    from citybrain.nlp.dataset import read_columns

    if (lat_col is None) != (lon_col is None):
        raise InvalidInput("give --lat-col and --lon-col together")
    columns = [id_col, text_col] + [c for c in (lat_col, lon_col) if c is not None]
    rows = read_columns(input, list(dict.fromkeys(columns)))
    places = load_gazetteer(gazetteer, demo, seed)
    found = _locate_all(rows, places, text_col, id_col, lat_col, lon_col)
    _write(out, found)
    counts = Counter("grid" if r[2] else "district" if r[1] else "none" for r in found)
    console.print(
        f"{len(found):,} messages → 网格 grid {counts['grid']:,}, 区 district only {counts['district']:,}, "
        f"not located 未定位 {counts['none']:,}; wrote {out}",
        highlight=False,
        soft_wrap=True,
    )


def _locate_all(
    rows: dict[str, list[str]],
    gazetteer: Gazetteer,
    text_col: str,
    id_col: str,
    lat_col: str | None,
    lon_col: str | None,
) -> list[list[str]]:
    found: list[list[str]] = []
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err_console, transient=True) as progress:
        task = progress.add_task("locating 定位", total=len(rows[id_col]))
        for i, text in enumerate(rows[text_col]):
            lat = rows[lat_col][i] if lat_col else ""
            lon = rows[lon_col][i] if lon_col else ""
            found.append(_row(rows[id_col][i], _one(text, lat, lon, gazetteer)))
            if i % 500 == 0:
                progress.update(task, completed=i)
    return found


def _one(text: str, lat: str, lon: str, gazetteer: Gazetteer) -> Resolution:
    from citybrain.geo.resolution import Resolution
    from citybrain.geo.service import locate

    try:
        point = (_number(lat), _number(lon))
        return locate(text, point[0], point[1], gazetteer=gazetteer)
    except InvalidInput as exc:
        return Resolution(None, None, None, None, 0.0, "none", (), (exc.message,))


def _number(value: str) -> float | None:
    if not value.strip():
        return None
    try:
        number = float(value)
    except ValueError:
        raise InvalidInput(f"not a number / 不是数字: {value[:40]!r}") from None
    if not math.isfinite(number):
        raise InvalidInput(f"not a number / 不是数字: {value[:40]!r}")
    return number


def _row(message_id: str, found: Resolution) -> list[str]:
    point = ("" if found.lat is None else f"{found.lat:.6f}", "" if found.lon is None else f"{found.lon:.6f}")
    return [message_id, found.district_code or "", found.grid or "", *point, f"{found.confidence:.2f}",
            found.source, "; ".join(found.reasons)]  # fmt: skip


def _write(out: Path, rows: list[list[str]]) -> None:
    """The located rows as CSV, written whole or not at all (``write_whole``)."""
    folder = out.resolve().parent
    if not folder.is_dir():
        raise InvalidInput(f"cannot write {out}: the folder {folder} does not exist")
    text = io.StringIO(newline="")
    writer = csv.writer(text)
    writer.writerow(OUT_COLUMNS)
    writer.writerows(rows)
    write_whole(out, text.getvalue().encode("utf-8"))
