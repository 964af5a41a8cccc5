"""The grid worker role (网格员) is not a column of docs/access.md: it may file and read its own cells' grid data,
and gets 403 on every other route that needs a permission (no citizen case, no personal data, no KPIs)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.grid.conftest import Grid
from tests.web.test_access import _request, concrete, matrix

#: The routes a grid worker's key may use (403 only when the cell is not its own).
OWN = {
    ("GET", "/api/v1/grids"),
    ("POST", "/api/v1/inspections"),
    ("GET", "/api/v1/inspections"),
    ("POST", "/api/v1/inspections/{inspection_id}/on-spot"),
    ("POST", "/api/v1/patrols/visits"),
    ("GET", "/api/v1/patrols/coverage"),
}


def test_a_grid_worker_gets_what_the_public_gets_or_403_elsewhere(app_client: TestClient, grid: Grid) -> None:
    wrong = []
    for (method, path), cells in matrix().items():
        status = app_client.request(method, concrete(path), **_request(method, path, grid.w1)).status_code
        if (method, path) in OWN:
            ok = status not in (401, 403)
        elif all(cell == "✓" for caller, cell in cells.items() if caller != "public"):  # any valid key
            ok = status not in (401, 403)
        else:
            ok = status == 403
        if not ok:
            wrong.append(f"{method} {path} as grid_worker: {status}")
    assert wrong == [], "\n".join(wrong)
