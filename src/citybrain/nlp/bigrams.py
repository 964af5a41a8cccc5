"""Character bigrams of a text: the terms of the case search index (migration 0021, ``cases.search_index``).

Why bigrams: Chinese has no spaces, and the desk searches two-character words (噪音, 路灯, 供暖) that a trigram
index cannot answer (docs/benchmarks.md). A text is folded to lower case and cut into runs of *indexed*
characters — ASCII letters and digits, and CJK characters (Han, kana, Hangul); anything else (spaces,
punctuation, other scripts) ends a run. A run gives its overlapping pairs: "供暖费" → 供暖, 暖费; "Road 3号楼" →
ro, oa, ad, 3号, 号楼. A query is cut the same way, so wherever a query occurs in a text as a substring, each of
the query's pairs occurs among the text's pairs (two adjacent indexed characters of the query are adjacent in
the text too): the index never misses a case the LIKE search finds. It may find more (the pairs can occur apart),
which is why the search re-checks its candidates with the LIKE. A run of one character gives no pair: a
one-character word (灯, or "3 号") has no term and the search scans instead.
"""

from __future__ import annotations

import re

#: CJK characters that are indexed (no letter case): kana, CJK extension A, unified ideographs, Hangul
#: syllables, compatibility ideographs, and the supplementary ideographic plane. The PostgreSQL function of
#: migration 0021 uses the same ranges.
CJK_RANGES = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0002ffff"
_RUN = re.compile(f"[a-z0-9{CJK_RANGES}]{{2,}}")


def fold(text: str) -> str:
    """Lower case, one character for one: ``str.lower`` except that İ (whose lower case is two characters) is i.

    It folds at least what the databases' ``lower()`` folds (SQLite: ASCII only), so a case-insensitive match
    in the database is a match of the folded texts.
    """
    return text.replace("\u0130", "i").lower()


def runs(text: str) -> list[str]:
    """The folded text's runs of two or more indexed characters, in order."""
    return _RUN.findall(fold(text))


def pairs(run: str) -> list[str]:
    """The overlapping pairs of one run, in order ("供暖费" → ["供暖", "暖费"])."""
    return [run[i : i + 2] for i in range(len(run) - 1)]


def document_terms(*texts: str | None) -> str:
    """The index's text for a case's texts: every pair of every run, in order, separated by spaces.

    Order and repeats are kept so a run's pairs are consecutive tokens (a phrase query can ask for them so).
    """
    return " ".join(pair for text in texts if text for run in runs(text) for pair in pairs(run))


def query_runs(words: str) -> list[list[str]]:
    """The pairs of each run of a query (runs of one character left out); empty when nothing can be looked up."""
    return [pairs(run) for run in runs(words)]
