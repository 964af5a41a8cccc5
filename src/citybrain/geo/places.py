"""Where is it (在哪里): the place mentions in a citizen's message, Chinese and English.

``extract_places("A市A5区汇金路五矿万境K9县")`` → ``A市`` city, ``A5区`` district, ``汇金路`` road, ``五矿万境`` poi,
``K9县`` county. Pure and fast: no dictionary, no I/O; what the names refer to is the gazetteer's job
(:mod:`citybrain.geo.gazetteer`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from citybrain.geo.en_places import en_spans
from citybrain.geo.folding import MAX_CHARS, fold
from citybrain.geo.zh_places import zh_spans

#: The levels a mention can have, from the largest area to the smallest.
LEVELS: Final = (
    "province",  # 省 / 自治区
    "city",  # 市 / 州; "Demo City", "New York"
    "district",  # 区 / 开发区; "Central District", "Hi-Tech Zone", NYC's boroughs
    "county",  # 县 / 旗
    "town",  # 镇 / 乡
    "street",  # 街道 (sub-district office area)
    "community",  # 社区 / 村 / 小区 / 花园 / 苑; "Xingfu Community"
    "road",  # 路 / 街 / 大道 / 巷; "Renmin Road", "W 42 St"
    "building",  # 栋 / 幢 / 号楼 / 大厦; "Building 12", "123 Main Street"
    "poi",  # 广场 / 公园 / 医院 / 学校 / 市场, and a named place between two others (汇金路五矿万境K9栋)
)

__all__ = ["LEVELS", "MAX_CHARS", "PlaceMention", "extract_places"]


@dataclass(frozen=True)
class PlaceMention:
    """One place named in a message.

    ``text`` is the name in folded form (NFKC: full-width ``Ａ５区`` reads ``A5区``; markup removed), ``level`` one
    of :data:`LEVELS`, and ``start``/``end`` index the *original* message: ``message[start:end]`` is what was
    written.
    """

    text: str
    level: str
    start: int
    end: int


def extract_places(message: object) -> list[PlaceMention]:
    """The place mentions of one message, in the order they appear, none overlapping.

    Contract (other modules rely on it):

    - Never raises for any input. ``None``, numbers and other non-text values, empty, blank or markup-only
      messages give ``[]``; bytes are read as UTF-8 (undecodable bytes replaced).
    - Chinese by suffix grammar (省 市 区 县 镇 乡 街道 社区 村 小区 花园 苑 路 街 大道 巷 栋 大厦 广场 …, the Teddy
      data's anonymised ``A市``/``A5区``/``K9县``), English by pattern (``123 Main St``, ``Renmin Road``,
      ``Broadway and W 42 St``, ``Xingfu Community``, ``Central District``, boroughs). Mixed-script messages give
      both.
    - Full-width characters, emoji, zero-width characters and HTML remnants (``<br>``, ``&nbsp;``) do not stop a
      name from being found; offsets still index the original message.
    - Time is linear in the length; only the first :data:`MAX_CHARS` characters (100,000) are read.
    """
    text = _as_text(message)
    if not text or text.isspace():
        return []
    folded = fold(text)
    spans = sorted(zh_spans(folded) + en_spans(folded), key=lambda s: (s[0], -(s[1] - s[0])))
    mentions: list[PlaceMention] = []
    last_end = -1
    for start, end, level in spans:
        if start < last_end:
            continue  # overlaps a longer or earlier one
        name = folded.text[start:end].strip()
        if not name:
            continue
        original_start, original_end = folded.span(start, end)
        mentions.append(PlaceMention(name, level, original_start, original_end))
        last_end = end
    return mentions


def _as_text(message: object) -> str:
    if message is None:
        return ""
    if isinstance(message, bytes | bytearray):
        return bytes(message).decode("utf-8", errors="replace")
    if isinstance(message, str):
        return message
    return ""
