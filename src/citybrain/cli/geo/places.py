"""What the ``geo`` commands share: the options that choose a gazetteer, and loading it (file, Demo City, database)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from citybrain.cli.common import open_database
from citybrain.core.errors import InvalidInput

if TYPE_CHECKING:
    from citybrain.geo.gazetteer import Gazetteer

GazetteerOpt = Annotated[
    Path | None,
    typer.Option("--gazetteer", "-g", help="GeoJSON gazetteer file (default: the database's districts and cells)."),
]
DemoOpt = Annotated[bool, typer.Option("--demo", help="Use the Demo City (示例市) of --seed; no database needed.")]
SeedOpt = Annotated[int, typer.Option("--seed", help="Seed of the Demo City (with --demo).")]


def load_gazetteer(path: Path | None, demo: bool, seed: int) -> Gazetteer:
    """The gazetteer of ``--gazetteer FILE``, of ``--demo`` (the Demo City of ``seed``), or of the database."""
    from citybrain.geo.gazetteer import Gazetteer
    from citybrain.simulate.places import demo_city
    from citybrain.triage.places import gazetteer_from_database

    if path is not None and demo:
        raise InvalidInput("give --gazetteer or --demo, not both")
    if path is not None:
        return Gazetteer.from_geojson(path)
    if demo:
        return demo_city(seed)
    with open_database() as db, db.reading() as session:
        gazetteer = gazetteer_from_database(session)
    if not gazetteer.districts:
        raise InvalidInput("the database has no districts: run `citybrain demo`, or use --gazetteer FILE or --demo")
    return gazetteer
