"""Grid KPIs, pure: 未诉先办 (found by inspection before any complaint) and workload per worker and per cell.

An inspection is **found first** (未诉先办) when no citizen's case about the same cell and the same category was
received in the ``window`` before it (the complaint would have told the city already). Of those, **ahead of
complaints** are the ones citizens then did complain about within ``window`` after it — the proof that the
problem was one citizens mind, found before they had to call. Times are compared as received (UTC).
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Finding:
    """One inspection: its case, cell, category, moment, worker, and whether it was resolved on the spot."""

    case_id: int
    cell: str
    category: str | None
    at: datetime
    worker: str
    on_spot: bool


@dataclass(frozen=True)
class Complaint:
    """A citizen's case (any channel but inspection) placed in a cell."""

    cell: str
    category: str | None
    at: datetime


@dataclass
class Workload:
    inspections: int = 0
    found_first: int = 0
    ahead_of_complaints: int = 0
    on_spot: int = 0
    complaints: int = 0
    visits: int = 0
    cells: set[str] = field(default_factory=set)

    def out(self) -> dict[str, object]:
        return {
            "inspections": self.inspections,
            "found_first": self.found_first,
            "ahead_of_complaints": self.ahead_of_complaints,
            "on_spot": self.on_spot,
            "complaints": self.complaints,
            "visits": self.visits,
            "cells": len(self.cells),
        }


@dataclass(frozen=True)
class GridKpis:
    window_days: float
    city: Workload
    workers: dict[str, Workload]
    cells: dict[str, Workload]

    def out(self) -> dict[str, object]:
        city = self.city
        return {
            "window_days": self.window_days,
            "city": city.out()
            | {
                "found_first_rate": _rate(city.found_first, city.inspections),
                "ahead_of_complaints_rate": _rate(city.ahead_of_complaints, city.inspections),
                "on_spot_rate": _rate(city.on_spot, city.inspections),
            },
            "workers": [{"worker_code": k} | w.out() for k, w in sorted(self.workers.items())],
            "cells": [{"cell_code": k} | w.out() for k, w in sorted(self.cells.items())],
        }


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def grid_kpis(
    findings: Sequence[Finding],
    complaints: Sequence[Complaint],
    visits: Sequence[tuple[str, str]],
    *,
    start: datetime,
    end: datetime,
    window: timedelta = timedelta(days=7),
) -> GridKpis:
    """``findings`` found in [start, end); ``complaints`` from ``start - window`` to ``end + window`` (those in
    [start, end) are also counted per cell); ``visits``: (cell, worker) of the check-ins in [start, end)."""
    times: dict[tuple[str, str | None], list[datetime]] = defaultdict(list)
    city = Workload()
    workers: defaultdict[str, Workload] = defaultdict(Workload)
    cells: defaultdict[str, Workload] = defaultdict(Workload)
    for complaint in complaints:
        times[(complaint.cell, complaint.category)].append(complaint.at)
        if start <= complaint.at < end:
            city.complaints += 1
            cells[complaint.cell].complaints += 1
    for series in times.values():
        series.sort()
    for finding in findings:
        series = times.get((finding.cell, finding.category), [])
        before = bisect.bisect_left(series, finding.at - window) < bisect.bisect_right(series, finding.at)
        after = bisect.bisect_right(series, finding.at) < bisect.bisect_right(series, finding.at + window)
        for row in (city, workers[finding.worker], cells[finding.cell]):
            row.inspections += 1
            row.found_first += not before
            row.ahead_of_complaints += (not before) and after
            row.on_spot += finding.on_spot
            row.cells.add(finding.cell)
    for cell, worker in visits:
        for row in (city, workers[worker], cells[cell]):
            row.visits += 1
            row.cells.add(cell)
    return GridKpis(window.total_seconds() / 86400, city, dict(workers), dict(cells))
