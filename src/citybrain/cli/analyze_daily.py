"""``citybrain analyze daily``: recompute every stored insight on the live database — the job cron runs each night."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import typer

from citybrain.alerts import detect
from citybrain.alerts import service as alerts_service
from citybrain.analytics import io
from citybrain.analytics.associations.analysis import AssociationParams, run_associations
from citybrain.analytics.hot_issues_io import run_hot_issues
from citybrain.cli.analyze import app
from citybrain.cli.analyze_warnings import checked_as_of
from citybrain.cli.common import console, handle_errors, open_database
from citybrain.core.db import Database
from citybrain.core.errors import InvalidInput

JOBS = ("associations", "hot-issues", "warnings")


@app.command("daily")
@handle_errors
def daily_cmd(
    as_of: str | None = typer.Option(
        None, "--as-of", help="The day the early warnings judge (YYYY-MM-DD, not in the future). Default: yesterday."
    ),
    only: str = typer.Option(
        ",".join(JOBS), "--only", help="Jobs to run, comma-separated: associations, hot-issues, warnings."
    ),
    association_days: int = typer.Option(
        180, "--association-days", help="Associations look at the cases of this many days up to now."
    ),
    hot_days: int = typer.Option(30, "--hot-days", help="The hot-issue board looks at this many days up to now."),
) -> None:
    """Recompute and store every insight on the live database: associations, the hot-issue board, early warnings.

    Each job stores its result (citybrain.insight runs, shown on the landing page and under /api/v1/insight;
    warnings raise or grow alerts and notify after the commit). A job that fails is reported and the others still
    run; the exit code is 1 if any failed. Run it from cron after midnight, e.g.

        30 0 * * *  cd /srv/citybrain && .venv/bin/citybrain analyze daily

    Example: citybrain analyze daily --only hot-issues,warnings --as-of 2026-03-02
    """
    jobs = [job.strip() for job in only.split(",") if job.strip()]
    unknown = sorted(set(jobs) - set(JOBS))
    if unknown or not jobs:
        raise InvalidInput(f"--only takes {', '.join(JOBS)}; not {', '.join(unknown) or 'nothing'}")
    if association_days < 1 or hot_days < 1:
        raise InvalidInput("--association-days and --hot-days must be at least 1")
    failed: list[str] = []
    with open_database() as db:
        today = alerts_service.city_today(db.settings)
        day = checked_as_of(as_of, today) or today - timedelta(days=1)
        for job in jobs:
            console.print(f"[bold]{job}[/] …", highlight=False)
            try:
                console.print(run_job(job, db, day=day, association_days=association_days, hot_days=hot_days))
            except Exception as exc:  # one job's failure must not stop the night's other jobs
                failed.append(job)
                console.print(f"[red]{job} failed:[/] {exc}", highlight=False)
    if failed:
        raise typer.Exit(1)


def run_job(job: str, db: Database, *, day: date, association_days: int, hot_days: int) -> str:
    """Run one of :data:`JOBS` on the live database and store its result; a one-line summary of what was stored."""
    from citybrain.cli.alerts import raise_alerts
    from citybrain.cli.analyze_associations import _store
    from citybrain.cli.analyze_warnings import analyse, report

    now = datetime.now(UTC)
    if job == "associations":
        con = io.connect()
        source = io.open_database(con, db, since=now - timedelta(days=association_days)).source
        result = run_associations(con, AssociationParams(timezone=db.settings.timezone))
        run_id = _store(db, f"{source} (last {association_days} days)", result)
        return f"associations: {len(result.rules)} rule(s) stored as run {run_id}"
    if job == "hot-issues":
        board, run_id = run_hot_issues(db, days=hot_days, timezone=db.settings.timezone)
        return f"hot issues: {len(board.issues)} issue(s) from {board.n_messages} message(s) stored as run {run_id}"
    found = analyse(source=None, as_of=day, options=detect.WarningOptions(), settings=db.settings, db=db)
    report(found)
    raise_alerts(db, found)
    return f"warnings for {found.as_of}: {len(found.signals())} signal(s)"
