"""A city's first three months of learning from the desk (人工派单), simulated; prints JSON.

    .venv/bin/python bench/desk_learning.py [--scenario demo|teddy|both] [--weeks 13] [--plot PNG]

Each simulated day the running model reads the day's messages; those under its threshold wait in the human dispatch
queue, and the desk decides up to ``--desk-per-day`` of them (oldest first) with the right category — each decision
is a desk example (confirmations too, not only changes). Every seventh day the product's ``classify retrain``
(:func:`citybrain.nlp.retraining.retrain`) trains a candidate on base + desk examples, compares it with the running
model on the held-back fifth of the desk examples and installs it when it is not worse. After each retrain the
running model is scored on a fixed test slice of *later* messages that nobody decided.

Scenarios:

- ``demo``: a Teddy-trained model (``--demo-base`` stratified Teddy rows) arrives in Demo City, whose messages and
  categories differ. The desk's label is what the queue teaches (``triage.queue.desk_label``): the model's Teddy
  label for a category under one of the seven Teddy classes, else the Demo City category code — so the model has
  to learn new labels from the desk. Test slice: the two weeks after the three months.
- ``teddy``: a model trained on ``--teddy-base`` Teddy rows; the other Teddy rows are the city's stream (shuffled,
  spread evenly over the days), the last 1,500 the test slice.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from citybrain.core.errors import InvalidInput
from citybrain.nlp import persistence, retraining
from citybrain.nlp.dataset import read_columns
from citybrain.nlp.model import TrainConfig, train
from citybrain.nlp.retraining import Example

ROOT = Path(__file__).resolve().parent.parent
TEDDY = ROOT.parent / "shared" / "data" / "teddy2020c" / "messages_train_full.csv"
DAYS_PER_WEEK = 7
TEDDY_TEST = 1500
DEMO_TEST_DAYS = 14
DEMO_TEST_MAX = 2000

Messages = list[tuple[str, str]]  # (text, label)


def teddy_rows() -> Messages:
    cols = read_columns(TEDDY, ["text", "label"])
    rows = list(zip(cols["text"], cols["label"], strict=True))
    random.Random(0).shuffle(rows)
    return rows


def stratified(rows: Messages, n: int, seed: int) -> Messages:
    """``n`` rows keeping each label's share (a city's first labelled history is a sample of its messages)."""
    by_label: dict[str, Messages] = {}
    for row in rows:
        by_label.setdefault(row[1], []).append(row)
    out: Messages = []
    for label_rows in by_label.values():
        out += random.Random(seed).sample(label_rows, round(n * len(label_rows) / len(rows)))
    return out


def demo_days(days: int, per_day: float) -> list[list[tuple[str, str]]]:
    """Demo City's messages per local day, as (text, category code)."""
    from citybrain.simulate.city import build_city
    from citybrain.simulate.streams import generate
    from citybrain.triage.repository import indexed_text

    stream = generate(
        build_city(1), days=days, cases_per_day=per_day, seed=5, now=datetime(2026, 6, 30, 12, tzinfo=UTC)
    )
    out: list[list[tuple[str, str]]] = [[] for _ in range(days)]
    for case in sorted(stream.cases, key=lambda c: c.created_at):
        day = min(days - 1, (case.created_at.date() - stream.start).days)
        out[day].append((indexed_text(case.text.title, case.text.text), case.category))
    return out


