"""Car-park requests and answers (money in integer fen)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from citybrain.core.inputs import Input

MAX_BATCH = 2000


class EventIn(Input):
    """One read at a gate (道闸识别记录)."""

    car_park: str = Field(min_length=1, max_length=64, description="the car park's code")
    gate: str = Field(min_length=1, max_length=64, description="which gate of it, e.g. north-in")
    direction: Literal["in", "out"]
    plate: str = Field(max_length=32, description="the plate as read, e.g. 粤B12345 or 粤BD12345 (new energy)")
    time: AwareDatetime = Field(description="when the vehicle passed, with its offset (ISO 8601)")
    confidence: float = Field(default=1.0, ge=0, le=1, description="the camera's confidence in its read")
    image_ref: str | None = Field(default=None, max_length=500, description="where the camera's image is kept")


class EventBatch(Input):
    events: list[EventIn] = Field(min_length=1, max_length=MAX_BATCH)


class OutcomeOut(BaseModel):
    event_id: int
    outcome: str = Field(description="open, close, duplicate or orphan_exit")
    rule: str
    explanation: str
    session_id: int | None
    confidence: float
    review: bool = Field(description="a person should look at this pairing (fuzzy, another car park, orphan)")
    bill_fen: int | None = Field(description="the bill of the session this exit closed, in fen")
    arrears_fen: int = Field(description="an entry: the plate's unpaid bills, in fen")
    blocked: bool = Field(description="an entry: arrears at or above CITYBRAIN_PARKING_ARREARS_BLOCK_FEN")


class OutcomeList(BaseModel):
    items: list[OutcomeOut]


class CarParkIn(Input):
    name: str = Field(min_length=1, max_length=200)
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    capacity: int = Field(ge=0, le=1_000_000)
    timezone: str | None = Field(default=None, max_length=64)
    tariff: dict[str, int | None] | None = Field(default=None, description="see docs/parking.md#tariffs")


class CarParkOut(BaseModel):
    code: str
    name: str
    lat: float
    lon: float
    capacity: int
    occupied: int = Field(description="open sessions: vehicles the gates saw come in and not yet leave")
    free: int
    distance_m: float | None = None
    tariff: dict[str, Any]


class CarParkList(BaseModel):
    items: list[CarParkOut]


class SessionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    plate: str
    car_park_id: int
    exit_car_park_id: int | None
    entered_at: datetime | None
    exited_at: datetime | None
    exit_plate: str | None
    status: str
    match_rule: str | None
    match_confidence: float | None
    review: bool
    overstay: bool
    history: list[Any]


class SessionList(BaseModel):
    items: list[SessionOut]
    total: int


class NoteIn(Input):
    note: str = Field(min_length=1, max_length=300, description="why (kept in the session's history)")


class PairIn(NoteIn):
    session_id: int = Field(ge=1, description="the open or missed-exit entry this orphan exit belongs to")


class BillOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    session_id: int
    plate: str
    car_park_id: int
    amount_fen: int
    detail: str
    status: str
    created_at: datetime
    paid_at: datetime | None
    reminders: int
    last_reminded_at: datetime | None


class BillList(BaseModel):
    items: list[BillOut]
    total: int


class RemindIn(Input):
    after_hours: float = Field(default=72, gt=0, le=24 * 365)


class AccountOut(BaseModel):
    plate: str
    unpaid_fen: int
    bills: list[BillOut]


class PassIn(Input):
    plate: str = Field(max_length=32)
    kind: Literal["monthly", "exempt"]
    car_park: str | None = Field(default=None, max_length=64, description="None: every car park")
    valid_from: AwareDatetime
    valid_to: AwareDatetime | None = None


class PassOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    plate: str
    car_park_id: int | None
    kind: str
    valid_from: datetime
    valid_to: datetime | None


class AheadOut(BaseModel):
    hours: float
    occupied: int | None = Field(description="vehicles forecast (None: no reading to forecast from)")
    free: int | None


class ForecastOut(BaseModel):
    code: str
    capacity: int
    as_of_local: datetime = Field(description="the half-hour slot forecast from, on the car park's own clock")
    source: str = Field(description="sensors (occupancy readings) or sessions (counted from the gates' reads)")
    ahead: list[AheadOut]


class ForecastList(BaseModel):
    items: list[ForecastOut]
