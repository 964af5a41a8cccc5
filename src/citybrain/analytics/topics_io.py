"""Messages for topics over time (群众所思所想) read from files, and the result as JSON with its explanations.

Files: a 附件3-style export (.xlsx, :func:`citybrain.analytics.hot_issues_io.read_messages_xlsx`), a canonical case
CSV/Parquet (``analytics.io``; its ``category`` is the label topics are compared with), or a labelled message CSV
in the form of Teddy's 附件2 (``time``, ``title``, ``detail`` or ``text``, optional ``label``; times local). The
live database is read by ``insight.topics``. The pure analysis is :mod:`citybrain.analytics.topics`.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from citybrain.analytics import io
from citybrain.analytics.hot_grouping import Messages
from citybrain.analytics.hot_issues_io import read_messages_view, read_messages_xlsx
from citybrain.analytics.topics import TopicResult, agreement
from citybrain.core import clock
from citybrain.core.errors import InvalidInput
from citybrain.core.privacy import mask_text

_TIME_FORMATS = ("%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M", "%Y/%m/%d", "%Y-%m-%d")


@dataclass(frozen=True)
class Corpus:
    """Messages as topics read them: ``months`` local "YYYY-MM" ("" unknown), ``labels`` "" where none is known."""

    ids: tuple[str, ...]
    titles: tuple[str, ...]
    texts: tuple[str, ...]
    months: tuple[str, ...]
    labels: tuple[str, ...]
    source: str

    def __len__(self) -> int:
        return len(self.ids)


def from_messages(messages: Messages, *, zone: tzinfo, source: str) -> Corpus:
    """A corpus of hot-issue :class:`Messages` (their ``topic``, a category code, is the label)."""
    return Corpus(
        ids=messages.id,
        titles=messages.title,
        texts=messages.text,
        months=tuple(local_months(messages.created_at, zone)),
        labels=messages.topic or ("",) * len(messages),
        source=source,
    )


def local_months(created_at: npt.NDArray[np.datetime64], zone: tzinfo) -> list[str]:
    """The local month ("YYYY-MM") of naive-UTC times (each distinct hour converted once: fast for 10⁵ times)."""
    if not created_at.size:
        return []
    hours = created_at.astype("datetime64[h]")
    distinct, back = np.unique(hours, return_inverse=True)
    base = datetime(1970, 1, 1, tzinfo=UTC)
    names = [
        (base + timedelta(hours=int(h))).astimezone(zone).strftime("%Y-%m") for h in distinct.astype(np.int64).tolist()
    ]
    return [names[i] for i in back.ravel().tolist()]


def read_corpus(path: Path, *, timezone: str) -> Corpus:
    """The messages of ``path``: .xlsx export, canonical case CSV/Parquet, or a 附件2-style message CSV."""
    zone = clock.city_zone(timezone)
    if not path.is_file():
        raise InvalidInput(f"{path}: no such file; give an .xlsx export, a case CSV/Parquet or a message CSV")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return from_messages(read_messages_xlsx(path, timezone=timezone), zone=zone, source=str(path))
    if suffix == ".csv" and _is_message_csv(path):
        return _read_message_csv(path)
    con = io.connect()
    try:
        source = io.open_file(con, path, timezone=timezone).source
        messages = read_messages_view(con)
    finally:
        con.close()
    return from_messages(messages, zone=zone, source=source)


def _is_message_csv(path: Path) -> bool:
    """A message CSV (附件2 form) has a title or detail column and no canonical case columns."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            header = next(csv.reader(handle), [])
    except (UnicodeDecodeError, csv.Error):
        return False
    return not set(io.REQUIRED) <= set(header) and bool({"title", "detail"} & set(header)) and "time" in header


def _read_message_csv(path: Path) -> Corpus:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        header = next(csv.reader(handle), [])
    wanted: list[str] = [c for c in ("id", "time", "title", "detail", "text", "label") if c in header]
    cols = _read_columns(path, wanted)
    n = len(cols["time"])
    empty = [""] * n
    titles, details, merged = cols.get("title", empty), cols.get("detail", empty), cols.get("text", empty)
    texts = [d if d.strip() or t.strip() else x for t, d, x in zip(titles, details, merged, strict=True)]
    if not n:
        raise InvalidInput(f"{path}: no messages")
    return Corpus(
        ids=tuple(cols.get("id") or [str(i + 1) for i in range(n)]),
        titles=tuple(titles),
        texts=tuple(texts),
        months=tuple(_month_of(value) for value in cols["time"]),
        labels=tuple(label.strip() for label in cols.get("label", empty)),
        source=str(path),
    )


def _read_columns(path: Path, columns: list[str]) -> dict[str, list[str]]:
    """The named columns of a UTF-8 CSV (a pasted 100 kB message is still one field)."""
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    out: dict[str, list[str]] = {c: [] for c in columns}
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for row in csv.DictReader(handle):
                for c in columns:
                    out[c].append(row.get(c) or "")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{path} is not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except csv.Error as exc:
        raise InvalidInput(f"{path} is not a readable CSV file ({exc})") from None
    return out


def _month_of(value: str) -> str:
    text = value.strip()
    for fmt in _TIME_FORMATS:
        try:
            return datetime.strptime(text, fmt).strftime("%Y-%m")  # noqa: DTZ007 - the file's local time
        except ValueError:
            continue
    return ""


