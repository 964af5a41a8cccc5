"""``citybrain analyze daily``: recompute every stored insight on the live database — the job cron runs each night."""

from __future__ import annotations

from datetime import timedelta

import typer

from citybrain.cli.common import checked_as_of, console, err_console, handle_errors, open_database
from citybrain.core import clock
from citybrain.core.errors import InvalidInput

#: The registry's nightly analyses (``insight.jobs.NIGHTLY``), spelled out so `--help` needs no import of it; a
#: test keeps the two equal.
JOBS = ("associations", "hot-issues", "topics", "warnings", "sensors", "sensors-vs-cases")


@handle_errors
def command(
    as_of: str | None = typer.Option(
        None, "--as-of", help="The day the early warnings judge (YYYY-MM-DD, not in the future). Default: yesterday."
    ),
    only: str = typer.Option(
        ",".join(JOBS),
        "--only",
        help="Jobs to run, comma-separated: associations, hot-issues, warnings, sensors, sensors-vs-cases.",
    ),
    association_days: int = typer.Option(
        180, "--association-days", help="Associations look at the cases of this many days up to now."
    ),
    hot_days: int = typer.Option(30, "--hot-days", help="The hot-issue board looks at this many days up to now."),
    link_days: int = typer.Option(
        365, "--link-days", help="Sensors-vs-cases joins the stored sensors and cases of this many days to --as-of."
    ),
) -> None:
    """Recompute and store every insight on the live database: associations, the hot-issue board, early warnings,
    sensor warnings (air levels, unusual daily means, faults of air stations and car parks), and which complaints
    follow the stored sensors (sensors-vs-cases).

    Each job stores its result (citybrain.insight runs, shown on the landing page and under /api/v1/insight;
    warnings raise or grow alerts and notify after the commit). A job that fails is reported and the others still
    run; the exit code is 1 if any failed. Run it from cron after midnight, e.g.

        30 0 * * *  cd /srv/citybrain && .venv/bin/citybrain analyze daily

    Example: citybrain analyze daily --only hot-issues,warnings --as-of 2026-03-02
    """
    from citybrain.insight import jobs

    chosen = [job.strip() for job in only.split(",") if job.strip()]
    unknown = sorted(set(chosen) - set(JOBS))
    if unknown or not chosen:
        raise InvalidInput(f"--only takes {', '.join(JOBS)}; not {', '.join(unknown) or 'nothing'}")
    if association_days < 1 or hot_days < 1 or link_days < 1:
        raise InvalidInput("--association-days, --hot-days and --link-days must be at least 1")
    failed: list[str] = []
    with open_database() as db:
        today = clock.city_today(db.settings.timezone)
        day = checked_as_of(as_of, today) or today - timedelta(days=1)
        night = jobs.Night(day=day, association_days=association_days, hot_days=hot_days, link_days=link_days)
        for job in chosen:
            console.print(f"[bold]{job}[/] …", highlight=False)
            try:
                for line in jobs.run_nightly(job, db, night, note):
                    console.print(line)
            except Exception as exc:  # one job's failure must not stop the night's other jobs
                failed.append(job)
                console.print(f"[red]{job} failed:[/] {exc}", highlight=False)
    if failed:
        raise typer.Exit(1)


def note(line: str) -> None:
    """What an analysis left out, on stderr (stdout says what was stored)."""
    err_console.print(line, highlight=False, soft_wrap=True)
