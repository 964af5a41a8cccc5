"""``citybrain export``: copies of the case store for other tools — the Parquet snapshot the analyses' engines read."""

from __future__ import annotations

from pathlib import Path

import typer

from citybrain.cli.common import console, handle_errors, open_database

app = typer.Typer(
    help=(
        "Copies of the case store for other tools.\n\nExample: citybrain export parquet --out /srv/citybrain/snapshot"
    ),
    no_args_is_help=True,
)


OUT = typer.Option(..., "--out", help="The snapshot folder (created if missing; a later run adds to it).")


@app.command("parquet")
@handle_errors
def parquet(
    out: Path = OUT,
    overlap_seconds: int = typer.Option(
        60,
        "--overlap-seconds",
        help="Re-read the cases changed this many seconds before the last run's newest change (slow commits).",
    ),
) -> None:
    """Add the cases changed since the last run to a Parquet snapshot, partitioned by month (month=YYYY-MM/).

    The first run writes every case; each later run appends only the cases created or changed since (a status
    change of an old case too), as new files, and lists them in DIR/manifest.json, written last — a run that dies
    is simply run again. DuckDB and Spark both read the snapshot (CITYBRAIN_SNAPSHOT_DIR=DIR: the analyses and
    analyze daily read it instead of the database; see docs/scale.md). Run it before the nightly job, e.g.

        25 0 * * *  cd /srv/citybrain && .venv/bin/citybrain export parquet --out var/snapshot

    Example: citybrain export parquet --out var/snapshot
    """
    from citybrain.cases.snapshot import export

    with open_database() as db:
        done = export(db, out, overlap_seconds=overlap_seconds)
    since = f"changed after {done.changed_after.isoformat()} UTC" if done.changed_after else "all cases"
    console.print(
        f"run {done.run}: {done.rows:,} case(s) ({since}) in {len(done.files)} file(s) → {out}", highlight=False
    )