def simulate(
    name: str,
    base: Messages,
    stream_days: list[Messages],
    test: Messages,
    *,
    weeks: int,
    desk_per_day: int,
    reference: bool = False,
) -> dict[str, Any]:
    config = TrainConfig(calibration_folds=3)
    with tempfile.TemporaryDirectory() as folder:
        model_path = Path(folder) / "model.npz"
        started = time.perf_counter()
        persistence.save(train([t for t, _ in base], [lab for _, lab in base], config), model_path)
        base_seconds = time.perf_counter() - started
        rows = [_test_row(0, persistence.load(model_path), test, None)]
        examples: list[Example] = []
        waiting: Messages = []
        running = persistence.load(model_path)
        arrived = queued = 0
        for day, messages in enumerate(stream_days[: weeks * DAYS_PER_WEEK]):
            confidence = running.predict([t for t, _ in messages]).confidence if messages else []
            held = [m for m, c in zip(messages, confidence, strict=True) if c < running.threshold]
            arrived, queued, waiting = arrived + len(messages), queued + len(held), waiting + held
            decided, waiting = waiting[:desk_per_day], waiting[desk_per_day:]
            examples += [Example(text, label, "desk", f"day {day}") for text, label in decided]
            if (day + 1) % DAYS_PER_WEEK == 0:
                row = _retrain_week(model_path, base, examples, test, (day + 1) // DAYS_PER_WEEK, config)
                rows.append({**row, "week_arrived": arrived, "week_queued": queued, "backlog": len(waiting)})
                print(json.dumps({"scenario": name, **rows[-1]}, ensure_ascii=False), file=sys.stderr)
                running, arrived, queued = persistence.load(model_path), 0, 0
    out: dict[str, Any] = {
        "scenario": name,
        "base_rows": len(base),
        "base_train_seconds": round(base_seconds, 1),
        "stream_messages": sum(len(d) for d in stream_days[: weeks * DAYS_PER_WEEK]),
        "desk_per_day": desk_per_day,
        "test_messages": len(test),
        "weeks": rows,
    }
    if reference:
        out["every_message_labelled"] = _reference(base, stream_days[: weeks * DAYS_PER_WEEK], test, config)
    return out


def _reference(base: Messages, stream_days: list[Messages], test: Messages, config: TrainConfig) -> dict[str, Any]:
    """What a city would reach if every message of the three months had been labelled (not only the queue's)."""
    rows = base + [m for day in stream_days for m in day]
    started = time.perf_counter()
    model = train([t for t, _ in rows], [lab for _, lab in rows], config)
    seconds = time.perf_counter() - started
    score = retraining.score(model, [t for t, _ in test], [lab for _, lab in test])
    return {"train_rows": len(rows), "train_seconds": round(seconds, 1), **asdict(score)}


def _retrain_week(
    model_path: Path, base: Messages, examples: Sequence[Example], test: Messages, week: int, config: TrainConfig
) -> dict[str, Any]:
    try:
        decision: Any = retraining.retrain(
            model_path=model_path,
            base_texts=[t for t, _ in base],
            base_labels=[lab for _, lab in base],
            examples=examples,
            config=config,
        )
    except InvalidInput as exc:
        decision = {"installed": False, "reason": str(exc)}
    return _test_row(week, persistence.load(model_path), test, decision, len(examples))


def _test_row(week: int, model: Any, test: Messages, decision: Any, examples: int = 0) -> dict[str, Any]:
    score = retraining.score(model, [t for t, _ in test], [lab for _, lab in test])
    confidence = model.predict([t for t, _ in test]).confidence
    row: dict[str, Any] = {
        "week": week,
        "desk_examples": examples,
        "test_macro_f1": score.macro_f1,
        "test_accuracy": score.accuracy,
        "test_queue_share": round(float((confidence < model.threshold).mean()), 4),
        "threshold": round(model.threshold, 3),
    }
    if decision is not None:
        row["decision"] = asdict(decision) if not isinstance(decision, dict) else decision
    return row


def scenario_teddy(args: argparse.Namespace) -> dict[str, Any]:
    rows = teddy_rows()
    test, rest = rows[-TEDDY_TEST:], rows[:-TEDDY_TEST]
    base = stratified(rest, args.teddy_base, seed=1)
    used = {id(r) for r in base}
    stream = [r for r in rest if id(r) not in used]
    days = args.weeks * DAYS_PER_WEEK
    per_day = [stream[i * len(stream) // days : (i + 1) * len(stream) // days] for i in range(days)]
    return simulate("teddy", base, per_day, test, weeks=args.weeks, desk_per_day=args.desk_per_day, reference=True)


def scenario_demo(args: argparse.Namespace) -> dict[str, Any]:
    from citybrain.triage.queue import desk_label

    base = stratified(teddy_rows(), args.demo_base, seed=1)
    labels = sorted({lab for _, lab in base})
    days = args.weeks * DAYS_PER_WEEK
    all_days = demo_days(days + DEMO_TEST_DAYS, args.demo_per_day)
    labelled = [[(text, desk_label(code, labels)) for text, code in day] for day in all_days]
    later = [m for day in labelled[days:] for m in day]
    test = random.Random(2).sample(later, min(DEMO_TEST_MAX, len(later)))
    return simulate("demo", base, labelled[:days], test, weeks=args.weeks, desk_per_day=args.desk_per_day)


def plot(results: list[dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(7, 4), dpi=110)
    for result in results:
        weeks = [r["week"] for r in result["weeks"]]
        axis.plot(
            weeks, [r["test_accuracy"] for r in result["weeks"]], marker="o", label=f"{result['scenario']} accuracy"
        )
        axis.plot(
            weeks,
            [r["test_macro_f1"] for r in result["weeks"]],
            marker=".",
            ls="--",
            label=f"{result['scenario']} macro-F1",
        )
    axis.set_xlabel("week (weekly classify retrain)")
    axis.set_ylabel("fixed later test slice")
    axis.set_title("Learning from the desk: the first three months")
    axis.grid(alpha=0.3)
    axis.legend(fontsize=8)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenario", choices=["demo", "teddy", "both"], default="both")
    parser.add_argument("--weeks", type=int, default=13)
    parser.add_argument("--desk-per-day", type=int, default=40)
    parser.add_argument("--teddy-base", type=int, default=1000)
    parser.add_argument("--demo-base", type=int, default=3000)
    parser.add_argument("--demo-per-day", type=float, default=150)
    parser.add_argument("--plot", type=Path)
    args = parser.parse_args(argv)
    results = []
    if args.scenario in ("demo", "both"):
        results.append(scenario_demo(args))
    if args.scenario in ("teddy", "both"):
        results.append(scenario_teddy(args))
    if args.plot:
        plot(results, args.plot)
    print(
        json.dumps(
            {"note": "2-core machine shared with other helpers: timings are loaded", "results": results},
            ensure_ascii=False,
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
