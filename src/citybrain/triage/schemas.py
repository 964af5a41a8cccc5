"""Triage data in and out: the human dispatch queue, an operator's decision, suggestions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from citybrain.cases.schemas import CaseOut


class QueuedCase(CaseOut):
    """A case waiting for a person, with intake's reading of it (``triage``: category, place, repeats, why)."""

    triage: dict[str, Any] | None


class QueuePage(BaseModel):
    items: list[QueuedCase]
    total: int
    limit: int
    offset: int


class QueueDispatchIn(BaseModel):
    """人工派单: the category the operator decides; the department follows the routing rules unless named."""

    category_code: str = Field(min_length=1, max_length=32, description="The right category, e.g. roads.damage.")
    version: int | None = Field(default=None, description="The case version you saw; a different one gives 409.")
    department_code: str | None = Field(default=None, max_length=32, description="Override routing (optional).")
    note: str | None = Field(default=None, max_length=10_000)


class QueueDispatchOut(BaseModel):
    case_id: int
    version: int
    category_code: str
    department_code: str | None
    status: str
    correction_recorded: bool = Field(description="The decision was recorded for `citybrain classify retrain`.")


class SuggestionOut(BaseModel):
    id: int
    case_id: int
    kind: str = Field(description="duplicate (重复件) | category | place")
    target_case_id: int | None = Field(description="For a duplicate: the open case this one likely repeats.")
    score: float | None
    evidence: dict[str, Any]
    status: str = Field(description="open | accepted | dismissed")
    created_at: datetime
    decided_by: str | None
    decided_at: datetime | None


class SuggestionDecisionIn(BaseModel):
    version: int | None = Field(default=None, description="The case version you saw (accepting merges or dispatches).")
