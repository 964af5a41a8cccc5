"""Text and place features of the hot-issue board: which messages say the same thing, and about which place.

Similarity is the cosine of character 2- and 3-gram TF-IDF vectors, the title (留言主题) weighing 0.6 and the first
``BODY_CHARS`` of the message 0.4: citizens who write about one problem reuse its place name and key words, while the
wording around them differs. N-grams found in more than ``max_df`` of the messages (A市, 小区, 您好 …) are dropped:
they say nothing about *which* problem, and without them the similarity matrix stays sparse and fast.

Places come from :func:`place_mentions`: the shared extractor :func:`citybrain.geo.places.extract_places`, and
when it finds nothing specific, a few rules of our own (names ending in 小区/苑/路/村/镇 …).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import sparse

from citybrain.geo.places import extract_places
from citybrain.nlp.dedup import compact

TITLE_WEIGHT = 0.6
BODY_CHARS = 300
#: Characters of a message's text searched for place names when its title names none.
PLACE_CHARS = 120
_TITLE_BIT = np.uint64(1 << 62)
_SHIFT = np.uint64(21)
_PRIME64 = np.uint64(1_099_511_628_211)  # FNV prime: mixes four code points into one 64-bit id


def compact_texts(titles: Sequence[str], bodies: Sequence[str]) -> tuple[list[str], list[str]]:
    """Titles and the first ``BODY_CHARS`` of texts, cleaned for comparison (:func:`citybrain.nlp.dedup.compact`)."""
    return [compact(t) for t in titles], [compact(b)[:BODY_CHARS] for b in bodies]


def text_vectors(titles: Sequence[str], bodies: Sequence[str], *, max_df: float = 0.02) -> sparse.csr_matrix:
    """Rows of unit length whose dot product is 0.6 · cos(titles) + 0.4 · cos(bodies) (title only if no body);
    ``titles`` and ``bodies`` as :func:`compact_texts` returns them."""
    n = len(titles)
    t_docs, t_ids = _grams(titles)
    b_docs, b_ids = _grams(bodies)
    docs = np.concatenate((t_docs, b_docs))
    vocab, column = _sorted_unique(np.concatenate((t_ids | _TITLE_BIT, b_ids)))
    key, _ = _sorted_unique(docs * vocab.size + column)  # presence: a word said twice is no more the same problem
    docs, column = key // vocab.size, key % vocab.size
    df = np.bincount(column, minlength=vocab.size)
    keep = df[column] <= max(3.0, max_df * n)  # once-only n-grams stay: they weigh in the length
    docs, column = docs[keep], column[keep]
    weight = np.log((1.0 + n) / (1.0 + df[column])) + 1.0
    matrix = sparse.csr_matrix((weight, (docs, column)), shape=(n, vocab.size))
    _unit_blocks(matrix, is_title_column=(vocab & _TITLE_BIT) != 0)
    return matrix


def _sorted_unique(values: npt.NDArray[Any]) -> tuple[npt.NDArray[Any], npt.NDArray[np.int64]]:
    """Distinct values and each value's position among them (by sorting: numpy's hashing unique is slower here)."""
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    first = np.ones(ordered.size, dtype=bool)
    first[1:] = ordered[1:] != ordered[:-1]
    position = np.empty(ordered.size, dtype=np.int64)
    position[order] = np.cumsum(first) - 1
    return ordered[first], position


def _grams(texts: Sequence[str]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.uint64]]:
    """(document, id) of each character 2- and 3-gram (ids below 2^62)."""
    lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
    codes = np.frombuffer(("\x00".join(texts) + "\x00").encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    doc = np.repeat(np.arange(len(texts), dtype=np.int64), lengths + 1)
    docs, ids = [], []
    for n in (2, 3):
        size = codes.size - n + 1
        gram = np.zeros(size, dtype=np.uint64)
        valid = np.ones(size, dtype=bool)
        for k in range(n):
            gram = (gram << _SHIFT) | codes[k : k + size]
            valid &= codes[k : k + size] != 0
        docs.append(doc[:size][valid])
        ids.append(gram[valid] & np.uint64((1 << 62) - 1))
    return np.concatenate(docs), np.concatenate(ids)


def _unit_blocks(matrix: sparse.csr_matrix, *, is_title_column: npt.NDArray[np.bool_]) -> None:
    rows = np.repeat(np.arange(matrix.shape[0]), np.diff(matrix.indptr))
    title = is_title_column[matrix.indices]
    square = matrix.data**2
    t_norm = np.bincount(rows[title], weights=square[title], minlength=matrix.shape[0])
    b_norm = np.bincount(rows[~title], weights=square[~title], minlength=matrix.shape[0])
    t_share = np.where(b_norm > 0, TITLE_WEIGHT, 1.0)
    t_share = np.where(t_norm > 0, t_share, 0.0)
    scale = np.where(title, np.sqrt(t_share[rows] / np.maximum(t_norm[rows], 1e-12)),
                     np.sqrt((1.0 - t_share[rows]) / np.maximum(b_norm[rows], 1e-12)))  # fmt: skip
    matrix.data = matrix.data * scale


# --- places ---------------------------------------------------------------------------------------------------------

_ADMIN = re.compile(r"(?:[A-Z]\d*[区县市]|[\u4e00-\u9fa5]{2}省)")
#: Words that end a place name before it starts (verbs of complaint, function characters, 'near', 'opposite' …).
_STOP = re.compile(
    r"(?:关于|反映|投诉|举报|请问|咨询|建议|要求|希望|请求|坚决|反对|强烈|严惩|市民|业主|居民|附近|周边|旁边|门口|"
    r"对面|一带|以及|还有|能否|何时|为什么|是否|怎么|单方面|孩子|配套|普惠性|(?:市委)?[市区县省]?政府|"
    r"[的在和与及对从向将把被给由于我你他们这那到])"
)
_SPECIFIC = (
    "小区|花园|家园|新城|新村|苑|公寓|广场|大厦|社区|村|组|大道|路|街|巷|学校|小学|中学|大学|学院|幼儿园|医院|公园|"
    "车站|高铁站|地铁站|高速|商城|中心|国际城|之城|山林|湾|府|城|公馆|安置区"
)
_COARSE = "街道|镇|乡"
_NAME = re.compile(rf"[A-Za-z0-9\u4e00-\u9fa5]{{1,10}}?(?:{_COARSE}|{_SPECIFIC})(?:[一二三四五六七八九十0-9]+期)?")
_IS_COARSE = re.compile(rf"(?:{_COARSE})$")
_SPECIFIC_LEVELS = frozenset({"community", "building", "poi", "road"})
_COARSE_LEVELS = frozenset({"district", "county", "town", "street"})


def place_mentions(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(specific places, coarse places) named in ``text``: 丽发新城小区, 劳动东路, 五矿万境 … and A2区, 暮云街道 …

    From :func:`citybrain.geo.places.extract_places` (communities, buildings, points of interest and roads are
    specific; districts, counties, towns and streets coarse). When it finds no specific place, the small rules
    below may still find one.
    """
    found = extract_places(text)
    specific = [m.text for m in found if m.level in _SPECIFIC_LEVELS]
    coarse = tuple(dict.fromkeys(m.text for m in found if m.level in _COARSE_LEVELS))
    # the rules can cut a district's last character onto the next name (新城区新民路 → 区新民路): give it back
    ruled = tuple(dict.fromkeys(n[1:] if n[0] in "区县市" and len(n) > 3 else n for n in rule_mentions(text)[0]))
    # where our rules read a longer name around the extractor's (月亮岛路 around 亮岛路), keep the longer one
    specific = [next((r for r in ruled if name in r and len(r) > len(name)), name) for name in specific]
    named = tuple(n for n in dict.fromkeys(specific) if not _VERB_ROAD.search(n))
    return named or tuple(n for n in ruled if not _VERB_ROAD.search(n)), coarse


