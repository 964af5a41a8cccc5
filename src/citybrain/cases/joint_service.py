"""Joint handling rules (联合办理, 吹哨报到). Services flush, never commit.

Every part move checks the part state machine (:mod:`joint`; 409 when the state or role does not allow it),
changes the part, bumps its own ``version`` (optimistic lock) and writes one event into the *case's* history,
so the timeline shows the parts beside the case's own moves. Bad input is refused before anything is written.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from citybrain.cases import joint_repository as repo
from citybrain.cases import repository as case_repo
from citybrain.cases.joint import PART_TRANSITIONS, PartRefused, PartReply, PartRole, PartState, assembled_reply
from citybrain.cases.joint import check_part_move as _check_move
from citybrain.cases.joint_kpis import JOINT_KPIS, joint_kpis
from citybrain.cases.joint_schemas import PartActionIn, PartIn, WhistleIn
from citybrain.cases.lifecycle import FINAL_STATES, HANDLING_STATES, Status
from citybrain.core import clock
from citybrain.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from citybrain.directory import repository as directory_repo
from citybrain.models import Case, CaseEvent, CasePart, Department, Whistle, WhistleSummons


def _event(
    session: Session, case: Case, action: str, actor: str, department_id: int | None, note: str | None,
    data: dict[str, Any], at: datetime,
) -> None:  # fmt: skip
    """One event of the case's history; the case's own state does not move (from = to)."""
    case_repo.add_event(
        session,
        CaseEvent(case_id=case.id, at=at, actor=actor, action=action, from_status=case.status,
                  to_status=case.status, department_id=department_id, note=note, data=data),
    )  # fmt: skip


def department(session: Session, code: str | None) -> Department:
    """An active department by its code; 400 otherwise (unknown or inactive)."""
    if code is None or not code.strip():
        raise InvalidInput("department_code is required")
    found = directory_repo.department_by_code(session, code.strip())
    if found is None:
        raise InvalidInput(f"no department with code {code!r}")
    if not found.active:
        raise InvalidInput(f"department {code!r} is inactive")
    return found


def get_part(session: Session, case: Case, part_id: int) -> CasePart:
    part = repo.part(session, part_id)
    if part is None or part.case_id != case.id:
        raise NotFound(f"case {case.id} has no part {part_id}")
    return part


def add_part(*, session: Session, case: Case, data: PartIn, actor: str) -> CasePart:
    """分派协办: give a department its part of a case the lead department holds."""
    if Status(case.status) not in HANDLING_STATES or case.department_id is None:
        raise Conflict(f"case {case.id} is {case.status}; parts are added while a department handles it")
    dept = department(session, data.department_code)
    lead = dept.id == case.department_id
    if data.role == PartRole.LEAD and not lead:
        raise InvalidInput(f"the lead (主办) part is the case's own department's; {dept.code} does not hold it")
    if data.role == PartRole.ASSIST and lead:
        raise InvalidInput(f"{dept.code} leads case {case.id}; it cannot also assist (协办) it")
    if repo.part_of(session, case.id, dept.id) is not None:
        raise Conflict(f"{dept.code} already has a part in case {case.id}")
    now = clock.utcnow()
    due_at = data.due_at or case.due_at
    if due_at is not None and due_at <= now:
        raise InvalidInput(f"the part's due_at {due_at.isoformat()} has passed")
    part = CasePart(
        case_id=case.id, department_id=dept.id, role=data.role.value, state=PartState.ASSIGNED.value,
        task=data.task.strip(), created_at=now, created_by=actor, updated_at=now, due_at=due_at,
    )  # fmt: skip
    code, case_id = dept.code, case.id  # read before the flush: a failed one leaves the session unusable
    repo.add(session, part)
    try:
        session.flush()
    except IntegrityError as exc:  # the same part added at the same moment: the unique constraint decides
        raise Conflict(f"{code} already has a part in case {case_id}") from exc
    data_out = {"part_id": part.id, "department_code": dept.code, "role": part.role, "to_state": part.state}
    _event(session, case, "part_add", actor, dept.id, part.task or None, data_out, now)
    session.flush()
    return part


def _required(value: str | None, field: str, action: str) -> str:
    if value is None or not value.strip():
        raise InvalidInput(f"{action} ({PART_TRANSITIONS[action].name_zh}) needs a non-empty {field}")
    return value.strip()


def act(*, session: Session, case: Case, part: CasePart, action: str, actor: str, body: PartActionIn) -> CasePart:
    """One part move (签收, 进展, 答复, 拒绝协办): checked, applied, versioned and written to the case's history."""
    if action not in PART_TRANSITIONS:
        raise NotFound(f"no part action {action!r}")
    if body.version is not None and body.version != part.version:
        raise Conflict(f"part {part.id} changed (version {part.version}, you had {body.version}); reload it")
    try:
        transition = _check_move(part.state, part.role, action)
    except PartRefused as exc:
        raise Conflict(f"part {part.id}: {exc}") from exc
    needed = _required(getattr(body, transition.needs), transition.needs, action) if transition.needs else None
    now = clock.utcnow()
    from_state = part.state
    if action == "accept":
        part.accepted_at = now
    elif action == "progress":
        part.progress, part.progress_at = needed, now
    elif action == "reply":
        part.reply, part.replied_at = needed, now
    elif action == "refuse":
        part.refusal_reason, part.refused_at = needed, now
    if transition.target is not None:
        part.state = transition.target.value
    part.updated_at = now
    session.flush()  # the UPDATE … WHERE version = n: a lost race raises StaleDataError here (→ 409)
    codes = case_repo.department_codes(session, [part.department_id])
    data = {"part_id": part.id, "department_code": codes.get(part.department_id), "role": part.role,
            "from_state": from_state, "to_state": part.state}  # fmt: skip
    note = needed if needed is not None else body.note
    _event(session, case, f"part_{action}", actor, part.department_id, note, data, now)
    session.flush()
    return part


