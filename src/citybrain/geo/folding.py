"""Fold a message to one form for place matching while remembering where each character came from.

Messages carry full-width letters and digits (Ａ市Ａ５区), HTML remnants (``<br>``, ``&nbsp;``), zero-width and
control characters and emoji. Place patterns run on the folded text (NFKC, markup and invisible characters turned
into spaces); a mention's ``start``/``end`` are then mapped back, so ``message[start:end]`` is what the citizen wrote.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass

#: Characters of one message that are read. A 12345 message names its place in the title and first paragraphs; the
#: bound keeps a 1 MB paste as fast as any other message (the cut is reported by ``Folded.truncated``).
MAX_CHARS = 100_000

#: Full-width ASCII (Ａ５，！) and the ideographic space, the most common non-NFKC characters of Chinese text.
_FULL_WIDTH = re.compile("[\uff01-\uff5e\u3000]")
_BLOCK = 256
_MARKUP = re.compile(r"<[^<>]{0,200}>|&(?:[a-zA-Z]{2,8}|#\d{1,7}|#[xX][0-9a-fA-F]{1,6});")
_INVISIBLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ud800-\udfff]")


@dataclass(frozen=True)
class Folded:
    """The folded text and, when it differs in length or place from the original, each character's origin."""

    text: str
    starts: tuple[int, ...] | None  # original index of each folded character (None: same as folded index)
    ends: tuple[int, ...] | None
    truncated: bool

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original ``[start, end)`` of folded ``[start, end)``."""
        if self.starts is None or self.ends is None:
            return start, end
        return self.starts[start], self.ends[end - 1]


def fold(message: str) -> Folded:
    """NFKC, markup and invisible characters as spaces; at most :data:`MAX_CHARS` characters are read."""
    truncated = len(message) > MAX_CHARS
    text = _FULL_WIDTH.sub(_half_width, message[:MAX_CHARS])  # one character for one: offsets unchanged
    if unicodedata.is_normalized("NFKC", text) and _MARKUP.search(text) is None:
        return Folded(_INVISIBLE.sub(" ", text), None, None, truncated)
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    done = 0
    for markup in _MARKUP.finditer(text):
        _fold_plain(text, done, markup.start(), chars, starts, ends)
        token = markup.group()
        folded = " " if token.startswith("<") else unicodedata.normalize("NFKC", html.unescape(token))
        for ch in folded or " ":
            chars.append(ch)
            starts.append(markup.start())
            ends.append(markup.end())
        done = markup.end()
    _fold_plain(text, done, len(text), chars, starts, ends)
    return Folded(_INVISIBLE.sub(" ", "".join(chars)), tuple(starts), tuple(ends), truncated)


def _half_width(match: re.Match[str]) -> str:
    code = ord(match.group())
    return " " if code == 0x3000 else chr(code - 0xFEE0)


def _fold_plain(text: str, start: int, end: int, chars: list[str], starts: list[int], ends: list[int]) -> None:
    """Character by character, but whole blocks at once where nothing changes (a 100 kB paste stays fast)."""
    for block in range(start, end, _BLOCK):
        stop = min(block + _BLOCK, end)
        piece = text[block:stop]
        if unicodedata.is_normalized("NFKC", piece):
            chars.append(piece)
            starts.extend(range(block, stop))
            ends.extend(range(block + 1, stop + 1))
        else:
            _fold_chars(text, block, stop, chars, starts, ends)


def _fold_chars(text: str, start: int, end: int, chars: list[str], starts: list[int], ends: list[int]) -> None:
    for index in range(start, end):
        ch = text[index]
        folded = ch if ch.isascii() else unicodedata.normalize("NFKC", ch)
        for out in folded or " ":
            chars.append(out)
            starts.append(index)
            ends.append(index + 1)
