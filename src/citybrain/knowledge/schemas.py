"""Request and response bodies of the knowledge base API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator


class ItemIn(BaseModel):
    """An item's content (知识条目): what a citizen asks, the official answer, and where it holds."""

    model_config = ConfigDict(extra="forbid")

    question: str = Field(min_length=1, max_length=4000, description="问题 the question as citizens ask it")
    answer: str = Field(min_length=1, max_length=20000, description="答案 the official answer")
    policy_basis: str | None = Field(None, max_length=4000, description="政策依据 laws, rules or documents cited")
    department: str | None = Field(None, max_length=200, description="承办单位 the answering department")
    category_code: str | None = Field(None, max_length=64)
    region: str | None = Field(None, max_length=64, description="区域 district code where the answer holds")
    valid_from: date | None = None
    valid_to: date | None = Field(None, description="有效期至: after this day the item expires")

    @model_validator(mode="after")
    def _period(self) -> Self:
        if not self.question.strip() or not self.answer.strip():
            raise ValueError("question and answer must not be blank")
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise ValueError("valid_to is before valid_from")
        return self


class VersionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    item_id: int
    version: int
    status: str
    question: str
    answer: str
    policy_basis: str | None
    department: str | None
    category_code: str | None
    region: str | None
    valid_from: date | None
    valid_to: date | None
    author: str
    created_at: datetime
    updated_at: datetime
    reviewed_by: str | None
    reviewed_at: datetime | None
    published_by: str | None
    published_at: datetime | None
    ended_at: datetime | None


class ItemOut(BaseModel):
    id: int
    source_kind: str
    source_ref: str | None
    source_name: str | None
    created_by: str
    created_at: datetime
    latest: VersionOut
    published_version: int | None = Field(None, description="the version the public sees now, if any")
    versions: list[VersionOut] = Field(default_factory=list, description="history, oldest first")


class HitOut(BaseModel):
    item_id: int
    version: int
    question: str
    answer: str
    policy_basis: str | None
    department: str | None
    category_code: str | None
    region: str | None
    valid_to: date | None
    source_kind: str
    score: float = Field(description="0..1: half BM25 over jieba words (against its bound), half bigram cosine")
    bm25: float
    cosine: float
    matched: list[str]
    reasons: list[str]


class SearchOut(BaseModel):
    query: str
    answered: bool = Field(description="false: no item scored above the no-answer threshold, none is offered")
    threshold: float
    notes: list[str]
    hits: list[HitOut]


class ExpiringOut(BaseModel):
    days: int
    items: list[VersionOut]
