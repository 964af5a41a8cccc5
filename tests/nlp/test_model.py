from __future__ import annotations

import random

import numpy as np
import pytest

from citybrain.core.errors import InvalidInput
from citybrain.nlp.evaluation import evaluate_predictions
from citybrain.nlp.model import TextClassifier, TrainConfig, train
from tests.nlp.conftest import Rows


def _score(model: TextClassifier, rows: Rows) -> float:
    result = model.predict([r[1] for r in rows])
    ev = evaluate_predictions(
        [r[2] for r in rows], result.labels, result.confidence, model_labels=model.labels, threshold=model.threshold
    )
    return ev.macro_f1


def test_chinese_messages_are_classified_well_on_held_out_data(
    teddy_model: TextClassifier, teddy_split: tuple[Rows, Rows]
) -> None:
    _, held = teddy_split
    assert len(held) >= 190
    assert _score(teddy_model, held) > 0.75


def test_confidence_is_calibrated_and_ranks_right_answers_first(
    teddy_model: TextClassifier, teddy_split: tuple[Rows, Rows]
) -> None:
    _, held = teddy_split
    result = teddy_model.predict([r[1] for r in held])
    correct = np.array([p == r[2] for p, r in zip(result.labels, held, strict=True)])
    assert abs(result.confidence.mean() - correct.mean()) < 0.08
    order = np.argsort(-result.confidence)
    top = correct[order[: int(0.8 * len(held))]].mean()
    assert top > correct.mean()
    assert 0.0 < teddy_model.threshold < 1.0


def test_english_311_text_works(nyc_rows: Rows) -> None:
    rows = list(nyc_rows)
    random.Random(1).shuffle(rows)
    cut = int(len(rows) * 0.75)
    model = train([r[1] for r in rows[:cut]], [r[2] for r in rows[:cut]], TrainConfig(calibration_folds=3))
    assert _score(model, rows[cut:]) > 0.75


def test_hierarchical_labels_come_back_unchanged() -> None:
    examples = {
        "noise.construction.night": "jackhammer drilling at the building site after midnight",
        "noise.residential": "neighbour plays loud music party every weekend upstairs apartment",
        "roads.damage": "large pothole on the main road damaged my car tyre",
        "城乡建设/物业管理": "小区物业公司乱收停车费，电梯坏了也不修",
    }
    texts = [f"{text} {i}" for text in examples.values() for i in range(6)]
    labels = [label for label in examples for _ in range(6)]
    model = train(texts, labels, TrainConfig(calibration_folds=3))
    assert set(model.labels) == set(examples)
    result = model.predict(list(examples.values()))
    assert result.labels == list(examples)


@pytest.mark.parametrize(
    ("texts", "labels", "message"),
    [
        (["a", "b", "c"], ["x", "x", "x"], "at least two different labels"),
        (["", None, "  "], ["x", "y", "z"], "at least two different labels"),
        (["a", "b"], ["x"], "2 texts but 1 labels"),
    ],
)
def test_training_without_enough_to_learn_is_refused(texts: list[object], labels: list[str], message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        train(texts, labels)


def test_rows_without_text_or_label_are_skipped_not_learned() -> None:
    texts = ["路灯坏了", "公交车晚点", "", "路灯不亮", "公交车不停站", "路灯闪烁", "公交线路调整"]
    labels = ["城乡建设", "交通运输", "交通运输", "城乡建设", "交通运输", "", "交通运输"]
    model = train(texts, labels, TrainConfig(calibration_folds=2))
    assert model.info["n_train"] == 5
