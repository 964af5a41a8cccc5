"""``citybrain analyze warnings``: temporal detectors and the space-time scan on a file or the live database."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from citybrain.analytics.warning_options import WarningOptions
from citybrain.cli.common import checked_as_of, console, err_console, handle_errors, open_database, write_whole
from citybrain.core import clock
from citybrain.core.errors import InvalidInput

if TYPE_CHECKING:
    from datetime import date

    from citybrain.analytics.warnings import Warnings
    from citybrain.core.db import Database
    from citybrain.core.settings import Settings

DEFAULTS = WarningOptions()  # one place for the defaults: the daily job uses the same
INPUT = typer.Option(None, "--input", help="Canonical CSV / Parquet of cases. Default: the live database.")
JSON_OUT = typer.Option(None, "--json", help="Write the JSON here. Default: print it on stdout.")


@handle_errors
def command(
    source: Path | None = INPUT,
    as_of: str | None = typer.Option(
        None, "--as-of", help="The analysis day (YYYY-MM-DD, not in the future). Default: the last day with a case."
    ),
    json_out: Path | None = JSON_OUT,
    cell_m: float = typer.Option(DEFAULTS.cell_m, "--cell-m", help="Grid cell of the scan, in metres."),
    window_days: int = typer.Option(
        DEFAULTS.window_days, "--window-days", help="Days of the scan's window (its baseline; longer = steadier)."
    ),
    max_days: int = typer.Option(
        DEFAULTS.max_days, "--max-days", help="Longest cluster, in days ending on the analysis day."
    ),
    max_share: float = typer.Option(
        DEFAULTS.max_share, "--max-share", help="Largest circle, as a share of the window's cases."
    ),
    max_radius_m: float = typer.Option(
        DEFAULTS.max_radius_m, "--max-radius-m", help="Largest circle's radius, metres."
    ),
    centres: str = typer.Option(
        DEFAULTS.centres,
        "--centres",
        help="Circle centres besides the cells': cells (none), corners (the grid's), half (corners and side"
        " midpoints: finest, slowest).",
    ),
    min_cases: int = typer.Option(DEFAULTS.min_cases, "--min-cases", help="Fewest cases in a cluster."),
    replicates: int = typer.Option(
        DEFAULTS.replicates, "--replicates", help="Monte Carlo permutations for the scan's p-values."
    ),
    seed: int = typer.Option(
        DEFAULTS.seed, "--seed", help="Seed of the permutations: the same seed gives the same p-values."
    ),
    min_recurrence: float = typer.Option(
        DEFAULTS.min_recurrence_days,
        "--min-recurrence",
        help="Report clusters rarer by chance than once in this many days.",
    ),
    max_q: float = typer.Option(
        DEFAULTS.max_q, "--max-q", help="Temporal: false discovery rate over the series judged (Benjamini–Hochberg)."
    ),
    by: str = typer.Option(
        ",".join(DEFAULTS.by), "--by", help="Columns that split the temporal series, comma-separated (e.g. category)."
    ),
    store: bool | None = typer.Option(
        None, "--store/--no-store", help="Raise or grow alerts from the findings. Default: yes for the database."
    ),
) -> None:
    """Early warning (预警) for one day: temporal detectors per category × district, and the space-time scan.

    The JSON has two lists. "temporal": one entry per alarm on the day (series, method, date, observed, expected,
    threshold, p_value) of the series that stand out once the number of series judged is accounted for
    (Benjamini–Hochberg at --max-q over each series' smallest p-value, Bonferroni over its methods).
    "clusters": space-time clusters (时空聚集) alive on the day and rarer by chance than
    --min-recurrence days (center {lat, lon}, radius_m, start, end, observed, expected, recurrence_days, p_value,
    case_ids). Repeated rows of a case count once; cases after the day are left out; cases without coordinates
    count for the temporal detectors but not in the scan — how many of each is printed on stderr. With --store
    the findings raise or grow alerts (citybrain alerts list) and notifications go out after the commit.

    Example: citybrain analyze warnings --input cases.csv --as-of 2026-03-02 --json warnings.json

    Example: citybrain analyze warnings --as-of 2026-03-02 --replicates 99 --seed 7      (live database, stored)
    """
    from citybrain.core.settings import load_settings

    options = WarningOptions(
        cell_m=cell_m, window_days=window_days, max_days=max_days, max_share=max_share, max_radius_m=max_radius_m,
        centres=centres, min_cases=min_cases, replicates=replicates, seed=seed, min_recurrence_days=min_recurrence,
        max_q=max_q,
        by=tuple(c.strip() for c in by.split(",") if c.strip()),
    )  # fmt: skip
    settings = load_settings()
    day = checked_as_of(as_of, clock.city_today(settings.timezone))
    if source is not None and not source.is_file():
        raise InvalidInput(f"{source}: no such file; give a canonical CSV or Parquet of cases")
    keep = store if store is not None else source is None
    if source is None or keep:
        with open_database() as db:
            found = analyse(source=source, as_of=day, options=options, db=db)
            if keep:
                raise_alerts(db, found)
    else:
        found = analyse(source=source, as_of=day, options=options, settings=settings)
    _write(found, json_out)


def analyse(
    *,
    source: Path | None,
    as_of: date | None,
    options: WarningOptions,
    db: Database | None = None,
    settings: Settings | None = None,
) -> Warnings:
    """The insight job's open → count → judge for the day, with a spinner, and what was left out on stderr."""
    from citybrain.insight import warnings

    chosen = db.settings if db is not None else settings
    assert chosen is not None
    with err_console.status("opening the cases …") as status:
        found = warnings.analyse(source=source, as_of=as_of, options=options, settings=chosen, db=db, say=status.update)
    for line in warnings.summary(found):
        err_console.print(line, highlight=False, soft_wrap=True)
    return found


def raise_alerts(db: Database, found: Warnings) -> None:
    """Store the findings as alerts (one transaction, notifications after it) and say what happened."""
    from citybrain.insight import warnings

    for line in warnings.raise_alerts(db, found).lines():
        console.print(line, highlight=False)


def _write(found: Warnings, json_out: Path | None) -> None:
    text = json.dumps(found.to_json(), ensure_ascii=False, indent=2, allow_nan=False)
    if json_out is None:
        print(text)
        return
    write_whole(json_out, text + "\n")
    console.print(f"wrote {json_out}", highlight=False)
