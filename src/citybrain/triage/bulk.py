"""Triage of a bulk import: classify the rows that came without a category, locate those without a district.

Run once per file after its rows are inserted, in the import's transaction (all-or-nothing still holds). Only
what the file lacks is decided: a category or district the file gives is kept. The model reads the texts in one
batch prediction (about 3,500 messages a second); nothing is dispatched and nothing is queued unless the
imported case is still waiting (``received``, no department): history stays history.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from citybrain.core.errors import InvalidInput
from citybrain.core.settings import Settings
from citybrain.directory.snapshot import load_snapshot
from citybrain.geo.gazetteer import Gazetteer
from citybrain.geo.service import locate
from citybrain.nlp.model import TextClassifier
from citybrain.triage import repository
from citybrain.triage.model_cache import intake_model
from citybrain.triage.places import MIN_CONFIDENCE, gazetteer_from_database
from citybrain.triage.repository import ImportedCase
from citybrain.triage.service import REASONS_VERSION, category_for_label


@dataclass
class BulkTriage:
    """What triage did to one imported file."""

    read: int = 0
    classified: int = 0
    unsure: int = 0
    located: int = 0
    model: str | None = None


def triage_import(session: Session, settings: Settings, batch_id: int) -> BulkTriage:
    """Classify and locate what the file left open; without a model and a gazetteer nothing is touched."""
    model = intake_model(settings)
    gazetteer = gazetteer_from_database(session)
    if model.model is None and not gazetteer.districts:
        return BulkTriage(model=model.problem)
    rows = repository.imported_to_read(session, batch_id)
    result = BulkTriage(read=len(rows), model=model.created_at or model.problem)
    updates: list[dict[str, Any]] = [
        {"b_id": r.id, "category_code": r.category_code, "district_code": r.district_code} for r in rows
    ]
    reasons: list[dict[str, Any]] = [{"version": REASONS_VERSION, "source": "bulk import"} for _ in rows]
    if model.model is not None:
        _classify(session, rows, model.model, model.threshold, updates, reasons, result)
    if gazetteer.districts:
        _locate(gazetteer, rows, updates, reasons, result)
    changed = []
    for update, row, why in zip(updates, rows, reasons, strict=True):
        if "category" not in why and "place" not in why:
            continue
        update["triage"] = why
        update["grid"] = why.get("place", {}).get("grid") or row.grid
        update["needs_review"] = row.status == "received" and row.department_id is None
        changed.append(update)
    repository.update_imported(session, changed)
    return result


def _classify(
    session: Session,
    rows: list[ImportedCase],
    model: TextClassifier,
    threshold: float,
    updates: list[dict[str, Any]],
    reasons: list[dict[str, Any]],
    result: BulkTriage,
) -> None:
    """One batch prediction for every row without a category (and with text)."""
    wanted = [i for i, r in enumerate(rows) if r.category_code is None and r.text.strip()]
    if not wanted:
        return
    directory = load_snapshot(session)
    prediction = model.predict([rows[i].text for i in wanted])
    for i, label, confidence in zip(wanted, prediction.labels, prediction.confidence.tolist(), strict=True):
        code = category_for_label(label, directory) if label else None
        why: dict[str, Any] = {"source": "model", "label": label, "confidence": round(confidence, 4)}
        why["threshold"] = round(threshold, 4)
        if code is not None and confidence >= threshold:
            updates[i]["category_code"] = code
            result.classified += 1
            why["code"] = code
        else:
            result.unsure += 1
            why["why"] = "not sure enough, or not a category 置信度低或标签不在目录中"
        reasons[i]["category"] = why


def _locate(
    gazetteer: Gazetteer,
    rows: list[ImportedCase],
    updates: list[dict[str, Any]],
    reasons: list[dict[str, Any]],
    result: BulkTriage,
) -> None:
    for i in [i for i, r in enumerate(rows) if r.district_code is None]:
        row = rows[i]
        try:
            found = locate(f"{row.address or ''}\n{row.text}", row.lat, row.lon, gazetteer=gazetteer)
        except InvalidInput:  # half a coordinate pair: no place rather than a wrong one
            continue
        if found.district_code is None or found.confidence < MIN_CONFIDENCE:
            continue
        updates[i]["district_code"] = found.district_code
        reasons[i]["place"] = {
            "source": found.source,
            "district": found.district_code,
            "grid": found.grid,
            "confidence": round(found.confidence, 4),
        }
        result.located += 1
