"""Grid data in and out: cells, inspections (巡查上报), on-the-spot records, patrol plans and visits."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from citybrain.core.inputs import Day, Input

_PHOTO = "A reference to the photo taken on the spot (the photo store's URL or key; the image is not uploaded here)."


class InspectionIn(Input):
    """What a grid worker files from the street (巡查上报)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "category_code": "sanitation.garbage",
                    "lat": 28.2,
                    "lon": 112.9,
                    "description": "人民路口垃圾桶满溢，周边散落垃圾。",
                    "photo_ref": "photos/2026/12/07/abc123.jpg",
                }
            ]
        }
    )

    category_code: str = Field(min_length=1, max_length=32, description="A category of the directory (事项分类).")
    lat: float = Field(ge=-90, le=90, description="Where it was found (WGS 84); must lie in a grid cell.")
    lon: float = Field(ge=-180, le=180)
    description: str = Field(min_length=1, max_length=5000, description="What the worker saw.")
    title: str | None = Field(default=None, max_length=300)
    photo_ref: str | None = Field(default=None, max_length=1000, description=_PHOTO)
    on_spot_record: str | None = Field(
        default=None,
        max_length=5000,
        description="Given: the worker fixed it there and then (就地解决), this says how.",
    )
    worker_code: str | None = Field(
        default=None, max_length=32, description="Staff filing for a worker; a worker's key: itself."
    )


class OnSpotIn(Input):
    """就地解决: the worker fixed the problem there and then."""

    record: str = Field(min_length=1, max_length=5000, description="What was done, as the case's reply.")
    photo_ref: str | None = Field(default=None, max_length=1000, description="A photo of the result. " + _PHOTO)


class InspectionOut(BaseModel):
    id: int
    case_id: int
    case_status: str
    worker_code: str
    cell_code: str
    district_code: str | None
    category_code: str | None
    description: str | None
    lat: float | None
    lon: float | None
    found_at: datetime
    photo_ref: str | None
    department_code: str | None = None
    on_spot_at: datetime | None
    on_spot_record: str | None
    on_spot_photo_ref: str | None


class InspectionList(BaseModel):
    items: list[InspectionOut]
    total: int


class CellOut(BaseModel):
    code: str
    name: str
    district_code: str | None
    community: str | None
    workers: list[str]
    geometry: dict[str, Any]


class VisitIn(Input):
    """巡查打卡: the worker is in a cell now (the point decides which)."""

    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    worker_code: str | None = Field(default=None, max_length=32, description="Staff recording for a worker.")


class VisitOut(BaseModel):
    id: int
    worker_code: str
    cell_code: str
    at: datetime


class PlanIn(Input):
    """巡查计划: a worker is to walk these cells on these days."""

    worker_code: str = Field(min_length=1, max_length=32)
    cells: list[str] = Field(min_length=1, max_length=500)
    days: list[Day] = Field(min_length=1, max_length=92)


class PlanOut(BaseModel):
    created: int
    already_planned: int
