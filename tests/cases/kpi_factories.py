"""Cases with exact, known timestamps for the KPI tests (created through the real service, then set by hand).

The scenario (city time zone Asia/Shanghai, report as of 2026-03-01T00:00Z, window 2026-01-01..2026-02-28):

==  ==========  ========  ========================  =======  ====================================================
#   department  district  category                  channel  what happened (UTC)
==  ==========  ========  ========================  =======  ====================================================
c1  water       kd1       noise.construction.night  phone    01-10 02:00 in; signed 1 h (due 2 h); resolved 48 h;
                                                             closed; callback resolved, 5
c2  water       kd1       noise.residential         web      01-20 00:00 in; signed 5 h (late); resolved 192 h, a day
                                                             past due; callback not resolved, 2; 1 退单, 1 重办
c3  power       kd2       utilities.power           phone    01-31 17:00 in (= 02-01 local!); never signed; due
                                                             02-01 17:00, still open: overdue; 2 退单
c4  power       kd2       utilities.water           app      02-05 04:00 in; signed 0.5 h; resolved 24 h; closed;
                                                             callback resolved, 4
c5  —           kd1       roads.damage              web      02-10 00:00 in; never dispatched
c6  power       kd2       utilities.power           phone    02-28 10:00 in; dispatched 23:00, sign-for due 03-01
                                                             01:00 — after as_of, so no verdict yet
c7  —           kd1       noise.residential         web      2025-12-31 16:00 in (= 01-01 00:00 local): inside
out —           kd1       noise.residential         web      2025-12-31 15:59:59 and 2026-02-28 16:00: outside
==  ==========  ========  ========================  =======  ====================================================
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from citybrain.cases import service
from citybrain.cases.lifecycle import Status
from citybrain.cases.schemas import NewCase
from citybrain.directory import repository as directory_repo
from citybrain.models import Case

AS_OF = datetime(2026, 3, 1, tzinfo=UTC)
H = timedelta(hours=1)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def make_case(
    session: Session,
    *,
    created: datetime,
    category: str = "noise.residential",
    district: str = "kd1",
    channel: str = "web",
    department: str | None = None,
    dispatched: datetime | None = None,
    accept_due: datetime | None = None,
    accepted: datetime | None = None,
    due: datetime | None = None,
    resolved_at: datetime | None = None,
    closed_at: datetime | None = None,
    status: Status | None = None,
    resolved: bool | None = None,
    satisfaction: int | None = None,
    callback_at: datetime | None = None,
    reject_count: int = 0,
    reopen_count: int = 0,
) -> Case:
    """A case exactly as described; routing's automatic dispatch is overridden by what the test says."""
    data = NewCase(
        channel=channel, title="kpi test", category_code=category, district_code=district, created_at=created
    )
    case = service.create_case(session=session, data=data, actor="test")
    dept = directory_repo.department_by_code(session, department) if department else None
    assert department is None or dept is not None, department
    if dispatched is not None and dept is not None and case.status == Status.RECEIVED:
        service.dispatch(session=session, case=case, department=dept, actor="test", at=dispatched)
    case.department_id = dept.id if dept else None
    case.dispatched_at = dispatched
    case.accept_due_at, case.accepted_at, case.due_at = accept_due, accepted, due
    case.resolved_at, case.closed_at = resolved_at, closed_at
    case.resolved, case.satisfaction, case.callback_at = resolved, satisfaction, callback_at
    case.reject_count, case.reopen_count = reject_count, reopen_count
    case.status = (status or _status_of(case)).value
    session.flush()
    return case


def _status_of(case: Case) -> Status:
    if case.closed_at:
        return Status.CLOSED
    if case.resolved_at:
        return Status.RESOLVED
    if case.accepted_at:
        return Status.ACCEPTED
    return Status.DISPATCHED if case.dispatched_at else Status.RECEIVED


def scenario(session: Session) -> None:
    """Write the cases of the module docstring."""
    t = at("2026-01-10T02:00")
    make_case(
        session,
        created=t,
        category="noise.construction.night",
        channel="phone",
        department="water",
        dispatched=t,
        accept_due=t + 2 * H,
        accepted=t + H,
        due=t + 168 * H,
        resolved_at=t + 48 * H,
        closed_at=t + 72 * H,
        resolved=True,
        satisfaction=5,
        callback_at=t + 72 * H,
    )
    t = at("2026-01-20T00:00")
    make_case(
        session,
        created=t,
        department="water",
        dispatched=t,
        accept_due=t + 2 * H,
        accepted=t + 5 * H,
        due=t + 168 * H,
        resolved_at=t + 192 * H,
        resolved=False,
        satisfaction=2,
        callback_at=t + 200 * H,
        reject_count=1,
        reopen_count=1,
    )
    t = at("2026-01-31T17:00")
    make_case(
        session,
        created=t,
        category="utilities.power",
        district="kd2",
        channel="phone",
        department="power",
        dispatched=t,
        accept_due=t + 2 * H,
        due=t + 24 * H,
        reject_count=2,
    )
    t = at("2026-02-05T04:00")
    make_case(
        session,
        created=t,
        category="utilities.water",
        district="kd2",
        channel="app",
        department="power",
        dispatched=t,
        accept_due=t + 2 * H,
        accepted=t + 0.5 * H,
        due=t + 168 * H,
        resolved_at=t + 24 * H,
        closed_at=t + 48 * H,
        resolved=True,
        satisfaction=4,
        callback_at=t + 48 * H,
    )
    make_case(session, created=at("2026-02-10T00:00"), category="roads.damage")
    t = at("2026-02-28T10:00")
    make_case(
        session,
        created=t,
        category="utilities.power",
        district="kd2",
        channel="phone",
        department="power",
        dispatched=at("2026-02-28T23:00"),
        accept_due=at("2026-03-01T01:00"),
        due=at("2026-03-01T23:00"),
    )
    make_case(session, created=at("2025-12-31T16:00"))
    make_case(session, created=at("2025-12-31T15:59:59"))
    make_case(session, created=at("2026-02-28T16:00"))
