"""The pure index: ranking by BM25 + bigram cosine, and incremental changes that score as a rebuild would."""

from __future__ import annotations

import math

import pytest

from citybrain.knowledge import retrieval
from citybrain.knowledge.retrieval import Index

DOCS = {
    1: "小区门口路灯不亮，晚上出行不便",
    2: "工地夜间施工噪音扰民，影响休息",
    3: "公积金提取需要携带身份证和银行卡",
    4: "养老保险缴费基数如何调整",
    5: "夜间施工需要办理夜间施工许可证",
}


def built(docs: dict[int, str]) -> Index:
    index = Index()
    index.add_many(docs.items())
    return index


def ranked(index: Index, text: str, **kw: float) -> list[tuple[int, float]]:
    return [(h.key, h.score) for h in index.search(index.analyse_query(text), limit=5, **kw)]


def test_the_closest_document_ranks_first_with_its_matched_words() -> None:
    index = built(DOCS)
    hits = index.search(index.analyse_query("公积金怎么提取"), limit=3)
    assert hits[0].key == 3
    assert set(hits[0].matched) == {"公积金", "提取"}
    assert 0 < hits[0].score <= 1
    assert ranked(index, "夜间施工噪音")[0][0] == 2  # 噪音 only in 2; 5 shares 夜间施工


def test_bm25_by_hand_for_a_one_word_query() -> None:
    index = built({1: "公积金 提取", 2: "养老保险 缴费", 3: "路灯 维修"})
    hit = index.search(index.analyse_query("公积金"), limit=1, bm25_weight=1.0)[0]
    n, df = 3, 1
    idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
    avgdl = 2.0  # every document has two words
    tf, dl = 1, 2
    bm25 = idf * tf * (retrieval.K1 + 1) / (tf + retrieval.K1 * (1 - retrieval.B + retrieval.B * dl / avgdl))
    assert hit.key == 1
    assert hit.score == pytest.approx(bm25 / (idf * (retrieval.K1 + 1)), abs=1e-4)


def test_incremental_changes_score_as_a_fresh_build() -> None:
    index = built({k: v for k, v in DOCS.items() if k != 5})
    index.add(5, DOCS[5])  # pending
    index.add(2, "工地夜间施工噪音扰民，影响休息和学习")  # a changed document replaces the old one
    index.remove(1)
    fresh = built({2: "工地夜间施工噪音扰民，影响休息和学习", 3: DOCS[3], 4: DOCS[4], 5: DOCS[5]})
    for query in ("夜间施工", "公积金提取", "路灯不亮"):
        got, want = ranked(index, query), ranked(fresh, query)
        assert [k for k, _ in got] == [k for k, _ in want]
        assert [s for _, s in got] == pytest.approx([s for _, s in want], abs=0.02)
    assert 1 not in index
    assert len(index) == 4
    assert not ranked(index, "路灯") or ranked(index, "路灯")[0][0] != 1


def test_compaction_keeps_only_live_documents(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(retrieval, "SEGMENT_LIMIT", 2)
    monkeypatch.setattr(retrieval, "PENDING_LIMIT", 4)  # a batch over 1 document is sealed at once
    index = Index()
    for start in range(0, 10, 2):
        index.add_many([(start, f"第{start}号 公积金提取"), (start + 1, f"第{start + 1}号 养老保险")])
    index.remove(0)
    index.compact()
    assert len(index.segments) == 1
    assert len(index) == 9
    assert sorted(h.key for h in index.search(index.analyse_query("公积金提取"), limit=20)) == [2, 4, 6, 8]


def test_an_empty_index_or_unknown_words_find_nothing() -> None:
    assert Index().search(Index().analyse_query("公积金"), limit=3) == []
    assert ranked(built(DOCS), "zzzz qqqq") == []


def test_a_large_batch_built_in_chunks_scores_as_one_segment(monkeypatch: pytest.MonkeyPatch) -> None:
    docs = {k: f"{text} 第{k}条" for k, text in enumerate(list(DOCS.values()) * 4)}
    whole = built(docs)  # 20 documents: pending, one segment when asked
    monkeypatch.setattr(retrieval, "PENDING_LIMIT", 4)  # a batch over 1 document is chunked
    monkeypatch.setattr(retrieval, "CHUNK", 3)
    chunked = built(docs)
    assert len(chunked.segments) == 1
    for query in ("夜间施工噪音", "公积金提取", "路灯不亮"):
        got, want = ranked(chunked, query), ranked(whole, query)
        assert [k for k, _ in got] == [k for k, _ in want]
        assert [s for _, s in got] == pytest.approx([s for _, s in want], abs=1e-4)
