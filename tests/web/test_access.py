"""Every route × every caller against the matrix in docs/access.md (the documentation of who may do what).

The table is written by hand, not derived from the code, so a route whose dependency changes — or a new route that
nobody put in the table — fails here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from citybrain.core.db import Database
from tests.conftest import make_key, make_unit, make_user, sign_in

DOC = Path(__file__).resolve().parents[2] / "docs" / "access.md"
CALLERS = ("public", "app", "department", "partner", "supervisor", "analyst", "operator", "admin")
ALLOWED = {"✓", "own"}
#: A value for each path parameter: ids that do not exist, so an allowed caller gets 404/422, never a change.
PARAMS = {"fmt": "json", "kind": "hot_issues", "code": "nope", "name": "nope", "ref": "nope", "rest": "nope"}


def matrix() -> dict[tuple[str, str], dict[str, str]]:
    rows: dict[tuple[str, str], dict[str, str]] = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 2 + len(CALLERS) and cells[0] in {"GET", "POST", "PUT", "PATCH", "DELETE"}:
            rows[(cells[0], cells[1])] = dict(zip(CALLERS, cells[2:], strict=True))
    return rows


def _walk(routes: Iterable[Any], prefix: str = "") -> Iterator[tuple[str, APIRoute]]:
    for route in routes:
        if hasattr(route, "original_router"):  # FastAPI ≥ 0.16x keeps included routers as branches
            yield from _walk(route.original_router.routes, prefix + route.include_context.prefix)
        elif isinstance(route, APIRoute):
            yield prefix + route.path, route


def app_routes(app: FastAPI) -> set[tuple[str, str]]:
    """(method, path) of every API route; a catch-all answering any method counts once, as GET."""
    found = set()
    for path, route in _walk(app.routes):
        assert route.methods is not None, path
        methods = sorted(route.methods)
        found |= {("GET", path)} if len(methods) > 3 else {(m, path) for m in methods}
    return found


def concrete(path: str) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1).split(":")[0]
        return PARAMS.get(name, "987654")

    return re.sub(r"\{([^}]+)\}", value, path)


@pytest.fixture
def keys(db: Database) -> dict[str, dict[str, str]]:
    """A key per caller; the department (urban_mgmt) supervises the partner's unit, a property manager."""
    make_unit(db, "test_property", "property", "urban_mgmt")
    units = {"department": "urban_mgmt", "partner": "test_property"}
    headers: dict[str, dict[str, str]] = {"public": {}}
    for role in CALLERS[1:]:
        headers[role] = {"X-API-Key": make_key(db, role, units.get(role))}
    return headers


def _request(method: str, path: str, headers: dict[str, str]) -> dict[str, Any]:
    """Headers, and for writes a body: Open311 reads its key from a form, the staff API from ``X-API-Key``."""
    if path.startswith("/open311/") and method == "POST":
        form = {"service_code": "nope", "description": "路灯不亮", "lat": "28.2", "long": "112.9"}
        return {"data": form | ({"api_key": headers["X-API-Key"]} if headers else {})}
    return {"headers": headers} | ({"json": {}} if method in {"POST", "PUT", "PATCH"} else {})


def test_the_matrix_lists_every_route_and_nothing_else(app_client: TestClient) -> None:
    routes = app_routes(app_client.app)  # type: ignore[arg-type]
    documented = set(matrix())
    assert routes - documented == set(), "routes missing from docs/access.md"
    assert documented - routes == set(), "docs/access.md lists routes the server does not have"
    assert len(routes) > 60


def test_every_route_answers_every_caller_as_the_matrix_says(
    app_client: TestClient, keys: dict[str, dict[str, str]]
) -> None:
    wrong = []
    for (method, path), cells in matrix().items():
        for caller, cell in cells.items():
            kwargs = _request(method, path, keys[caller])
            status = app_client.request(method, concrete(path), **kwargs).status_code
            ok = status not in (401, 403) if cell in ALLOWED else status == int(cell)
            if not ok:
                wrong.append(f"{method} {path} as {caller}: {status}, docs/access.md says {cell}")
    assert wrong == [], "\n".join(wrong)


