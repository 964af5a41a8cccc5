"""Small real data sets for the classifier tests, read from ../shared (never copied into the repository)."""

from __future__ import annotations

import csv
import gzip
import random
from collections.abc import Sequence
from pathlib import Path

import pytest

from citybrain.nlp.dataset import read_columns
from citybrain.nlp.model import TextClassifier, TrainConfig, train
from tests.conftest import shared_path

Rows = list[tuple[str, str, str]]  # (id, text, label)


@pytest.fixture(scope="session")
def teddy_subset() -> Rows:
    """1,000 Teddy Cup messages, a seeded sample of the 7,820 labelled ones (title-only rows included)."""
    path = shared_path("data", "teddy2020c", "messages_train_full.csv")
    cols = read_columns(path, ["id", "text", "label"])
    rows = list(zip(cols["id"], cols["text"], cols["label"], strict=True))
    return random.Random(7).sample(rows, 1000)


@pytest.fixture(scope="session")
def teddy_split(teddy_subset: Rows) -> tuple[Rows, Rows]:
    """80 % to learn from, 20 % held out, split per label so every class is in both."""
    by_label: dict[str, Rows] = {}
    for row in teddy_subset:
        by_label.setdefault(row[2], []).append(row)
    fit: Rows = []
    held: Rows = []
    for rows in by_label.values():
        cut = int(len(rows) * 0.8)
        fit += rows[:cut]
        held += rows[cut:]
    return fit, held


@pytest.fixture(scope="session")
def teddy_model(teddy_split: tuple[Rows, Rows]) -> TextClassifier:
    fit, _ = teddy_split
    return train([r[1] for r in fit], [r[2] for r in fit], TrainConfig(calibration_folds=3))


@pytest.fixture(scope="session")
def nyc_rows() -> Rows:
    """English 311 requests: text = descriptor + resolution, label = complaint type (5 commonest, 80 each)."""
    path = shared_path("data", "nyc311", "nyc311_combined_real_sample.csv.gz")
    by_type: dict[str, Rows] = {}
    with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            text = f"{row['descriptor']}. {row['resolution_description']}".strip(". ")
            by_type.setdefault(row["complaint_type"], []).append((row["unique_key"], text, row["complaint_type"]))
    common = sorted(by_type, key=lambda k: -len(by_type[k]))[:5]
    rng = random.Random(3)
    return [row for label in common for row in rng.sample(by_type[label], min(80, len(by_type[label])))]


def write_csv(path: Path, header: Sequence[str], rows: Sequence[Sequence[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path
