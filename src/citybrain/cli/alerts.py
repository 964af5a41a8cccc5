"""``citybrain alerts``: look at and handle alerts (预警) from the command line, and the daily detection job."""

from __future__ import annotations

from datetime import date, timedelta

import typer
from rich.table import Table

from citybrain.analytics.warning_options import WarningOptions
from citybrain.cli.common import checked_as_of, console, err_console, handle_errors, open_database, parse_day
from citybrain.core import clock
from citybrain.core.errors import Conflict, InvalidInput

app = typer.Typer(
    help=(
        "Alerts (预警): what the early-warning detectors found, and what people did about it.\n\n"
        "Example: citybrain alerts daily                  (run the detectors on today's data, notify)\n\n"
        "Example: citybrain alerts list --status open\n\n"
        "Example: citybrain alerts ack 7 --version 1 --note 已派人核查"
    ),
    no_args_is_help=True,
)

STATUSES = ("open", "acknowledged", "snoozed", "closed")


@app.command("list")
@handle_errors
def list_alerts(
    status: str | None = typer.Option(None, "--status", help="open, acknowledged, snoozed or closed. Default: all."),
    limit: int = typer.Option(50, "--limit", min=1, max=1000, help="At most this many, latest signal first."),
) -> None:
    """List alerts, latest signal first.

    Example: citybrain alerts list --status open
    """
    from citybrain.alerts import repository

    if status is not None and status not in STATUSES:
        raise InvalidInput(f"--status {status!r}: use one of {', '.join(STATUSES)}")
    with open_database() as db, db.reading() as session:
        alerts, total = repository.list_alerts(session, status=status, limit=limit, offset=0)
        table = Table("id", "status", "kind", "detector", "title", "first", "last", "obs/exp", "p", "cases", "ver")
        for a in alerts:
            ratio = f"{a.observed:g}/{a.expected:.1f}" if a.observed is not None and a.expected is not None else ""
            p_value = f"{a.p_value:.3g}" if a.p_value is not None else ""
            table.add_row(
                str(a.id), a.status, a.kind, a.detector, a.title, a.first_signal_on.isoformat(),
                a.last_signal_on.isoformat(), ratio, p_value, str(len(a.case_ids or [])), str(a.version),
            )  # fmt: skip
    console.print(table)
    console.print(f"{len(alerts)} of {total} alert(s)")


@app.command("show")
@handle_errors
def show(alert_id: int = typer.Argument(..., help="The alert id.")) -> None:
    """Print one alert as JSON: its explanation, member case ids, events and notifications.

    Example: citybrain alerts show 7
    """
    from citybrain.alerts import repository, service
    from citybrain.alerts.schemas import AlertOut

    with open_database() as db, db.reading() as session:
        alert = service.get_alert(session=session, alert_id=alert_id)
        console.print_json(AlertOut.model_validate(alert).model_dump_json())
        table = Table("at", "actor", "action", "note")
        for event in repository.events(session, alert.id):
            table.add_row(clock.iso(event.at) or "", event.actor, event.action, event.note or "")
        console.print(table)
        for d in repository.deliveries(session, alert.id):
            console.print(f"{d.channel}: {d.status} after {d.attempts} attempt(s) {d.last_error or ''}")


def _change(alert_id: int, action: str, version: int, note: str | None, until: date | None = None) -> None:
    from sqlalchemy.orm.exc import StaleDataError

    from citybrain.alerts import service

    with open_database() as db:
        try:
            with db.transaction() as session:
                alert = service.change(
                    session=session,
                    alert_id=alert_id,
                    action=action,
                    version=version,
                    actor="cli",
                    note=note,
                    until=until,
                    today=clock.city_today(db.settings.timezone),
                )
                status, new_version = alert.status, alert.version
        except StaleDataError:
            raise Conflict(f"alert {alert_id} changed at the same moment; reload it and try again") from None
    console.print(f"alert {alert_id}: {status} (version {new_version})")


VERSION = typer.Option(..., "--version", help="The version you saw (alerts list/show); another one is refused.")
NOTE = typer.Option(None, "--note", help="Why, in a few words (kept in the alert's events).")


@app.command("ack")
@handle_errors
def acknowledge(
    alert_id: int = typer.Argument(..., help="The alert id."), version: int = VERSION, note: str | None = NOTE
) -> None:
    """Acknowledge (确认) an alert: someone is on it; it keeps growing but sends no more notifications.

    Example: citybrain alerts ack 7 --version 1 --note 已派人核查
    """
    _change(alert_id, "acknowledge", version, note)


@app.command("snooze")
@handle_errors
def snooze(
    alert_id: int = typer.Argument(..., help="The alert id."),
    until: str = typer.Option(..., "--until", help="The day it wakes (YYYY-MM-DD, after today)."),
    version: int = VERSION,
    note: str | None = NOTE,
) -> None:
    """Snooze (暂缓) an alert: quiet until a day; the daily job wakes it on that day and notifies again.

    Example: citybrain alerts snooze 7 --until 2026-03-09 --version 2
    """
    _change(alert_id, "snooze", version, note, parse_day(until, "--until"))


@app.command("close")
@handle_errors
def close(
    alert_id: int = typer.Argument(..., help="The alert id."), version: int = VERSION, note: str | None = NOTE
) -> None:
    """Close (关闭) an alert; the same trouble signalled again raises a new one.

    Example: citybrain alerts close 7 --version 3 --note 施工已停止
    """
    _change(alert_id, "close", version, note)


@app.command("reopen")
@handle_errors
def reopen(
    alert_id: int = typer.Argument(..., help="The alert id."), version: int = VERSION, note: str | None = NOTE
) -> None:
    """Reopen (重开) a closed alert.

    Example: citybrain alerts reopen 7 --version 4
    """
    _change(alert_id, "reopen", version, note)


@app.command("daily")
@handle_errors
def daily(
    as_of: str | None = typer.Option(
        None, "--as-of", help="The day to analyse (YYYY-MM-DD, not in the future). Default: yesterday."
    ),
    by: str = typer.Option(
        ",".join(WarningOptions.by),
        "--by",
        help="Columns that split the temporal series, comma-separated (e.g. category).",
    ),
) -> None:
    """The daily job: detectors and space-time scan on the live database, raise or grow alerts, then notify.

    Wakes alerts whose snooze day has come, runs every temporal detector per category × district and the
    space-time scan (defaults of `citybrain analyze warnings`) for the day, raises new alerts or grows the open
    ones, commits, and only then sends notifications (CITYBRAIN_ALERT_WEBHOOK_URL, CITYBRAIN_ALERT_SMTP_HOST …).
    Running a day twice changes nothing. Run it from cron after midnight, e.g.  30 0 * * *  citybrain alerts daily

    Example: citybrain alerts daily --as-of 2026-03-02
    """
    from citybrain.insight import warnings

    with open_database() as db:
        today = clock.city_today(db.settings.timezone)
        day = checked_as_of(as_of, today) or today - timedelta(days=1)
        options = WarningOptions(by=tuple(c.strip() for c in by.split(",") if c.strip()))
        with err_console.status(f"detectors and space-time scan for {day.isoformat()} …"):
            _found, lines = warnings.judge_and_store(db, day=day, options=options, note=_note)
        for line in lines:
            console.print(line, highlight=False)


def _note(line: str) -> None:
    err_console.print(line, highlight=False, soft_wrap=True)
