"""What intake would decide for a message, before it is a case: the desk's new-case form asks while the operator types.

Read only: the same :class:`~citybrain.triage.reader.Triager` that intake runs reads the draft (category, place,
likely repeats of open cases, department), and the model's best few categories are added so the operator can pick
the second guess with one click. Nothing is written; creating the case is ``POST /api/v1/cases``, as always.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from citybrain.cases.schemas import NewCase
from citybrain.directory.snapshot import DepartmentInfo, DirectorySnapshot
from citybrain.triage.model_cache import LoadedModel
from citybrain.triage.reader import Triager
from citybrain.triage.service import category_for_label, message_text

#: Categories offered: the model's best few that are categories of the directory.
TOP = 3


@dataclass(frozen=True)
class CategoryGuess:
    code: str
    label: str
    confidence: float


@dataclass(frozen=True)
class Suggestion:
    """The model (or why there is none), its best categories, the place, the department and likely repeats."""

    model_ready: bool
    model_problem: str | None
    threshold: float | None
    categories: list[CategoryGuess]
    category_code: str | None
    sure: bool
    district_code: str | None
    place: dict[str, Any]
    department: DepartmentInfo | None
    repeats: list[tuple[int, float]]


def top_categories(model: LoadedModel, directory: DirectorySnapshot, text: str, top: int = TOP) -> list[CategoryGuess]:
    """The model's most likely categories for ``text``, best first (none without a model or text)."""
    if model.model is None or not text.strip():
        return []
    prediction = model.model.predict([text])
    row = prediction.probabilities[0]
    found: list[CategoryGuess] = []
    for i in row.argsort()[::-1].tolist():
        label = model.model.labels[i]
        code = category_for_label(label, directory)
        if code is not None and code not in {g.code for g in found}:
            found.append(CategoryGuess(code, label, round(float(row[i]), 4)))
        if len(found) == top:
            break
    return found


def suggest(triager: Triager, session: Session, draft: NewCase) -> Suggestion:
    """Read ``draft`` as intake would, and say what it would decide."""
    directory = triager.directory.current()
    model = triager.model()
    (reading,) = triager.read(session, [draft], directory)
    reasons = reading.reasons
    category = reasons["category"]
    guesses = top_categories(model, directory, message_text(draft)) if not draft.category_code else []
    code = draft.category_code or category.get("code") or (guesses[0].code if guesses else None)
    district = reading.case.district_code
    repeats = [
        (int(s["target_case_id"]), round(float(s["score"] or 0), 4))
        for s in reading.suggestions
        if s["kind"] == "duplicate"
    ]
    return Suggestion(
        model_ready=model.model is not None,
        model_problem=model.problem,
        threshold=round(model.threshold, 4) if model.model is not None else None,
        categories=guesses,
        category_code=code,
        sure=bool(draft.category_code) or "category" not in reasons["review"],
        district_code=district,
        place=reasons["place"],
        department=directory.route(code, district) if code else None,
        repeats=repeats,
    )