def follow_lead(session: Session, case: Case, department: Department) -> int | None:
    """派单/改派 of a joint case to another department: its lead part (主办) goes along, still owed (assigned).

    409 when the new department already assists the case (it cannot lead and assist at once); the id of the
    part moved, or None when there was nothing to move."""
    parts = repo.parts_of(session, case.id)
    lead = next((p for p in parts if p.role == PartRole.LEAD), None)
    if lead is None or lead.department_id == department.id:
        return None
    if any(p.department_id == department.id for p in parts):
        raise Conflict(f"{department.code} already assists case {case.id}; it cannot also lead it")
    lead.department_id, lead.state, lead.updated_at = department.id, PartState.ASSIGNED.value, clock.utcnow()
    lead.accepted_at = lead.progress = lead.progress_at = lead.reply = lead.replied_at = None
    return lead.id


def part_replies(session: Session, case_id: int) -> list[PartReply]:
    parts = repo.parts_of(session, case_id)
    names = repo.departments_by_id(session, [p.department_id for p in parts])
    return [PartReply(p.role, names[p.department_id].name_zh, p.state, p.reply) for p in parts]


def check_resolvable(session: Session, case: Case) -> None:
    """A joint case resolves only when no part is still owed (refused parts went back to the dispatcher)."""
    owed = repo.open_parts(session, case.id)
    if owed:
        codes = case_repo.department_codes(session, [p.department_id for p in owed])
        waiting = ", ".join(f"{codes.get(p.department_id)} ({p.state})" for p in owed)
        raise Conflict(f"case {case.id} is handled jointly and parts are still open: {waiting}")


def joint_reply(session: Session, case: Case) -> str | None:
    """The reply assembled from the case's replied parts (None when it is not joint or none replied)."""
    return assembled_reply(part_replies(session, case.id))