#: …路 that is a verb, not a road: 带泥上路 (onto the road), 老板跑路 (the boss ran off), 绕路, 让路 …
_VERB_ROAD = re.compile(r"(?:上|跑|走|让|带|绕|赶|问|找|出|半)路$")


def rule_mentions(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The fallback: a name is up to 10 characters ending in a place word (小区, 苑, 路, 村, 镇 …), cut at
    complaint verbs and function characters, and at least 3 characters long."""
    specific: list[str] = []
    coarse: list[str] = []
    for segment in re.split(r"[^A-Za-z0-9\u4e00-\u9fa5]+", text):
        coarse.extend(_ADMIN.findall(segment))
        for part in _STOP.split(_ADMIN.sub("|", segment)):
            for piece in part.split("|"):
                for name in _NAME.findall(piece):
                    if len(name) >= 3:
                        (coarse if _IS_COARSE.search(name) else specific).append(name)
    return tuple(dict.fromkeys(specific)), tuple(dict.fromkeys(coarse))


#: A building, unit or house number on its own (23栋, 5号楼, Building 17) names no place: every estate has one.
_NUMBER_ONLY = re.compile(r"^(?:[\dA-Za-z]+(?:栋|幢|号楼|号|单元|楼)|Building \w+)$")


def message_places(title: str, text: str) -> tuple[str, ...]:
    """Specific places of a message: those its title names, else those early in its text (building numbers on
    their own left out)."""
    names = tuple(n for n in place_mentions(title)[0] if not _NUMBER_ONLY.match(n))
    return names or tuple(n for n in place_mentions(text[:PLACE_CHARS])[0] if not _NUMBER_ONLY.match(n))


_DISTRICT_LEVELS = frozenset({"district", "county"})
_DISTRICT = re.compile(r"[A-Z]\d*[区县]")
#: Areas named …区 that are not districts (学区 school catchment, 小区 estate …): 所属学区 is no district.
_NOT_DISTRICT = re.compile(r"(?:学|校|小|社|园|景|厂|矿|片|辖|营业|服务)区$")
_EN_DISTRICT = re.compile(r"\b(?:[A-Z][\w'-]*\s+){1,2}(?i:district|zone|county|borough)\b")


def message_districts(title: str, text: str) -> frozenset[str]:
    """The districts and counties (A2区, 高新区, K9县, Hi-Tech Zone, BRONX) a message's title and the start of its
    text name."""
    both = f"{title} {text[:PLACE_CHARS]}"
    named = {m.text for m in extract_places(both) if m.level in _DISTRICT_LEVELS}
    english = (" ".join(m.group().split()) for m in _EN_DISTRICT.finditer(both))
    found = named | set(_DISTRICT.findall(both)) | set(english)
    return frozenset(name for name in found if not _NOT_DISTRICT.search(name))


def anchors(titles: Sequence[str], bodies: Sequence[str], *, max_df: int = 15) -> list[frozenset[int]]:
    """Rare 4-character runs of each (compacted) title — found in 2 … ``max_df`` messages, title or text — the
    name of a subject that is not a place ("58车贷", a company, an estate named without 小区) shared by messages
    on one problem however they are worded. Generic phrases (质量问题, 噪音扰民) are in too many messages."""
    t_docs, t_ids = _four_grams(titles)
    b_docs, b_ids = _four_grams(bodies)
    ids, docs = np.concatenate((t_ids, b_ids)), np.concatenate((t_docs, b_docs))
    order = np.lexsort((docs, ids))
    ids, docs = ids[order], docs[order]
    first = np.ones(ids.size, dtype=bool)
    first[1:] = (ids[1:] != ids[:-1]) | (docs[1:] != docs[:-1])
    ids = ids[first]  # one entry per (gram, message), sorted by gram
    starts = np.flatnonzero(np.concatenate(([True], ids[1:] != ids[:-1]))) if ids.size else np.zeros(0, np.int64)
    df = np.diff(np.append(starts, ids.size))
    rare = ids[starts][(df >= 2) & (df <= max_df)]
    found = np.isin(t_ids, rare)
    out: list[set[int]] = [set() for _ in titles]
    for doc, gram in zip(t_docs[found].tolist(), t_ids[found].tolist(), strict=True):
        out[doc].add(gram)
    return [frozenset(s) for s in out]


def _four_grams(texts: Sequence[str]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.uint64]]:
    """(document, hashed id) of each character 4-gram."""
    lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
    codes = np.frombuffer(("\x00".join(texts) + "\x00").encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    doc = np.repeat(np.arange(len(texts), dtype=np.int64), lengths + 1)
    size = max(codes.size - 3, 0)
    gram = np.zeros(size, dtype=np.uint64)
    valid = np.ones(size, dtype=bool)
    with np.errstate(over="ignore"):
        for k in range(4):
            gram = gram * _PRIME64 + codes[k : k + size]
            valid &= codes[k : k + size] != 0
    return doc[:size][valid], gram[valid]


_GENERIC_END = re.compile(r"(?:小区|社区)$")
_CJK_END = re.compile(r"[\u4e00-\u9fa5]{4}$")


def _same_end(x: str, y: str) -> bool:
    """Two Chinese names ending in the same four characters (English names end in Avenue, Street …: not alike)."""
    end = _CJK_END.search(x)
    return end is not None and y.endswith(end.group())


def same_place(a: Sequence[str], b: Sequence[str]) -> bool:
    """Whether two messages name one specific place: equal, one name inside the other (万科魅力之城 / 魅力之城), or
    ending in the same four characters (商品房伊景园滨河苑 / 工权益取消伊景园滨河苑: the extractor keeps words before a
    name, never after it), once a generic 小区/社区 is taken off the end (丽发新城社区 / 暮云街道丽发新城小区)."""
    a = [_GENERIC_END.sub("", x) or x for x in a]
    b = [_GENERIC_END.sub("", y) or y for y in b]
    return any(x == y or (len(x) >= 3 and x in y) or (len(y) >= 3 and y in x) or _same_end(x, y) for x in a for y in b)
