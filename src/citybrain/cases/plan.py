"""The one way a new case becomes rows: decided in memory, before anything is written.

Why: intake used to insert a case, then route it, then update it (several statements and flushes). Deciding
status, department (派单), SLA class and deadlines first, from a :class:`DirectorySnapshot`, lets the staff
API write the result through the ORM (``service.create_case``) and the Open311 writer write many results
at once with Core inserts (``repository.insert_planned``) — with identical rows either way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from citybrain.cases.lifecycle import Status
from citybrain.cases.schemas import NewCase
from citybrain.core import clock
from citybrain.core.errors import InvalidInput
from citybrain.directory.snapshot import DepartmentInfo, DirectorySnapshot

ROUTING_ACTOR = "routing"


@dataclass(frozen=True)
class PlannedCase:
    """A case's row, its contact row (None: nobody named) and its events, without ids yet."""

    case: dict[str, Any]
    contact: dict[str, Any] | None
    events: tuple[dict[str, Any], ...]
    department: DepartmentInfo | None

    @property
    def status(self) -> str:
        return str(self.case["status"])

    @property
    def due_at(self) -> datetime | None:
        due: datetime | None = self.case["due_at"]
        return due


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
    }


def _dispatch(case: dict[str, Any], department: DepartmentInfo, directory: DirectorySnapshot, at: datetime) -> None:
    """派单 by routing: the department and both clocks (签收 and 办结 deadlines) start at receipt."""
    case.update(department_id=department.id, status=Status.DISPATCHED.value, dispatched_at=at)
    sla = directory.sla(str(case["category_code"]))
    if sla is not None:
        case["sla_code"] = sla.code
        case["accept_due_at"] = at + timedelta(hours=sla.accept_hours)
        case["due_at"] = at + timedelta(hours=sla.resolve_hours)


def plan_case(data: NewCase, directory: DirectorySnapshot, now: datetime, actor: str) -> PlannedCase:
    """The rows of a new case: received, and dispatched at once when a routing rule names an owner."""
    created = clock.as_utc(data.created_at) if data.created_at else now
    code = data.category_code
    if code and code not in directory.categories:
        raise InvalidInput(f"unknown category / service_code {code!r}")
    case = _case_row(data, created, now)
    events = [_event(created, actor, "receive", None, case)]
    department = directory.route(code, data.district_code) if code else None
    if department is not None:
        _dispatch(case, department, directory, created)
        dispatch = _event(created, ROUTING_ACTOR, "dispatch", Status.RECEIVED.value, case)
        dispatch["data"] = {"department_code": department.code}
        events.append(dispatch)
    contact = None if data.contact.is_empty() else data.contact.model_dump()
    return PlannedCase(case=case, contact=contact, events=tuple(events), department=department)
