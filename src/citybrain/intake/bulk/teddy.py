"""Citizens' web messages (网络问政) of the Teddy Cup 2020 data (messages, hot issues, replies, test phase).

Which of the four files it is, is recognised by its columns, not its name. Times are Asia/Shanghai.
The reply file (附件4) gives the department's reply (答复意见) and its time (答复时间): such cases are
``resolved``; the others are ``received``. The messages file and the reply and test-phase workbooks share one
numbering of 留言编号 (the same number is the same message), so it is the source key there; the hot-issue
workbook (附件3) numbers its messages separately, so its keys are ``hot-<留言编号>``. Labelled rows that kept
only the merged text have no 留言编号 and no time: their key is the row's ``id`` (M…), their created_at is
the import time, flagged ``time_unknown`` in attributes and listed in the report.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from citybrain.core.errors import ImportRejected
from citybrain.directory.source_labels import LABEL_CATEGORIES
from citybrain.intake.bulk.common import (
    ImportOptions,
    MapContext,
    MappedRow,
    RowRejected,
    base_case,
    clip,
    drop_impossible_end,
    finish_case,
    parse_int,
    parse_time,
    text_value,
)
from citybrain.intake.bulk.readers import TableReader, open_table

SHANGHAI = ZoneInfo("Asia/Shanghai")

_MESSAGE = {"留言编号", "留言用户", "留言主题", "留言时间", "留言详情"}


@dataclass(frozen=True)
class Layout:
    """One of the four files: its name in the report and the columns that tell it apart."""

    name: str
    required: frozenset[str]
    key_prefix: str = ""


LAYOUTS = (
    Layout("replies (附件4)", frozenset(_MESSAGE | {"答复意见", "答复时间"})),
    Layout("hot issues (附件3)", frozenset(_MESSAGE | {"点赞数", "反对数"}), key_prefix="hot-"),
    Layout("labelled messages", frozenset({"id", "message_id", "user", "time", "title", "detail", "text", "label"})),
    Layout("messages (test phase)", frozenset(_MESSAGE)),
)

#: The labelled CSV's English columns, renamed to the workbooks' Chinese ones so one mapping serves all.
_ENGLISH = {"message_id": "留言编号", "user": "留言用户", "title": "留言主题", "time": "留言时间", "detail": "留言详情"}


class TeddyImporter:
    kind = "teddy"
    source = "teddy"

    def __init__(self) -> None:
        self.layout: Layout | None = None

    def open(self, path: Path, options: ImportOptions) -> TableReader:
        reader = open_table(path, encoding=options.encoding, batch_size=options.batch_size)
        columns = set(reader.columns)
        self.layout = next((layout for layout in LAYOUTS if layout.required <= columns), None)
        if self.layout is None:
            expected = " | ".join(f"{layout.name}: {', '.join(sorted(layout.required))}" for layout in LAYOUTS)
            found = ", ".join(reader.columns[:12])
            raise ImportRejected(
                f"{path.name}: not a Teddy message file. Expected columns of one of — {expected}; found: {found}"
            )
        return reader

    def key_of(self, raw: dict[str, Any]) -> str | None:
        number = text_value(raw.get("留言编号", raw.get("message_id")))
        if number is not None and self.layout is not None:
            return f"{self.layout.key_prefix}{number}"
        return text_value(raw.get("id"))

    def map(self, raw: dict[str, Any], ctx: MapContext) -> MappedRow:
        if "label" in raw:
            raw = {_ENGLISH.get(k, k): v for k, v in raw.items()}
        key = self.key_of(raw)
        if key is None:
            raise RowRejected("留言编号: empty (and no id)")
        notes: list[str] = []
        created = parse_time(raw.get("留言时间"), SHANGHAI, "留言时间")
        row = base_case(source=self.source, source_key=key, created_at=created or ctx.now, ctx=ctx)
        attributes: dict[str, Any] = {"file": self.layout.name if self.layout else ""}
        if created is None:
            attributes["time_unknown"] = True
            notes.append("留言时间: empty; created_at set to the import time (attributes.time_unknown)")
        detail = _clean(raw.get("留言详情")) or _clean(raw.get("text")) or ""
        row["title"] = clip(raw.get("留言主题"), "title") or detail[:50]
        row["text"] = detail
        row["channel"] = "web"
        label = text_value(raw.get("label", raw.get("一级分类")))
        if label is not None:
            row["source_category"] = clip(label, "source_category")
            code = LABEL_CATEGORIES.get(label)
            row["category_code"] = code if code in ctx.categories else None
        row["likes"] = parse_int(raw.get("点赞数"), "点赞数", 0, 2**31 - 1) or 0
        row["dislikes"] = parse_int(raw.get("反对数"), "反对数", 0, 2**31 - 1) or 0
        row["attributes"] = attributes
        _reply(row, raw, notes)
        finish_case(row, ctx)
        user = text_value(raw.get("留言用户"))
        contact = {"account_id": user[:128]} if user else None
        return MappedRow(case=row, contact=contact, notes=notes)


def _clean(value: Any) -> str | None:
    """Collapse the tabs and newlines the platform wrapped around every message."""
    text = text_value(value)
    return " ".join(text.split()) if text else None


def _reply(row: dict[str, Any], raw: dict[str, Any], notes: list[str]) -> None:
    """答复意见 + 答复时间: the case was answered (办结答复) then."""
    reply = _clean(raw.get("答复意见"))
    if reply is None:
        return
    row["reply"] = reply
    row["status"] = "resolved"
    row["resolved_at"] = parse_time(raw.get("答复时间"), SHANGHAI, "答复时间")
    note = drop_impossible_end(
        row, "resolved_at", "答复时间 before 留言时间; kept, resolved_at left empty", raw.get("答复时间")
    )
    if note:
        notes.append(note)
