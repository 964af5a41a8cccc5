"""`classify retrain` learning from the desk: a fair comparison on held-back desk examples, install only when not
worse, the decision recorded with both scores, the running model kept for rollback, never a half-written file."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from citybrain.core.errors import InvalidInput
from citybrain.nlp import persistence, retraining
from citybrain.nlp.dataset import read_columns
from citybrain.nlp.model import TrainConfig, train
from citybrain.nlp.normalize import normalize
from citybrain.nlp.retraining import Example
from tests.conftest import shared_path

Pairs = list[tuple[str, str]]
FAST = TrainConfig(calibration_folds=2)


@pytest.fixture(scope="module")
def teddy() -> Pairs:
    cols = read_columns(shared_path("data", "teddy2020c", "messages_train_full.csv"), ["text", "label"])
    rows = list(zip(cols["text"], cols["label"], strict=True))
    random.Random(3).shuffle(rows)
    return rows


def _model(tmp_path: Path, rows: Pairs) -> Path:
    return persistence.save(train([t for t, _ in rows], [lab for _, lab in rows], FAST), tmp_path / "model.npz")


def _examples(rows: Pairs, *, wrong_when_learned: bool = False) -> list[Example]:
    """Desk examples; with ``wrong_when_learned`` the ones the candidate learns from carry a wrong label (the next
    class in the alphabet) while the held-back ones stay right: a planted bad batch of corrections."""
    labels = sorted({lab for _, lab in rows})
    out = []
    for i, (text, label) in enumerate(rows):
        if wrong_when_learned and not retraining.is_held_back(normalize(text)):
            label = labels[(labels.index(label) + 1) % len(labels)]
        out.append(Example(text, label, "op", f"2026-12-0{1 + i % 7}", case_id=i + 1))
    return out


def _base(rows: Pairs) -> tuple[list[str], list[str]]:
    return [t for t, _ in rows], [lab for _, lab in rows]


def test_held_back_examples_and_their_copies_in_the_base_stay_out_of_training(teddy: Pairs) -> None:
    examples = _examples(teddy[:300])
    held = [e for e in examples if retraining.is_held_back(normalize(e.text))]
    assert 30 < len(held) < 90  # about one in five
    base_texts, base_labels = _base(teddy[300:400] + [(held[0].text, held[0].label)])
    parts = retraining.split(base_texts, base_labels, examples + [Example(held[1].text, "其他", "op2")])
    trained = {normalize(t) for t in parts.train_texts}
    assert not trained & {normalize(e.text) for e in held}
    assert sorted(parts.held_texts) == sorted(e.text for e in held)
    assert parts.held_labels[parts.held_texts.index(held[1].text)] == "其他"  # the latest decision wins
    assert len(parts.train_texts) == 100 + parts.n_learned


def test_a_better_candidate_is_installed_and_the_decision_recorded_with_both_scores(
    tmp_path: Path, teddy: Pairs
) -> None:
    path = _model(tmp_path, teddy[:150])
    before = path.read_bytes()
    decision = retraining.retrain(
        model_path=path, base_texts=_base(teddy[:150])[0], base_labels=_base(teddy[:150])[1],
        examples=_examples(teddy[150:850]), config=FAST,
    )  # fmt: skip
    assert decision.installed
    assert decision.candidate.macro_f1 > decision.running.macro_f1
    assert decision.held_back >= 100
    assert path.read_bytes() != before
    assert retraining.previous_path(path).read_bytes() == before  # kept for rollback
    assert persistence.load(path).info["desk_examples"] == decision.examples_learned
    (record,) = retraining.read_history(path)
    assert record["action"] == "retrain"
    assert record["installed"] is True
    assert record["running"]["macro_f1"] == decision.running.macro_f1
    assert record["candidate"]["macro_f1"] == decision.candidate.macro_f1
    assert record["held_back_rule"] == retraining.HELD_BACK_RULE


def test_a_worse_candidate_is_not_installed(tmp_path: Path, teddy: Pairs) -> None:
    base = teddy[:400]
    path = _model(tmp_path, base)
    before = path.read_bytes()
    decision = retraining.retrain(
        model_path=path, base_texts=_base(base)[0], base_labels=_base(base)[1],
        examples=_examples(teddy[400:1100], wrong_when_learned=True), config=FAST,
    )  # fmt: skip
    assert not decision.installed
    assert decision.candidate.macro_f1 < decision.running.macro_f1 - decision.tolerance
    assert path.read_bytes() == before
    assert not retraining.previous_path(path).exists()
    (record,) = retraining.read_history(path)
    assert record["installed"] is False
    assert "kept the running model" in record["reason"]
    assert record["candidate"]["macro_f1"] < record["running"]["macro_f1"]


def test_a_crash_while_installing_leaves_the_running_model_whole(
    tmp_path: Path, teddy: Pairs, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _model(tmp_path, teddy[:150])
    before = path.read_bytes()

    def crash(out: object, **arrays: object) -> None:
        out.write(b"PK\x03\x04 half a model")  # type: ignore[attr-defined]
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(np, "savez_compressed", crash)
    with pytest.raises(OSError, match="No space"):
        retraining.retrain(
            model_path=path, base_texts=_base(teddy[:150])[0], base_labels=_base(teddy[:150])[1],
            examples=_examples(teddy[150:650]), config=FAST,
        )  # fmt: skip
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert persistence.load(path).info["n_train"] == 150
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    assert retraining.read_history(path) == []  # nothing installed, nothing claimed


def test_rollback_restores_the_previous_model_and_can_be_undone(tmp_path: Path, teddy: Pairs) -> None:
    path = _model(tmp_path, teddy[:150])
    with pytest.raises(InvalidInput, match="nothing to roll back"):
        retraining.rollback(path)
    first = path.read_bytes()
    retraining.install(train(*_base(teddy[:300]), FAST), path)
    second = path.read_bytes()
    retraining.rollback(path)
    assert path.read_bytes() == first
    retraining.rollback(path)
    assert path.read_bytes() == second
    assert [r["action"] for r in retraining.read_history(path)] == ["rollback", "rollback"]


def test_clear_errors_before_any_training(tmp_path: Path, teddy: Pairs) -> None:
    path = _model(tmp_path, teddy[:150])
    base_texts, base_labels = _base(teddy[:150])
    with pytest.raises(InvalidInput, match="no desk decisions"):
        retraining.retrain(model_path=path, base_texts=base_texts, base_labels=base_labels, examples=[])
    with pytest.raises(InvalidInput, match=r"held-back examples of .*at least 30"):
        retraining.retrain(
            model_path=path, base_texts=base_texts, base_labels=base_labels, examples=_examples(teddy[150:200])
        )
    broken = tmp_path / "broken.npz"
    broken.write_bytes(b"not a model")
    with pytest.raises(InvalidInput, match="not a CityBrain classifier"):
        retraining.retrain(
            model_path=broken, base_texts=base_texts, base_labels=base_labels, examples=_examples(teddy[150:650])
        )
    with pytest.raises(InvalidInput, match="does not exist"):
        retraining.retrain(
            model_path=tmp_path / "none.npz", base_texts=base_texts, base_labels=base_labels, examples=[]
        )
    assert retraining.read_history(path) == []
