"""Case data in and out."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from citybrain.core.inputs import Input

#: Intake channels a staff client may record on a case (the hotline and the web are channels of one intake).
CHANNELS: dict[str, str] = {
    "web": "网站留言 web form / message board",
    "hotline": "12345 热线电话 hotline call (text = transcript)",
    "app": "移动应用 mobile app",
    "mailbox": "领导信箱 mayor's mailbox",
    "wechat": "微信 WeChat",
    "weibo": "微博 Weibo",
    "email": "电子邮件 e-mail",
    "sms": "短信 SMS",
    "open311": "Open311 client",
    "walk_in": "来访 walk-in visit",
    "letter": "来信 letter",
    "media": "媒体 media report",
    "sensor": "感知设备 sensor",
    "inspection": "巡查 field inspection",
}


class ContactIn(Input):
    name: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=64)
    email: str | None = Field(default=None, max_length=320)
    id_number: str | None = Field(default=None, max_length=32)
    account_id: str | None = Field(default=None, max_length=128)
    device_id: str | None = Field(default=None, max_length=128)

    def is_empty(self) -> bool:
        return not any(self.model_dump().values())


class NewCase(Input):
    """A request as it arrives from any channel."""

    channel: str = Field(default="web", max_length=16)
    source: str = Field(default="api", max_length=32)
    source_key: str | None = Field(default=None, max_length=128)
    request_type: str | None = Field(default=None, max_length=16)
    title: str = Field(default="", max_length=300)
    text: str = Field(default="", max_length=100_000)
    category_code: str | None = Field(default=None, max_length=32)
    source_category: str | None = Field(default=None, max_length=200)
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    address: str | None = Field(default=None, max_length=500)
    zipcode: str | None = Field(default=None, max_length=16)
    district_code: str | None = Field(default=None, max_length=32)
    grid: str | None = Field(default=None, max_length=32)
    media_url: str | None = Field(default=None, max_length=1000)
    attributes: dict[str, Any] | None = None
    contact: ContactIn = Field(default_factory=ContactIn)
    created_at: datetime | None = None
    likes: int = 0
    dislikes: int = 0


class CaseCreate(NewCase):
    """A case entered by staff (operator's desk, hotline transcript, mailbox …) through ``POST /api/v1/cases``."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "channel": "hotline",
                    "request_type": "投诉",
                    "title": "夜间施工噪音",
                    "text": "市民来电：朝阳路工地每晚十一点后仍在施工，噪音很大，请求处理。",
                    "category_code": "noise.construction.night",
                    "address": "朝阳路 88 号",
                    "contact": {"name": "张三", "phone": "13812345678"},
                }
            ]
        }
    )

    @field_validator("channel")
    @classmethod
    def _known_channel(cls, value: str) -> str:
        if value not in CHANNELS:
            raise ValueError(f"unknown channel {value!r}; one of {', '.join(CHANNELS)}")
        return value

    @field_validator("source")
    @classmethod
    def _staff_source(cls, value: str) -> str:
        return value or "api"


class ActionIn(Input):
    """The body of ``POST /cases/{id}/{action}``; which field an action needs is listed with each action."""

    note: str | None = Field(default=None, max_length=10_000, description="Free note recorded on the event.")
    reason: str | None = Field(default=None, max_length=10_000, description="Why (required for reject, invalidate).")
    reply: str | None = Field(default=None, max_length=100_000, description="Reply to the citizen (resolve).")
    department_code: str | None = Field(default=None, max_length=32, description="Department (dispatch, reassign).")
    target_id: int | None = Field(default=None, description="The case this one duplicates (merge).")
    version: int | None = Field(default=None, description="The case version you saw; a different one gives 409.")


class CallbackIn(Input):
    """回访: what the citizen said when called back about a resolved case."""

    resolved: bool = Field(description="Does the citizen say the problem is solved? No reopens the case.")
    satisfaction: int = Field(ge=1, le=5, description="1 (very dissatisfied) … 5 (very satisfied).")
    note: str | None = Field(default=None, max_length=10_000)
    version: int | None = Field(default=None, description="The case version you saw; a different one gives 409.")


class ContactOut(BaseModel):
    """The citizen's contact: unmasked only for roles that may see personal data."""

    name: str | None = None
    phone: str | None = None
    email: str | None = None
    id_number: str | None = None
    masked: bool


class EventOut(BaseModel):
    id: int
    at: datetime
    actor: str
    action: str
    from_status: str | None
    to_status: str | None
    department_code: str | None
    note: str | None
    data: dict[str, Any] | None


class CaseOut(BaseModel):
    id: int
    version: int = Field(description="Optimistic lock: send it back with a transition to refuse stale changes.")
    channel: str
    source: str
    request_type: str | None
    title: str
    text: str
    category_code: str | None
    lat: float | None
    lon: float | None
    address: str | None
    district_code: str | None
    grid: str | None
    department_code: str | None
    status: str
    status_zh: str
    sla_code: str | None
    created_at: datetime
    updated_at: datetime
    dispatched_at: datetime | None
    accept_due_at: datetime | None = Field(description="Sign-for (签收) deadline.")
    accepted_at: datetime | None
    due_at: datetime | None = Field(description="Resolve (办结) deadline.")
    resolved_at: datetime | None
    closed_at: datetime | None
    overdue: bool = Field(description="Open past due_at, or resolved after it.")
    reply: str | None
    resolved: bool | None = Field(description="The citizen's answer at callback (回访).")
    satisfaction: int | None
    callback_at: datetime | None
    duplicate_of: int | None
    reopen_count: int
    reject_count: int
    reminder_count: int
    escalated_at: datetime | None
    likes: int
    dislikes: int
    media_url: str | None
    attributes: dict[str, Any] | None


class CaseDetail(CaseOut):
    contact: ContactOut | None
    events: list[EventOut]
    needs_review: bool = Field(
        default=False, description="Intake could not dispatch it by itself: it waits in the human dispatch queue."
    )
    triage: dict[str, Any] | None = Field(
        default=None,
        description=(
            "How intake read the case (分拣依据): category (model label, confidence, threshold), place, repeats, "
            "route and what needs a person; free text in it is masked like the case's text."
        ),
    )


class CaseList(BaseModel):
    items: list[CaseOut]
    total: int = Field(
        description=(
            "How many cases match. Counting stops at CITYBRAIN_CASE_LIST_COUNT_LIMIT (default 10,000, and never "
            "short of offset + limit): beyond it total is that limit and total_exact is false ('10,000+')."
        )
    )
    total_exact: bool = Field(default=True, description="false: more cases than total match (see total).")
    limit: int
    offset: int
