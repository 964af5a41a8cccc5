"""``citybrain geo locate`` and ``geo export-gazetteer``: where is one message (在哪里), and the city's gazetteer."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from citybrain.cli.common import console, handle_errors, write_whole
from citybrain.cli.geo.places import DemoOpt, GazetteerOpt, SeedOpt, load_gazetteer
from citybrain.core.errors import InvalidInput

if TYPE_CHECKING:
    from citybrain.geo.resolution import Resolution


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
    from citybrain.geo.service import locate

    if text == "-":
        text = sys.stdin.read()
    if text is None and lat is None and lon is None:
        raise InvalidInput("give --text, or --lat and --lon / 请提供文本或经纬度")
    result = locate(text, lat, lon, gazetteer=load_gazetteer(gazetteer, demo, seed))
    if as_json:
        console.print_json(json.dumps(result.to_dict(), ensure_ascii=False))
    else:
        _print(result)


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
    gazetteer = load_gazetteer(None, demo, seed)
    write_whole(out, json.dumps(gazetteer.to_geojson(), ensure_ascii=False) + "\n")
    console.print(
        f"wrote {out}: {len(gazetteer.districts)} districts 区, {len(gazetteer.grids)} grid cells 网格",
        highlight=False,
        soft_wrap=True,
    )


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
