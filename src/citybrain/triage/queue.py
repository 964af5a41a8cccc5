"""The human side of triage: the dispatch queue (人工派单) and the suggestions a person accepts or dismisses.

Services flush, never commit. An operator's category decision becomes a desk example for ``classify retrain``
(:func:`correction_for`, kept by :mod:`citybrain.triage.learning`), so the model learns from the people who fix it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from citybrain.cases import service as cases_service
from citybrain.cases.lifecycle import Status
from citybrain.core import clock
from citybrain.core.errors import Conflict, InvalidInput, NotFound
from citybrain.directory import repository as directory_repo
from citybrain.directory.service import ancestors
from citybrain.directory.snapshot import load_for_case
from citybrain.directory.source_labels import LABEL_CATEGORIES
from citybrain.models import Case, Department
from citybrain.models.triage import CaseSuggestion
from citybrain.nlp.normalize import normalize
from citybrain.triage import repository
from citybrain.triage.model_cache import LoadedModel


@dataclass(frozen=True)
class Correction:
    """What ``classify correct`` would record: the message and the label the model should have said."""

    text: str
    label: str
    source: str


def queue(*, session: Session, limit: int, offset: int) -> tuple[list[Case], int]:
    return repository.queue(session, limit=limit, offset=offset)


def _queued(session: Session, case_id: int) -> Case:
    case = cases_service.get_case(session=session, case_id=case_id)
    if not case.needs_review or case.status != Status.RECEIVED.value:
        raise Conflict(f"case {case_id} is not waiting in the human dispatch queue (status {case.status})")
    return case


def dispatch_from_queue(
    *,
    session: Session,
    case_id: int,
    category_code: str,
    actor: str,
    version: int | None,
    department_code: str | None = None,
    note: str | None = None,
) -> Case:
    """An operator decides a queued case's category; routing (or the operator) names the department (派单)."""
    case = _queued(session, case_id)
    cases_service.check_version(case, version)
    category = directory_repo.category(session, category_code)
    if category is None or not category.active:
        raise InvalidInput(f"no active category {category_code!r}")
    department = _department(session, category_code, case.district_code, department_code)
    previous = case.category_code
    case.category_code = category_code
    case.triage = {
        **(case.triage or {}),
        "decided": {"by": actor, "category": category_code, "previous": previous, "at": clock.iso(clock.utcnow())},
    }
    cases_service.dispatch(
        session=session,
        case=case,
        department=department,
        actor=actor,
        note=note,
        data={"category_code": category_code, "from": "triage queue 人工派单"},
    )
    _settle_category_suggestions(session, case.id, category_code, actor)
    return case


def _department(session: Session, category_code: str, district: str | None, wanted: str | None) -> Department:
    if wanted:
        found = directory_repo.department_by_code(session, wanted)
        if found is None or not found.active:
            raise InvalidInput(f"no active department {wanted!r}")
        return found
    routed = load_for_case(session, category_code, district).route(category_code, district)
    if routed is None:
        raise InvalidInput(f"no routing rule names a department for {category_code!r}; send department_code")
    department = directory_repo.department(session, routed.id)
    if department is None:
        raise InvalidInput(f"department {routed.code!r} of the routing rule no longer exists")
    return department


def _settle_category_suggestions(session: Session, case_id: int, chosen: str, actor: str) -> None:
    now = clock.utcnow()
    for suggestion in repository.suggestions_of(session, case_id):
        if suggestion.kind == "category" and suggestion.status == "open":
            agreed = (suggestion.evidence or {}).get("code") == chosen
            suggestion.status = "accepted" if agreed else "dismissed"
            suggestion.decided_by, suggestion.decided_at = actor, now
    session.flush()


def correction_for(case: Case, model: LoadedModel) -> Correction | None:
    """The correction an operator's decision teaches: the model's own label for the chosen category (or its
    nearest ancestor), else the category code itself. None when the message has no text to learn from."""
    text = f"{case.title}\n{case.text}" if case.title and not case.text.startswith(case.title) else case.text
    if not case.category_code or not normalize(text):
        return None
    labels = model.model.labels if model.model is not None else ()
    return Correction(text=text, label=desk_label(case.category_code, labels), source=f"case-{case.id}")


def desk_label(category_code: str, model_labels: Sequence[str]) -> str:
    """The label a decision for ``category_code`` teaches a model with ``model_labels``: the model's own label for
    the category or its nearest ancestor (a Teddy model learns 劳动和社会保障 for labor.wages), else the code."""
    by_code = {LABEL_CATEGORIES.get(lab, lab): lab for lab in model_labels}
    return next((by_code[c] for c in reversed(ancestors(category_code)) if c in by_code), category_code)


def suggestions(*, session: Session, case_id: int) -> list[CaseSuggestion]:
    cases_service.get_case(session=session, case_id=case_id)
    return repository.suggestions_of(session, case_id)


def _open_suggestion(session: Session, suggestion_id: int) -> CaseSuggestion:
    found = repository.suggestion(session, suggestion_id)
    if found is None:
        raise NotFound(f"no suggestion {suggestion_id}")
    if found.status != "open":
        raise Conflict(f"suggestion {suggestion_id} was already {found.status} by {found.decided_by}")
    return found


def accepted_correction(session: Session, found: CaseSuggestion, model: LoadedModel) -> Correction | None:
    """What accepting ``found`` teaches the classifier: a category suggestion's choice, nothing for a repeat."""
    if found.kind != "category":
        return None
    return correction_for(cases_service.get_case(session=session, case_id=found.case_id), model)


def accept(*, session: Session, suggestion_id: int, actor: str, version: int | None) -> CaseSuggestion:
    """Accept: a duplicate is merged (合并) into the case it repeats, through the case lifecycle and its lock;
    a category dispatches the queued case with it."""
    found = _open_suggestion(session, suggestion_id)
    case = cases_service.get_case(session=session, case_id=found.case_id)
    if found.kind == "duplicate":
        cases_service.check_version(case, version)
        note = f"重复件 duplicate (similarity {found.score:.2f}), suggestion {found.id}"
        cases_service.merge(session=session, case=case, actor=actor, target_id=found.target_case_id, note=note)
    elif found.kind == "category":
        code = str((found.evidence or {}).get("code") or "")
        dispatch_from_queue(session=session, case_id=case.id, category_code=code, actor=actor, version=version)
    else:
        raise InvalidInput(f"a {found.kind!r} suggestion cannot be accepted here")
    return _decide(session, found, "accepted", actor)


def dismiss(*, session: Session, suggestion_id: int, actor: str) -> CaseSuggestion:
    return _decide(session, _open_suggestion(session, suggestion_id), "dismissed", actor)


def _decide(session: Session, found: CaseSuggestion, status: str, actor: str) -> CaseSuggestion:
    found.status, found.decided_by, found.decided_at = status, actor, clock.utcnow()
    session.flush()
    return found
