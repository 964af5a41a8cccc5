"""Common Chinese verbs and function words (考虑, 按照, 如果 …), from jieba's dictionary, read once.

A place name does not begin with a verb or function word when more of the name follows ("造成桂花园小区" is
桂花园小区), and a town, county or facility is never named by a preposition, conjunction, pronoun, particle or time
word alone ("按照市", "如果医院"). Verbs and adverbs alone can be names (开封市, 保定市, 大同市, 安化县, 通道县, 安居
小区), so they are only trimmed from the front, never a reason to refuse a name.
Read lazily from the dictionary installed with jieba (offline; 0.5–1.5 s once per process).
"""

from __future__ import annotations

from functools import cache

import jieba

#: jieba tags of words trimmed from the front of a name: verbs, prepositions, conjunctions, pronouns, particles,
#: interjections, onomatopoeia, time words (not adverbs: 大同路, 大连路; not locality words: 南方职业技术学院).
_LEADING_TAGS = frozenset("v vd p c r u y e o t".split())
#: Tags of words that are never a name on their own (not numerals: 八一中学, 五一路).
_NEVER_NAME_TAGS = frozenset("p c r u y e o t".split())


@cache
def _tagged() -> dict[str, str]:
    tags: dict[str, str] = {}
    with jieba.get_dict_file() as handle:
        for raw in handle:
            parts = raw.decode("utf-8").split()
            if len(parts) == 3 and 2 <= len(parts[0]) <= 3 and parts[2] in _LEADING_TAGS:
                tags[parts[0]] = parts[2]
    return tags


@cache
def leading_words() -> frozenset[str]:
    """Two- and three-character words a name does not begin with when more of it follows."""
    return frozenset(_tagged())


@cache
def never_names() -> frozenset[str]:
    """Two- and three-character words that are never a town's, county's or facility's whole name."""
    return frozenset(word for word, tag in _tagged().items() if tag in _NEVER_NAME_TAGS)


def function_words() -> frozenset[str]:
    """Load the lists now (call at start-up to keep the first message fast)."""
    never_names()
    return leading_words()
