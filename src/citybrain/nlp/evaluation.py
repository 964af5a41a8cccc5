"""How good a classifier is on labelled messages it did not learn from: the figures a city decides on."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from citybrain.nlp.calibration import (
    CoveragePoint,
    ThresholdResult,
    accuracy_at_coverage,
    apply_threshold,
    choose_threshold,
)

COVERAGES = (0.5, 0.8, 0.9, 1.0)


@dataclass(frozen=True)
class ClassReport:
    label: str
    precision: float
    recall: float
    f1: float
    support: int
    known_to_model: bool


@dataclass(frozen=True)
class Evaluation:
    """Macro-F1 (the Teddy Cup's official metric), accuracy, per-class figures, confusion and coverage."""

    n: int
    macro_f1: float
    accuracy: float
    classes: list[ClassReport]
    confusion: list[list[int]]
    coverage: list[CoveragePoint]
    threshold: ThresholdResult
    n_empty: int
    unknown_labels: list[str]
    #: With ``target_accuracy``: the lowest threshold at which auto-dispatched messages are right that often here.
    suggested: ThresholdResult | None = None


def evaluate_predictions(
    truth: Sequence[str],
    predicted: Sequence[str],
    confidence: npt.NDArray[np.float64],
    *,
    model_labels: Sequence[str],
    threshold: float,
    target_accuracy: float | None = None,
) -> Evaluation:
    """Score predictions; a message without text (predicted ``""``) counts as wrong.

    Labels the model was never taught are reported (``unknown_labels``) and counted as wrong, not dropped:
    dropping them would flatter the model.
    """
    labels = sorted((set(truth) | set(predicted)) - {""})
    index = {label: i for i, label in enumerate(labels)}
    t = np.array([index[x] for x in truth], dtype=np.int64)
    p = np.array([index.get(x, -1) for x in predicted], dtype=np.int64)
    confusion = np.zeros((len(labels), len(labels)), dtype=np.int64)
    answered = p >= 0
    np.add.at(confusion, (t[answered], p[answered]), 1)
    support = np.bincount(t, minlength=len(labels))
    predicted_count = confusion.sum(axis=0)
    hits = np.diag(confusion)
    precision = np.divide(hits, predicted_count, out=np.zeros(len(labels)), where=predicted_count > 0)
    recall = np.divide(hits, support, out=np.zeros(len(labels)), where=support > 0)
    denominator = precision + recall
    f1 = np.divide(2 * precision * recall, denominator, out=np.zeros(len(labels)), where=denominator > 0)
    correct = t == p
    known = set(model_labels)
    return Evaluation(
        n=len(truth),
        macro_f1=float(f1.mean()) if labels else float("nan"),
        accuracy=float(correct.mean()) if len(truth) else float("nan"),
        classes=[
            ClassReport(label, float(precision[i]), float(recall[i]), float(f1[i]), int(support[i]), label in known)
            for i, label in enumerate(labels)
        ],
        confusion=confusion.tolist(),
        coverage=[accuracy_at_coverage(correct, confidence, c) for c in COVERAGES],
        threshold=apply_threshold(correct, confidence, threshold),
        n_empty=int((~answered).sum()),
        unknown_labels=sorted(set(truth) - known),
        suggested=None
        if target_accuracy is None
        else apply_threshold(correct, confidence, choose_threshold(correct, confidence, target_accuracy)),
    )
