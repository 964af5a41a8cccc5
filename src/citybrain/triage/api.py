"""Triage routes: the human dispatch queue (人工派单) and suggestions (重复件 …) a person accepts or dismisses.

Thin: authorise, open the one transaction, call :mod:`citybrain.triage.queue`, present. An operator's category
decision is kept as a desk example for ``classify retrain`` in the same transaction (:mod:`citybrain.triage.learning`).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from citybrain.auth.deps import Dispatcher
from citybrain.auth.roles import Permission
from citybrain.cases import present
from citybrain.cases import repository as cases_repository
from citybrain.cases import service as cases_service
from citybrain.cases.schemas import NewCase
from citybrain.core.http import DbDep, writing
from citybrain.core.inputs import Offset, RowId
from citybrain.core.privacy import mask_text
from citybrain.models.triage import CaseSuggestion
from citybrain.triage import learning, queue, suggest
from citybrain.triage.reader import Triager
from citybrain.triage.schemas import (
    CategoryGuessOut,
    DepartmentRef,
    QueuedCase,
    QueueDispatchIn,
    QueueDispatchOut,
    QueuePage,
    RepeatOut,
    SuggestIn,
    SuggestionDecisionIn,
    SuggestionOut,
    SuggestOut,
)

router = APIRouter(tags=["triage 分拨"])


def _triager(request: Request) -> Triager:
    triager: Triager = request.app.state.intake_writer.triager
    return triager


@router.get("/triage/queue", response_model=QueuePage, summary="The human dispatch queue (人工派单), oldest first")
def dispatch_queue(
    db: DbDep,
    principal: Dispatcher,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[Offset, Query()] = 0,
) -> QueuePage:
    """Cases intake could not dispatch by itself (model not sure, no model, no routing rule), with the reasons.
    Free text is masked (phone / ID numbers); the citizen's contact is not shown here."""
    with db.reading() as session:
        cases, total = queue.queue(session=session, limit=limit, offset=offset)
        codes = cases_repository.department_codes(session, [c.department_id for c in cases])
        items = [QueuedCase(**present.case_out(c, codes, pii=False).model_dump(), triage=c.triage) for c in cases]
    return QueuePage(items=items, total=total, limit=limit, offset=offset)


@router.post(
    "/triage/queue/{case_id}/dispatch", response_model=QueueDispatchOut, summary="An operator dispatches a queued case"
)
def dispatch_queued(
    case_id: RowId, body: QueueDispatchIn, request: Request, db: DbDep, principal: Dispatcher
) -> QueueDispatchOut:
    """Decide the category (and, optionally, the department): the case is dispatched (派单) with its deadlines,
    and the decision is kept as a desk example for `citybrain classify retrain`."""
    with writing(db, "case") as session:
        case = queue.dispatch_from_queue(
            session=session,
            case_id=case_id,
            category_code=body.category_code,
            actor=principal.name,
            version=body.version,
            department_code=body.department_code,
            note=body.note,
        )
        codes = cases_repository.department_codes(session, [case.department_id])
        correction = queue.correction_for(case, _triager(request).model())
        recorded = learning.record(session, case, correction, principal.name)
        out = QueueDispatchOut(
            case_id=case.id,
            version=case.version,
            category_code=body.category_code,
            department_code=codes.get(case.department_id or 0),
            status=case.status,
            correction_recorded=recorded,
        )
    return out


@router.post("/triage/suggest", response_model=SuggestOut, summary="What intake would decide for a message (read only)")
def suggest_for_message(body: SuggestIn, request: Request, db: DbDep, principal: Dispatcher) -> SuggestOut:
    """The new-case form asks while the operator types: the model's best categories with their confidence, the
    place, the department routing would dispatch to and likely repeats of open cases. Nothing is written; with
    no classifier installed ``model_ready`` is false and the operator picks the category."""
    draft = NewCase(channel="hotline", **body.model_dump())
    with db.reading() as session:
        found = suggest.suggest(_triager(request), session, draft)
    return _suggest_out(found)


def _suggest_out(found: suggest.Suggestion) -> SuggestOut:
    department = found.department
    return SuggestOut(
        model_ready=found.model_ready,
        model_problem=found.model_problem,
        threshold=found.threshold,
        categories=[CategoryGuessOut(code=g.code, label=g.label, confidence=g.confidence) for g in found.categories],
        category_code=found.category_code,
        sure=found.sure,
        district_code=found.district_code,
        place=found.place,
        department=DepartmentRef(code=department.code, name_zh=department.name_zh, name_en=department.name_en)
        if department
        else None,
        repeats=[RepeatOut(case_id=case_id, similarity=similarity) for case_id, similarity in found.repeats],
    )


def _suggestion_out(found: CaseSuggestion, pii: bool) -> SuggestionOut:
    evidence = dict(found.evidence or {})
    if not pii and isinstance(evidence.get("shared"), list):
        evidence["shared"] = [mask_text(str(s)) for s in evidence["shared"]]
    return SuggestionOut(
        id=found.id,
        case_id=found.case_id,
        kind=found.kind,
        target_case_id=found.target_case_id,
        score=found.score,
        evidence=evidence,
        status=found.status,
        created_at=found.created_at,
        decided_by=found.decided_by,
        decided_at=found.decided_at,
    )


@router.get("/cases/{case_id}/suggestions", response_model=list[SuggestionOut], summary="Suggestions about a case")
def case_suggestions(case_id: RowId, db: DbDep, principal: Dispatcher) -> list[SuggestionOut]:
    """Likely repeats (重复件: the open case, similarity, shared phrases, distance, days apart) and the model's
    category guess when it was not sure. Nothing is applied until a person accepts it."""
    with db.reading() as session:
        found = queue.suggestions(session=session, case_id=case_id)
        return [_suggestion_out(s, principal.can(Permission.SEE_PII)) for s in found]


@router.post("/suggestions/{suggestion_id}/accept", response_model=SuggestionOut, summary="Accept a suggestion")
def accept_suggestion(
    suggestion_id: RowId, body: SuggestionDecisionIn, request: Request, db: DbDep, principal: Dispatcher
) -> SuggestionOut:
    """A duplicate is merged (合并) into the case it repeats (send the case's ``version``: 409 if it moved);
    a category dispatches the queued case with it (and is recorded as a correction for retraining)."""
    with writing(db, "case") as session:
        found = queue.accept(session=session, suggestion_id=suggestion_id, actor=principal.name, version=body.version)
        correction = queue.accepted_correction(session, found, _triager(request).model())
        if correction is not None:
            case = cases_service.get_case(session=session, case_id=found.case_id)
            learning.record(session, case, correction, principal.name)
        return _suggestion_out(found, principal.can(Permission.SEE_PII))


@router.post("/suggestions/{suggestion_id}/dismiss", response_model=SuggestionOut, summary="Dismiss a suggestion")
def dismiss_suggestion(suggestion_id: RowId, db: DbDep, principal: Dispatcher) -> SuggestionOut:
    with writing(db, "case") as session:
        found = queue.dismiss(session=session, suggestion_id=suggestion_id, actor=principal.name)
        return _suggestion_out(found, principal.can(Permission.SEE_PII))
