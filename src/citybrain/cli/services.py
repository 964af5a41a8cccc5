"""``citybrain services``: the online-service catalogue (办事指南) — import it from a file, list it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from citybrain.cli.common import console, handle_errors, open_database

app = typer.Typer(
    help=(
        "Online services (线上审批, 互联网+政务服务): the catalogue of services applicants apply for.\n\n"
        "Example: citybrain services import catalogue.json   (all or nothing; see docs/services.md)\n"
        "         citybrain services list"
    ),
    no_args_is_help=True,
)


@app.command("import")
@handle_errors
def import_catalogue(
    file: Annotated[Path, typer.Argument(help='The catalogue: JSON, a list of services or {"services": [...]}.')],
) -> None:
    """Create or replace services from a file. Every entry is checked first; one bad entry refuses the whole file,
    naming every problem, and nothing is written."""
    from citybrain.core import clock
    from citybrain.core.errors import ImportRejected
    from citybrain.services import service

    try:
        entries = json.loads(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ImportRejected(f"cannot read {file}: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise ImportRejected(f"{file} is not JSON: {exc}; nothing imported") from None
    with open_database() as db, db.transaction() as session:
        report = service.import_catalogue(session, entries, now=clock.utcnow())
    console.print(
        f"catalogue imported from {file}: {len(report.created)} created, {len(report.updated)} updated"
        + (f" — created: {', '.join(report.created)}" if report.created else "")
        + (f"; updated: {', '.join(report.updated)}" if report.updated else ""),
        highlight=False,
        soft_wrap=True,
    )


@app.command("list")
@handle_errors
def list_services() -> None:
    """The catalogue: code, name, department, legal limit in working days, materials and fields."""
    from citybrain.services import repository

    table = Table("code", "name", "department", "working days", "materials", "fields", "active")
    with open_database() as db, db.reading() as session:
        departments = {d.id: d.code for d in repository.departments_by_code(session).values()}
        for s in repository.services(session):
            spec = s.spec
            table.add_row(s.code, s.name, departments.get(s.department_id, "?"), str(s.legal_days),
                          str(len(spec.get("materials", []))), str(len(spec.get("fields", []))),
                          "yes" if s.active else "no")  # fmt: skip
    console.print(table)
