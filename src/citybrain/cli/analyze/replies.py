"""``citybrain analyze replies``: reply quality (答复意见评价) of a reply file or of the database's answered cases."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from citybrain.cli.common import err_console, handle_errors, open_database, write_whole
from citybrain.core.errors import InvalidInput

if TYPE_CHECKING:
    from citybrain.nlp.replies_data import ReplyRecord


@handle_errors
def command(
    input_path: Annotated[
        Path | None, typer.Option("--input", "-i", help="A reply file (.xlsx/.csv, e.g. Teddy 附件4); default: the DB.")
    ] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the JSON here (default: stdout).")] = None,
    xlsx_out: Annotated[Path | None, typer.Option("--xlsx", help="Also write an Excel workbook here.")] = None,
    top: Annotated[int, typer.Option("--top", help="How many best and worst replies to show.")] = 10,
    min_replies: Annotated[int, typer.Option("--min-replies", help="Fewer replies: listed, not ranked.")] = 5,
    sla_hours: Annotated[
        float, typer.Option("--sla-hours", help="Time limit for replies without an SLA class (hours).")
    ] = 168.0,
    start: Annotated[str | None, typer.Option("--from", help="Database: first local date received.")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Database: last local date received.")] = None,
    limit: Annotated[int, typer.Option("--limit", help="Database: newest answered cases to read.")] = 5000,
    save: Annotated[
        bool | None, typer.Option("--save/--no-save", help="Store as an insight run (default: only for the DB).")
    ] = None,
) -> None:
    """Score each reply for relevance 相关性, completeness 完整性, timeliness 及时性 and explanation 可解释性 (each
    0-1, with reasons), and rank departments by the mean. A file without a department column (Teddy 附件4) is
    ranked by the unit that signed each reply, where one did. Method and limits: docs/replies.md.

    Examples:

        citybrain analyze replies --input ../shared/data/teddy2020c/replies_附件4.xlsx --json replies.json --top 5

        citybrain analyze replies --from 2026-01-01 --to 2026-03-31 --xlsx replies.xlsx
    """
    from citybrain.insight import jobs
    from citybrain.nlp.replies import ScoringConfig
    from citybrain.nlp.replies_data import read_replies
    from citybrain.reports import excel, reply_service

    if sla_hours <= 0:
        raise InvalidInput(f"--sla-hours must be positive, not {sla_hours}")
    options = reply_service.AnalysisOptions(top=top, min_replies=min_replies, config=ScoringConfig(sla_hours=sla_hours))
    if input_path is not None:
        records, hours, source = read_replies(input_path), None, input_path.name
    else:
        records, hours, source = _from_database(start, end, limit)
    if not records:
        raise InvalidInput("no replies to score (no answered case with a reply in that window)")
    with Progress(
        TextColumn("scoring replies 评分"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=err_console, transient=True,
    ) as bar:  # fmt: skip
        task = bar.add_task("replies", total=len(records))
        result = reply_service.analyse(
            records, options=options, sla_hours=hours, source=source, progress=lambda n: bar.advance(task, n)
        )
    if save if save is not None else input_path is None:
        params = {"input": source, "from": start, "to": end, "limit": limit, "top": top, "min_replies": min_replies}
        with open_database() as db:
            run_id = jobs.store(db, reply_service.replies_record(result, params))
        err_console.print(f"stored as insight run {run_id}")
    if xlsx_out is not None:
        _write(xlsx_out, excel.replies_xlsx(result))
    text = json.dumps(result, ensure_ascii=False, indent=2) + "\n"
    if json_out is None:
        typer.echo(text, nl=False)
    else:
        _write(json_out, text.encode("utf-8"))
    _summary(result)


def _from_database(start: str | None, end: str | None, limit: int) -> tuple[list[ReplyRecord], list[float | None], str]:
    from citybrain.reports import reply_service
    from citybrain.reports.service import parse_date

    first: date | None = parse_date(start, "--from") if start else None
    last: date | None = parse_date(end, "--to") if end else None
    with open_database() as db, db.reading() as session:
        records, hours = reply_service.records_from_database(
            session, start=first, end=last, limit=limit, timezone=db.settings.timezone, language=db.settings.language
        )
    return records, hours, "database"


def _write(path: Path, body: bytes) -> None:
    write_whole(path, body)
    err_console.print(f"wrote {path}")


def _summary(result: dict[str, Any]) -> None:
    overall = result["distribution"]["overall"]
    ranking = result["ranking"]
    err_console.print(
        f"{result['replies']} replies 条答复: mean 均分 {overall.get('mean')}, median 中位数 {overall.get('median')}; "
        f"ranked by {ranking['by']}: {sum(r['rank'] is not None for r in ranking['rows'])} groups "
        f"({ranking['grouped_replies']} replies grouped)"
    )
