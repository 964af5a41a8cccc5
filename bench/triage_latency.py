"""What reading every new case at intake costs, and how well it finds planted repeats (in process, SQLite).

    .venv/bin/python bench/triage_latency.py                  # ~1-2 min on a quiet 2-core machine
    .venv/bin/python bench/triage_latency.py --requests 2000 --open 5000

Set-up (all synthetic, Demo City, seed fixed): a fresh SQLite database with the default directory and the Demo
City's eight districts; a classifier trained on ``--train`` Demo City texts labelled with their category codes
(fast settings: 3 calibration folds); ``--open`` open cases of the last days, so the repeat index holds a
realistic window. Then ``--requests`` new requests without a category (the heaviest path: the model, the
gazetteer and the repeat index all work), one at a time, each in its own transaction as the staff API does:

* **added latency** = the time of ``Triager.read`` (batch prediction, place, repeat query, routing) plus
  ``Triager.record`` (the suggestion rows) for that request, i.e. what intake spends on top of planning and
  writing the case. p50 / p99 over the requests; the target is p99 ≤ 20 ms. The same in batches of 16 (the
  Open311 writer reads a whole group-commit batch at once), per request.
* **repeats**: ``--planted`` share of the requests rewrite an open case (a clause dropped or reworded, "再次反映",
  punctuation, a number changed) at a point within 150 m, hours to 3 days later. Recall = planted repeats whose
  original is suggested (a ``duplicate`` row in ``case_suggestions``); ``precision_strict`` = suggestions on
  planted repeats that name the original, over all suggestions on them (a lower bound: Demo City texts come
  from a few templates per category, so another case at the same road is often a genuine near-copy);
  ``noise_rate`` = share of fresh requests that get any duplicate suggestion.

Timings are wall-clock on a shared machine; the load average is recorded. Prints JSON and writes
bench/results/triage_latency.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from citybrain.cases import repository as cases_repository
from citybrain.cases.plan import plan_case
from citybrain.cases.schemas import NewCase
from citybrain.core import migrate
from citybrain.core.db import Database
from citybrain.core.settings import Settings
from citybrain.directory.defaults import load_defaults
from citybrain.directory.snapshot import load_snapshot
from citybrain.models import Case, District
from citybrain.models.triage import CaseSuggestion
from citybrain.nlp import persistence
from citybrain.nlp.model import TrainConfig, train
from citybrain.simulate.city import City, build_city
from citybrain.simulate.text_builder import compose
from citybrain.simulate.texts import TOPICS
from citybrain.triage.reader import Triager

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
NOW = datetime.now(UTC).replace(microsecond=0)  # the repeat index keeps the window before "now"
CATEGORIES = sorted(TOPICS)


def draft(r: random.Random, city: City, created: datetime) -> NewCase:
    cell = r.choice(city.cells)
    category = r.choice(CATEGORIES)
    text = compose(r, category, cell, city.district(cell.district_code), request_type="投诉", english=r.random() < 0.1)
    return NewCase(
        channel="web",
        title=text.title,
        text=text.text,
        address=text.address,
        lat=round(cell.lat + r.uniform(-0.004, 0.004), 6),
        lon=round(cell.lon + r.uniform(-0.004, 0.004), 6),
        created_at=created,
        source_category=category,  # ground truth, kept for the classifier's accuracy on these texts
    )


def rewrite(r: random.Random, original: NewCase, created: datetime) -> NewCase:
    """A citizen's second report of the same problem: reworded a little, from nearly the same spot."""
    text = original.text
    clauses = [c for c in text.replace("！", "，").replace("。", "，").split("，") if c]
    if len(clauses) > 2 and r.random() < 0.5:
        clauses.pop(r.randrange(1, len(clauses)))
    text = "，".join(clauses)
    text = (
        r.choice(("再次反映：", "又来反映，", "", "重复投诉："))
        + text
        + r.choice(("。", "！请尽快处理。", "，至今没人管。"))
    )
    if any(ch.isdigit() for ch in text) and r.random() < 0.3:
        text = text.replace("1", "2", 1)
    assert original.lat is not None
    assert original.lon is not None
    lat = original.lat + r.uniform(-0.001, 0.001)
    lon = original.lon + r.uniform(-0.001, 0.001)
    update = {"text": text, "title": "", "lat": round(lat, 6), "lon": round(lon, 6), "created_at": created}
    return original.model_copy(update=update)


