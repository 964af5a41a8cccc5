"""Triage (分拨): read a new message and decide category, place, repeats and department — and say why.

The decision is a pure function of the draft, the directory snapshot, the model's prediction and what the place
and repeat finders answer; nothing here touches the database. The rules:

- **category**: the citizen's (or operator's) chosen service_code wins; else the model's label when its
  calibrated confidence reaches the city's threshold; else the case waits for a person (人工派单), with the
  model's guess as a ``category`` suggestion;
- **place**: a given district stays; else coordinates, else the text, through the locator (geo);
- **repeats**: open cases within the distance and time window that read alike become ``duplicate``
  suggestions with their evidence — never merged silently (合并 is a person's decision);
- **department**: the directory's routing rules (category × district); no rule → the human queue.

Every step writes its part of ``reasons`` (stored as ``cases.triage``) in Chinese and English.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from citybrain.cases.plan import Reading
from citybrain.cases.schemas import NewCase
from citybrain.core import clock
from citybrain.directory.snapshot import DirectorySnapshot
from citybrain.directory.source_labels import LABEL_CATEGORIES
from citybrain.triage.model_cache import LoadedModel
from citybrain.triage.ports import Locator, Place, RepeatFinder

#: Version of the reasons' layout in ``cases.triage``.
REASONS_VERSION = 1
#: Most duplicate suggestions kept per case (the closest first).
MAX_REPEATS = 5


@dataclass(frozen=True)
class Guess:
    """The model's reading of one message: label (``""`` for no text) and calibrated confidence."""

    label: str
    confidence: float


@dataclass(frozen=True)
class TriageDecision:
    """What intake decided for one draft; ``reading`` is what ``cases.plan.plan_case`` consumes."""

    reading: Reading
    category_code: str | None
    department_code: str | None

    @property
    def needs_review(self) -> bool:
        return self.reading.needs_review


def category_for_label(label: str, directory: DirectorySnapshot) -> str | None:
    """The directory's category for a model label: a code, a category name (zh/en), or a Teddy first-level label."""
    if label in directory.categories:
        return label
    for code, info in directory.categories.items():
        if label in (info.name_zh, info.name_en):
            return code
    mapped = LABEL_CATEGORIES.get(label)
    return mapped if mapped in directory.categories else None


def message_text(draft: NewCase) -> str:
    """Title and text, as the classifier was trained (留言主题 first)."""
    if draft.title and not draft.text.startswith(draft.title):
        return f"{draft.title}\n{draft.text}"
    return draft.text or draft.title


def _category(
    draft: NewCase, directory: DirectorySnapshot, model: LoadedModel, guess: Guess | None
) -> tuple[str | None, dict[str, Any], list[dict[str, Any]]]:
    """The category, its reasons and (when unsure) a ``category`` suggestion for the person who decides."""
    if draft.category_code:
        return draft.category_code, {"source": "citizen", "code": draft.category_code}, []
    if model.model is None or guess is None:
        return None, {"source": "none", "why": "no model 无分类模型", "problem": model.problem}, []
    reasons: dict[str, Any] = {
        "source": "model",
        "label": guess.label,
        "confidence": round(guess.confidence, 4),
        "threshold": round(model.threshold, 4),
        "model": model.created_at,
    }
    if not guess.label:
        return None, {**reasons, "source": "none", "why": "no text to read 无可读文本"}, []
    code = category_for_label(guess.label, directory)
    if code is None:
        return None, {**reasons, "why": f"label {guess.label!r} is not a category of the directory 标签不在目录中"}, []
    reasons["code"] = code
    if guess.confidence < model.threshold:
        evidence = {k: reasons[k] for k in ("label", "code", "confidence", "threshold")}
        suggestion = {"kind": "category", "target_case_id": None, "score": guess.confidence, "evidence": evidence}
        return None, {**reasons, "why": "not sure enough 置信度低于阈值"}, [suggestion]
    return code, reasons, []


def _place(draft: NewCase, locate: Locator | None) -> tuple[NewCase, dict[str, Any]]:
    if draft.district_code:
        return draft, {"source": "given", "district": draft.district_code, "grid": draft.grid}
    if locate is None:
        return draft, {"source": "none", "why": "no locator 无地名库"}
    text = f"{draft.address}\n{message_text(draft)}" if draft.address else message_text(draft)
    found: Place | None = locate(text, draft.lat, draft.lon)
    if found is None or found.district_code is None:
        reasons: dict[str, Any] = {"source": "none", "why": "place not found or unsure 未识别地点"}
        if found is not None:
            reasons.update(confidence=round(found.confidence, 4), evidence=found.evidence)
        return draft, reasons
    # A place read from the text sets district and grid, never coordinates: an area's centre is not a point.
    update: dict[str, Any] = {"district_code": found.district_code, "grid": draft.grid or found.grid}
    reasons = {
        "source": found.method,
        "district": found.district_code,
        "grid": update["grid"],
        "confidence": round(found.confidence, 4),
        **({"evidence": found.evidence} if found.evidence else {}),
    }
    return draft.model_copy(update=update), reasons


def _repeats(draft: NewCase, finder: RepeatFinder | None, now: datetime) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    if finder is None:
        return {"checked": False, "why": "no repeat index 无重复件索引"}, []
    created = clock.as_utc(draft.created_at) if draft.created_at else now
    text = message_text(draft)
    found = finder.find(text, created, draft.lat, draft.lon, draft.district_code, draft.category_code)[:MAX_REPEATS]
    suggestions = [
        {"kind": "duplicate", "target_case_id": r.case_id, "score": r.similarity, "evidence": r.evidence} for r in found
    ]
    return {"checked": True, "candidates": [r.case_id for r in found]}, suggestions


def triage(
    draft: NewCase,
    directory: DirectorySnapshot,
    model: LoadedModel,
    *,
    guess: Guess | None = None,
    locate: Locator | None = None,
    repeats: RepeatFinder | None = None,
    now: datetime | None = None,
) -> TriageDecision:
    """Decide one draft; ``guess`` is the model's prediction for it (batch-predicted by the caller)."""
    now = now or clock.utcnow()
    code, category_reasons, suggestions = _category(draft, directory, model, guess)
    located, place_reasons = _place(draft.model_copy(update={"category_code": code}), locate)
    repeat_reasons, duplicates = _repeats(located, repeats, now)
    department = directory.route(code, located.district_code) if code else None
    review: list[str] = []
    if code is None:
        review.append("category")
    elif department is None:
        review.append("route")
    reasons = {
        "version": REASONS_VERSION,
        "category": category_reasons,
        "place": place_reasons,
        "repeats": repeat_reasons,
        "route": {"department": department.code if department else None}
        if department or code is None
        else {"department": None, "why": "no routing rule 无派单规则"},
        "review": review,
    }
    reading = Reading(located, reasons, needs_review=bool(review), suggestions=tuple(suggestions + duplicates))
    return TriageDecision(reading, code, department.code if department else None)
