"""Turning parts and whistles into API answers.

Their free texts (task, progress, reply, reasons, notes) are written by staff, not citizens, so they are shown
through :func:`mask_text` to every role alike — a citizen's phone or ID number copied into a part stays masked,
the city's own phone numbers (``keep``) stay readable — and no read of them needs the access log."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from citybrain.cases import joint_repository as repo
from citybrain.cases.joint import PART_STATE_NAMES, REPORT_IN_NAMES, ROLE_NAMES, PartRole, PartState, ReportIn
from citybrain.cases.joint import report_in as report_in_state
from citybrain.cases.joint_schemas import PartOut, SummonsOut, WhistleOut
from citybrain.core.privacy import mask_text
from citybrain.models import CasePart, Department, Whistle


def mask(value: str | None, keep: frozenset[str]) -> str | None:
    return mask_text(value, keep)


_text = mask


def part_overdue(part: CasePart, now: datetime) -> bool:
    if part.due_at is None:
        return False
    if part.replied_at is not None:
        return part.replied_at > part.due_at
    return part.state in (PartState.ASSIGNED, PartState.ACCEPTED) and now > part.due_at


def part_out(
    part: CasePart, departments: dict[int, Department], *, keep: frozenset[str], now: datetime, title: str | None = None
) -> PartOut:
    dept = departments[part.department_id]
    return PartOut(
        id=part.id,
        case_id=part.case_id,
        case_title=_text(title, keep),
        version=part.version,
        department_code=dept.code,
        department_zh=dept.name_zh,
        role=part.role,
        role_zh=ROLE_NAMES[PartRole(part.role)][0],
        state=part.state,
        state_zh=PART_STATE_NAMES[PartState(part.state)][0],
        task=_text(part.task, keep) or "",
        created_at=part.created_at,
        created_by=part.created_by,
        due_at=part.due_at,
        overdue=part_overdue(part, now),
        accepted_at=part.accepted_at,
        progress=_text(part.progress, keep),
        progress_at=part.progress_at,
        reply=_text(part.reply, keep),
        replied_at=part.replied_at,
        refusal_reason=_text(part.refusal_reason, keep),
        refused_at=part.refused_at,
    )


def parts_out(session: Session, parts: Sequence[CasePart], *, keep: frozenset[str], now: datetime) -> list[PartOut]:
    departments = repo.departments_by_id(session, [p.department_id for p in parts])
    return [part_out(p, departments, keep=keep, now=now) for p in parts]


def whistles_out(
    session: Session,
    whistles: Sequence[Whistle],
    *,
    keep: frozenset[str],
    now: datetime,
    titles: Sequence[str] | None = None,
) -> list[WhistleOut]:
    summons = repo.summons_of(session, [w.id for w in whistles])
    departments = repo.departments_by_id(session, [s.department_id for s in summons])
    answer = []
    for i, whistle in enumerate(whistles):
        rows = []
        for s in (s for s in summons if s.whistle_id == whistle.id):
            state = report_in_state(s.reported_at, whistle.report_due_at, now)
            dept = departments[s.department_id]
            rows.append(SummonsOut(
                department_code=dept.code, department_zh=dept.name_zh, state=state.value,
                state_zh=REPORT_IN_NAMES[state][0], reported_at=s.reported_at, reported_by=s.reported_by,
                note=_text(s.note, keep), version=s.version,
            ))  # fmt: skip
        states = [r.state for r in rows]
        answer.append(WhistleOut(
            id=whistle.id, case_id=whistle.case_id, case_title=_text(titles[i], keep) if titles else None,
            called_by=whistle.called_by, called_at=whistle.called_at,
            report_due_at=whistle.report_due_at, note=_text(whistle.note, keep), summons=rows,
            reported=sum(s in (ReportIn.ON_TIME, ReportIn.LATE) for s in states),
            late=states.count(ReportIn.LATE), missing=states.count(ReportIn.MISSING),
        ))  # fmt: skip
    return answer
