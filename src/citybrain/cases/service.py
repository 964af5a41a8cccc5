"""Case rules: intake of a new case and the moves of its life. Services flush, never commit.

Every move checks the state machine (409 when the state does not allow it), changes the case, bumps its
``version`` (the optimistic lock: a concurrent change of the same case fails its UPDATE with
``StaleDataError``, which the API turns into 409) and writes one audit event.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from citybrain.cases import joint_service, plan, repository
from citybrain.cases.lifecycle import OPEN_STATES, TRANSITIONS, Status
from citybrain.cases.schemas import ActionIn, NewCase
from citybrain.core import clock
from citybrain.core.errors import Conflict, InvalidInput, NotFound
from citybrain.directory import repository as directory_repo
from citybrain.directory import service as directory
from citybrain.directory.sla import deadlines
from citybrain.directory.snapshot import load_for_case
from citybrain.models import Callback, Case, CaseEvent, Department


def get_case(*, session: Session, case_id: int, lock: bool = False) -> Case:
    """The case or NotFound. ``lock`` for a change the caller did not make conditional on a version: concurrent
    changes then take turns (each sees the one before) instead of all but one losing the optimistic lock."""
    case = repository.get(session, case_id, lock=lock)
    if case is None:
        raise NotFound(f"no case {case_id}")
    return case


def events(*, session: Session, case_id: int) -> list[CaseEvent]:
    """The audit trail, oldest first."""
    return repository.events(session, case_id)


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


def create_case(*, session: Session, data: NewCase, actor: str, reader: plan.Reader | None = None) -> Case:
    """Take in a request from any channel; dispatch it at once when routing finds an owner.

    The rows are decided by :func:`plan.plan_case` (as the Open311 writer decides them), from the part of the
    directory this case needs, read in this transaction; then written in one flush. With a ``reader``
    (intake's triage) the message is read first: category, place, repeats, and the reasons on the case.
    """
    if data.source_key is not None and repository.by_source_key(session, data.source, data.source_key):
        raise Conflict(f"a case from {data.source!r} with source_key {data.source_key!r} exists already")
    reading = None
    if reader is not None:
        (reading,) = reader.read(session, [data], None)
        data = reading.case
    directory = load_for_case(session, data.category_code, data.district_code)
    planned = plan.plan_case(data, directory, clock.utcnow(), actor, reading)
    case = repository.add_planned(session, planned)
    if reader is not None:
        reader.record(session, [case.id], [planned])
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
    data: dict[str, Any] | None = None,
) -> Case:
    """派单: hand the case to a department and start its clocks (sign-for and resolve deadlines).

    Reassignment (改派) and reopening (重办) go through here too, because both restart the clocks.
    """
    check_transition(case, action)
    moved = joint_service.follow_lead(session, case, department)  # a joint case's lead part goes along
    at = at or clock.utcnow()
    from_status = case.status
    category = directory_repo.category(session, case.category_code) if case.category_code else None
    sla = directory.sla_for(session=session, category=category) if category else None
    sla = sla or directory_repo.sla_policy(session, "general")
    case.department_id = department.id
    case.status = Status.DISPATCHED.value
    case.dispatched_at = at
    case.needs_review = False  # a person or a rule decided: off the human dispatch queue
    if sla is not None:
        case.sla_code = sla.code
        case.accept_due_at, case.due_at = deadlines(sla, at)
    case.accepted_at = None
    case.updated_at = clock.utcnow()
    session.flush()
    data = {**(data or {}), "department_code": department.code} | ({"lead_part_id": moved} if moved else {})
    record(session=session, case=case, action=action, actor=actor, from_status=from_status, note=note, at=at, data=data)
    return case


def _department(session: Session, code: str | None) -> Department:
    if not code:
        raise InvalidInput("department_code is required")
    department = directory_repo.department_by_code(session, code)
    if department is None:
        raise InvalidInput(f"no department with code {code!r}")
    if not department.active:
        raise InvalidInput(f"department {code!r} is inactive")
    return department


def _required(value: str | None, field: str, action: str) -> str:
    if value is None or not value.strip():
        raise InvalidInput(f"{action} ({TRANSITIONS[action].name_zh}) needs a non-empty {field}")
    return value.strip()


def _finish(
    session: Session,
    case: Case,
    action: str,
    actor: str,
    *,
    note: str | None = None,
    data: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> Case:
    """Move the case to the action's target, bump its version and write the event."""
    from_status = case.status
    target = TRANSITIONS[action].target
    if target is not None:
        case.status = target.value
    case.updated_at = clock.utcnow()
    flag_modified(case, "updated_at")  # even a pure event (催办, 备注) is a change: the version moves
    record(session=session, case=case, action=action, actor=actor, from_status=from_status, note=note, data=data, at=at)
    session.flush()
    return case


def dispatch_to(*, session: Session, case: Case, actor: str, department_code: str | None, note: str | None) -> Case:
    check_transition(case, "dispatch")
    return dispatch(
        session=session, case=case, department=_department(session, department_code), actor=actor, note=note
    )


def accept(*, session: Session, case: Case, actor: str, note: str | None = None) -> Case:
    """签收: the department takes the case; the sign-for clock stops."""
    check_transition(case, "accept")
    case.accepted_at = clock.utcnow()
    return _finish(session, case, "accept", actor, note=note)


def reject(*, session: Session, case: Case, actor: str, reason: str | None) -> Case:
    """退单: back to the dispatch queue with the department's reason; the case no longer belongs to it."""
    check_transition(case, "reject")
    reason = _required(reason, "reason", "reject")
    codes = repository.department_codes(session, [case.department_id])
    data = {"department_code": codes.get(case.department_id or 0)}
    case.department_id = None
    case.accepted_at = None
    case.accept_due_at = None
    case.reject_count = (case.reject_count or 0) + 1
    return _finish(session, case, "reject", actor, note=reason, data=data)


def reassign(*, session: Session, case: Case, actor: str, department_code: str | None, note: str | None) -> Case:
    """改派: another department takes over and both clocks restart."""
    check_transition(case, "reassign")
    department = _department(session, department_code)
    if department.id == case.department_id:
        raise InvalidInput(f"case {case.id} is already with {department.code}")
    return dispatch(session=session, case=case, department=department, actor=actor, note=note, action="reassign")


def start(*, session: Session, case: Case, actor: str, note: str | None = None) -> Case:
    check_transition(case, "start")
    return _finish(session, case, "start", actor, note=note)


def resolve(*, session: Session, case: Case, actor: str, reply: str | None, note: str | None = None) -> Case:
    """办结: the department answers the citizen; the reply is what the callback (回访) checks.

    A joint case (联合办理) resolves only when none of its parts is still owed, and without a reply of its own
    the lead answers with the one assembled from the parts' replies."""
    check_transition(case, "resolve")
    joint_service.check_resolvable(session, case)
    given = reply if reply is not None and reply.strip() else joint_service.joint_reply(session, case)
    case.reply = _required(given, "reply", "resolve")
    case.resolved_at = clock.utcnow()
    return _finish(session, case, "resolve", actor, note=note)


def close(*, session: Session, case: Case, actor: str, note: str | None = None) -> Case:
    check_transition(case, "close")
    case.closed_at = clock.utcnow()
    return _finish(session, case, "close", actor, note=note)


def reopen(*, session: Session, case: Case, actor: str, note: str | None = None) -> Case:
    """重办: not fixed, says the citizen — the same department again, with new deadlines."""
    check_transition(case, "reopen")
    department = directory_repo.department(session, case.department_id) if case.department_id else None
    if department is None:
        raise Conflict(f"case {case.id} has no department to reopen it with; dispatch it instead")
    case.reopen_count = (case.reopen_count or 0) + 1
    case.resolved_at = None
    case.closed_at = None
    previous_reply, case.reply = case.reply, None
    data = {"previous_reply": previous_reply}
    return dispatch(
        session=session, case=case, department=department, actor=actor, note=note, action="reopen", data=data
    )


def merge(*, session: Session, case: Case, actor: str, target_id: int | None, note: str | None = None) -> Case:
    """合并: the case duplicates another open one; it ends here and is followed there."""
    check_transition(case, "merge")
    if target_id is None:
        raise InvalidInput("merge needs target_id, the case this one duplicates")
    if target_id == case.id:
        raise InvalidInput(f"case {case.id} cannot be merged into itself")
    target = repository.get(session, target_id)
    if target is None:
        raise InvalidInput(f"no case {target_id} to merge into")
    if Status(target.status) not in OPEN_STATES:
        raise Conflict(f"case {target_id} is {target.status}; merge only into an open case")
    case.duplicate_of = target.id
    case.needs_review = False
    _finish(session, case, "merge", actor, note=note, data={"target_id": target.id})
    _finish(session, target, "note", actor, note=f"case {case.id} merged into this one", data={"merged": case.id})
    return case


def invalidate(*, session: Session, case: Case, actor: str, reason: str | None) -> Case:
    """无效件: spam, abuse or not a request; the reason stays on the record."""
    check_transition(case, "invalidate")
    case.needs_review = False
    return _finish(session, case, "invalidate", actor, note=_required(reason, "reason", "invalidate"))


def remind(
    *,
    session: Session,
    case: Case,
    actor: str,
    note: str | None = None,
    data: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> Case:
    """催办: urge the department on; counted on the case."""
    check_transition(case, "remind")
    case.reminder_count = (case.reminder_count or 0) + 1
    return _finish(session, case, "remind", actor, note=note, data=data, at=at)


def escalate(
    *,
    session: Session,
    case: Case,
    actor: str,
    note: str | None = None,
    data: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> Case:
    """督办: the case is now under supervision; ``escalated_at`` says since when (the latest escalation)."""
    check_transition(case, "escalate")
    case.escalated_at = at or clock.utcnow()
    return _finish(session, case, "escalate", actor, note=note, data=data, at=at)


def add_note(*, session: Session, case: Case, actor: str, note: str | None) -> Case:
    check_transition(case, "note")
    return _finish(session, case, "note", actor, note=_required(note, "note", "note"))


def callback(
    *, session: Session, case: Case, actor: str, resolved: bool, satisfaction: int, note: str | None = None
) -> Case:
    """回访: the citizen's verdict on a resolved case; yes closes it, no reopens it with the same department."""
    check_transition(case, "callback")
    if not 1 <= satisfaction <= 5:
        raise InvalidInput(f"satisfaction must be 1–5, not {satisfaction}")
    now = clock.utcnow()
    repository.add_callback(
        session,
        Callback(case_id=case.id, at=now, actor=actor, resolved=resolved, satisfaction=satisfaction, note=note),
    )
    case.resolved = resolved
    case.satisfaction = satisfaction
    case.callback_at = now
    _finish(session, case, "callback", actor, note=note, data={"resolved": resolved, "satisfaction": satisfaction})
    if resolved:
        return close(session=session, case=case, actor=actor, note="回访: resolved")
    return reopen(session=session, case=case, actor=actor, note="回访: not resolved")


_Handler = Callable[[Session, Case, str, ActionIn], Case]

ACTIONS: dict[str, _Handler] = {
    "dispatch": lambda s, c, a, b: dispatch_to(
        session=s, case=c, actor=a, department_code=b.department_code, note=b.note
    ),
    "accept": lambda s, c, a, b: accept(session=s, case=c, actor=a, note=b.note),
    "reject": lambda s, c, a, b: reject(session=s, case=c, actor=a, reason=b.reason or b.note),
    "reassign": lambda s, c, a, b: reassign(session=s, case=c, actor=a, department_code=b.department_code, note=b.note),
    "start": lambda s, c, a, b: start(session=s, case=c, actor=a, note=b.note),
    "resolve": lambda s, c, a, b: resolve(session=s, case=c, actor=a, reply=b.reply, note=b.note),
    "close": lambda s, c, a, b: close(session=s, case=c, actor=a, note=b.note),
    "reopen": lambda s, c, a, b: reopen(session=s, case=c, actor=a, note=b.note or b.reason),
    "merge": lambda s, c, a, b: merge(session=s, case=c, actor=a, target_id=b.target_id, note=b.note),
    "invalidate": lambda s, c, a, b: invalidate(session=s, case=c, actor=a, reason=b.reason or b.note),
    "remind": lambda s, c, a, b: remind(session=s, case=c, actor=a, note=b.note),
    "escalate": lambda s, c, a, b: escalate(session=s, case=c, actor=a, note=b.note),
    "note": lambda s, c, a, b: add_note(session=s, case=c, actor=a, note=b.note),
}


def apply(*, session: Session, case: Case, action: str, actor: str, body: ActionIn) -> Case:
    """Run one named transition with the fields of an API body (the version was checked by the caller)."""
    handler = ACTIONS.get(action)
    if handler is None:
        raise NotFound(f"no case action {action!r}")
    check_version(case, body.version)
    return handler(session, case, actor, body)
