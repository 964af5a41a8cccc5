"""``citybrain demo``'s working day: a classifier trained on the Demo City's own cases and installed where intake
looks for it, and the messages that have just come in (``simulate.fresh``) read by intake — so the dispatch queue,
the repeat suggestions and (after the nightly jobs) the early-warning alerts hold real work.

Both steps are idempotent: an existing model file is kept (delete it to retrain), and the fresh messages are
submitted once per seed (their source keys say which).
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import TYPE_CHECKING

from citybrain.cli.common import console
from citybrain.core import clock

if TYPE_CHECKING:
    from citybrain.core.db import Database
    from citybrain.nlp.model import TextClassifier

#: How many of the loaded cases the demo's classifier learns from (spread over the year; ~5-10 s to train).
TRAIN_CASES = 2000
#: The demo city's threshold for dispatching on the model's word alone. Its texts come from a few templates per
#: category, so the model is right on almost all of them out of fold and would choose a threshold near 0 (nothing
#: for a person); 0.9 is what a city with real, messier messages would set (docs/triage.md: evaluate, then set).
DEMO_THRESHOLD = 0.9
DEMO = "citybrain demo"  # what a model the demo trained says in its header (threshold_set_by)


def install_classifier(db: Database, *, city_loaded: bool) -> Path:
    """Train a classifier on the loaded cases and save it where intake reads it, unless a model file is there —
    one the demo made is trained again when the city was just (re)loaded (``--reset`` to another seed)."""
    from citybrain.nlp import persistence
    from citybrain.nlp.model import TrainConfig, train
    from citybrain.simulate import repository

    path = db.settings.resolved_classify_model_path()
    if path.exists() and not (city_loaded and _made_by_demo(path)):
        console.print(f"分类模型 Classifier: keeping {path} (delete it to retrain on the loaded cases).")
        return path
    began = time.perf_counter()
    with console.status(f"训练 training the classifier on {TRAIN_CASES:,} of the loaded cases …"):
        with db.reading() as session:
            sample = repository.labelled_sample(session, TRAIN_CASES)
        if len({label for _, label in sample}) < 2:
            console.print("分类模型 Classifier: too few cases to learn from; intake queues what it cannot route.")
            return path
        texts, labels = [t for t, _ in sample], [c for _, c in sample]
        trained = _demo_threshold(train(texts, labels, TrainConfig(calibration_folds=3)))
        path.parent.mkdir(parents=True, exist_ok=True)
        persistence.save(trained, path)
    console.print(
        f"分类模型 Classifier: trained on {trained.info['n_train']:,} cases, {len(trained.labels)} categories, in "
        f"{time.perf_counter() - began:.1f} s → {path} (dispatches on its own at confidence ≥ {trained.threshold:.2f})."
    )
    return path


def _made_by_demo(path: Path) -> bool:
    from citybrain.nlp import persistence

    try:
        return persistence.load(path).info.get("threshold_set_by") == DEMO
    except Exception:  # noqa: BLE001 - an unreadable file is not the demo's to replace
        return False


def _demo_threshold(model: TextClassifier) -> TextClassifier:
    chosen = model.threshold
    info = {**model.info, "threshold_chosen_at_training": chosen, "threshold_set_by": DEMO}
    return dataclasses.replace(model, threshold=max(chosen, DEMO_THRESHOLD), info=info)


def submit_fresh(db: Database, *, seed: int) -> None:
    """The messages of the last two days, read by intake one by one as the staff API reads them."""
    from citybrain.cases import repository as cases_repository
    from citybrain.cases import service as cases_service
    from citybrain.cases.schemas import ContactIn, NewCase
    from citybrain.simulate.city import build_city
    from citybrain.simulate.fresh import KEY, fresh_messages
    from citybrain.simulate.repository import SOURCE
    from citybrain.triage.reader import Triager

    with db.reading() as session:
        if cases_repository.by_source_key(session, SOURCE, KEY.format(seed=seed, n=0)) is not None:
            return
    zone = clock.city_zone(db.settings.timezone)
    messages = fresh_messages(build_city(seed), seed=seed, now=clock.utcnow(), zone=zone)
    triager = Triager(db, db.settings)
    queued = 0
    with console.status("受理 intake is reading the messages that have just come in …"):
        for m in messages:
            draft = NewCase(
                channel=m.channel, source=SOURCE, source_key=m.source_key, request_type="投诉", title=m.title,
                text=m.text, address=m.address, lat=m.lat, lon=m.lon, created_at=m.created_at,
                contact=ContactIn(name=m.name, phone=m.phone),
            )  # fmt: skip
            with db.transaction() as session:
                case = cases_service.create_case(session=session, data=draft, actor="demo intake", reader=triager)
                queued += bool(case.needs_review)
    console.print(
        f"新到诉求 Just in: {len(messages)} messages read by intake — {len(messages) - queued} dispatched, {queued} "
        "waiting in the dispatch queue (人工派单) for a person; a burst of no-water complaints in Donghu District."
    )
