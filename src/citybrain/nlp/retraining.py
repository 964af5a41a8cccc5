"""Learning from the desk (人工派单): a dispatcher's decisions become training examples, and a retrained model
replaces the running one only when it is not worse on messages neither of them learned from.

The comparison is fair because of one fixed rule: a desk example whose cleaned text hashes into one fifth
(:func:`is_held_back`) is *never* trained on — not by the candidate, not by any model this module installed — and
base rows with the same cleaned text are left out of training as well. Both models are scored on those held-back
examples only: the running model was (usually) trained on all of the base data, so base rows cannot be scored
fairly, while held-back desk examples are unseen by both. The rule depends on the text alone, so an example never
moves between the two sides as more arrive, and copies of one message always land on the same side.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from citybrain.core.clock import iso, utcnow
from citybrain.core.errors import InvalidInput
from citybrain.nlp import persistence
from citybrain.nlp.evaluation import evaluate_predictions
from citybrain.nlp.model import TextClassifier, TrainConfig, train
from citybrain.nlp.normalize import normalize
from citybrain.nlp.service import merge_corrections

#: One desk example in ``HELD_BACK_OF`` is held back (by the hash of its cleaned text).
HELD_BACK_OF = 5
HELD_BACK_RULE = f"blake2b-64(cleaned text) mod {HELD_BACK_OF} == 0"
#: The candidate is installed when its held-back macro-F1 is at least the running model's minus this.
DEFAULT_TOLERANCE = 0.01
#: Fewer held-back examples than this cannot tell two models apart: retrain refuses.
DEFAULT_MIN_HELD_BACK = 30


@dataclass(frozen=True)
class Example:
    """A labelled message from the desk: the text, the label the dispatcher chose (in the model's label space),
    who decided and when, and the case (None for a correction recorded by hand with ``classify correct``)."""

    text: str
    label: str
    decided_by: str = ""
    decided_at: str = ""
    case_id: int | None = None


@dataclass(frozen=True)
class Split:
    """What the candidate learns from (base rows with desk examples applied) and the held-back desk examples."""

    train_texts: list[str]
    train_labels: list[str]
    held_texts: list[str]
    held_labels: list[str]
    n_base: int
    n_examples: int
    n_learned: int
    labels_changed: int


@dataclass(frozen=True)
class Score:
    macro_f1: float
    accuracy: float


@dataclass(frozen=True)
class Decision:
    """One retrain, as written to the model's history file."""

    at: str
    installed: bool
    reason: str
    running: Score
    candidate: Score
    tolerance: float
    held_back: int
    held_back_rule: str
    examples: int
    examples_learned: int
    base_rows: int
    train_rows: int
    train_seconds: float
    running_created_at: str | None
    candidate_labels: list[str]


def is_held_back(cleaned: str) -> bool:
    digest = hashlib.blake2b(cleaned.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % HELD_BACK_OF == 0


def split(base_texts: Sequence[str], base_labels: Sequence[str], examples: Sequence[Example]) -> Split:
    """Apply the held-back rule: the latest example per cleaned text counts; held-back texts leave training."""
    latest: dict[str, Example] = {}
    for example in examples:
        key = normalize(example.text)
        if key and example.label.strip():
            latest.pop(key, None)  # keep insertion order = order of the latest decision
            latest[key] = example
    held = [(key, e) for key, e in latest.items() if is_held_back(key)]
    learned = [e for key, e in latest.items() if not is_held_back(key)]
    held_keys = {key for key, _ in held}
    kept = [(t, lab) for t, lab in zip(base_texts, base_labels, strict=True) if normalize(t) not in held_keys]
    texts, labels, changed = merge_corrections(
        [t for t, _ in kept], [lab for _, lab in kept], [(e.text, e.label.strip()) for e in learned]
    )
    return Split(
        train_texts=texts,
        train_labels=labels,
        held_texts=[e.text for _, e in held],
        held_labels=[e.label.strip() for _, e in held],
        n_base=len(base_texts),
        n_examples=len(latest),
        n_learned=len(learned),
        labels_changed=changed,
    )


def score(model: TextClassifier, texts: Sequence[str], labels: Sequence[str]) -> Score:
    predicted = model.predict(texts)
    result = evaluate_predictions(
        labels, predicted.labels, predicted.confidence, model_labels=model.labels, threshold=model.threshold
    )
    return Score(macro_f1=round(result.macro_f1, 4), accuracy=round(result.accuracy, 4))


def retrain(
    *,
    model_path: Path,
    base_texts: Sequence[str],
    base_labels: Sequence[str],
    examples: Sequence[Example],
    config: TrainConfig | None = None,
    tolerance: float = DEFAULT_TOLERANCE,
    min_held_back: int = DEFAULT_MIN_HELD_BACK,
) -> Decision:
    """Train a candidate on base + learned desk examples, score it and the running model on the held-back desk
    examples, install it when it is not worse (keeping the running model for rollback), record the decision."""
    running = persistence.load(model_path)
    if not examples:
        raise InvalidInput("no desk decisions or corrections yet: nothing to learn from (the queue records them)")
    parts = split(base_texts, base_labels, examples)
    if len(parts.held_texts) < min_held_back:
        raise InvalidInput(
            f"only {len(parts.held_texts)} held-back examples of {parts.n_examples} (one in {HELD_BACK_OF} is held "
            f"back); at least {min_held_back} are needed to compare two models — wait for more decisions"
        )
    started = time.perf_counter()
    candidate = train(parts.train_texts, parts.train_labels, config)
    seconds = round(time.perf_counter() - started, 1)
    candidate = replace(
        candidate,
        info={**candidate.info, "desk_examples": parts.n_learned, "held_back_rule": HELD_BACK_RULE},
    )
    before = score(running, parts.held_texts, parts.held_labels)
    after = score(candidate, parts.held_texts, parts.held_labels)
    installed = after.macro_f1 >= before.macro_f1 - tolerance
    if installed:
        install(candidate, model_path)
    decision = Decision(
        at=iso(utcnow()) or "",
        installed=installed,
        reason=_reason(installed, before, after, tolerance),
        running=before,
        candidate=after,
        tolerance=tolerance,
        held_back=len(parts.held_texts),
        held_back_rule=HELD_BACK_RULE,
        examples=parts.n_examples,
        examples_learned=parts.n_learned,
        base_rows=parts.n_base,
        train_rows=int(candidate.info["n_train"]),
        train_seconds=seconds,
        running_created_at=running.info.get("created_at"),
        candidate_labels=list(candidate.labels),
    )
    append_history(model_path, {"action": "retrain", **asdict(decision)})
    return decision


def _reason(installed: bool, before: Score, after: Score, tolerance: float) -> str:
    compare = f"held-back macro-F1 {after.macro_f1:.4f} against the running model's {before.macro_f1:.4f}"
    if installed:
        return f"installed: {compare} (not worse by more than {tolerance})"
    return f"kept the running model: {compare} is worse by more than {tolerance}"


def previous_path(model_path: Path) -> Path:
    return model_path.with_name(f"{model_path.stem}.previous{model_path.suffix}")


def history_path(model_path: Path) -> Path:
    return model_path.with_name(f"{model_path.stem}.history.jsonl")


def install(candidate: TextClassifier, model_path: Path) -> None:
    """Keep the running file as ``<name>.previous.npz``, then write the candidate over it. Each step is a write to
    a temporary file and a rename, so a crash at any point leaves a whole model at ``model_path``."""
    _copy_atomic(model_path, previous_path(model_path))
    persistence.save(candidate, model_path)


def rollback(model_path: Path) -> dict[str, Any]:
    """Put the previous model back; the one it replaces becomes the previous (so a rollback can be undone)."""
    previous = previous_path(model_path)
    if not previous.is_file():
        raise InvalidInput(f"no previous model {previous.name} next to {model_path}: nothing to roll back to")
    restored = persistence.load(previous)  # refuse a broken file before touching the running one
    persistence.load(model_path)
    fd, tmp = tempfile.mkstemp(dir=model_path.parent, prefix=f".{model_path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        shutil.copyfile(model_path, tmp)
        os.replace(previous, model_path)
        os.replace(tmp, previous)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    record = {"action": "rollback", "at": iso(utcnow()), "restored_created_at": restored.info.get("created_at")}
    append_history(model_path, record)
    return record


def _copy_atomic(source: Path, target: Path) -> None:
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(fd)
    try:
        shutil.copyfile(source, tmp)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def append_history(model_path: Path, record: dict[str, Any]) -> None:
    with history_path(model_path).open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(record, ensure_ascii=False) + "\n")


def read_history(model_path: Path) -> list[dict[str, Any]]:
    path = history_path(model_path)
    if not path.exists():
        return []
    records: list[dict[str, Any]] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:
                raise InvalidInput(f"{path} line {number} is not JSON") from None
    return records
