"""What triage needs from place-finding (geo) and repeat-finding (nlp.dedup), as small interfaces.

Triage decides; these only answer questions. Keeping them as protocols lets ``triage.service`` stay a pure
decision over plain values, and lets intake run when a city has no gazetteer or no repeat index yet.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True)
class Place:
    """Where a message is about: district and grid cell, coordinates, and how sure (0–1)."""

    district_code: str | None
    grid: str | None
    lat: float | None
    lon: float | None
    confidence: float
    method: str  # "coordinates" | "text" | …
    evidence: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Repeat:
    """An open case a new message likely repeats (重复件), and the evidence for a person to judge."""

    case_id: int
    similarity: float
    evidence: dict[str, Any] = field(default_factory=dict)


class Locator(Protocol):
    def __call__(self, text: str, lat: float | None, lon: float | None) -> Place | None: ...


class RepeatFinder(Protocol):
    def find(
        self,
        text: str,
        created_at: datetime,
        lat: float | None,
        lon: float | None,
        district: str | None,
        category: str | None,
    ) -> list[Repeat]: ...
