"""What the geo API returns."""

from __future__ import annotations

from pydantic import BaseModel, Field


class MatchOut(BaseModel):
    text: str = Field(description="The place as written (folded: full-width to half-width).")
    level: str = Field(description="city, district, county, town, street, community, road, building or poi.")
    kind: str = Field(description="What it matched: district, grid or city.")
    codes: list[str] = Field(description="The districts or grid cells carrying that name.")
    how: str = Field(description="exact, stem (name without 区/路/Road …), city, or conflict (ignored).")


class LocationOut(BaseModel):
    district_code: str | None = Field(description="区 district code, or null when unknown.")
    grid: str | None = Field(description="网格 grid cell code, when the clues single one out.")
    lat: float | None
    lon: float | None
    confidence: float = Field(description="0–1: the chance that the most specific answer is right (docs/geo.md).")
    source: str = Field(description="coordinates, text or none.")
    matched: list[MatchOut]
    reasons: list[str]