def topics_json(result: TopicResult, corpus: Corpus) -> dict[str, Any]:
    """The topics, their monthly trend, the test of the month judged, the agreement with labels and every
    conclusion explained in Chinese and English. Example messages are shown masked (:func:`mask_text`)."""
    topics = [_topic_json(t, result, corpus) for t in result.topics]
    risers = [t.index for t in result.rising()]
    match = agreement(result.assignment, corpus.labels)
    return {
        "month": result.month,
        "months": list(result.months),
        "totals": list(result.totals),
        "topics": topics,
        "rising": risers,
        "agreement": match,
        "summary": _summary(result, risers, match),
        "params": {
            **vars(result.params),
            "method": "NMF over TF-IDF of jieba terms; rising: quasi-binomial test of the month's share, BH-adjusted",
            "messages": result.n_messages,
            "terms": result.n_terms,
            "unassigned": result.unassigned,
            "source": corpus.source,
        },
    }


def _topic_json(topic: Any, result: TopicResult, corpus: Corpus) -> dict[str, Any]:
    shares = [round(c / t, 4) if t else 0.0 for c, t in zip(topic.counts, result.totals, strict=True)]
    rise = topic.rise
    return {
        "topic": topic.index,
        "label": " · ".join(topic.terms[:3]),
        "terms": list(topic.terms),
        "weights": list(topic.weights),
        "size": topic.size,
        "counts": list(topic.counts),
        "shares": shares,
        # "members", as a hot issue's: a department's key reads only its own of them (insight.scope)
        "members": [
            {"id": corpus.ids[i], "month": corpus.months[i], "title": mask_text(_headline(corpus, i)) or ""}
            for i in topic.examples
        ],
        "case_ids": [corpus.ids[i] for i in topic.examples],
        "rise": None if rise is None else {k: _round(v) for k, v in vars(rise).items()},
        "explanation": _explain(topic, result.month),
    }


def _headline(corpus: Corpus, i: int) -> str:
    title = corpus.titles[i].strip()
    return title or " ".join(corpus.texts[i].split())[:60]


def _round(value: Any) -> Any:
    if isinstance(value, float):
        return float(f"{value:.4g}")
    return value


def _explain(topic: Any, month: str | None) -> dict[str, str]:
    words = "、".join(topic.terms[:5])
    words_en = ", ".join(topic.terms[:5])
    rise = topic.rise
    if rise is None:
        return {
            "zh": f"主题由词语 {words} 刻画，共 {topic.size} 条留言；所判月份没有此前的月份可比，未做上升检验。",
            "en": f"Topic of the words {words_en}, {topic.size} messages; the month judged has no earlier "
            "months to compare with, so no rise was tested.",
        }
    share, before = rise.share * 100, rise.history_share * 100
    head_zh = (
        f"主题由词语 {words} 刻画，共 {topic.size} 条留言。{month} 有 {rise.count} 条，占当月 {share:.1f}%；"
        f"此前 {rise.history_months} 个月占 {before:.1f}%（按此比例应有 {rise.expected:.1f} 条），"
        f"为以往的 {rise.ratio:.2f} 倍，q = {rise.q_value:.3g}（已按各主题平常的月度波动 φ = {rise.dispersion:.2f} "
        "放宽，并按 Benjamini–Hochberg 校正）。"
    )
    head_en = (
        f"Topic of the words {words_en}, {topic.size} messages. In {month}: {rise.count}, {share:.1f} % of the "
        f"month's messages, against {before:.1f} % in the {rise.history_months} months before ({rise.expected:.1f} "
        f"expected at that share) — {rise.ratio:.2f} times its usual share, q = {rise.q_value:.3g} (allowing for "
        f"topics' usual month-to-month swings, φ = {rise.dispersion:.2f}, Benjamini–Hochberg adjusted)."
    )
    if rise.rising:
        return {"zh": head_zh + "结论：上升，值得关注。", "en": head_en + " Conclusion: rising — worth a look."}
    if rise.ratio >= 1 and rise.q_value > 0.05:
        why_zh, why_en = "增幅在平常波动之内", "the increase is within its usual swings"
    elif rise.ratio >= 1:
        why_zh, why_en = "增幅或条数未达门槛", "the increase or the count is below the thresholds"
    else:
        why_zh, why_en = "占比未升", "its share did not go up"
    return {"zh": head_zh + f"结论：未上升（{why_zh}）。", "en": head_en + f" Conclusion: not rising ({why_en})."}


def _summary(result: TopicResult, risers: Sequence[int], match: dict[str, Any] | None) -> dict[str, str]:
    names = "；".join(" · ".join(result.topics[i].terms[:3]) for i in risers)
    names_en = "; ".join(" · ".join(result.topics[i].terms[:3]) for i in risers)
    zh = f"{result.n_messages} 条留言分为 {len(result.topics)} 个主题（{result.unassigned} 条无可用词语）。"
    en = f"{result.n_messages} messages in {len(result.topics)} topics ({result.unassigned} had no usable term)."
    if result.month is None:
        zh += "留言没有时间，无法看趋势。"
        en += " The messages have no dates, so there is no trend."
    elif risers:
        zh += f"{result.month} 上升的主题：{names}。"
        en += f" Rising in {result.month}: {names_en}."
    else:
        zh += f"{result.month} 没有主题的占比显著高于其以往。"
        en += f" No topic's share in {result.month} is significantly above its own history."
    if match is not None:
        zh += f"与已有分类对照：纯度 {match['purity']:.2f}，NMI {match['nmi']:.2f}（{match['messages']} 条有分类）。"
        en += (
            f" Against the known labels: purity {match['purity']:.2f}, NMI {match['nmi']:.2f} "
            f"({match['messages']} labelled messages)."
        )
    return {"zh": zh, "en": en}
