"""Reply files and reply statistics: read the Teddy Cup 附件4 layout (or a plain CSV) and summarise scored replies.

附件4 columns: 留言编号, 留言用户, 留言主题, 留言时间, 留言详情, 答复意见, 答复时间 — no department column, so the
answering unit is read, when a reply ends with one, from its signature (``…街道办事处 2019年5月9日``) as
``signed_by``. A CSV may use the same Chinese columns or ``message, reply, message_at, reply_at, department``.
Times without a zone are the city's local times; only their difference is used.
"""

from __future__ import annotations

import csv
import math
import re
import statistics
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from citybrain.core.errors import InvalidInput
from citybrain.core.privacy import mask_text
from citybrain.nlp.replies import ReplyScore

COLUMNS = {
    "id": ("留言编号", "id", "case_id"),
    "title": ("留言主题", "title"),
    "message": ("留言详情", "message", "text"),
    "message_at": ("留言时间", "message_at", "created_at"),
    "reply": ("答复意见", "reply"),
    "reply_at": ("答复时间", "reply_at", "resolved_at"),
    "department": ("承办单位", "答复单位", "department"),
}
_TIME_FORMATS = ("%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M", "%Y/%m/%d", "%Y-%m-%d")
_SIGNATURE = re.compile(
    r"([\u4e00-\u9fa5A-Z0-9]{2,20}(?:局|委员会|委|办公室|中心|街道办事处|办事处|街道|人民政府|政府|公司|管委会|分局|"
    r"大队|支队|派出所))\s*\d{4}年\d{1,2}月\d{1,2}日\s*$"
)
_USER_ID = re.compile(r"(?<![A-Za-z0-9])[A-Z]{1,3}\d{4,}(?![A-Za-z0-9])")
#: A nickname quoted after 网友/用户/发帖人 (网友“关关”) names the citizen: hidden too.
_NICKNAME = re.compile(r"(网友|用户|发帖人|市民)\s*([“\"「])[^”\"」]{1,20}([”\"」])")


@dataclass(frozen=True)
class ReplyRecord:
    id: str
    title: str
    message: str
    reply: str
    message_at: datetime | None
    reply_at: datetime | None
    department: str | None


def parse_time(value: object) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if value is None:
        return None
    text = str(value).strip()
    for fmt in _TIME_FORMATS:
        try:
            return datetime.strptime(text, fmt)  # noqa: DTZ007 - the file's naive local time
        except ValueError:
            continue
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def signed_by(reply: str) -> str | None:
    """The answering unit named in a reply's closing signature, when there is one."""
    found = _SIGNATURE.search(" ".join(reply.split()))
    return found.group(1) if found else None


def _rows(path: Path) -> Iterator[dict[str, Any]]:
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        try:
            book = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # noqa: BLE001 - any unreadable workbook is bad input
            raise InvalidInput(f"{path.name}: not a readable Excel workbook ({exc})") from None
        rows = book.active.iter_rows(values_only=True)
        head = [str(c).strip() if c is not None else "" for c in next(rows, ())]
        for row in rows:
            yield dict(zip(head, row, strict=False))
        book.close()
        return
    if suffix != ".csv":
        raise InvalidInput(f"{path.name}: reply files are .xlsx or .csv")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        yield from csv.DictReader(handle)


def _pick(row: dict[str, Any], names: Sequence[str]) -> Any:
    return next((row[n] for n in names if n in row and row[n] not in (None, "")), None)


