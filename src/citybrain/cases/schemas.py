"""Case data in and out."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class ContactIn(BaseModel):
    name: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=64)
    email: str | None = Field(default=None, max_length=320)
    id_number: str | None = Field(default=None, max_length=32)
    account_id: str | None = Field(default=None, max_length=128)
    device_id: str | None = Field(default=None, max_length=128)

    def is_empty(self) -> bool:
        return not any(self.model_dump().values())


class NewCase(BaseModel):
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
