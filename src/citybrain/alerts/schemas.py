"""Alerts in and out of the API, the CLI and notifications (one presentation everywhere)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from citybrain.core.inputs import Input

Status = Literal["open", "acknowledged", "snoozed", "closed"]


class AlertOut(BaseModel):
    """An alert and its explanation: what (detector, title), where (explanation.center, radius_m, cells), when
    (first/last signal day), how unusual (observed vs expected, p_value, recurrence_days) and the member cases."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str = Field(description="temporal (a series over days) or cluster (a space-time cluster)")
    detector: str
    status: Status
    title: str
    first_signal_on: date
    last_signal_on: date
    snoozed_until: date | None
    observed: float | None
    expected: float | None
    p_value: float | None
    recurrence_days: float | None = Field(description="How many days one would wait, on average, for a chance signal")
    explanation: dict[str, Any]
    case_ids: list[Any] | None
    created_at: datetime
    updated_at: datetime
    version: int = Field(description="Optimistic lock: send it back with an action to refuse stale changes (409).")


class AlertList(BaseModel):
    items: list[AlertOut]
    total: int
    limit: int
    offset: int


class AlertEventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    at: datetime
    actor: str
    action: str
    note: str | None
    data: dict[str, Any] | None


class DeliveryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    channel: str
    status: str
    attempts: int
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None


class MemberCase(BaseModel):
    """A member case as it is in this database (no text, no contact: nothing personal)."""

    id: int
    created_at: datetime
    category_code: str | None
    district_code: str | None
    status: str


class AlertDetail(AlertOut):
    events: list[AlertEventOut]
    deliveries: list[DeliveryOut]
    cases: list[MemberCase] = Field(description="Member cases found in this database (ids from a file may not be)")


class ActionIn(Input):
    version: int = Field(description="The alert version you saw; a different one gives 409.")
    note: str | None = Field(default=None, max_length=2000)


class SnoozeIn(ActionIn):
    until: date = Field(description="The day the alert wakes; it stays quiet (no notifications) until then.")