def read_replies(path: Path) -> list[ReplyRecord]:
    """Every row with a reply column, in file order (a row without a reply is kept: it scores 0, "empty reply")."""
    if not path.exists():
        raise InvalidInput(f"{path}: no such file")
    records: list[ReplyRecord] = []
    for number, row in enumerate(_rows(path), start=1):
        if number == 1 and not any(n in row for n in COLUMNS["reply"]):
            raise InvalidInput(f"{path.name}: no reply column (答复意见 or reply); found {', '.join(list(row)[:10])}")
        if not any(v not in (None, "") for v in row.values()):
            continue
        reply = str(_pick(row, COLUMNS["reply"]) or "")
        department = _pick(row, COLUMNS["department"])
        records.append(
            ReplyRecord(
                id=str(_pick(row, COLUMNS["id"]) or number),
                title=str(_pick(row, COLUMNS["title"]) or ""),
                message=str(_pick(row, COLUMNS["message"]) or ""),
                reply=reply,
                message_at=parse_time(_pick(row, COLUMNS["message_at"])),
                reply_at=parse_time(_pick(row, COLUMNS["reply_at"])),
                department=str(department) if department is not None else None,
            )
        )
    if not records:
        raise InvalidInput(f"{path.name}: no rows")
    return records


def mask(text: str, limit: int = 160) -> str:
    """An excerpt safe to show: phone, ID and e-mail masked, user ids (U0001234) and nicknames hidden, cut short."""
    whole = mask_text(" ".join(text.split())) or ""  # masked before the cut: a number cut in half is not found
    short = whole[:limit] + ("…" if len(whole) > limit else "")
    short = _NICKNAME.sub(lambda m: f"{m.group(1)}{m.group(2)}***{m.group(3)}", short)
    return _USER_ID.sub("U***", short)


ASPECTS = ("overall", "relevance", "completeness", "timeliness", "explanation")


def aspect_values(scores: Sequence[ReplyScore], aspect: str) -> list[float]:
    if aspect == "overall":
        return [s.overall for s in scores]
    values = [getattr(s, aspect) for s in scores]
    return [v.score for v in values if v is not None]


def distribution(scores: Sequence[ReplyScore]) -> dict[str, Any]:
    """Per aspect: how many, mean, quartiles, and a 10-bin histogram over 0..1."""
    found: dict[str, Any] = {}
    for aspect in ASPECTS:
        values = sorted(aspect_values(scores, aspect))
        if not values:
            found[aspect] = {"n": 0}
            continue
        bins = [0] * 10
        for v in values:
            bins[min(9, int(v * 10))] += 1
        q = statistics.quantiles(values, n=4) if len(values) > 1 else [values[0]] * 3
        found[aspect] = {
            "n": len(values), "mean": round(statistics.fmean(values), 4), "p25": round(q[0], 4),
            "median": round(q[1], 4), "p75": round(q[2], 4), "histogram": bins,
        }  # fmt: skip
    return found


def _half_width(values: Sequence[float]) -> float | None:
    """Half-width of a normal-approximation 95 % interval of the mean: how far apart two groups must be to differ."""
    if len(values) < 2:
        return None
    return round(1.96 * statistics.stdev(values) / math.sqrt(len(values)), 4)


def rank_groups(keys: Sequence[str | None], scores: Sequence[ReplyScore], *, min_replies: int) -> list[dict[str, Any]]:
    """Mean scores per group (department), best first; groups with fewer than ``min_replies`` are listed unranked."""
    groups: dict[str, list[ReplyScore]] = {}
    for key, score in zip(keys, scores, strict=True):
        if key is not None:
            groups.setdefault(key, []).append(score)
    rows = []
    for key, members in groups.items():
        row: dict[str, Any] = {"group": key, "replies": len(members)}
        for aspect in ASPECTS:
            values = aspect_values(members, aspect)
            row[aspect] = round(statistics.fmean(values), 4) if values else None
        row["low_share"] = round(sum(s.overall < 0.4 for s in members) / len(members), 4)
        row["overall_ci95"] = _half_width([s.overall for s in members])
        rows.append(row)
    ranked = sorted((r for r in rows if r["replies"] >= min_replies), key=lambda r: (-r["overall"], r["group"]))
    rest = sorted((r for r in rows if r["replies"] < min_replies), key=lambda r: (-r["replies"], r["group"]))
    for position, row in enumerate(ranked, start=1):
        row["rank"] = position
    for row in rest:
        row["rank"] = None
    return ranked + rest
