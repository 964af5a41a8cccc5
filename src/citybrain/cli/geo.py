"""``citybrain geo``: where is it (在哪里) — locate a message in the city, and export the city's gazetteer."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from citybrain.cli.common import console, handle_errors, open_database
from citybrain.core.errors import InvalidInput
from citybrain.geo.gazetteer import Gazetteer
from citybrain.geo.resolution import Resolution
from citybrain.geo.service import locate
from citybrain.simulate import places as demo_places
from citybrain.triage.places import gazetteer_from_database

app = typer.Typer(
    help="Where is it (在哪里): place names in a message, the city's districts and grid cells (地名库).",
    no_args_is_help=True,
)

GazetteerOpt = Annotated[
    Path | None,
    typer.Option("--gazetteer", "-g", help="GeoJSON gazetteer file (default: the database's districts and cells)."),
]
DemoOpt = Annotated[bool, typer.Option("--demo", help="Use the Demo City (示例市) of --seed; no database needed.")]
SeedOpt = Annotated[int, typer.Option("--seed", help="Seed of the Demo City (with --demo).")]


@app.command("locate")
@handle_errors
def locate_cmd(
    text: Annotated[str | None, typer.Option("--text", "-t", help="The message; '-' reads it from stdin.")] = None,
    lat: Annotated[float | None, typer.Option("--lat", help="Latitude, if the request came with one.")] = None,
    lon: Annotated[float | None, typer.Option("--lon", help="Longitude, with --lat.")] = None,
    gazetteer: GazetteerOpt = None,
    demo: DemoOpt = False,
    seed: SeedOpt = 1,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Say where a message is: district (区), grid cell (网格), centre, confidence (0–1) and why.

    With --lat/--lon the point decides (confidence 1.0 inside a district); without them the place names in the
    text are matched against the gazetteer. Confidence: 0.95 a cell named by district + road + community, 0.9 a
    district, 0.6 a district inferred, 0 nothing matched (docs/geo.md has the whole table).

    Examples:

        citybrain geo locate --demo --text "中心区人民路和平社区12栋工地凌晨还在施工"

        citybrain geo locate --gazetteer city.geojson --text "Loud music at Renmin Road, Central District" --json

        citybrain geo locate --demo --lat 28.2 --lon 112.9
    """
    if text == "-":
        text = sys.stdin.read()
    if text is None and lat is None and lon is None:
        raise InvalidInput("give --text, or --lat and --lon / 请提供文本或经纬度")
    result = locate(text, lat, lon, gazetteer=_gazetteer(gazetteer, demo, seed))
    if as_json:
        console.print_json(json.dumps(result.to_dict(), ensure_ascii=False))
    else:
        _print(result)


@app.command("export-gazetteer")
@handle_errors
def export_gazetteer(
    out: Annotated[Path, typer.Option("--out", "-o", help="GeoJSON file to write.")],
    demo: DemoOpt = False,
    seed: SeedOpt = 1,
) -> None:
    """Write the city's districts and grid cells as one GeoJSON FeatureCollection (for `geo locate -g`, maps).

    From the database: the districts table (names, centres, polygons) and, when the Demo City is loaded, its 324
    grid cells with their road and community names. With --demo: the Demo City of --seed, no database.

    Examples:

        citybrain geo export-gazetteer --out city.geojson

        citybrain geo export-gazetteer --demo --out demo-city.geojson
    """
    gazetteer = _gazetteer(None, demo, seed)
    text = json.dumps(gazetteer.to_geojson(), ensure_ascii=False)
    try:
        out.write_text(text + "\n", encoding="utf-8")
    except OSError as exc:
        raise InvalidInput(f"cannot write {out}: {exc.strerror or exc}") from None
    console.print(
        f"wrote {out}: {len(gazetteer.districts)} districts 区, {len(gazetteer.grids)} grid cells 网格",
        highlight=False,
        soft_wrap=True,
    )


def _gazetteer(path: Path | None, demo: bool, seed: int) -> Gazetteer:
    if path is not None and demo:
        raise InvalidInput("give --gazetteer or --demo, not both")
    if path is not None:
        return Gazetteer.from_geojson(path)
    if demo:
        return demo_places.demo_city(seed)
    with open_database() as db, db.reading() as session:
        gazetteer = gazetteer_from_database(session)
    if not gazetteer.districts:
        raise InvalidInput("the database has no districts: run `citybrain demo`, or use --gazetteer FILE or --demo")
    return gazetteer


def _print(result: Resolution) -> None:
    table = Table(show_header=False, box=None)
    table.add_row("区 district", result.district_code or "—")
    table.add_row("网格 grid", result.grid or "—")
    point = "—" if result.lat is None or result.lon is None else f"{result.lat:.6f}, {result.lon:.6f}"
    table.add_row("中心 centre", point)
    table.add_row("置信度 confidence", f"{result.confidence:.2f} ({result.source})")
    for match in result.matched:
        codes = ", ".join(match.codes[:4]) + (" …" if len(match.codes) > 4 else "")
        table.add_row("匹配 matched", escape(f"{match.text} ({match.level}) → {codes or match.kind} [{match.how}]"))
    for reason in result.reasons:
        table.add_row("依据 why", escape(reason))
    console.print(table)


from citybrain.cli import geo_file as _geo_file  # noqa: E402,F401  (registers locate-file)
