"""Loading the grid KPIs: inspections, citizens' cases placed in cells (by their grid, else by their point), visits."""

from __future__ import annotations

from datetime import datetime, timedelta

from shapely.geometry import Point, shape
from shapely.strtree import STRtree
from sqlalchemy.orm import Session

from citybrain.core.errors import InvalidInput
from citybrain.grid import repository
from citybrain.grid.kpis import Complaint, Finding, GridKpis, grid_kpis

MAX_WINDOW_DAYS = 90


class CellIndex:
    """The cells' polygons for placing many points at once (a citizen's case without a grid)."""

    def __init__(self, session: Session) -> None:
        rows = repository.cells(session)
        self.codes = [c.code for c in rows]
        self.known = set(self.codes)
        self.shapes = [shape(c.geometry) for c in rows]
        self.tree = STRtree(self.shapes) if self.shapes else None

    def place(self, grid: str | None, lat: float | None, lon: float | None) -> str | None:
        if grid is not None and grid in self.known:
            return grid
        if lat is None or lon is None or self.tree is None:
            return None
        point = Point(lon, lat)
        hits = sorted(int(i) for i in self.tree.query(point) if self.shapes[int(i)].covers(point))
        return self.codes[hits[0]] if hits else None


def kpi_report(*, session: Session, start: datetime, end: datetime, window_days: float = 7) -> GridKpis:
    if not 0 < window_days <= MAX_WINDOW_DAYS:
        raise InvalidInput(f"window_days must be above 0 and at most {MAX_WINDOW_DAYS}")
    window = timedelta(days=window_days)
    found = [Finding(*row) for row in repository.findings(session, start, end)]
    index = CellIndex(session)
    complaints = []
    for grid, lat, lon, category, at in repository.citizen_cases(session, start - window, end + window):
        cell = index.place(grid, lat, lon)
        if cell is not None:
            complaints.append(Complaint(cell, category, at))
    visits = repository.visit_pairs(session, start, end)
    return grid_kpis(found, complaints, visits, start=start, end=end, window=window)
