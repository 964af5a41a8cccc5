"""The SLA clock: when a reminder (催办) and an escalation (督办) are due, and the sweep that raises them.

Two deadlines run from dispatch (派单), set by :func:`citybrain.directory.sla.deadlines`: the sign-for deadline
``accept_due_at`` (签收时限, while the case waits in ``dispatched``) and the resolve deadline ``due_at`` (办结时限,
until the case is resolved). For each,
a reminder is raised once ``remind_fraction`` of the time has passed, and an escalation once the deadline
has passed by ``escalate_after_hours``. Each raise is written as an event naming the deadline it belongs to,
which is what makes the sweep idempotent: a deadline that was reminded is not reminded again, while a new
deadline (after reassignment or reopening) starts afresh.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from citybrain.cases import repository, service
from citybrain.cases.lifecycle import TRANSITIONS, UNRESOLVED_STATES, Status
from citybrain.core import clock
from citybrain.core.settings import Settings, load_settings
from citybrain.models import Case

SWEEP_ACTOR = "sla"


@dataclass(frozen=True)
class Deadline:
    kind: str  # "accept" (签收) or "resolve" (办结)
    start: datetime
    due: datetime

    @property
    def key(self) -> str:
        """Names this deadline in events, so a moved deadline is a new one."""
        return f"{self.kind}@{clock.iso(self.due)}"


@dataclass(frozen=True)
class Raise:
    """One reminder or escalation the sweep raised."""

    case_id: int
    action: str  # "remind" or "escalate"
    deadline: str  # "accept" or "resolve"
    due: datetime


def remind_at(start: datetime, due: datetime, fraction: float) -> datetime:
    """The instant ``fraction`` of the time from ``start`` to ``due`` has passed."""
    return start + (due - start) * fraction


def escalate_at(due: datetime, after_hours: float) -> datetime:
    return due + timedelta(hours=after_hours)


def is_overdue(*, status: str, due_at: datetime | None, resolved_at: datetime | None, now: datetime) -> bool:
    """Overdue (超期): still unanswered past ``due_at``, or answered after it."""
    if due_at is None:
        return False
    if resolved_at is not None:
        return resolved_at > due_at
    return Status(status) in UNRESOLVED_STATES and now > due_at


def running_deadlines(case: Case) -> list[Deadline]:
    """The deadlines whose clock still runs for this case in its present state."""
    status = Status(case.status)
    start = case.dispatched_at or case.created_at
    found: list[Deadline] = []
    if status == Status.DISPATCHED and case.accept_due_at is not None:
        found.append(Deadline("accept", start, case.accept_due_at))
    if status in UNRESOLVED_STATES and case.due_at is not None:
        found.append(Deadline("resolve", start, case.due_at))
    return found


def due_raises(
    case: Case, now: datetime, raised: set[tuple[str, str]], *, fraction: float, after_hours: float
) -> list[tuple[str, Deadline]]:
    """What should be raised now for ``case``, given the (action, deadline key) pairs already raised."""
    status = Status(case.status)
    wanted: list[tuple[str, Deadline]] = []
    for deadline in running_deadlines(case):
        if now >= escalate_at(deadline.due, after_hours):  # past it: a reminder would come too late
            if ("escalate", deadline.key) not in raised and status in TRANSITIONS["escalate"].sources:
                wanted.append(("escalate", deadline))
            continue
        remind_due = now >= remind_at(deadline.start, deadline.due, fraction)
        if remind_due and ("remind", deadline.key) not in raised and status in TRANSITIONS["remind"].sources:
            wanted.append(("remind", deadline))
    return wanted


def _already_raised(session: Session, case_ids: list[int]) -> dict[int, set[tuple[str, str]]]:
    raised: dict[int, set[tuple[str, str]]] = {}
    for event in repository.events_of(session, case_ids, ["remind", "escalate"]):
        key = (event.data or {}).get("deadline_key")
        if key:
            raised.setdefault(event.case_id, set()).add((event.action, str(key)))
    return raised


def sweep(session: Session, now: datetime | None = None, *, settings: Settings | None = None) -> list[Raise]:
    """Raise every reminder and escalation that is due and not yet raised; running it twice raises nothing new."""
    settings = settings or load_settings()
    now = now or clock.utcnow()
    cases = repository.handling_cases(session)
    raised = _already_raised(session, [c.id for c in cases])
    result: list[Raise] = []
    for case in cases:
        wanted = due_raises(
            case,
            now,
            raised.get(case.id, set()),
            fraction=settings.remind_fraction,
            after_hours=settings.escalate_after_hours,
        )
        for action, deadline in wanted:
            _raise(session, case, action, deadline, now)
            result.append(Raise(case.id, action, deadline.kind, deadline.due))
    return result


def _raise(session: Session, case: Case, action: str, deadline: Deadline, now: datetime) -> None:
    data = {"deadline": deadline.kind, "deadline_key": deadline.key, "due": clock.iso(deadline.due), "auto": True}
    word = "签收" if deadline.kind == "accept" else "办结"
    if action == "remind":
        note = f"{word}时限将至 ({clock.iso(deadline.due)})"
        service.remind(session=session, case=case, actor=SWEEP_ACTOR, note=note, data=data, at=now)
    else:
        note = f"已超{word}时限 ({clock.iso(deadline.due)})"
        service.escalate(session=session, case=case, actor=SWEEP_ACTOR, note=note, data=data, at=now)
