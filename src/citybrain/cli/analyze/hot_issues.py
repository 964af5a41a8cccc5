"""``citybrain analyze hot-issues``: the hot-issue board (热点问题) — one problem at one place, ranked by heat."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated
from zoneinfo import ZoneInfo

import typer
from rich.table import Table

from citybrain.cli.common import console, err_console, handle_errors, open_database, write_whole
from citybrain.core.errors import InvalidInput

if TYPE_CHECKING:
    from citybrain.analytics.hot_issues import Board


@handle_errors
def command(
    input: Annotated[
        Path | None,
        typer.Option(
            "--input",
            "-i",
            help="附件3-style .xlsx (留言编号 留言用户 留言主题 留言时间 留言详情 反对数 点赞数) or a canonical "
            "CSV/Parquet with text; omit for the live database.",
        ),
    ] = None,
    top: Annotated[int, typer.Option("--top", help="Issues on the board, hottest first.")] = 10,
    json_out: Annotated[str, typer.Option("--json", help="Write the board as JSON here ('-' = stdout).")] = "-",
    xlsx_out: Annotated[
        Path | None, typer.Option("--xlsx", help="Also write the official 表1/表2 workbook here (.xlsx).")
    ] = None,
    since: Annotated[
        str | None, typer.Option("--since", help="Only messages from this local date/time on (2019-11-01).")
    ] = None,
    window_days: Annotated[
        float, typer.Option("--window-days", help="Most days between two messages linked as one issue.")
    ] = 60.0,
    half_life: Annotated[
        float, typer.Option("--half-life", help="Days after which an issue's recency bonus halves.")
    ] = 30.0,
    min_count: Annotated[int, typer.Option("--min-count", help="Fewest messages for an issue to be ranked.")] = 1,
) -> None:
    """Group messages that speak of the same problem at the same place (text similarity + place names + time)
    and rank the groups by heat (热度): citizens, likes/dislikes, recency and growth (docs/hot_issues.md).

    Texts are shown with phone and ID numbers masked. Reading the live database (no --input) also stores the
    board as an analysis run of kind "hot_issues"; "now" is then the current time, for a file its latest message.

    Example:

        citybrain analyze hot-issues --input hot_issues_附件3.xlsx --top 5 --json board.json --xlsx board.xlsx
    """
    from citybrain.analytics.hot_issues import BoardParams, board_json, build_board
    from citybrain.analytics.hot_issues_io import write_board_xlsx
    from citybrain.core import clock
    from citybrain.core.settings import load_settings
    from citybrain.insight import jobs
    from citybrain.insight.hot_issues import board_record, load_messages

    settings = load_settings()
    zone = clock.city_zone(settings.timezone)
    if top < 1 or window_days <= 0 or half_life <= 0 or min_count < 1:
        raise InvalidInput("--top and --min-count must be ≥ 1, --window-days and --half-life > 0")
    if xlsx_out is not None and xlsx_out.suffix.lower() != ".xlsx":
        raise InvalidInput(f"{xlsx_out}: --xlsx writes an .xlsx workbook; name it *.xlsx")
    for target in (Path(json_out) if json_out != "-" else None, xlsx_out):
        if target is not None and not target.parent.is_dir():
            raise InvalidInput(f"{target.parent}: no such directory")
    params = BoardParams(window_days=window_days, half_life_days=half_life, min_count=min_count)
    start = _local_to_utc(since, zone) if since else None
    run_id: int | None = None
    with err_console.status("reading messages and grouping them …"):
        if input is not None:
            messages, source = load_messages(input, database=None, timezone=settings.timezone, since=start)
            board = build_board(messages, params, top=top)
        else:
            with open_database() as database:
                messages, source = load_messages(None, database=database, timezone=settings.timezone, since=start)
                board = build_board(messages, params, now=clock.utcnow().replace(tzinfo=None), top=top)
                run_id = jobs.store(database, board_record(board, source=source, zone=zone))
    document = board_json(board, zone=zone, source=source)
    if run_id is not None:
        document["params"]["run_id"] = run_id
    _write(document, json_out)
    if xlsx_out is not None:
        write_board_xlsx(board, xlsx_out, zone=zone)
    if json_out != "-":
        _print(board, zone)


def _local_to_utc(text: str, zone: ZoneInfo) -> datetime:
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(
            f"--since {text!r}: give a date or date-time such as 2019-11-01 or 2019-11-01T08:00"
        ) from None
    value = value if value.tzinfo else value.replace(tzinfo=zone)
    return value.astimezone(UTC).replace(tzinfo=None)


def _write(document: dict[str, object], target: str) -> None:
    text = json.dumps(document, ensure_ascii=False, indent=2)
    if target == "-":
        sys.stdout.write(text + "\n")
        return
    write_whole(Path(target), text + "\n")


def _print(board: Board, zone: ZoneInfo) -> None:
    table = Table(
        "排名 rank", "热度 heat", "时间范围 span", "地点 place", "问题描述 issue", "留言 msgs", title="热点问题"
    )
    for issue in board.issues:
        start, end = (t.replace(tzinfo=UTC).astimezone(zone) for t in (issue.start, issue.end))
        span = f"{start:%Y-%m-%d} … {end:%Y-%m-%d}"
        table.add_row(str(issue.rank), f"{issue.heat.heat:.2f}", span, issue.place, issue.description, str(issue.count))
    console.print(table)
    err_console.print(
        f"{board.n_messages:,} messages in {board.n_groups:,} groups; the {len(board.issues)} hottest shown above"
    )
