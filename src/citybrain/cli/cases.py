"""``citybrain cases``: the SLA sweep (催办 / 督办) and a look at one case from the command line."""

from __future__ import annotations

from datetime import datetime

import typer
from rich.table import Table

from citybrain.cli.common import console, handle_errors, open_database
from citybrain.core import clock
from citybrain.core.errors import Conflict, InvalidInput

app = typer.Typer(
    help=(
        "Case housekeeping.\n\n"
        "Example: citybrain cases sweep          (raise the reminders and escalations that are due)\n\n"
        "Example: citybrain cases show 42"
    ),
    no_args_is_help=True,
)


def _parse_now(value: str | None) -> datetime:
    if value is None:
        return clock.utcnow()
    try:
        return clock.as_utc(datetime.fromisoformat(value.replace("Z", "+00:00")))
    except ValueError:
        raise InvalidInput(f"--now {value!r} is not an ISO 8601 time such as 2026-03-02T09:00:00Z") from None


@app.command("sweep")
@handle_errors
def sweep(
    now: str | None = typer.Option(
        None, "--now", help="Sweep as if it were this time (ISO 8601, UTC unless a zone is given). Default: now."
    ),
) -> None:
    """Raise due reminders (催办) and escalations (督办) on open cases; safe to run as often as you like.

    A reminder is raised once CITYBRAIN_REMIND_FRACTION of the time to a sign-for (签收) or resolve (办结)
    deadline has passed; an escalation once the deadline has passed by CITYBRAIN_ESCALATE_AFTER_HOURS.
    Each deadline is reminded and escalated once: running the sweep again raises nothing new.
    Run it from cron every few minutes, e.g.  */5 * * * *  citybrain cases sweep
    """
    from sqlalchemy.orm.exc import StaleDataError

    from citybrain.cases import sla, tasks

    at = _parse_now(now)
    with open_database() as db:
        try:
            with db.transaction() as session:
                raised = sla.sweep(session, at, settings=db.settings)
        except StaleDataError:
            raise Conflict("a case changed while the sweep ran; nothing was written — run it again") from None
        tasks.after_sweep(raised)
    if not raised:
        console.print("nothing due: no reminders or escalations raised")
        return
    table = Table("case", "raised", "deadline", "due")
    for item in raised:
        word = "催办 remind" if item.action == "remind" else "督办 escalate"
        table.add_row(str(item.case_id), word, item.deadline, clock.iso(item.due) or "")
    console.print(table)
    reminders = sum(1 for r in raised if r.action == "remind")
    console.print(f"raised {reminders} reminder(s) and {len(raised) - reminders} escalation(s)")


@app.command("show")
@handle_errors
def show(case_id: int = typer.Argument(..., help="The case id.")) -> None:
    """Print one case's state, deadlines and audit trail (contact data is not printed).

    Example: citybrain cases show 42
    """
    from citybrain.cases import service
    from citybrain.cases.lifecycle import status_name

    with open_database() as db, db.reading() as session:
        case = service.get_case(session=session, case_id=case_id)
        zh, en = status_name(case.status)
        console.print(f"case {case.id} — {zh} {en} (version {case.version})", highlight=False)
        console.print(f"sign-for due {clock.iso(case.accept_due_at)}, resolve due {clock.iso(case.due_at)}")
        table = Table("at", "actor", "action", "from", "to")
        for event in service.events(session=session, case_id=case.id):
            table.add_row(
                clock.iso(event.at) or "", event.actor, event.action, event.from_status or "", event.to_status or ""
            )
        console.print(table)
