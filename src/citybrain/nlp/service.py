"""Classifier work the CLI (and later intake) shares: fast batch prediction and corrections recorded by hand.

Corrections typed with ``classify correct`` live in a CSV file under the data folder
(``<data_dir>/classify/corrections.csv``, columns ``text,label,corrected_at,source``), easy to review and edit by
the people who own the taxonomy. The desk's decisions on queued cases are kept in the database instead
(``triage.learning``); ``classify retrain`` reads both.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import numpy as np

from citybrain.core.clock import iso, utcnow
from citybrain.core.errors import InvalidInput
from citybrain.nlp.dataset import read_columns
from citybrain.nlp.model import TextClassifier
from citybrain.nlp.normalize import normalize

CORRECTION_COLUMNS = ["text", "label", "corrected_at", "source"]
#: Below this many messages a second process costs more than it saves.
PARALLEL_FROM = 10_000
CHUNK = 4_000

_worker_model: TextClassifier | None = None


def predict_many(model: TextClassifier, texts: Sequence[object], *, jobs: int = 0) -> tuple[list[str], np.ndarray]:
    """Labels and confidences for many messages, spread over ``jobs`` processes (0 = one per CPU)."""
    jobs = jobs or os.cpu_count() or 1
    if jobs <= 1 or len(texts) < PARALLEL_FROM:
        result = model.predict(texts)
        return result.labels, result.confidence
    chunks = [list(texts[i : i + CHUNK]) for i in range(0, len(texts), CHUNK)]
    with ProcessPoolExecutor(jobs, mp_context=get_context("fork"), initializer=_init_worker, initargs=(model,)) as pool:
        parts = list(pool.map(_predict_chunk, chunks))
    labels = [label for part in parts for label in part[0]]
    return labels, np.concatenate([part[1] for part in parts])


def _init_worker(model: TextClassifier) -> None:
    global _worker_model
    _worker_model = model


def _predict_chunk(texts: list[object]) -> tuple[list[str], np.ndarray]:
    assert _worker_model is not None
    result = _worker_model.predict(texts)
    return result.labels, result.confidence


def corrections_path(data_dir: Path) -> Path:
    return data_dir / "classify" / "corrections.csv"


def add_correction(path: Path, *, text: str, label: str, source: str = "") -> None:
    """Record that an operator says ``text`` is about ``label`` (e.g. after a 退单 or a manual re-dispatch)."""
    if not normalize(text):
        raise InvalidInput("a correction needs the message text")
    if not label.strip():
        raise InvalidInput("a correction needs the right label")
    path.parent.mkdir(parents=True, exist_ok=True)
    new = not path.exists() or path.stat().st_size == 0
    with path.open("a", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        if new:
            writer.writerow(CORRECTION_COLUMNS)
        writer.writerow([text, label.strip(), iso(utcnow()), source])


def read_corrections(path: Path) -> list[tuple[str, str]]:
    if not path.exists():
        return []
    rows = read_columns(path, ["text", "label"])
    return list(zip(rows["text"], rows["label"], strict=True))


def merge_corrections(
    texts: Sequence[str], labels: Sequence[str], corrections: Sequence[tuple[str, str]]
) -> tuple[list[str], list[str], int]:
    """History with operators' corrections applied: a corrected message takes the operator's label (the last
    correction wins); a message not in the history is added. Returns texts, labels and how many labels changed."""
    latest = {normalize(text): label for text, label in corrections}
    out_texts, out_labels, changed = list(texts), list(labels), 0
    seen: set[str] = set()
    for i, text in enumerate(out_texts):
        key = normalize(text)
        if key in latest:
            seen.add(key)
            if out_labels[i] != latest[key]:
                out_labels[i] = latest[key]
                changed += 1
    for text, _ in corrections:
        key = normalize(text)
        if key not in seen:
            seen.add(key)
            out_texts.append(text)
            out_labels.append(latest[key])
            changed += 1
    return out_texts, out_labels, changed
