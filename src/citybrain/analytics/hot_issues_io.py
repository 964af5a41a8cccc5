"""Messages for the hot-issue board read from a 网络问政 export (附件3 form, .xlsx) or the ``cases`` view, and the
board written as the official workbook.

The pure grouping and ranking live in :mod:`citybrain.analytics.hot_issues`; this module only reads and writes
files. Reading the live database and storing the board as a run is the insight job's (``insight.hot_issues``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import openpyxl

from citybrain.analytics.counting import sql
from citybrain.analytics.counting.sql import engine_of
from citybrain.analytics.hot_issues import Board, Messages
from citybrain.core import clock
from citybrain.core.errors import InvalidInput

#: The columns of the official export (留言编号 … 点赞数) and the canonical names they map to.
XLSX_COLUMNS = {
    "留言编号": "id",
    "留言用户": "user",
    "留言主题": "title",
    "留言时间": "created_at",
    "留言详情": "text",
    "反对数": "dislikes",
    "点赞数": "likes",
}
_REQUIRED = ("留言编号", "留言主题", "留言时间")
_TIME_FORMATS = ("%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M", "%Y/%m/%d", "%Y-%m-%d")


def read_messages_xlsx(path: Path, *, timezone: str) -> Messages:
    """Messages of a 附件3-style workbook (first sheet, header row, columns 留言编号 留言用户 留言主题 留言时间
    留言详情 反对数 点赞数). Local times are read in ``timezone`` and kept as naive UTC, like the rest of analytics."""
    if not path.is_file():
        raise InvalidInput(f"{path}: no such file")
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a file that is not a workbook
        raise InvalidInput(f"{path}: cannot be read as .xlsx ({type(exc).__name__}: {exc})") from exc
    try:
        rows = book.worksheets[0].iter_rows(values_only=True)
        header = [str(cell).strip() if cell is not None else "" for cell in next(rows, ())]
        missing = [name for name in _REQUIRED if name not in header]
        if missing:
            raise InvalidInput(f"{path}: missing column(s) {', '.join(missing)}; found {', '.join(header) or 'none'}")
        where = {XLSX_COLUMNS[name]: header.index(name) for name in XLSX_COLUMNS if name in header}
        return _collect(path, rows, where, clock.city_zone(timezone))
    finally:
        book.close()


def _collect(path: Path, rows: Iterator[tuple[Any, ...]], where: dict[str, int], zone: ZoneInfo) -> Messages:
    columns: dict[str, list[Any]] = {name: [] for name in ("id", "user", "title", "text", "likes", "dislikes")}
    created: list[datetime] = []
    for number, row in enumerate(rows, start=2):
        if not any(cell is not None and str(cell).strip() for cell in row):
            continue
        cell = dict(zip(where, (row[i] if i < len(row) else None for i in where.values()), strict=True))
        when = _local_time(cell.get("created_at"))
        if when is None:
            raise InvalidInput(f"{path}: row {number}: 留言时间 {cell.get('created_at')!r} is not a date and time")
        created.append(when.replace(tzinfo=zone).astimezone(UTC).replace(tzinfo=None))
        columns["id"].append(_text(cell.get("id")))
        columns["user"].append(_text(cell.get("user")))
        columns["title"].append(_text(cell.get("title")))
        columns["text"].append(_text(cell.get("text")))
        columns["likes"].append(_count(cell.get("likes")))
        columns["dislikes"].append(_count(cell.get("dislikes")))
    if not created:
        raise InvalidInput(f"{path}: no messages in the first sheet")
    return Messages.of(created_at=created, **columns)


def _local_time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    text = str(value or "").strip()
    for fmt in _TIME_FORMATS:
        try:
            return datetime.strptime(text, fmt)  # noqa: DTZ007 - the file's naive local time
        except ValueError:
            continue
    return None


def _text(value: Any) -> str:
    """The cell as text, each line trimmed and blank lines dropped (the portal's export pads with tabs)."""
    if value is None:
        return ""
    return "\n".join(line.strip() for line in str(value).splitlines() if line.strip())


def _count(value: Any) -> int:
    try:
        return max(int(float(value)), 0)
    except (TypeError, ValueError):
        return 0


def read_messages_view(con: duckdb.DuckDBPyConnection) -> Messages:
    """Messages from the registered ``cases`` view (a canonical file or the database, see :mod:`analytics.io`)."""
    present = sql.columns(con)
    if "text" not in present and "title" not in present:
        raise InvalidInput("the cases have no text or title column: hot issues are found from what citizens wrote")

    def column(name: str, default: str) -> str:
        return f"coalesce(CAST({name} AS VARCHAR), '')" if name in present else default

    empty, zero = "''", "0"
    parts = [
        column("title", empty),
        column("text", empty),
        "coalesce(likes, 0)" if "likes" in present else zero,
        "coalesce(dislikes, 0)" if "dislikes" in present else zero,
        column("address", empty),
        column("grid", empty),
        column("category", empty),
    ]
    query = f"SELECT id, created_at, {', '.join(parts)} FROM cases WHERE created_at IS NOT NULL ORDER BY id"
    rows = con.execute(query).fetchall()
    if not rows:  # a quiet day on the database: an empty board, not an error
        nothing = Messages.of(id=[], created_at=[], user=[], title=[], text=[], likes=[], dislikes=[])
        return dataclasses.replace(nothing, engine=engine_of(con))
    ids, created, titles, texts, likes, dislikes, addresses, grids, topics = (list(c) for c in zip(*rows, strict=True))
    messages = Messages.of(
        id=[str(v) for v in ids],
        created_at=created,
        user=[""] * len(ids),  # citizens are not in the case view; for the database see insight.hot_issues
        title=titles,
        text=[f"{a} {t}".strip() if a and a not in t else t for a, t in zip(addresses, texts, strict=True)],
        likes=[int(v) for v in likes],
        dislikes=[int(v) for v in dislikes],
        place=grids,  # a grid cell and a category are known keys: messages differing in either are two issues
        topic=topics,
    )
    return dataclasses.replace(messages, engine=engine_of(con))


#: The official task's two tables: 表1 热点问题表 (one row per issue) and 表2 热点问题留言明细表 (one per message).
ISSUE_HEADER = ("热度排名", "问题ID", "热度指数", "时间范围", "地点/人群", "问题描述")
DETAIL_HEADER = ("问题ID", "留言编号", "留言主题", "留言时间", "留言详情", "点赞数", "反对数")


def write_board_xlsx(board: Board, path: Path, *, zone: tzinfo) -> None:
    """The board as the official 表1/表2 workbook (sheets 热点问题表, 热点问题留言明细表), texts masked.

    留言用户 is left out on purpose: a citizen's account is personal data and the board is read widely.
    """
    book = openpyxl.Workbook(write_only=True)
    issues = book.create_sheet("热点问题表")
    details = book.create_sheet("热点问题留言明细表")
    issues.append(ISSUE_HEADER)
    details.append(DETAIL_HEADER)

    def local(value: datetime) -> datetime:
        return value.replace(tzinfo=UTC).astimezone(zone).replace(tzinfo=None)

    for issue in board.issues:
        span = f"{local(issue.start):%Y/%m/%d} 至 {local(issue.end):%Y/%m/%d}"
        issues.append((issue.rank, issue.rank, issue.heat.heat, span, issue.place, issue.description))
        for m in issue.members:
            details.append((issue.rank, m.id, m.title, local(m.created_at), m.text, m.likes, m.dislikes))
    book.save(path)