def whistle(*, session: Session, case: Case, data: WhistleIn, actor: str, caller_department_id: int | None) -> Whistle:
    """吹哨: summon named departments to the case, to report in by a deadline."""
    if Status(case.status) in FINAL_STATES:
        raise Conflict(f"case {case.id} is {case.status}; a whistle is for a case still being handled")
    codes = [c.strip() for c in data.department_codes]
    if not codes:
        raise InvalidInput("a whistle summons at least one department (department_codes is empty)")
    if len(set(codes)) != len(codes):
        raise InvalidInput(f"department_codes names a department twice: {codes}")
    departments = [department(session, code) for code in codes]
    now = clock.utcnow()
    due = _report_due(data, now)
    row = Whistle(case_id=case.id, called_by=actor, caller_department_id=caller_department_id, called_at=now,
                  report_due_at=due, note=data.note)  # fmt: skip
    repo.add(session, row)
    session.flush()
    for dept in departments:
        repo.add(session, WhistleSummons(whistle_id=row.id, department_id=dept.id))
    event = {"whistle_id": row.id, "department_codes": codes, "report_due_at": due.isoformat()}
    _event(session, case, "whistle", actor, caller_department_id, data.note, event, now)
    session.flush()
    return row


def _report_due(data: WhistleIn, now: datetime) -> datetime:
    if (data.report_due_at is None) == (data.report_within_hours is None):
        raise InvalidInput("give the report-in deadline as report_due_at or report_within_hours (one of them)")
    if data.report_within_hours is not None:
        return now + timedelta(hours=data.report_within_hours)
    assert data.report_due_at is not None
    if data.report_due_at <= now:
        raise InvalidInput(f"report_due_at {data.report_due_at.isoformat()} has passed")
    return data.report_due_at


def get_whistle(session: Session, case: Case, whistle_id: int) -> Whistle:
    found = repo.whistle(session, whistle_id)
    if found is None or found.case_id != case.id:
        raise NotFound(f"case {case.id} has no whistle {whistle_id}")
    return found


def report_in(
    *, session: Session, case: Case, row: Whistle, department_id: int, actor: str, note: str | None,
    version: int | None,
) -> WhistleSummons:  # fmt: skip
    """报到: a summoned department reports in; after the deadline it counts as late."""
    summons = repo.summons(session, row.id, department_id)
    if summons is None:
        raise Forbidden(f"your department was not summoned by whistle {row.id}")
    if version is not None and version != summons.version:
        raise Conflict(f"the summons changed (version {summons.version}, you had {version}); reload it")
    if summons.reported_at is not None:
        raise Conflict(f"already reported in to whistle {row.id} at {summons.reported_at.isoformat()}")
    now = clock.utcnow()
    summons.reported_at, summons.reported_by, summons.note = now, actor, note
    session.flush()
    code = case_repo.department_codes(session, [department_id]).get(department_id)
    data = {"whistle_id": row.id, "department_code": code, "late": now > row.report_due_at}
    _event(session, case, "report_in", actor, department_id, note, data, now)
    session.flush()
    return summons


def joint_kpi_report(
    *, session: Session, start: date, end: date, timezone: str, as_of: datetime, department_id: int | None = None
) -> dict[str, Any]:
    """The joint-handling KPIs of the cases received from ``start`` to ``end`` (local dates, inclusive): the city
    and each participating department; with ``department_id`` that department's row only (no city figures)."""
    low, high = clock.local_midnight_utc(start, timezone), clock.local_midnight_utc(end + timedelta(days=1), timezone)
    figures = joint_kpis(repo.part_facts(session, low, high), repo.summons_facts(session, low, high), as_of)
    wanted = {d: v for d, v in figures.departments.items() if department_id is None or d == department_id}
    names = repo.departments_by_id(session, list(wanted))
    rows = [{"department": names[d].code, "department_name": names[d].name_zh, **v} for d, v in wanted.items()]
    rows.sort(key=lambda row: str(row["department"]))
    return {
        "query": {"from": start.isoformat(), "to": end.isoformat(), "timezone": timezone, "as_of": clock.iso(as_of),
                  "cohort": "created_at", "department": names[department_id].code if department_id in names else None},
        "city": figures.city if department_id is None else None,
        "departments": rows,
        "definitions": [asdict(k) for k in JOINT_KPIS],
    }  # fmt: skip
