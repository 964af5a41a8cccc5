"""Triage data in and out: the human dispatch queue, an operator's decision, suggestions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from citybrain.cases.schemas import CaseOut
from citybrain.core.inputs import Input


class QueuedCase(CaseOut):
    """A case waiting for a person, with intake's reading of it (``triage``: category, place, repeats, why)."""

    triage: dict[str, Any] | None


class QueuePage(BaseModel):
    items: list[QueuedCase]
    total: int
    limit: int
    offset: int


class QueueDispatchIn(Input):
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


class SuggestionDecisionIn(Input):
    version: int | None = Field(default=None, description="The case version you saw (accepting merges or dispatches).")


class SuggestIn(Input):
    """A message as the operator types it on the new-case form (nothing is written)."""

    title: str = Field(default="", max_length=300)
    text: str = Field(default="", max_length=100_000)
    address: str | None = Field(default=None, max_length=500)
    district_code: str | None = Field(default=None, max_length=32)
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    category_code: str | None = Field(default=None, max_length=32, description="The operator's choice, if any.")


class CategoryGuessOut(BaseModel):
    code: str
    label: str = Field(description="The model's own label for it.")
    confidence: float = Field(description="Calibrated 0–1: how often the model is right at this confidence.")


class DepartmentRef(BaseModel):
    code: str
    name_zh: str
    name_en: str


class RepeatOut(BaseModel):
    case_id: int = Field(description="An open case this message likely repeats (重复件).")
    similarity: float


class SuggestOut(BaseModel):
    model_ready: bool = Field(description="false: no classifier installed (or unreadable); pick the category.")
    model_problem: str | None
    threshold: float | None = Field(description="The confidence intake needs to route by itself.")
    categories: list[CategoryGuessOut] = Field(description="The model's best categories, best first.")
    category_code: str | None = Field(description="The category intake would take (or the operator's).")
    sure: bool = Field(description="false: intake would hold the case for a person (below the threshold).")
    district_code: str | None
    place: dict[str, Any] = Field(description="How the place was read (source, confidence, evidence).")
    department: DepartmentRef | None = Field(description="Where routing would dispatch it (派单); null: no rule.")
    repeats: list[RepeatOut]