def setup(tmp: Path, city: City, n_train: int, n_open: int, seed: int) -> tuple[Database, Settings, list[Any]]:
    settings = Settings(data_dir=tmp, sqlite_synchronous="NORMAL")
    db = Database(settings)
    migrate.upgrade(db.engine)
    r = random.Random(seed)
    with db.transaction() as session:
        load_defaults(session)
        for d in city.districts:
            session.add(District(code=d.code, name_zh=d.name_zh, name_en=d.name_en, geometry=d.geometry))
    examples = [draft(r, city, NOW) for _ in range(n_train)]
    model = train(
        [e.text for e in examples], [str(e.source_category) for e in examples], TrainConfig(calibration_folds=3)
    )
    persistence.save(model, settings.resolved_classify_model_path())
    opened: list[Any] = []
    with db.transaction() as session:
        directory = load_snapshot(session)
        drafts = [draft(r, city, NOW - timedelta(days=r.uniform(0, 5))) for _ in range(n_open)]
        for d in drafts:
            d.category_code = d.source_category
        planned = [plan_case(d, directory, NOW, "bench") for d in drafts]
        ids = cases_repository.insert_planned(session, planned)
        opened = list(zip(ids, drafts, strict=True))
    return db, settings, opened


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def one_at_a_time(
    db: Database, triager: Triager, requests: list[NewCase]
) -> tuple[list[float], list[float], list[int]]:
    """Each request in its own transaction: read, plan, write, record; the triage part is timed (wall and CPU)."""
    directory = triager.directory.current()
    wall: list[float] = []
    cpu: list[float] = []
    ids: list[int] = []
    for request in requests:
        with db.transaction() as session:
            t0, c0 = time.perf_counter(), time.process_time()
            (reading,) = triager.read(session, [request], directory)
            t1, c1 = time.perf_counter(), time.process_time()
            planned = plan_case(request, directory, NOW, "bench", reading)
            (case_id,) = cases_repository.insert_planned(session, [planned])
            t2, c2 = time.perf_counter(), time.process_time()
            triager.record(session, [case_id], [planned])
            wall.append((t1 - t0) + (time.perf_counter() - t2))
            cpu.append((c1 - c0) + (time.process_time() - c2))
        ids.append(case_id)
    return wall, cpu, ids


def batched(db: Database, triager: Triager, requests: list[NewCase], size: int) -> list[float]:
    """The writer's way: one read for a batch; the time per request of the batch."""
    directory = triager.directory.current()
    per_request: list[float] = []
    for start in range(0, len(requests), size):
        group = requests[start : start + size]
        with db.transaction() as session:
            t0 = time.perf_counter()
            readings = triager.read(session, group, directory)
            t1 = time.perf_counter()
            planned = [plan_case(q, directory, NOW, "bench", g) for q, g in zip(group, readings, strict=True)]
            ids = cases_repository.insert_planned(session, planned)
            t2 = time.perf_counter()
            triager.record(session, ids, planned)
            per_request += [((t1 - t0) + (time.perf_counter() - t2)) / len(group)] * len(group)
    return per_request


