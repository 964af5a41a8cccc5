"""The classifier's features: the subject line apart from the body, and the batch arithmetic behind them."""

from __future__ import annotations

import numpy as np
from scipy import sparse

from citybrain.nlp.features import FeatureConfig, Vectorizer, fit_vectorizer, ngram_ids
from citybrain.nlp.normalize import normalize

MESSAGES = [
    "a1区蔡锷南路华庭楼顶水箱长年不洗",  # a subject line alone (852 of the 7,820 Teddy rows are only that)
    "a市0路公交车为何在上下班高峰期却总是缺席和大多数市民一样由于工作地点离住宅较远面临着令人头痛的交通问题",
    "小区物业公司乱收停车费电梯坏了也不修业主多次反映没有结果请相关部门尽快处理小区物业的问题",
    "学校食堂饭菜价格太高质量太差希望教育局管一管学校食堂的收费和卫生问题谢谢",
    "路灯坏了",
]


def _first_lead_column(vectorizer: Vectorizer) -> int:
    return int(vectorizer.vocabulary.size - vectorizer.n_lead)


def test_a_subject_line_alone_is_read_as_subject_and_as_text() -> None:
    """A title-only row has both blocks: counting it in the lead block only cost 0.007 macro-F1 (docs/classify.md)."""
    config = FeatureConfig(min_df=1)
    vectorizer = fit_vectorizer(MESSAGES, config)
    matrix = vectorizer.transform(MESSAGES)
    first_lead = _first_lead_column(vectorizer)
    for row in range(len(MESSAGES)):
        columns = matrix[row].indices
        assert (columns >= first_lead).any()
        assert (columns < first_lead).any()
    short = matrix[4].toarray().ravel()
    assert np.isclose(np.linalg.norm(short[first_lead:]), config.lead_weight)
    assert np.isclose(np.linalg.norm(short[:first_lead]), 1.0)


def _reference_transform(vectorizer: Vectorizer, texts: list[str]) -> sparse.csr_matrix:
    """The same features the slow, obvious way: a dict of counts per message."""
    column = {int(v): i for i, v in enumerate(vectorizer.vocabulary)}
    first_lead = _first_lead_column(vectorizer)
    rows, cols, values = [], [], []
    docs, ids = ngram_ids(texts, vectorizer.config)
    for row in range(len(texts)):
        counts: dict[int, int] = {}
        for gram in ids[docs == row].tolist():
            if gram in column:
                counts[column[gram]] = counts.get(column[gram], 0) + 1
        weights = {c: (1 + np.log(n)) * vectorizer.idf[c] for c, n in counts.items()}
        for lead in (False, True):
            block = {c: w for c, w in weights.items() if (c >= first_lead) == lead}
            norm = np.sqrt(sum(w * w for w in block.values()))
            scale = vectorizer.config.lead_weight if lead else 1.0
            for c, w in block.items():
                rows.append(row)
                cols.append(c)
                values.append(w / norm * scale)
    return sparse.csr_matrix((values, (rows, cols)), shape=(len(texts), vectorizer.vocabulary.size))


def test_batch_features_equal_the_obvious_computation() -> None:
    texts = [normalize(t) for t in [*MESSAGES, "", "电梯电梯电梯坏了坏了", "ＡＢＣ１２３ noise at night"]]
    vectorizer = fit_vectorizer(MESSAGES[:3], FeatureConfig(min_df=1))
    fast = vectorizer.transform(texts)
    assert fast.has_canonical_format
    assert abs(fast - _reference_transform(vectorizer, texts)).max() < 1e-12
    assert fast.shape == (len(texts), vectorizer.vocabulary.size)
    assert vectorizer.transform([]).shape == (0, vectorizer.vocabulary.size)


def test_compiled_scores_equal_the_feature_matrix_times_the_weights() -> None:
    texts = [normalize(t) for t in [*MESSAGES, "", "电梯电梯电梯坏了坏了", "ＡＢＣ１２３ noise at night", "x"]]
    vectorizer = fit_vectorizer(MESSAGES[:3], FeatureConfig(min_df=1))
    weights = np.random.default_rng(0).normal(size=(vectorizer.vocabulary.size, 3))
    expected = vectorizer.transform(texts) @ weights
    np.testing.assert_allclose(vectorizer.linear_scores(texts, weights), expected, rtol=1e-10, atol=1e-12)
    assert vectorizer.linear_scores([], weights).shape == (0, 3)
    empty = fit_vectorizer(["a", "b"], FeatureConfig(min_df=5))
    assert empty.linear_scores(["a"], np.zeros((empty.vocabulary.size, 2))).shape == (1, 2)
