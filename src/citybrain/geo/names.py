"""Name keys for matching a written place against the gazetteer: folded, and with the generic part stripped.

"人民路", "人民" and "人 民 路" share the key ``人民``; "W 42 St", "West 42nd Street" and "WEST 42 STREET" share
``west42``. A name is looked up by its full key first (exact), then by its stem (the name without 区 / 路 / 社区 /
District / Road …), so "幸福小区" finds the community "幸福社区" and "Renmin Rd" the road "Renmin Road".
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Final

#: The families of names a mention is matched within: a road named like a district is not that district.
FAMILY_OF_LEVEL: Final = {
    "province": "admin",
    "city": "admin",
    "district": "admin",
    "county": "admin",
    "town": "admin",
    "street": "community",
    "community": "community",
    "poi": "community",
    "road": "road",
}

_ZH_GENERIC = {
    "admin": (
        "特别行政区",
        "自治区",
        "自治州",
        "自治县",
        "开发区",
        "新区",
        "省",
        "市",
        "区",
        "县",
        "镇",
        "乡",
        "旗",
        "州",
    ),
    "road": ("大道", "大街", "胡同", "路", "街", "巷", "弄"),
    "community": (
        "街道办事处",
        "街道办",
        "居委会",
        "村委会",
        "街道",
        "社区",
        "小区",
        "花园",
        "家园",
        "新村",
        "公寓",
        "村",
        "苑",
        "郡",
    ),
}
_EN_GENERIC = {
    "admin": frozenset("district zone county borough city town township".split()),
    "road": frozenset(
        "street avenue road boulevard place lane drive court parkway terrace way highway expressway square plaza "
        "turnpike alley crescent loop circle row concourse walk path oval slip bridge".split()
    ),
    "community": frozenset("community estate compound residence gardens village".split()),
}
_EN_WORDS = {
    "st": "street",
    "ave": "avenue",
    "av": "avenue",
    "rd": "road",
    "blvd": "boulevard",
    "pl": "place",
    "ln": "lane",
    "dr": "drive",
    "ct": "court",
    "pkwy": "parkway",
    "ter": "terrace",
    "hwy": "highway",
    "expy": "expressway",
    "sq": "square",
    "tpke": "turnpike",
    "n": "north",
    "s": "south",
    "e": "east",
    "w": "west",
}
_TOKEN = re.compile(r"[0-9a-z]+|[^\W\d_a-z]", re.UNICODE)
_ORDINAL = re.compile(r"^(\d+)(?:st|nd|rd|th)$")
_HOUSE_NUMBER = re.compile(r"^(?:no\.?\s*)?\d+[a-z]?(?:-\d+)?\s+(?=\D)")


def _tokens(name: str) -> list[str]:
    folded = unicodedata.normalize("NFKC", name).lower().strip()
    folded = _HOUSE_NUMBER.sub("", folded)
    tokens = []
    for token in _TOKEN.findall(folded):
        ordinal = _ORDINAL.match(token)
        tokens.append(ordinal.group(1) if ordinal else _EN_WORDS.get(token, token))
    return tokens


@lru_cache(maxsize=65_536)
def name_key(name: str) -> str:
    """The full key: folded, lower case, no spaces or punctuation, English abbreviations spelt out."""
    return "".join(_tokens(name))


@lru_cache(maxsize=65_536)
def name_stem(name: str, family: str) -> str:
    """The key without the generic part of the family ("人民路" → "人民", "Renmin Road" → "renmin").

    The stem is the key itself when stripping would leave nothing (a district called just "区" keeps "区").
    """
    tokens = _tokens(name)
    if len(tokens) > 1 and tokens[-1] in _EN_GENERIC.get(family, ()):
        return "".join(tokens[:-1])
    key = "".join(tokens)
    for suffix in _ZH_GENERIC.get(family, ()):
        if key.endswith(suffix) and len(key) > len(suffix):
            return key[: -len(suffix)]
    return key
