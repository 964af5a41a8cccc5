"""Common Chinese verbs and function words (考虑, 提高, 按照, 随后 …), from jieba's dictionary, read once.

A place name does not begin with one ("造成桂花园小区" is 桂花园小区), and a town, county or facility is not named by
one alone ("按照市", "提高医院"). Roads and communities often are (解放路, 建设社区, 胜利村), so they are only trimmed.
Read lazily from the dictionary installed with jieba (offline; ~0.5 s once per process).
"""

from __future__ import annotations

from functools import cache

import jieba

#: jieba part-of-speech tags of words that are not names: verbs, prepositions, conjunctions, adverbs, numerals,
#: measure words, time words, pronouns, particles, interjections (not locality words: 南方职业技术学院).
_TAGS = frozenset("v vd p c d ad m mq q t r u y e o".split())


@cache
def function_words() -> frozenset[str]:
    """Two- and three-character words whose usual part of speech is one of :data:`_TAGS`."""
    words = set()
    with jieba.get_dict_file() as handle:
        for raw in handle:
            parts = raw.decode("utf-8").split()
            if len(parts) == 3 and 2 <= len(parts[0]) <= 3 and parts[2] in _TAGS:
                words.add(parts[0])
    return frozenset(words)
