"""``citybrain analyze associations``: which categories come together in the same place and week (关联分析)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from citybrain.cli.common import console, err_console, handle_errors, open_database, write_whole
from citybrain.core.errors import InvalidInput

if TYPE_CHECKING:
    from citybrain.analytics.associations.analysis import AssociationResult


@handle_errors
def command(
    input: Annotated[
        Path | None,
        typer.Option(
            "--input", "-i", help="Canonical CSV/Parquet (id, created_at, category, lat, lon); omit for the live DB."
        ),
    ] = None,
    json_out: Annotated[str, typer.Option("--json", help="Write the result as JSON here ('-' = stdout).")] = "-",
    cell_m: Annotated[float, typer.Option("--cell-m", help="Grid cell size in metres.")] = 500.0,
    window_days: Annotated[int, typer.Option("--window-days", help="Time window in days (7 = Monday weeks).")] = 7,
    min_support: Annotated[
        float, typer.Option("--min-support", help="Below 1: fraction of non-empty baskets; 1 or more: a basket count.")
    ] = 5,
    min_cases: Annotated[
        int, typer.Option("--min-cases", help="Cases of a category in a basket for it to count as present.")
    ] = 2,
    presence_share: Annotated[
        float,
        typer.Option(
            "--presence-share", help="Also above its count in all but its busiest share of baskets (1 = off)."
        ),
    ] = 0.05,
    max_size: Annotated[int, typer.Option("--max-size", help="Largest itemset (categories together).")] = 3,
    max_q: Annotated[
        float, typer.Option("--max-q", "--alpha", help="Report itemsets with a q-value (FDR) at most this.")
    ] = 0.05,
    top: Annotated[int, typer.Option("--top", help="Rules to write, strongest first.")] = 50,
    examples: Annotated[int, typer.Option("--examples", help="Example places and weeks per rule.")] = 5,
    permutations: Annotated[
        int, typer.Option("--permutations", help="Fixed-margin permutations checking the reported itemsets (0 = off).")
    ] = 199,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the permutations (same seed, same result).")] = 1,
) -> None:
    """关联分析: categories reported together in the same grid cell and time window more often than chance.

    Baskets are grid cell × window; support, confidence and lift are over non-empty baskets. Significance comes
    from a null model that keeps where each category is common and when (density and season), so two downtown
    or two winter categories are not called associated; q-values control the false discovery rate. Each rule
    names example cells (with centre lat/lon) and weeks and the case ids there. Reading the live database (no
    --input) also stores the rules as an analysis run of kind "associations". See docs/associations.md.

    Example:

        citybrain analyze associations --input cases.parquet --cell-m 500 --window-days 7 --json rules.json
    """
    from citybrain.analytics.associations.analysis import AssociationParams
    from citybrain.core.settings import load_settings
    from citybrain.insight import associations, jobs

    settings = load_settings()
    params = AssociationParams(
        cell_m=cell_m,
        window_days=window_days,
        min_support=min_support,
        min_cases=min_cases,
        presence_share=presence_share,
        max_size=max_size,
        max_q=max_q,
        top=top,
        examples=examples,
        permutations=permutations,
        seed=seed,
        timezone=settings.timezone,
    )
    params.check()
    _check_target(json_out)
    with _progress() as say:
        if input is not None:
            result, source = associations.from_file(input, params, progress=say)
        else:
            with open_database() as database:
                result, source = associations.from_database(database, params, progress=say)
                result.summary["run_id"] = jobs.store(database, associations.rules_record(result, source))
    _write(result, json_out, source)


@contextmanager
def _progress() -> Iterator[Callable[[str], None]]:
    """A spinner on stderr naming the current step (stdout stays clean for ``--json -``)."""
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with Progress(*columns, console=err_console, transient=True) as progress:
        task = progress.add_task("starting", total=None)
        yield lambda step: progress.update(task, description=step)


def _write(result: AssociationResult, target: str, source: str) -> None:
    document = result.to_json()
    document["params"]["source"] = source
    text = json.dumps(document, ensure_ascii=False, indent=2)
    if target == "-":
        sys.stdout.write(text + "\n")
        return
    path = Path(target)
    write_whole(path, text + "\n")
    summary = result.summary
    console.print(
        f"关联规则 {summary.get('rules_significant', 0):,} 条 / rules from "
        f"{summary.get('itemsets_significant', 0):,} significant itemsets ({summary.get('itemsets_tested', 0):,} "
        f"tested) in {summary['baskets']:,} baskets; {summary['cases_without_place']:,} cases without coordinates "
        f"(无坐标) left out → {path}"
    )


def _check_target(target: str) -> None:
    """Refuse an unwritable --json before any work (and before a run is stored)."""
    if target != "-" and not Path(target).parent.is_dir():
        raise InvalidInput(f"{Path(target).parent}: no such directory for --json")
