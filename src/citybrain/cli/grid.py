"""``citybrain grid``: grid management (网格化管理) — import the cells, the Demo City's grid, grid workers and keys."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from citybrain.cli.common import console, err_console, handle_errors, open_database

app = typer.Typer(
    help=(
        "Grid management (网格化管理): cells, grid workers (网格员) and their keys; inspections come in through "
        "POST /api/v1/inspections.\n\n"
        "Example: citybrain grid import cells.geojson          (all or nothing: every problem is listed)\n"
        "         citybrain grid demo                          (the Demo City's 324 cells and 162 workers)\n"
        "         citybrain grid worker W01 王芳 --cells D01-0101,D01-0102\n"
        "         citybrain grid worker-key W01                (prints the worker's key once)"
    ),
    no_args_is_help=True,
)


@app.command("import")
@handle_errors
def import_cells(
    file: Annotated[Path, typer.Argument(help="A GeoJSON FeatureCollection of Polygons with properties.code.")],
) -> None:
    """Create or update grid cells from GeoJSON; a file with any problem is refused whole (exit 2, nothing written)."""
    from citybrain.core.errors import InvalidInput
    from citybrain.grid import service

    try:
        document = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput(f"cannot read {file} as GeoJSON: {exc}") from None
    with open_database() as db, db.transaction() as session:
        try:
            report = service.import_cells(session=session, document=document)
        except service.GridImportError as exc:
            for problem in exc.problems:
                err_console.print(f"  {problem}", highlight=False, soft_wrap=True)
            raise
    console.print(f"grid cells: {report.created} created, {report.updated} updated")


@app.command("demo")
@handle_errors
def demo_grid(
    seed: int = typer.Option(1, "--seed", help="The Demo City's seed (as given to `citybrain demo`)."),
) -> None:
    """Load the Demo City's grid: its cells and grid workers (the city's districts must be loaded)."""
    from citybrain.grid import service

    with open_database() as db, db.transaction() as session:
        report, workers = service.load_demo_grid(session=session, seed=seed)
    console.print(f"Demo City grid: {report.created} cells created, {report.updated} updated, {workers} grid workers")


@app.command("simulate")
@handle_errors
def simulate(
    seed: int = typer.Option(1, "--seed", help="The Demo City's seed (as given to `citybrain demo`)."),
    days: int = typer.Option(28, "--days", min=1, max=366, help="Days of patrols up to now."),
) -> None:
    """The Demo City's grid workers at work: its grid, patrol plans, check-ins and inspections up to now (once)."""
    from citybrain.core import clock

    with open_database() as db, db.transaction() as session:
        report = _simulate(session, seed=seed, days=days, now=clock.utcnow(), timezone=db.settings.timezone)
    _print_patrols(report)


def _simulate(session: Any, *, seed: int, days: int, now: Any, timezone: str) -> Any:
    from citybrain.core import clock
    from citybrain.grid.sim_load import load_patrols

    return load_patrols(session=session, seed=seed, days=days, now=now, zone=clock.city_zone(timezone))


def _print_patrols(report: Any) -> None:
    if report.already_loaded:
        console.print("网格巡查 Grid patrols: already loaded (inspections exist); nothing added.")
        return
    console.print(
        f"网格巡查 Grid patrols: {report.workers} grid workers, {report.plans} planned rounds, {report.visits} "
        f"check-ins, {report.inspections} inspections ({report.on_spot} resolved on the spot)."
    )


@app.command("worker")
@handle_errors
def worker(
    code: str = typer.Argument(..., help="The worker's code, e.g. W01."),
    name: str = typer.Argument(..., help="The worker's name."),
    cells: str = typer.Option(..., "--cells", help="The worker's cells, comma-separated codes (replaces the list)."),
) -> None:
    """Create or change a grid worker (网格员) and the cells it is responsible for."""
    from citybrain.grid import service

    codes = [c.strip() for c in cells.split(",") if c.strip()]
    with open_database() as db, db.transaction() as session:
        row = service.save_worker(session=session, code=code, name=name, cells=codes)
        console.print(f"grid worker {row.code} ({row.name}): {len(codes)} cells")


@app.command("worker-key")
@handle_errors
def worker_key(code: str = typer.Argument(..., help="The worker's code.")) -> None:
    """Make an API key of role grid_worker bound to this worker (its previous key is revoked). Printed once, last."""
    from citybrain.grid import service

    with open_database() as db, db.transaction() as session:
        plaintext = service.create_worker_key(session=session, code=code)
    console.print(f"grid worker key for {code}; it files at POST /api/v1/inspections. Store it now:")
    print(plaintext)
