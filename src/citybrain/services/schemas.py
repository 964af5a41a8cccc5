"""Request and response models of the online-services API (/api/v1/services, /applications, /attachments)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from citybrain.services.catalogue import FormField, Material, Rule


class ServiceOut(BaseModel):
    code: str
    name: str
    name_en: str
    department: str
    legal_days: int = Field(description="法定办结时限, working days from the day after acceptance")
    materials: list[Material]
    fields: list[FormField]
    eligibility: list[Rule]
    active: bool


class ServiceList(BaseModel):
    items: list[ServiceOut]
    total: int


class ApplicantIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    phone: str | None = Field(default=None, max_length=64)
    id_number: str | None = Field(default=None, max_length=32)


class MaterialIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    material: str = Field(min_length=1, max_length=64, description="The service's material code")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="An uploaded attachment (POST /api/v1/attachments)")
    filename: str = Field(default="", max_length=200)


class ApplicationIn(BaseModel):
    """An application taken at the counter (窗口代办) or sent by a portal: the service, who applies, the form, the
    materials by their uploaded attachments."""

    model_config = ConfigDict(extra="forbid")

    service: str = Field(min_length=1, max_length=64, description="The service's code")
    applicant: ApplicantIn
    form: dict[str, Any] = Field(default_factory=dict)
    materials: list[MaterialIn] = Field(default_factory=list, max_length=50)


class StepIn(BaseModel):
    """What an action brings; which fields it needs is in the action's description."""

    model_config = ConfigDict(extra="forbid")

    reason: str | None = Field(default=None, max_length=4000, description="补正 what is missing; 不予 why")
    note: str | None = Field(default=None, max_length=4000)
    method: Literal["online", "post", "in_person"] | None = Field(default=None, description="送达 how")
    materials: list[MaterialIn] = Field(default_factory=list, max_length=50, description="补正: supplied files")
    version: int | None = Field(default=None, ge=1, description="Refuse (409) if the application moved since")


class AttachmentOut(BaseModel):
    sha256: str
    size: int
    content_type: str


class MaterialOut(BaseModel):
    material: str
    sha256: str
    filename: str
    size: int
    content_type: str
    added_at: datetime


class EventOut(BaseModel):
    at: datetime
    actor: str
    action: str
    from_state: str | None
    to_state: str | None
    note: str | None


class ClockOut(BaseModel):
    running: bool
    stopped_for_materials: bool = Field(description="补正: the clock stands until the applicant supplies")
    days_used: int | None
    days_left: int | None
    overdue: bool


class ApplicationOut(BaseModel):
    id: int
    code: str = Field(description="The applicant's tracking number (办件编号)")
    service: str
    service_name: str
    department: str
    state: str
    state_zh: str
    applicant_name: str | None
    applicant_phone: str | None
    applicant_id_number: str | None
    form: dict[str, Any]
    submitted_at: datetime
    accepted_on: date | None
    due_on: date | None
    paused_on: date | None
    paused_days: int
    supplement_request: str | None
    decision: str | None
    decision_reason: str | None
    decided_on: date | None
    days_used: int | None
    on_time: bool | None
    delivered_at: datetime | None
    delivery_method: str | None
    clock: ClockOut
    version: int


class ApplicationDetail(ApplicationOut):
    materials: list[MaterialOut]
    events: list[EventOut]


class ApplicationList(BaseModel):
    items: list[ApplicationOut]
    total: int
    limit: int
    offset: int


class ServiceKpiOut(BaseModel):
    service: str
    decided: int
    on_time: int
    on_time_rate: float | None
    average_days: float | None
    refused: int
    refusal_rate: float | None


class KpisOut(BaseModel):
    first: date
    last: date
    decided: int = Field(description="Approved or refused in the period (by the day of decision)")
    on_time: int
    on_time_rate: float | None = Field(description="按时办结率: on time / decided")
    average_days: float | None = Field(description="Average working days used (补正 not counted)")
    refused: int
    refusal_rate: float | None = Field(description="不予许可率: refused / decided")
    declined: int = Field(description="不予受理 in the period")
    open: int = Field(description="Accepted and not yet decided, now")
    overdue: int = Field(description="Open and past their deadline, today (the clock not stopped)")
    by_service: list[ServiceKpiOut]
