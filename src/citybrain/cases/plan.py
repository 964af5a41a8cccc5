"""The one way a new case becomes rows: decided in memory, before anything is written.

Why: intake used to insert a case, then route it, then update it (several statements and flushes). Deciding
status, department (派单), SLA class and deadlines first, from a :class:`DirectorySnapshot`, lets the staff
API write the result through the ORM (``service.create_case``) and the Open311 writer write many results
at once with Core inserts (``repository.insert_planned``) — with identical rows either way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.orm import Session

from citybrain.cases.lifecycle import Status
from citybrain.cases.schemas import NewCase
from citybrain.core import clock
from citybrain.core.errors import InvalidInput
from citybrain.directory.sla import deadlines
from citybrain.directory.snapshot import DepartmentInfo, DirectorySnapshot

ROUTING_ACTOR = "routing"


@dataclass(frozen=True)
class PlannedCase:
    """A case's row, its contact row (None: nobody named) and its events, without ids yet."""

    case: dict[str, Any]
    contact: dict[str, Any] | None
    events: tuple[dict[str, Any], ...]
    department: DepartmentInfo | None
    reading: Reading | None = None

    @property
    def status(self) -> str:
        return str(self.case["status"])

    @property
    def due_at(self) -> datetime | None:
        due: datetime | None = self.case["due_at"]
        return due


@dataclass(frozen=True)
class Reading:
    """Intake's reading of a message (triage): the draft with its category and place decided, and why.

    ``needs_review`` holds the case in the human dispatch queue (人工派单) instead of dispatching it;
    ``suggestions`` are ``case_suggestions`` rows (without ``case_id``) a person accepts or dismisses.
    """

    case: NewCase
    reasons: dict[str, Any]
    needs_review: bool = False
    suggestions: tuple[dict[str, Any], ...] = field(default=())


class Reader(Protocol):
    """Reads drafts before they are planned and records what it suggests once the cases have ids.

    Defined here so ``cases`` does not depend on the reader (``citybrain.triage``); intake passes one in.
    """

    def read(
        self, session: Session, drafts: Sequence[NewCase], directory: DirectorySnapshot | None
    ) -> list[Reading]: ...

    def record(self, session: Session, case_ids: Sequence[int], planned: Sequence[PlannedCase]) -> None: ...


def _event(at: datetime, actor: str, action: str, from_status: str | None, case: dict[str, Any]) -> dict[str, Any]:
    return {
        "at": at,
        "actor": actor,
        "action": action,
        "from_status": from_status,
        "to_status": case["status"],
        "department_id": case["department_id"],
        "note": None,
        "data": None,
    }


def _case_row(data: NewCase, created: datetime, now: datetime) -> dict[str, Any]:
    return {
        **data.model_dump(exclude={"contact", "created_at"}),
        "status": Status.RECEIVED.value,
        "created_at": created,
        "updated_at": now,
        "department_id": None,
        "sla_code": None,
        "dispatched_at": None,
        "accept_due_at": None,
        "due_at": None,
        "token": None,
        "triage": None,
        "needs_review": False,
    }


def _dispatch(case: dict[str, Any], department: DepartmentInfo, directory: DirectorySnapshot, at: datetime) -> None:
    """派单 by routing: the department and both clocks (签收 and 办结 deadlines) start at receipt."""
    case.update(department_id=department.id, status=Status.DISPATCHED.value, dispatched_at=at)
    sla = directory.sla(str(case["category_code"]))
    if sla is not None:
        case["sla_code"] = sla.code
        case["accept_due_at"], case["due_at"] = deadlines(sla, at)


def plan_case(
    data: NewCase, directory: DirectorySnapshot, now: datetime, actor: str, reading: Reading | None = None
) -> PlannedCase:
    """The rows of a new case: received, and dispatched at once when a routing rule names an owner.

    With a ``reading`` (triage), its draft is planned, its reasons are stored on the case, and a case it holds
    for review — or that no rule routes — waits in the human dispatch queue (``needs_review``).
    """
    if reading is not None:
        data = reading.case
    created = clock.as_utc(data.created_at) if data.created_at else now
    code = data.category_code
    if code and code not in directory.categories:
        raise InvalidInput(f"unknown category / service_code {code!r}")
    case = _case_row(data, created, now)
    events = [_event(created, actor, "receive", None, case)]
    held = reading is not None and reading.needs_review
    department = directory.route(code, data.district_code) if code and not held else None
    if department is not None:
        _dispatch(case, department, directory, created)
        dispatch = _event(created, ROUTING_ACTOR, "dispatch", Status.RECEIVED.value, case)
        dispatch["data"] = {"department_code": department.code}
        events.append(dispatch)
    if reading is not None:
        case["triage"] = reading.reasons
        case["needs_review"] = department is None
    contact = None if data.contact.is_empty() else data.contact.model_dump()
    return PlannedCase(case=case, contact=contact, events=tuple(events), department=department, reading=reading)
