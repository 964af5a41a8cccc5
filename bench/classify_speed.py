"""Benchmark of the category classifier on the Teddy Cup 2020 messages (../shared/data/teddy2020c).

    .venv/bin/python bench/classify_speed.py            # speed: train time, predict msgs/s, model size
    .venv/bin/python bench/classify_speed.py --cv       # also stratified 5-fold cross-validated macro-F1
    .venv/bin/python bench/classify_speed.py --curve    # only the learning curve, on the same folds

Prints JSON and writes bench/results/classify_speed.json (classify_cv.json with --cv, classify_curve.json with
--curve).
The data is messages_train_full.csv (7,820 labelled messages, disjoint from the independent evaluation part).
The cross-validation trains the product's own ``train()`` (with its internal calibration) on 4/5 of the messages
and scores the held-out 1/5, five times; no setting is tuned on the held-out folds. The learning curve trains on
seeded stratified subsets of each fold's 4/5 (1,000 / 2,600 / 5,000 rows) and scores the same held-out 1/5; its
last point is the full 4/5 (6,256 rows), i.e. the 5-fold figure of the 7,820-row file.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np
import numpy.typing as npt
from sklearn.model_selection import StratifiedKFold, train_test_split

from citybrain.nlp import persistence, service
from citybrain.nlp.calibration import apply_threshold, choose_threshold
from citybrain.nlp.dataset import read_columns
from citybrain.nlp.evaluation import evaluate_predictions
from citybrain.nlp.features import fit_vectorizer
from citybrain.nlp.model import TrainConfig, _fit_linear, train
from citybrain.nlp.normalize import normalize

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "teddy2020c" / "messages_train_full.csv"
CURVE_SIZES = (1000, 2600, 5000)
RESULTS = ROOT / "bench" / "results"


def speed(texts: list[str], labels: list[str], repeat: int) -> dict[str, object]:
    started, cpu = time.perf_counter(), time.process_time()
    model = train(texts, labels, TrainConfig())
    train_s, train_cpu = time.perf_counter() - started, time.process_time() - cpu
    with tempfile.TemporaryDirectory() as tmp:
        path = persistence.save(model, Path(tmp) / "model.npz")
        size_mb = path.stat().st_size / 1e6
        started = time.perf_counter()
        model = persistence.load(path)
        load_s = time.perf_counter() - started
    batch = texts * repeat
    rates = {}
    for jobs in (1, 2):
        started, cpu = time.perf_counter(), time.process_time()
        service.predict_many(model, batch, jobs=jobs)
        rates[f"predict_msgs_per_s_jobs{jobs}"] = round(len(batch) / (time.perf_counter() - started))
        if jobs == 1:  # CPU time of this one process: the one-core rate, whatever else the machine is doing
            rates["predict_msgs_per_s_one_core_cpu_time"] = round(len(batch) / (time.process_time() - cpu))
    return {
        "train_messages": len(texts),
        "train_seconds": round(train_s, 2),
        "train_cpu_seconds": round(train_cpu, 2),
        "model_mb": round(size_mb, 2),
        "load_seconds": round(load_s, 3),
        "predict_messages": len(batch),
        "mean_chars": round(float(np.mean([len(t) for t in texts])), 1),
        **rates,
        "targets": {"predict_msgs_per_s_one_core": 5000, "train_seconds": 120, "model_mb": 50},
    }


def cross_validate(texts: list[str], labels: list[str], parts: list[str], folds: int, seed: int) -> dict[str, object]:
    y = np.array(labels)
    kinds = np.array(parts)
    per_fold: list[dict[str, float]] = []
    correct = np.zeros(len(texts), dtype=bool)
    confidence = np.zeros(len(texts))
    for fit_idx, held_idx in StratifiedKFold(folds, shuffle=True, random_state=seed).split(texts, y):
        held_texts, held_labels = [texts[i] for i in held_idx], [labels[i] for i in held_idx]
        model = train([texts[i] for i in fit_idx], [labels[i] for i in fit_idx], TrainConfig())
        prediction = model.predict(held_texts)
        ev = evaluate_predictions(
            held_labels, prediction.labels, prediction.confidence, model_labels=model.labels, threshold=model.threshold
        )
        correct[held_idx] = np.array(prediction.labels) == y[held_idx]
        confidence[held_idx] = prediction.confidence
        per_fold.append(
            {
                "macro_f1": ev.macro_f1,
                "accuracy": ev.accuracy,
                **{f"accuracy_at_{round(p.coverage * 100)}pct": p.accuracy for p in ev.coverage},
                "threshold": model.threshold,
                "threshold_coverage": ev.threshold.coverage,
                "threshold_accuracy": ev.threshold.accuracy,
            }
        )
        print(f"fold {len(per_fold)}: macro-F1 {ev.macro_f1:.4f} accuracy {ev.accuracy:.4f}", flush=True)
    f1 = [f["macro_f1"] for f in per_fold]
    pooled = {
        kind: round(float(correct[kinds == kind].mean()), 4) for kind in sorted(set(parts)) if (kinds == kind).any()
    }
    result: dict[str, object] = {
        "data": DATA.name,
        "rows": len(texts),
        "folds": folds,
        "seed": seed,
        "macro_f1_per_fold": [round(s, 4) for s in f1],
        "macro_f1_mean": round(float(np.mean(f1)), 4),
        "macro_f1_sd": round(float(np.std(f1)), 4),
        **{
            f"{key}_mean": round(float(np.mean([f[key] for f in per_fold])), 4)
            for key in per_fold[0]
            if key != "macro_f1"
        },
        "accuracy_by_parts_pooled": pooled,
        "threshold_for_95pct_pooled": asdict(
            apply_threshold(correct, confidence, choose_threshold(correct, confidence, 0.95))
        ),
        "target_macro_f1": 0.92,
    }
    return result


def learning_curve(texts: list[str], labels: list[str], folds: int, seed: int) -> dict[str, object]:
    """Macro-F1 on the same held-out folds as the cross-validation, learning from fewer rows.

    Only the label matters here, and the product's label is the argmax of the linear scores (calibration does not
    change it), so each point fits the product's features and SVM once, without the calibration fits.
    """
    y = np.array(labels)
    clean = [normalize(t) for t in texts]
    classes = sorted(set(labels))
    target = np.array([classes.index(label) for label in labels])
    points: dict[int, list[float]] = {}
    for fit_idx, held_idx in StratifiedKFold(folds, shuffle=True, random_state=seed).split(texts, y):
        for size in (*CURVE_SIZES, fit_idx.size):
            subset = _stratified_subset(fit_idx, y, size, seed)
            config = TrainConfig()
            vectorizer = fit_vectorizer([clean[i] for i in subset], config.features)
            matrix = vectorizer.transform([clean[i] for i in subset])
            coef, intercept = _fit_linear(matrix, target[subset], len(classes), config.c)
            held = vectorizer.transform([clean[i] for i in held_idx]) @ coef.T + intercept
            predicted = [classes[i] for i in np.asarray(held).argmax(axis=1)]
            score = evaluate_predictions(
                [labels[i] for i in held_idx], predicted, np.ones(held_idx.size), model_labels=classes, threshold=0
            ).macro_f1
            points.setdefault(size, []).append(score)
            print(f"curve: {size} rows macro-F1 {score:.4f}", flush=True)
    return {
        "folds": folds,
        "seed": seed,
        "note": "last point: every row of each fold's 4/5, i.e. the 5-fold figure of the whole file",
        "points": [
            {
                "train_rows": size,
                "macro_f1_mean": round(float(np.mean(s)), 4),
                "macro_f1_sd": round(float(np.std(s)), 4),
            }
            for size, s in points.items()
        ],
    }


def _stratified_subset(
    indices: npt.NDArray[np.int64], y: npt.NDArray[np.str_], size: int, seed: int
) -> npt.NDArray[np.int64]:
    """``size`` of ``indices`` with the classes in their proportions (seeded)."""
    if size >= indices.size:
        return indices
    chosen, _ = train_test_split(indices, train_size=size, stratify=y[indices], random_state=seed)
    return np.asarray(chosen)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--input", type=Path, default=DATA)
    parser.add_argument("--cv", action="store_true", help="also run stratified 5-fold cross-validation")
    parser.add_argument("--repeat", type=int, default=20, help="predict on the messages repeated this many times")
    parser.add_argument("--curve", action="store_true", help="only the learning curve (same folds as --cv)")
    args = parser.parse_args()
    rows = read_columns(args.input, ["text", "label", "parts"])
    if args.curve:
        curve = {"data": DATA.name, **learning_curve(rows["text"], rows["label"], folds=5, seed=0)}
        (RESULTS / "classify_curve.json").write_text(json.dumps(curve, ensure_ascii=False, indent=2) + "\n")
        print(json.dumps(curve, ensure_ascii=False, indent=2))
        return
    machine = {"cpus": os.cpu_count(), "python": platform.python_version(), "load_avg_1m": os.getloadavg()[0]}
    RESULTS.mkdir(parents=True, exist_ok=True)
    result = {"machine": machine, **speed(rows["text"], rows["label"], args.repeat)}
    print(json.dumps(result, ensure_ascii=False, indent=2))
    (RESULTS / "classify_speed.json").write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    if args.cv:
        cv = {
            "machine": machine,
            **cross_validate(rows["text"], rows["label"], rows["parts"], folds=5, seed=0),
        }
        print(json.dumps(cv, ensure_ascii=False, indent=2))
        (RESULTS / "classify_cv.json").write_text(json.dumps(cv, ensure_ascii=False, indent=2) + "\n")


if __name__ == "__main__":
    main()
