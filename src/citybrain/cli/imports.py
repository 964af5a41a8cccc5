"""``citybrain import``: load a file of cases (NYC 311, Teddy messages, canonical CSV/Parquet), of sensor readings
(air, parking) or of road traffic collisions."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.markup import escape
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from citybrain.cli.common import EXIT_INVALID, console, err_console, handle_errors, open_database

if TYPE_CHECKING:
    from citybrain.intake.bulk import ImportSummary
    from citybrain.sensing.bulk.service import SensorFile, SensorImportSummary

app = typer.Typer(
    help=(
        "Import a file of cases, sensor readings or collisions — all or nothing, safe to repeat.\n\n"
        "The whole file is one transaction: a bad file (wrong columns, wrong encoding, truncated) writes "
        "nothing and exits 2. Rows that are individually invalid are listed in a report CSV under "
        "<data_dir>/import-reports/ and the valid rows are imported. Importing the same file again adds nothing.\n\n"
        "Example: citybrain import nyc311 ../shared/data/nyc311/nyc311_combined_real_sample.csv.gz"
    ),
    no_args_is_help=True,
)

PathArg = typer.Argument(..., help="The file to import.", exists=False, dir_okay=False)
DryRun = typer.Option(False, "--dry-run", help="Validate and write the report, but write nothing to the database.")
BatchSize = typer.Option(5000, "--batch-size", min=100, max=20000, help="Rows inserted per statement.")
Encoding = typer.Option("utf-8", "--encoding", help="Text encoding of CSV files (e.g. gb18030 for GBK files).")


def _run(kind: str, path: Path, dry_run: bool, batch_size: int, encoding: str) -> None:
    from citybrain.intake.bulk import IMPORTERS, ImportOptions, run_import

    options = ImportOptions(batch_size=batch_size, dry_run=dry_run, encoding=encoding)
    with open_database() as db, _progress() as progress:
        task = progress.add_task(f"{kind} {path.name}", total=None)

        def advance(done: int, total: int | None, unit: str) -> None:
            progress.update(task, completed=done, total=total)

        summary = run_import(db, IMPORTERS[kind](), path, options=options, progress=advance)
    _print_summary(summary)


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        DownloadColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )


def _print_summary(summary: ImportSummary) -> None:
    if summary.already_imported:
        console.print(
            f"{summary.file_name} was already imported (batch {summary.batch_id}, sha256 {summary.sha256[:12]}…): "
            f"nothing to do — {summary.skipped} rows skipped as already present."
        )
        return
    head = "dry run — nothing written" if summary.dry_run else f"import batch {summary.batch_id}"
    console.print(f"{summary.file_name}: {head}")
    console.print(
        f"  read {summary.read} · imported {summary.imported} · skipped as already present {summary.skipped} · "
        f"rejected {summary.rejected} · kept with notes {summary.noted}"
    )
    if summary.report_path:
        console.print(f"  report: {summary.report_path}", soft_wrap=True, highlight=False)


@app.command("canonical")
@handle_errors
def canonical(
    path: Path = PathArg, dry_run: bool = DryRun, batch_size: int = BatchSize, encoding: str = Encoding
) -> None:
    """Import cases in the canonical record (CSV, CSV.gz or Parquet); see docs/import.md for the columns.

    Required columns: id, created_at. Example: citybrain import canonical cases.parquet
    """
    _run("canonical", path, dry_run, batch_size, encoding)


@app.command("nyc311")
@handle_errors
def nyc311(path: Path = PathArg, dry_run: bool = DryRun, batch_size: int = BatchSize, encoding: str = Encoding) -> None:
    """Import NYC 311 service requests (CSV or CSV.gz from NYC Open Data; times are New York local).

    Example: citybrain import nyc311 ../shared/data/nyc311/nyc311_combined_real_sample.csv.gz
    """
    _run("nyc311", path, dry_run, batch_size, encoding)


@app.command("teddy")
@handle_errors
def teddy(path: Path = PathArg, dry_run: bool = DryRun, batch_size: int = BatchSize, encoding: str = Encoding) -> None:
    """Import Teddy Cup 2020 citizen messages (messages_labelled.csv or the 附件3/附件4/test-phase XLSX).

    The kind of file is recognised by its columns. Example: citybrain import teddy replies_附件4.xlsx
    """
    _run("teddy", path, dry_run, batch_size, encoding)


AirPaths = typer.Argument(..., help="One or more hourly files in the Beijing layout (CSV or CSV.gz).", dir_okay=False)
ParkingPaths = typer.Argument(..., help="One or more car-park files in the Birmingham layout (CSV or CSV.gz).")
Metadata = typer.Option(
    None,
    "--metadata",
    help="The feed's car-park snapshot (SystemCodeNumber, ShortDescription, geom): names, places.",
)


@app.command("air")
@handle_errors
def air(paths: list[Path] = AirPaths) -> None:
    """Import hourly air-quality files (Beijing multi-site layout) as SensorThings Observations.

    Each station becomes a Thing, each (station, pollutant) a Datastream in µg/m³ as measured (CO too), each value an
    Observation at its hour, read as Beijing time (Asia/Shanghai). "NA" is no Observation. Each file is one
    transaction: a bad file writes nothing and the others still import (exit 2 at the end). Importing a file again
    adds nothing.

    Example: citybrain import air ../shared/data/beijing_multisite_air/PRSA_Data_*_20130301-20170228.csv.gz
    """
    from citybrain.sensing.bulk.air import AirFile

    layout = AirFile()
    _run_sensor_files(lambda: layout, paths)


@app.command("parking")
@handle_errors
def parking(paths: list[Path] = ParkingPaths, metadata: Path | None = Metadata) -> None:
    """Import car-park occupancy (Birmingham layout: SystemCodeNumber, Capacity, Occupancy, LastUpdated).

    Each car park becomes a Thing with a Datastream "occupancy" (vehicles, its capacity in properties); every
    reading is kept and marked in resultQuality by the fault detector (duplicate, over capacity, negative, irregular
    time, stuck …) — flagged readings stay out of means. Times are Birmingham local (Europe/London).

    Example: citybrain import parking ../shared/data/birmingham_parking/parking_birmingham_uci_dataset.csv.gz
    --metadata ../shared/data/birmingham_parking/carpark_metadata_snapshot_2017-04-28.csv
    """
    from citybrain.sensing.bulk.parking import ParkingFile, read_metadata

    places = read_metadata(metadata) if metadata is not None else None
    _run_sensor_files(lambda: ParkingFile(places), paths)


def _run_sensor_files(layout: Callable[[], SensorFile], paths: list[Path]) -> None:
    """Each file in its own transaction; a bad file is reported and the next one still imports; exit 2 if any failed."""
    from citybrain.core.errors import CityBrainError
    from citybrain.sensing.bulk.service import run_sensor_import

    failed = 0
    with open_database() as db:
        for path in paths:
            try:
                with _progress() as progress:
                    task = progress.add_task(f"{path.name}", total=None)

                    def advance(done: int, total: int | None, unit: str, task: TaskID = task) -> None:
                        progress.update(task, completed=done, total=total)

                    summary = run_sensor_import(db, layout(), path, progress=advance)
            except CityBrainError as exc:
                failed += 1
                err_console.print(f"[bold red]error:[/] {escape(exc.message)}", highlight=False, soft_wrap=True)
                continue
            _print_sensor_summary(summary)
    if failed:
        raise typer.Exit(EXIT_INVALID)


def _print_sensor_summary(summary: SensorImportSummary) -> None:
    if summary.already_imported:
        console.print(
            f"{summary.file_name} was already imported (batch {summary.batch_id}, sha256 {summary.sha256[:12]}…): "
            f"nothing to do — {summary.skipped} observations already present."
        )
        return
    console.print(f"{summary.file_name}: import batch {summary.batch_id}")
    console.print(
        f"  rows read {summary.read} · observations imported {summary.imported} · already present {summary.skipped}"
        f" · empty (NA) {summary.empty} · rejected {summary.rejected} · new Things {summary.things_created}"
        f" · new Datastreams {summary.datastreams_created}"
    )
    if summary.flags:
        flags = ", ".join(f"{kind} {n}" for kind, n in sorted(summary.flags.items()))
        console.print(f"  readings flagged (kept, out of means): {flags}")
    if summary.report_path:
        console.print(f"  report: {summary.report_path}", soft_wrap=True, highlight=False)


CollisionFormat = typer.Option(
    ...,
    "--format",
    "-f",
    help="nyc (NYC Motor Vehicle Collisions - Crashes, UTF-8), stats19 (Cambridgeshire STATS19, Latin-1, British "
    "National Grid) or canonical (our CSV; see docs/blind_zones.md).",
)
NearSide = typer.Option(
    None, "--near-side", help="right (China, US; default for nyc, canonical) or left (UK; default for stats19)."
)


@app.command("collisions")
@handle_errors
def collisions(
    path: Path = PathArg, fmt: str = CollisionFormat, near_side: str | None = NearSide, dry_run: bool = DryRun
) -> None:
    """Import road traffic collision records (交通事故) for `citybrain analyze blind-zones`.

    The file is one transaction: missing columns, a wrong encoding or an unknown format write nothing (exit 2).
    A row without a collision id, or repeating one in the file, is refused and listed in the report; a collision
    already stored (same format and id) is skipped; the same file again adds nothing. See docs/blind_zones.md.

    Example: citybrain import collisions Cambs_RTC_2012-2017.csv.gz --format stats19
    """
    from citybrain.scenarios.traffic_safety.stored import import_collision_file

    with open_database() as db, console.status(f"importing {path.name}"):
        summary = import_collision_file(db, path, fmt, near_side=near_side, dry_run=dry_run)
    if summary.already_imported:
        console.print(
            f"{summary.file_name} was already imported (batch {summary.batch_id}): nothing to do — "
            f"{summary.skipped} rows skipped as already present."
        )
        return
    head = "dry run — nothing written" if summary.dry_run else f"import batch {summary.batch_id}"
    console.print(f"{summary.file_name} ({summary.source}): {head}")
    console.print(
        f"  read {summary.read} · imported {summary.imported} · skipped as already present {summary.skipped} · "
        f"rejected {summary.rejected}"
    )
    if summary.report_path:
        console.print(f"  report: {escape(summary.report_path)}", soft_wrap=True, highlight=False)
