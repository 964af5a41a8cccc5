"""Benchmark of the category classifier on the Teddy Cup 2020 messages (../shared/data/teddy2020c).

    .venv/bin/python bench/classify_speed.py            # speed: train time, predict msgs/s, model size
    .venv/bin/python bench/classify_speed.py --cv       # also stratified 5-fold cross-validated macro-F1

Prints JSON and writes bench/results/classify_speed.json (and classify_cv.json with --cv).
The cross-validation trains the product's own ``train()`` (with its internal calibration) on 4/5 of the 2,600
messages and scores the held-out 1/5, five times; no setting is tuned on the held-out folds.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path

import numpy as np
from sklearn.model_selection import StratifiedKFold

from citybrain.nlp import persistence, service
from citybrain.nlp.dataset import read_columns
from citybrain.nlp.evaluation import evaluate_predictions
from citybrain.nlp.model import TrainConfig, train

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "teddy2020c" / "messages_labelled.csv"
RESULTS = ROOT / "bench" / "results"


def speed(texts: list[str], labels: list[str], repeat: int) -> dict[str, object]:
    started = time.perf_counter()
    model = train(texts, labels, TrainConfig())
    train_s = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as tmp:
        path = persistence.save(model, Path(tmp) / "model.npz")
        size_mb = path.stat().st_size / 1e6
        started = time.perf_counter()
        model = persistence.load(path)
        load_s = time.perf_counter() - started
    batch = texts * repeat
    rates = {}
    for jobs in (1, 2):
        started = time.perf_counter()
        service.predict_many(model, batch, jobs=jobs)
        rates[f"predict_msgs_per_s_jobs{jobs}"] = round(len(batch) / (time.perf_counter() - started))
    return {
        "train_messages": len(texts),
        "train_seconds": round(train_s, 2),
        "model_mb": round(size_mb, 2),
        "load_seconds": round(load_s, 3),
        "predict_messages": len(batch),
        "mean_chars": round(float(np.mean([len(t) for t in texts])), 1),
        **rates,
        "targets": {"predict_msgs_per_s": 5000, "train_seconds": 60, "model_mb": 50},
    }


def cross_validate(texts: list[str], labels: list[str], folds: int, seed: int) -> dict[str, object]:
    y = np.array(labels)
    scores, accuracies, at80 = [], [], []
    for fit_idx, held_idx in StratifiedKFold(folds, shuffle=True, random_state=seed).split(texts, y):
        model = train([texts[i] for i in fit_idx], [labels[i] for i in fit_idx], TrainConfig())
        result = model.predict([texts[i] for i in held_idx])
        ev = evaluate_predictions(
            [labels[i] for i in held_idx],
            result.labels,
            result.confidence,
            model_labels=model.labels,
            threshold=model.threshold,
        )
        scores.append(ev.macro_f1)
        accuracies.append(ev.accuracy)
        at80.append(next(p.accuracy for p in ev.coverage if p.coverage == 0.8))
        print(f"fold {len(scores)}: macro-F1 {ev.macro_f1:.4f} accuracy {ev.accuracy:.4f}", flush=True)
    return {
        "folds": folds,
        "seed": seed,
        "macro_f1_per_fold": [round(s, 4) for s in scores],
        "macro_f1_mean": round(float(np.mean(scores)), 4),
        "macro_f1_sd": round(float(np.std(scores)), 4),
        "accuracy_mean": round(float(np.mean(accuracies)), 4),
        "accuracy_at_80pct_coverage_mean": round(float(np.mean(at80)), 4),
        "target_macro_f1": 0.92,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--input", type=Path, default=DATA)
    parser.add_argument("--cv", action="store_true", help="also run stratified 5-fold cross-validation")
    parser.add_argument("--repeat", type=int, default=20, help="predict on the messages repeated this many times")
    args = parser.parse_args()
    rows = read_columns(args.input, ["text", "label"])
    machine = {"cpus": os.cpu_count(), "python": platform.python_version(), "load_avg_1m": os.getloadavg()[0]}
    RESULTS.mkdir(parents=True, exist_ok=True)
    result = {"machine": machine, **speed(rows["text"], rows["label"], args.repeat)}
    print(json.dumps(result, ensure_ascii=False, indent=2))
    (RESULTS / "classify_speed.json").write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    if args.cv:
        cv = {"machine": machine, **cross_validate(rows["text"], rows["label"], folds=5, seed=0)}
        print(json.dumps(cv, ensure_ascii=False, indent=2))
        (RESULTS / "classify_cv.json").write_text(json.dumps(cv, ensure_ascii=False, indent=2) + "\n")


if __name__ == "__main__":
    main()
