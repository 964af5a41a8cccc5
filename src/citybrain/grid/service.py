"""Grid cells and grid workers: import (all or nothing), locating a point, workers, their cells and keys.

Services flush, never commit: the caller's one transaction (a request or a command) decides.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from shapely.geometry import Point, shape
from sqlalchemy.orm import Session

from citybrain.auth import service as auth_service
from citybrain.auth.roles import Principal
from citybrain.core import clock
from citybrain.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from citybrain.directory import repository as directory_repo
from citybrain.grid import repository
from citybrain.grid.geojson import CellIn, parse_cells
from citybrain.models import GridCell, GridWorker


@dataclass(frozen=True)
class ImportReport:
    created: int
    updated: int


class GridImportError(InvalidInput):
    """A grid file that cannot be taken as a whole; ``problems`` lists every reason (nothing was written)."""

    def __init__(self, problems: Sequence[str]) -> None:
        shown = "; ".join(problems[:20]) + (f"; … {len(problems) - 20} more" if len(problems) > 20 else "")
        super().__init__(f"grid file refused ({len(problems)} problems, nothing written): {shown}")
        self.problems = list(problems)


def import_cells(*, session: Session, document: Any) -> ImportReport:
    """Create or update the cells of a GeoJSON FeatureCollection; any problem refuses the whole file."""
    parsed = parse_cells(document)
    problems = list(parsed.problems)
    known = {d.code for d in directory_repo.districts(session)}
    problems += [
        f"cell {c.code}: unknown district {c.district_code!r}"
        for c in parsed.cells
        if c.district_code is not None and c.district_code not in known
    ]
    if problems:
        raise GridImportError(problems)
    existing = {c.code: c for c in repository.cells(session, [c.code for c in parsed.cells])}
    now = clock.utcnow()
    for cell in parsed.cells:
        row = existing.get(cell.code) or GridCell(code=cell.code)
        _fill(row, cell, now)
        if cell.code not in existing:
            session.add(row)
    session.flush()
    return ImportReport(created=len(parsed.cells) - len(existing), updated=len(existing))


def _fill(row: GridCell, cell: CellIn, now: Any) -> None:
    row.name, row.district_code, row.community, row.geometry = (
        cell.name,
        cell.district_code,
        cell.community,
        cell.geometry,
    )
    row.min_lon, row.min_lat, row.max_lon, row.max_lat = cell.bounds
    row.updated_at = now


def locate(session: Session, lat: float, lon: float) -> GridCell | None:
    """The cell holding the point (on a shared edge: the first by code), or None."""
    point = Point(lon, lat)
    for cell in repository.cells_around(session, lat, lon):
        if shape(cell.geometry).covers(point):
            return cell
    return None


def cell_at(session: Session, lat: float, lon: float) -> GridCell:
    found = locate(session, lat, lon)
    if found is None:
        raise InvalidInput(
            f"the point ({lat}, {lon}) lies in no grid cell; check lat/lon (WGS 84) or import the grid "
            "(`citybrain grid import FILE`)"
        )
    return found


def save_worker(*, session: Session, code: str, name: str, cells: Sequence[str]) -> GridWorker:
    """Create or change a grid worker and make ``cells`` exactly the worker's cells (unknown cell: 404)."""
    if not code.strip() or not name.strip():
        raise InvalidInput("a grid worker needs a code and a name")
    unknown = sorted(set(cells) - {c.code for c in repository.cells(session, cells)})
    if unknown:
        raise NotFound(f"no grid cell {', '.join(unknown)}; import the grid first (`citybrain grid import FILE`)")
    row = repository.worker(session, code.strip())
    if row is None:
        row = GridWorker(code=code.strip(), name=name.strip(), active=True, created_at=clock.utcnow())
        repository.add(session, row)
    row.name = name.strip()
    repository.assign(session, row.id, sorted(set(cells)))
    return row


def worker(session: Session, code: str) -> GridWorker:
    found = repository.worker(session, code)
    if found is None:
        raise NotFound(f"no grid worker with code {code!r}")
    return found


def create_worker_key(*, session: Session, code: str) -> str:
    """A new API key of role ``grid_worker`` bound to the worker (a previous key of the worker is revoked)."""
    row = worker(session, code)
    if row.api_key_id is not None:
        auth_service.revoke(session=session, key_id=row.api_key_id)
    key, plaintext = auth_service.create_api_key(
        session=session, name=f"网格员 {row.code} {row.name}", role="grid_worker"
    )
    row.api_key_id = key.id
    session.flush()
    return plaintext


@dataclass(frozen=True)
class Scope:
    """Who acts on the grid: a grid worker (its own cells) or staff (``worker`` None, every cell)."""

    worker: GridWorker | None
    cells: frozenset[str] | None

    def check_cell(self, code: str) -> None:
        if self.cells is not None and code not in self.cells:
            raise Forbidden(f"grid cell {code} is not one of your cells")


def scope(session: Session, principal: Principal) -> Scope:
    """A grid worker's key reaches its own worker and cells; a key of the role bound to no worker is refused."""
    if principal.role != "grid_worker":
        return Scope(None, None)
    row = repository.worker_of_key(session, principal.key_id) if principal.key_id is not None else None
    if row is None or not row.active:
        raise Forbidden("this grid worker key is bound to no active worker; make one with `citybrain grid worker-key`")
    return Scope(row, frozenset(repository.cells_of(session, row.id)))


def acting_worker(session: Session, principal: Principal, worker_code: str | None) -> tuple[GridWorker, Scope]:
    """The worker an inspection or visit is filed for: the key's own, or (staff) the one named."""
    found = scope(session, principal)
    if found.worker is not None:
        if worker_code is not None and worker_code != found.worker.code:
            raise Forbidden("a grid worker files for itself only")
        return found.worker, found
    if worker_code is None:
        raise InvalidInput("worker_code is required: which grid worker found it")
    row = worker(session, worker_code)
    if not row.active:
        raise Conflict(f"grid worker {row.code} is not active")
    return row, found


def load_demo_grid(*, session: Session, seed: int = 1) -> tuple[ImportReport, int]:
    """The Demo City's cells and grid workers (its districts must be loaded: `citybrain demo`)."""
    from citybrain.grid.demo import grid_geojson, grid_workers
    from citybrain.simulate.city import build_city

    city = build_city(seed)
    report = import_cells(session=session, document=grid_geojson(city))
    workers = grid_workers(city)
    for row in workers:
        save_worker(session=session, code=row.code, name=row.name, cells=row.cells)
    return report, len(workers)