def repeats_quality(
    db: Database, ids: list[int], originals: dict[int, int], truth: dict[int, str | None]
) -> dict[str, Any]:
    """``truth``: the category each case was written about (requests and open cases alike)."""
    with db.reading() as session:
        rows = session.execute(
            select(CaseSuggestion.case_id, CaseSuggestion.target_case_id).where(
                CaseSuggestion.kind == "duplicate", CaseSuggestion.case_id.in_(ids)
            )
        ).all()
    suggested: dict[int, set[int]] = {}
    for case_id, target in rows:
        suggested.setdefault(case_id, set()).add(int(target))
    planted = [i for i in ids if i in originals]
    fresh = [i for i in ids if i not in originals]
    found = sum(originals[i] in suggested.get(i, set()) for i in planted)
    on_planted = sum(len(suggested.get(i, ())) for i in planted)
    return {
        "planted_repeats": len(planted),
        "recall": round(found / len(planted), 3) if planted else None,
        "precision_strict": round(found / on_planted, 3) if on_planted else None,
        "suggestions_per_planted": round(on_planted / len(planted), 2) if planted else None,
        "fresh_requests": len(fresh),
        "noise_rate": round(sum(bool(suggested.get(i)) for i in fresh) / len(fresh), 3) if fresh else None,
        # a suggestion about another subject is a false alarm whatever the templates: the honest error rate
        "noise_rate_other_subject": round(
            sum(any(truth.get(t) != truth.get(i) for t in suggested.get(i, ())) for i in fresh) / len(fresh), 3
        )
        if fresh
        else None,
    }


def summary(values: list[float]) -> dict[str, float]:
    ms = [v * 1000 for v in values]
    return {
        "p50_ms": round(percentile(ms, 0.5), 2),
        "p90_ms": round(percentile(ms, 0.9), 2),
        "p99_ms": round(percentile(ms, 0.99), 2),
        "mean_ms": round(statistics.fmean(ms), 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=600)
    parser.add_argument("--open", type=int, default=2000, help="Open cases in the repeat window at the start.")
    parser.add_argument("--train", type=int, default=3000, help="Demo City texts the classifier learns from.")
    parser.add_argument("--planted", type=float, default=0.2, help="Share of requests that repeat an open case.")
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()
    city = build_city(1)
    r = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        db, settings, opened = setup(Path(tmp), city, args.train, args.open, args.seed)
        setup_s = time.perf_counter() - started
        triager = Triager(db, settings)
        triager.warm(db)
        requests: list[NewCase] = []
        planted_of: dict[int, int] = {}  # request position -> original case id
        for k in range(args.requests):
            created = NOW + timedelta(minutes=k)
            if r.random() < args.planted:
                original_id, original = r.choice(opened)
                planted_of[k] = original_id
                requests.append(rewrite(r, original, created + timedelta(hours=r.uniform(1, 72))))
            else:
                requests.append(draft(r, city, created))
        single, single_cpu, ids = one_at_a_time(db, triager, requests)
        originals = {ids[k]: original for k, original in planted_of.items()}
        truth = {case_id: d.source_category for case_id, d in opened}
        truth.update({case_id: q.source_category for case_id, q in zip(ids, requests, strict=True)})
        quality = repeats_quality(db, ids, originals, truth)
        with db.reading() as session:
            stored = dict(session.execute(select(Case.id, Case.category_code).where(Case.id.in_(ids))).all())
        decided = [(stored[i], q.source_category) for i, q in zip(ids, requests, strict=True) if stored[i]]
        extra = [draft(r, city, NOW + timedelta(days=1, minutes=k)) for k in range(min(args.requests, 320))]
        in_batches = batched(db, triager, extra, 16)
        model = triager.model()
        db.dispose()
    result = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "load_avg_1m": os.getloadavg()[0]},
        "setup_seconds": round(setup_s, 1),
        "open_cases_indexed": args.open,
        "requests": args.requests,
        "model": {"train_texts": args.train, "threshold": round(model.threshold, 3)},
        "added_latency_one_request_per_transaction": summary(single),
        "added_cpu_one_request_per_transaction": summary(single_cpu),
        "added_latency_per_request_in_batches_of_16": summary(in_batches),
        "target_p99_ms": 20,
        "auto_dispatched_share": round(len(decided) / len(ids), 3),
        "auto_dispatched_accuracy": round(sum(a == b for a, b in decided) / len(decided), 3) if decided else None,
        "repeats": quality,
        "settings": {
            "dedup_window_days": settings.dedup_window_days,
            "dedup_distance_m": settings.dedup_distance_m,
            "dedup_min_similarity": settings.dedup_min_similarity,
        },
    }
    print(json.dumps(result, ensure_ascii=False, indent=2))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "triage_latency.json").write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")


if __name__ == "__main__":
    main()
