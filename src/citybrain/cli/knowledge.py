"""``citybrain knowledge``: seed the hotline knowledge base (知识库) with drafts, list and expire items due."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from citybrain.cli.common import console, handle_errors, open_database

app = typer.Typer(
    help=(
        "The hotline knowledge base (政府热线知识库): seed drafts from official replies and resolved cases, "
        "list items about to expire, expire those past their validity (a daily job).\n\n"
        "Seeded items are drafts: an editor reviews and another publishes them (docs/knowledge.md).\n\n"
        "Example: citybrain knowledge seed-replies --input replies_附件4.xlsx"
    ),
    no_args_is_help=True,
)

InputPath = typer.Option(..., "--input", "-i", help="附件4 layout .xlsx or a CSV with message/reply.")
Author = typer.Option("citybrain-seed", "--author", help="Recorded as the drafts' author (a reviewer must differ).")


@app.command("seed-replies")
@handle_errors
def seed_replies(
    input_path: Path = InputPath,
    author: str = Author,
) -> None:
    """Each official reply (答复意见) becomes a draft item with its 留言编号 as source — one transaction per file.

    A file that cannot be read writes nothing (exit 2); a row without a reply or question is listed in
    <data_dir>/import-reports/ and skipped; a reply seeded before is skipped, so running it again adds nothing.
    """
    from citybrain.core.reject_report import RejectReport
    from citybrain.knowledge import service
    from citybrain.nlp.replies_data import read_replies

    records = read_replies(input_path)
    with open_database() as db:
        report = RejectReport(db.settings.data_dir / "import-reports", "knowledge-replies", input_path.name)
        with db.transaction() as session:
            outcome = service.seed_replies(session=session, records=records, source_name=input_path.name,
                                           actor=author)  # fmt: skip
        for row, ref, reason in outcome.rejected:
            report.add(row, ref, "rejected", reason)
        kept = report.keep()
    console.print(
        f"{len(records)} rows: {outcome.added} drafts added, {outcome.skipped} already seeded, "
        f"{len(outcome.rejected)} rejected" + (f" (report: {kept})" if kept else "")
    )


@app.command("seed-cases")
@handle_errors
def seed_cases(
    limit: int = typer.Option(10000, "--limit", min=1, max=1_000_000, help="At most this many cases per run."),
    author: str = Author,
) -> None:
    """Resolved or closed cases with a reply become draft items (category, district and department kept)."""
    from citybrain.knowledge import service

    with open_database() as db, db.transaction() as session:
        outcome = service.seed_cases(session=session, actor=author, limit=limit)
    console.print(f"{outcome.added} drafts added from resolved cases, {outcome.skipped} already seeded")


@app.command("expiring")
@handle_errors
def expiring(
    days: int = typer.Option(30, "--days", min=0, max=3660, help="Validity ending within this many days."),
) -> None:
    """到期提醒: published items whose validity ends within --days days (soonest first)."""
    from citybrain.core.clock import city_today
    from citybrain.knowledge import service

    with open_database() as db, db.reading() as session:
        due = service.expiring(session=session, today=city_today(db.settings.timezone), days=days)
        table = Table("item", "version", "valid to", "department", "question", title=f"Expiring within {days} days")
        for v in due:
            table.add_row(str(v.item_id), str(v.version), str(v.valid_to), v.department or "—", v.question[:40])
    console.print(table if due else f"no published item expires within {days} days")


@app.command("expire")
@handle_errors
def expire() -> None:
    """Expire every published item past its valid_to (run daily, e.g. from cron at 00:05)."""
    from citybrain.core.clock import city_today
    from citybrain.knowledge import service

    with open_database() as db, db.transaction() as session:
        done = service.expire_due(session=session, today=city_today(db.settings.timezone))
    console.print(f"{len(done)} items expired")
