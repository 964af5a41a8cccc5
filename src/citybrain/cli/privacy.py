"""``citybrain privacy``: personal data after its retention period (个人信息保存期限, PIPL)."""

from __future__ import annotations

import typer

from citybrain.cli.common import console, handle_errors, open_database
from citybrain.core import clock

app = typer.Typer(
    help=(
        "Personal data (PIPL): remove it from cases closed longer ago than the retention period.\n\n"
        "Example: citybrain privacy purge                 (dry run: how many cases would lose their personal data)\n\n"
        "Example: citybrain privacy purge --apply         (do it, with CITYBRAIN_PII_RETENTION_DAYS)\n\n"
        "Example: citybrain privacy purge --days 730 --apply"
    ),
    no_args_is_help=True,
)


@app.command("purge")
@handle_errors
def purge(
    days: int | None = typer.Option(
        None, "--days", min=1, max=36500,
        help="Retention in days after a case is closed. Default: CITYBRAIN_PII_RETENTION_DAYS.",
    ),
    apply: bool = typer.Option(
        False, "--apply", help="Remove the data. Without it the command is a dry run that only counts the cases.",
    ),
) -> None:  # fmt: skip
    """Remove the citizen's personal data from cases closed more than the retention period ago; keep the figures.

    A dry run by default, because the purge cannot be undone: it prints how many closed cases are past the
    retention period and writes nothing. With --apply, in one transaction (all or nothing): the contact's name,
    phone, e-mail, ID number and account are emptied; the address keeps its street but not its door
    (桃子湖路**号*栋); names, phone and ID numbers, e-mail addresses, plates and doors written in the title, text,
    reply, notes, callback notes and portal comments are masked (the city's own phone numbers in its replies stay);
    the exact point moves to the centre of its public cell (CITYBRAIN_PUBLIC_LOCATION_M). Times, statuses,
    categories, districts, departments, channels and ratings stay, so every KPI and report is the same before and
    after. Each case is purged once (it is marked); running it again purges only cases that became due since.
    Run it from cron, e.g. nightly:  15 3 * * *  citybrain privacy purge --apply
    """
    from citybrain.cases import retention

    now = clock.utcnow()
    with open_database() as db:
        before = retention.cutoff(now, days, db.settings.pii_retention_days)
        with db.transaction() as session:
            done = retention.purge(
                session, closed_before=before, now=now, public_location_m=db.settings.public_location_m, apply=apply
            )
    when = clock.iso(before)
    if done.applied:
        console.print(f"purged the personal data of {done.cases} case(s) closed before {when}")
    else:
        console.print(
            f"dry run: {done.cases} case(s) closed before {when} still hold personal data; "
            "nothing was changed — add --apply to purge them"
        )
