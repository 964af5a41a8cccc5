"""The terms of the case search index (``nlp.bigrams``): character pairs of runs of letters, digits and CJK."""

from __future__ import annotations

from citybrain.cases.search_index import fts_query
from citybrain.nlp.bigrams import document_terms, fold, query_runs, runs


def test_chinese_runs_give_overlapping_pairs() -> None:
    assert document_terms("供暖费") == "供暖 暖费"
    assert document_terms("路灯不亮，请修理。") == "路灯 灯不 不亮 请修 修理"


def test_letters_and_digits_are_folded_and_paired_with_chinese() -> None:
    assert document_terms("Road 3号楼") == "ro oa ad 3号 号楼"
    assert document_terms("WATER", None, "A1区") == "wa at te er a1 1区"
    assert fold("İSTANBUL") == "istanbul"  # one character for one (str.lower would give two for İ)


def test_one_character_runs_and_other_characters_give_no_term() -> None:
    assert document_terms("灯 。 a - 3 % _ ñ é") == ""
    assert runs("灯，路灯") == ["路灯"]


def test_a_query_is_cut_like_a_text() -> None:
    assert query_runs("供暖费 上涨") == [["供暖", "暖费"], ["上涨"]]
    assert query_runs("灯") == []
    assert query_runs("50%_") == [["50"]]


def test_the_fts_query_asks_each_run_as_a_phrase() -> None:
    assert fts_query("供暖费 上涨") == '"供暖 暖费" AND "上涨"'
    assert fts_query("Leak") == '"le ea ak"'
    assert fts_query("灯") is None
    assert fts_query('"%') is None


def test_the_migration_froze_the_same_character_ranges() -> None:
    """Migration 0021 builds PostgreSQL's terms with its own copy of the ranges (a migration imports no domain
    code); if nlp.bigrams' ranges change, the index would disagree with the queries."""
    import importlib

    from citybrain.nlp.bigrams import CJK_RANGES

    migration = importlib.import_module("citybrain.migrations.versions.0021_case_search")
    assert migration.CJK_RANGES == CJK_RANGES
