"""``citybrain import``: load a file of cases (NYC 311, Teddy messages, canonical CSV/Parquet)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.progress import BarColumn, DownloadColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from citybrain.cli.common import console, handle_errors, open_database

if TYPE_CHECKING:
    from citybrain.intake.bulk import ImportSummary

app = typer.Typer(
    help=(
        "Import a file of cases — all or nothing, safe to repeat.\n\n"
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
