"""The category classifier (分类): character n-gram TF-IDF, a linear SVM, and a calibrated confidence.

Trained locally from a city's own labelled history; nothing is downloaded. Labels are opaque strings, so first-level
(城乡建设), second- or third-level labels (城乡建设/物业管理) and dotted category codes (noise.construction.night)
all work the same way: the classifier learns whichever level it is given.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import sparse
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import LinearSVC

from citybrain.core.errors import InvalidInput
from citybrain.nlp.calibration import choose_threshold, fit_temperature, softmax
from citybrain.nlp.features import FeatureConfig, Vectorizer, fit_vectorizer
from citybrain.nlp.normalize import normalize

F64 = npt.NDArray[np.float64]
F32 = npt.NDArray[np.float32]

SCORE_CHUNK = 1000


@dataclass(frozen=True)
class TrainConfig:
    """Choices measured by 5-fold cross-validation on the Teddy Cup 2020 messages (see docs/classify.md)."""

    features: FeatureConfig = field(default_factory=FeatureConfig)
    c: float = 2.0
    #: 3 rather than 5: four SVM fits instead of six keep training on 7,820 messages well inside two minutes.
    calibration_folds: int = 3
    target_accuracy: float = 0.95
    seed: int = 0


@dataclass(frozen=True)
class Prediction:
    """Labels and calibrated confidences; an empty message gets label ``""`` and confidence 0 (ask a human)."""

    labels: list[str]
    confidence: F64
    probabilities: F64


@dataclass(frozen=True)
class TextClassifier:
    vectorizer: Vectorizer
    labels: tuple[str, ...]
    coef: F32
    intercept: F64
    temperature: float
    threshold: float
    info: dict[str, Any]
    #: The weights as one contiguous float64 column per label: a sparse product with ``coef.T`` copied all of
    #: them on every batch (half the time of the product).
    _columns: F64 = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_columns", np.ascontiguousarray(self.coef.T, dtype=np.float64))

    def scores(self, texts: Sequence[str]) -> F64:
        """Raw linear scores of already-normalised texts, one column per label (compiled, no feature matrix)."""
        out = np.empty((len(texts), len(self.labels)))
        for start in range(0, len(texts), SCORE_CHUNK):
            chunk = texts[start : start + SCORE_CHUNK]
            out[start : start + SCORE_CHUNK] = self.vectorizer.linear_scores(chunk, self._columns) + self.intercept
        return out

    def predict(self, raw_texts: Sequence[object]) -> Prediction:
        texts = [normalize(t) for t in raw_texts]
        probabilities = softmax(self.scores(texts), self.temperature)
        best = probabilities.argmax(axis=1)
        confidence = probabilities[np.arange(len(texts)), best]
        empty = np.array([not t for t in texts], dtype=bool)
        confidence[empty] = 0.0
        labels = ["" if e else self.labels[i] for i, e in zip(best.tolist(), empty.tolist(), strict=True)]
        return Prediction(labels=labels, confidence=confidence, probabilities=probabilities)


def train(
    raw_texts: Sequence[object],
    labels: Sequence[str],
    config: TrainConfig | None = None,
) -> TextClassifier:
    """Fit on every usable (text, label) pair; the confidence is calibrated on out-of-fold scores."""
    config = config or TrainConfig()
    texts, y, classes = _usable(raw_texts, labels)
    vectorizer = fit_vectorizer(texts, config.features)
    matrix = vectorizer.transform(texts)
    coef, intercept = _fit_linear(matrix, y, len(classes), config.c)
    oof = _out_of_fold_scores(texts, y, len(classes), config)
    temperature = fit_temperature(oof, y)
    oof_probabilities = softmax(oof, temperature)
    correct = oof_probabilities.argmax(axis=1) == y
    confidence = oof_probabilities.max(axis=1)
    return TextClassifier(
        vectorizer=vectorizer,
        labels=classes,
        coef=coef,
        intercept=intercept,
        temperature=temperature,
        threshold=choose_threshold(correct, confidence, config.target_accuracy),
        info={
            "n_train": len(texts),
            "class_counts": {c: int((y == i).sum()) for i, c in enumerate(classes)},
            "oof_accuracy": float(correct.mean()),
            "target_accuracy": config.target_accuracy,
            "c": config.c,
        },
    )


def _usable(
    raw_texts: Sequence[object], labels: Sequence[str]
) -> tuple[list[str], npt.NDArray[np.int64], tuple[str, ...]]:
    """Normalised texts with their label index; rows without text or label are skipped, too little data refused."""
    if len(raw_texts) != len(labels):
        raise InvalidInput(f"{len(raw_texts)} texts but {len(labels)} labels")
    pairs = [(normalize(t), str(label).strip()) for t, label in zip(raw_texts, labels, strict=True)]
    pairs = [(t, label) for t, label in pairs if t and label and label.lower() != "nan"]
    classes = tuple(sorted({label for _, label in pairs}))
    if len(classes) < 2:
        raise InvalidInput(
            f"training needs at least two different labels among rows with text; found {len(classes)} "
            f"({len(pairs)} usable rows of {len(labels)})"
        )
    index = {c: i for i, c in enumerate(classes)}
    return [t for t, _ in pairs], np.array([index[label] for _, label in pairs], dtype=np.int64), classes


def _fit_linear(matrix: sparse.csr_matrix, y: npt.NDArray[np.int64], n_classes: int, c: float) -> tuple[F32, F64]:
    """One-vs-rest linear SVM weights with one row per class, also for two classes and for absent classes."""
    present = np.unique(y)
    coef = np.zeros((n_classes, matrix.shape[1]), dtype=np.float32)
    intercept = np.full(n_classes, -10.0)
    if present.size == 1 or matrix.shape[1] == 0:
        counts = np.bincount(y, minlength=n_classes)
        intercept = np.where(counts > 0, np.log(np.maximum(counts, 1) / y.size), -10.0)
        return coef, intercept
    svm = LinearSVC(C=c, max_iter=5000).fit(matrix, y)
    if present.size == 2:
        coef[present[1]], coef[present[0]] = svm.coef_[0], -svm.coef_[0]
        intercept[present[1]], intercept[present[0]] = svm.intercept_[0], -svm.intercept_[0]
    else:
        coef[svm.classes_] = svm.coef_
        intercept[svm.classes_] = svm.intercept_
    return coef, intercept


def _out_of_fold_scores(texts: list[str], y: npt.NDArray[np.int64], n_classes: int, config: TrainConfig) -> F64:
    """Scores of each training message from a model that did not see it (for calibration and the threshold)."""
    smallest = int(np.bincount(y).min())
    folds = max(2, min(config.calibration_folds, smallest))
    scores = np.zeros((len(texts), n_classes))
    if smallest < 2:
        splits = _plain_folds(len(texts), folds, config.seed)
    else:
        splits = list(StratifiedKFold(folds, shuffle=True, random_state=config.seed).split(texts, y))
    for fit_idx, held_idx in splits:
        vectorizer = fit_vectorizer([texts[i] for i in fit_idx], config.features)
        coef, intercept = _fit_linear(
            vectorizer.transform([texts[i] for i in fit_idx]), y[fit_idx], n_classes, config.c
        )
        scores[held_idx] = vectorizer.transform([texts[i] for i in held_idx]) @ coef.T + intercept
    return scores


def _plain_folds(n: int, folds: int, seed: int) -> list[tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]]:
    order = np.random.default_rng(seed).permutation(n)
    parts = np.array_split(order, folds)
    return [(np.concatenate([p for j, p in enumerate(parts) if j != i]), part) for i, part in enumerate(parts)]
