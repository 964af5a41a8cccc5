"""Turning a linear model's scores into honest probabilities, and deciding when to ask a human.

A linear SVM's scores rank well but are not probabilities. One temperature ``T`` for a softmax over the scores,
fitted on out-of-fold scores of the training data (so the model never grades its own homework), makes "0.9" mean
"right about nine times in ten". The threshold below which a message goes to the human dispatch queue (人工派单)
is then chosen from the same out-of-fold predictions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.optimize import minimize_scalar

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]


def softmax(scores: F64, temperature: float) -> F64:
    z = scores / temperature
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    probabilities: F64 = e / e.sum(axis=1, keepdims=True)
    return probabilities


def fit_temperature(scores: F64, truth: I64) -> float:
    """The temperature minimising the negative log-likelihood of the true classes."""

    def nll(log_t: float) -> float:
        p = softmax(scores, float(np.exp(log_t)))[np.arange(truth.size), truth]
        return float(-np.log(np.clip(p, 1e-12, 1.0)).mean())

    result = minimize_scalar(nll, bounds=(-6.0, 4.0), method="bounded")
    return float(np.exp(result.x))


@dataclass(frozen=True)
class CoveragePoint:
    """Accuracy on the ``coverage`` share of messages the model is most sure of (the rest go to a human)."""

    coverage: float
    accuracy: float
    min_confidence: float
    n: int


def accuracy_at_coverage(correct: npt.NDArray[np.bool_], confidence: F64, coverage: float) -> CoveragePoint:
    if correct.size == 0:
        return CoveragePoint(coverage=coverage, accuracy=float("nan"), min_confidence=float("nan"), n=0)
    order = np.argsort(-confidence, kind="stable")
    n = max(1, int(round(coverage * correct.size)))
    kept = order[:n]
    return CoveragePoint(
        coverage=coverage,
        accuracy=float(correct[kept].mean()),
        min_confidence=float(confidence[kept].min()),
        n=n,
    )


@dataclass(frozen=True)
class ThresholdResult:
    """What a confidence threshold does: how many messages it lets through, and how many of those are right."""

    threshold: float
    coverage: float
    accuracy: float
    n_accepted: int


def apply_threshold(correct: npt.NDArray[np.bool_], confidence: F64, threshold: float) -> ThresholdResult:
    accepted = confidence >= threshold
    n = int(accepted.sum())
    return ThresholdResult(
        threshold=threshold,
        coverage=float(n / correct.size) if correct.size else float("nan"),
        accuracy=float(correct[accepted].mean()) if n else float("nan"),
        n_accepted=n,
    )


def choose_threshold(correct: npt.NDArray[np.bool_], confidence: F64, target_accuracy: float) -> float:
    """The lowest confidence at which the messages accepted automatically are right ``target_accuracy`` of the time.

    Lower means fewer messages for people to read; the target is the city's choice (e.g. 0.95 against a national
    退单 rate near one in four).
    """
    if correct.size == 0:
        return 1.0
    order = np.argsort(-confidence, kind="stable")
    running = np.cumsum(correct[order]) / np.arange(1, correct.size + 1)
    ok = np.nonzero(running >= target_accuracy)[0]
    if ok.size == 0:
        return 1.0
    return float(confidence[order][ok[-1]])