def test_a_department_reads_only_its_own_cases(
    app_client: TestClient, keys: dict[str, dict[str, str]], operator_headers: dict[str, str]
) -> None:
    """The `own` cells: another department's case is 403 for a department key, its own is 200."""
    case = {"channel": "web", "text": "路灯不亮"}  # no category: it waits in the queue for an operator
    created = app_client.post("/api/v1/cases", json=case, headers=operator_headers).json()
    mine = app_client.post(
        f"/api/v1/cases/{created['id']}/dispatch", json={"department_code": "urban_mgmt"}, headers=operator_headers
    )
    assert mine.status_code == 200
    assert app_client.get(f"/api/v1/cases/{created['id']}", headers=keys["department"]).status_code == 200
    other = app_client.post("/api/v1/cases", json=case, headers=operator_headers).json()
    moved = app_client.post(
        f"/api/v1/cases/{other['id']}/dispatch", json={"department_code": "transport"}, headers=operator_headers
    )
    assert moved.status_code == 200
    assert app_client.get(f"/api/v1/cases/{other['id']}", headers=keys["department"]).status_code == 403
    accept = app_client.post(f"/api/v1/cases/{other['id']}/accept", json={}, headers=keys["department"])
    assert accept.status_code == 403
    listed = app_client.get("/api/v1/cases", headers=keys["department"]).json()
    assert [c["id"] for c in listed["items"]] == [created["id"]]


#: Where a signed-in operator differs from an operator's key, and why.
SESSION_EXCEPTIONS = {
    # Open311 is the machines' API: an app's key in the form; a person files cases through /api/v1/cases
    ("POST", "/open311/v2/requests.{fmt}"): "403",
    # a key does not sign a person in, so a key gets the sign-in page; a signed-in operator is no administrator
    ("GET", "/admin"): "403",
}


def _session_request(method: str, path: str, csrf: str | None) -> dict[str, Any]:
    headers = {"X-CSRF-Token": csrf} if csrf else {}
    if path.startswith("/open311/") and method == "POST":
        return {"data": {"service_code": "nope", "description": "路灯不亮", "lat": "28.2", "long": "112.9"}}
    return {"headers": headers} | ({"json": {}} if method in {"POST", "PUT", "PATCH"} else {})


def test_a_signed_in_operator_may_do_what_an_operator_key_may(db: Database, browser_client: TestClient) -> None:
    """The cookie path of get_principal for every route: the operator column, with the CSRF token on writes."""
    make_user(db, "operator")
    csrf = sign_in(browser_client, "test-operator")
    wrong = []
    for (method, path), cells in matrix().items():
        if (method, path) == ("POST", "/signout"):
            continue  # would end the session the loop uses (tests/web/test_signin.py signs out)
        cell = SESSION_EXCEPTIONS.get((method, path), cells["operator"])
        status = browser_client.request(method, concrete(path), **_session_request(method, path, csrf)).status_code
        ok = status not in (401, 403) if cell in ALLOWED else status == int(cell)
        if not ok:
            wrong.append(f"{method} {path} as a signed-in operator: {status}, expected {cell}")
    assert wrong == [], "\n".join(wrong)


def test_every_cookie_write_to_the_api_without_the_csrf_token_is_refused(
    db: Database, browser_client: TestClient
) -> None:
    make_user(db, "admin")
    sign_in(browser_client, "test-admin")
    writes = [(m, p) for (m, p) in matrix() if m != "GET" and p.startswith(("/api/", "/sta/"))]
    assert len(writes) > 25
    wrong = []
    for method, path in writes:
        answer = browser_client.request(method, concrete(path), **_session_request(method, path, None))
        if answer.status_code != 403 or answer.json()["error"]["code"] != "csrf_failed":
            wrong.append(f"{method} {path}: {answer.status_code}")
    assert wrong == [], "\n".join(wrong)
