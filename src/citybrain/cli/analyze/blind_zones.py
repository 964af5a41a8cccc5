"""``citybrain analyze blind-zones``: intersections where large vehicles turning to the near side hurt people on
foot, bicycle or motorcycle more often than their collisions would lead one to expect (右转盲区)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from citybrain.cli.common import console, handle_errors, write_whole
from citybrain.core.errors import InvalidInput

if TYPE_CHECKING:
    from citybrain.scenarios.traffic_safety.blind_zones import BlindZoneParams, BlindZoneResult


@handle_errors
def command(
    json_out: Annotated[Path, typer.Option("--json", help="Write the junctions here (JSON, whole or not at all).")],
    input_path: Annotated[
        Path | None,
        typer.Option(
            "--input",
            "-i",
            help="A collision file (CSV or CSV.gz) in --format. Without it: the collision records stored with "
            "`citybrain import collisions`.",
        ),
    ] = None,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            "-f",
            help="nyc: NYC Motor Vehicle Collisions - Crashes (UTF-8, no manoeuvres: the proxy is used); stats19: "
            "STATS19 as published by Cambridgeshire (Latin-1, British National Grid); canonical: our CSV "
            "(see docs/blind_zones.md). Required with --input; without it, which stored records (needed only when "
            "several formats are stored).",
        ),
    ] = None,
    near_side: Annotated[
        str | None,
        typer.Option(
            "--near-side",
            help="The side turned to without crossing traffic: right (China, US; default for nyc and canonical) "
            "or left (UK; default for stats19).",
        ),
    ] = None,
    snap: Annotated[
        str, typer.Option("--snap", help="coords: cluster positions within --radius; streets: the street-name pair.")
    ] = "coords",
    radius: Annotated[float, typer.Option("--radius", help="Snapping radius in metres (coords).")] = 30.0,
    alpha: Annotated[float, typer.Option("--alpha", help="False-discovery rate: recommend when q ≤ alpha.")] = 0.1,
    min_blind_zone: Annotated[
        int, typer.Option("--min-blind-zone", help="Recommend only with at least this many blind-zone collisions.")
    ] = 2,
    store: Annotated[
        bool,
        typer.Option(
            "--store/--no-store",
            help="Stored records only: keep the run (kind blind_zones, read by the cockpit's map layer) or only look.",
        ),
    ] = True,
) -> None:
    """Rank intersections for right-turn blind-zone warning strips (右转盲区警示带), with the evidence.

    A blind-zone collision: a large vehicle (heavy goods vehicle, bus or coach — tractor, dump, refuse, box
    truck, …) turning to the near side, with a pedestrian, cyclist or motorcyclist hurt. Where the data has no
    manoeuvre (NYC) the proxy is a large vehicle and a vulnerable road user hurt at an intersection. Collisions
    at junctions are snapped to intersections; each junction's blind-zone count is tested against what its
    total collisions and the city-wide blind-zone share would lead one to expect (exact binomial, one-sided),
    with Benjamini–Hochberg q-values. JSON: params, summary and junctions[{id, name, lat, lon, collisions,
    blind_zone, expected, p_value, q_value, recommend, collision_ids}], most surprising first. See
    docs/blind_zones.md for the method and its limits.

    Examples:

        citybrain analyze blind-zones --input crashes.csv.gz --format nyc --json nyc.json
        citybrain analyze blind-zones --input Cambs_RTC_2012-2017.csv.gz --format stats19 --json cambs.json
        citybrain import collisions Cambs_RTC_2012-2017.csv.gz --format stats19
        citybrain analyze blind-zones --format stats19 --json stored.json   # the stored records; run kept
    """
    from citybrain.scenarios.traffic_safety.blind_zones import BlindZoneParams, analyse

    params = BlindZoneParams(snap=snap, radius_m=radius, alpha=alpha, min_blind_zone=min_blind_zone).checked()
    if input_path is None:
        result = _stored(params, fmt, near_side, store)
    else:
        if fmt is None:
            raise InvalidInput("--format is required with --input: nyc, stats19 or canonical")
        from citybrain.scenarios.traffic_safety.readers import read_collisions

        with console.status(f"reading {input_path.name}"):
            collisions = read_collisions(input_path, fmt, near_side=near_side)
        with console.status(f"snapping and testing {len(collisions):,} collisions"):
            result = analyse(collisions, params)
        result.params["input"] = str(input_path)
    write_whole(json_out, json.dumps(result.to_json(), ensure_ascii=False, indent=1))
    s = result.summary
    console.print(
        f"{s['collisions']:,} collisions, {s['snapped']:,} at {s['junctions']:,} junctions, {s['blind_zone']:,} "
        f"blind-zone ({result.params['method']}); {s['recommended']} junction(s) recommended → {json_out}",
        highlight=False,
    )
    for j in result.junctions[:5]:
        console.print(
            f"  {j.name or j.id}: {j.blind_zone} of {j.collisions} (expected {j.expected:.2f}), "
            f"p {j.p_value:.2g}, q {j.q_value:.2g}{' — recommended' if j.recommend else ''}",
            highlight=False,
        )


def _stored(params: BlindZoneParams, fmt: str | None, near_side: str | None, store: bool) -> BlindZoneResult:
    from citybrain.cli.common import open_database
    from citybrain.scenarios.traffic_safety.stored import analyse_stored

    with open_database() as db, console.status("reading the stored collision records"):
        result, run_id = analyse_stored(db, params, source=fmt, near_side=near_side, store=store)
    if run_id is not None:
        result.summary["run_id"] = run_id
        console.print(f"stored as run {run_id} (kind blind_zones; the cockpit's map layer shows the latest)")
    return result
