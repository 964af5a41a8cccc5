"""Case rules: intake of a new case and the moves of its life. Services flush, never commit."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from citybrain.cases import repository
from citybrain.cases.lifecycle import TRANSITIONS, Status
from citybrain.cases.schemas import NewCase
from citybrain.core import clock
from citybrain.core.errors import Conflict, InvalidInput, NotFound
from citybrain.directory import repository as directory_repo
from citybrain.directory import service as directory
from citybrain.models import Case, CaseContact, CaseEvent, Department


def get_case(*, session: Session, case_id: int) -> Case:
    case = repository.get(session, case_id)
    if case is None:
        raise NotFound(f"no case {case_id}")
    return case


def record(
    *,
    session: Session,
    case: Case,
    action: str,
    actor: str,
    from_status: str | None,
    note: str | None = None,
    data: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> CaseEvent:
    """Write the audit event of one change (who, when, from, to, note)."""
    return repository.add_event(
        session,
        CaseEvent(
            case_id=case.id,
            at=at or clock.utcnow(),
            actor=actor,
            action=action,
            from_status=from_status,
            to_status=case.status,
            department_id=case.department_id,
            note=note,
            data=data,
        ),
    )


def check_transition(case: Case, action: str) -> None:
    """Refuse (409) an action that the case's current state does not allow."""
    transition = TRANSITIONS[action]
    if Status(case.status) not in transition.sources:
        raise Conflict(f"case {case.id} is {case.status}; cannot {action} ({transition.name_zh})")


def check_version(case: Case, expected_version: int | None) -> None:
    """Optimistic lock at the API edge: the caller says which version it saw."""
    if expected_version is not None and case.version != expected_version:
        raise Conflict(f"case {case.id} changed (version {case.version}, you had {expected_version}); reload it")


def create_case(*, session: Session, data: NewCase, actor: str) -> Case:
    """Take in a request from any channel; dispatch it at once when routing finds an owner."""
    now = clock.utcnow()
    created = clock.as_utc(data.created_at) if data.created_at else now
    if data.category_code and directory_repo.category(session, data.category_code) is None:
        raise InvalidInput(f"unknown category / service_code {data.category_code!r}")
    fields = data.model_dump(exclude={"contact", "created_at"})
    case = Case(**fields, status=Status.RECEIVED.value, created_at=created, updated_at=now)
    contact = None if data.contact.is_empty() else CaseContact(**data.contact.model_dump())
    repository.add_case(session, case, contact)
    record(session=session, case=case, action="receive", actor=actor, from_status=None, at=created)
    if case.category_code:
        department = directory.route(
            session=session, category_code=case.category_code, district_code=case.district_code
        )
        if department is not None:
            dispatch(session=session, case=case, department=department, actor="routing", at=created)
    return case


def dispatch(
    *,
    session: Session,
    case: Case,
    department: Department,
    actor: str,
    note: str | None = None,
    at: datetime | None = None,
    action: str = "dispatch",
) -> Case:
    """派单: hand the case to a department and start its clocks (sign-for and resolve deadlines)."""
    check_transition(case, action)
    at = at or clock.utcnow()
    from_status = case.status
    category = directory_repo.category(session, case.category_code) if case.category_code else None
    sla = directory.sla_for(session=session, category=category) if category else None
    case.department_id = department.id
    case.status = Status.DISPATCHED.value
    case.dispatched_at = at
    if sla is not None:
        case.sla_code = sla.code
        case.accept_due_at = at + timedelta(hours=sla.accept_hours)
        case.due_at = at + timedelta(hours=sla.resolve_hours)
    case.accepted_at = None
    case.updated_at = clock.utcnow()
    session.flush()
    record(session=session, case=case, action=action, actor=actor, from_status=from_status, note=note, at=at)
    return case
