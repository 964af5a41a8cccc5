"""Joint handling data in and out: parts (主办/协办), whistles and report-ins (吹哨报到)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field

from citybrain.cases.joint import PartRole
from citybrain.core.inputs import Input, Moment


class PartIn(Input):
    """A department's share of a joint case, added by the dispatcher."""

    department_code: str = Field(max_length=32, description="The department that takes this part.")
    role: PartRole = Field(
        default=PartRole.ASSIST,
        description="assist (协办); lead (主办) only for the case's own department, which leads it.",
    )
    task: str = Field(default="", max_length=10_000, description="What this department is asked to do.")
    due_at: Moment | None = Field(default=None, description="The part's deadline; the case's due_at when left out.")


class PartActionIn(Input):
    """The body of ``POST /cases/{id}/parts/{part_id}/{action}``; which field an action needs is listed with it."""

    note: str | None = Field(default=None, max_length=10_000, description="Progress note (progress), or a note.")
    reason: str | None = Field(default=None, max_length=10_000, description="Why the part is refused (refuse).")
    reply: str | None = Field(default=None, max_length=100_000, description="The part's answer (reply).")
    version: int | None = Field(default=None, description="The part version you saw; a different one gives 409.")


class PartOut(BaseModel):
    id: int
    case_id: int
    case_title: str | None = None
    version: int = Field(description="Optimistic lock of the part: send it back to refuse stale changes (409).")
    department_code: str
    department_zh: str
    role: str
    role_zh: str
    state: str
    state_zh: str
    task: str
    created_at: datetime
    created_by: str
    due_at: datetime | None
    overdue: bool = Field(description="Still open past due_at, or replied after it.")
    accepted_at: datetime | None
    progress: str | None
    progress_at: datetime | None
    reply: str | None
    replied_at: datetime | None
    refusal_reason: str | None
    refused_at: datetime | None


class CaseParts(BaseModel):
    case_id: int
    parts: list[PartOut] = Field(
        description="The parts the caller may see: a department sees only its own part, unless it leads the case."
    )
    open_parts: int = Field(description="Parts (of those shown) still owed: assigned or accepted.")
    assembled_reply: str | None = Field(
        default=None, description="The lead's reply built from the replied parts (lead and operators only)."
    )


class PartList(BaseModel):
    items: list[PartOut]
    total: int
    limit: int
    offset: int


class WhistleIn(Input):
    """吹哨: summon departments to a case, to report in (报到) by a deadline."""

    department_codes: list[Annotated[str, Field(max_length=32)]] = Field(
        max_length=50, description="The departments summoned (at least one)."
    )
    report_due_at: Moment | None = Field(default=None, description="Report in by this time …")
    report_within_hours: float | None = Field(default=None, gt=0, le=24 * 30, description="… or within so many hours.")
    note: str | None = Field(default=None, max_length=10_000, description="Why, where, what for.")


class ReportInIn(Input):
    """报到: a summoned department reports in."""

    department_code: str | None = Field(
        default=None,
        max_length=32,
        description="Operators reporting in for a department name it; a department's own key reports for itself.",
    )
    note: str | None = Field(default=None, max_length=10_000)
    version: int | None = Field(default=None, description="The summons version you saw; a different one gives 409.")


class SummonsOut(BaseModel):
    department_code: str
    department_zh: str
    state: str = Field(description="waiting, on_time, late or missing")
    state_zh: str
    reported_at: datetime | None
    reported_by: str | None
    note: str | None
    version: int


class WhistleOut(BaseModel):
    id: int
    case_id: int
    case_title: str | None = None
    called_by: str
    called_at: datetime
    report_due_at: datetime
    note: str | None
    summons: list[SummonsOut]
    reported: int = Field(description="Summoned departments that reported in (on time or late).")
    late: int
    missing: int


class WhistleList(BaseModel):
    items: list[WhistleOut]
    total: int
    limit: int
    offset: int
