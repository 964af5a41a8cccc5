"""The one shape every detector's output takes before it becomes an alert: what, where, when, how unusual, which cases.

Temporal detectors (EARS, EWMA, CUSUM, Farrington …) and the space-time scan speak different dataclasses; the
service only ever sees :class:`Signal`, so de-duplication and notification do not care which statistic fired.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any


@dataclass(frozen=True)
class Signal:
    """One day's signal from one detector.

    ``series`` names what was watched (a temporal series key such as ``all`` or ``category=noise``; for clusters
    the scanned series). ``cells`` are the metric grid cells a cluster covers (empty for temporal signals); two
    clusters on consecutive days that share a cell are the same trouble.
    """

    kind: str  # temporal | cluster
    detector: str
    series: str
    on: date
    observed: float
    expected: float | None = None
    p_value: float | None = None
    recurrence_days: float | None = None
    title: str = ""
    explanation: dict[str, Any] = field(default_factory=dict)
    case_ids: tuple[str, ...] = ()
    cells: tuple[str, ...] = ()

    @property
    def dedupe_key(self) -> str:
        """Same key + still open = the same alert (clusters also need a shared cell and a recent last signal)."""
        return f"{self.kind}:{self.detector}:{self.series}"[:300]
