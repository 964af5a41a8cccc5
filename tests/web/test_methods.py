"""HEAD wherever GET is, OPTIONS with Allow wherever a route is — over every route of the app (web/methods.py)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from citybrain.core.db import Database
from tests.conftest import make_key
from tests.web.test_access import concrete, matrix


def _paths() -> dict[str, set[str]]:
    """Each documented path and the methods docs/access.md lists for it."""
    methods: dict[str, set[str]] = {}
    for method, path in matrix():
        methods.setdefault(path, set()).add(method)
    return methods


def test_head_answers_as_get_does_without_a_body(app_client: TestClient, db: Database) -> None:
    headers = {"X-API-Key": make_key(db, "admin")}
    gets = [path for path, methods in _paths().items() if "GET" in methods]
    assert len(gets) > 50
    wrong = []
    for path in gets:
        url = concrete(path)
        get = app_client.get(url, headers=headers, follow_redirects=False)
        head = app_client.head(url, headers=headers, follow_redirects=False)
        same = (head.status_code, head.headers.get("content-type")) == (
            get.status_code,
            get.headers.get("content-type"),
        )
        if not same or head.content != b"" or head.status_code == 405:
            wrong.append(f"HEAD {url}: {head.status_code} {head.headers.get('content-type')} vs GET {get.status_code}")
    assert wrong == [], "\n".join(wrong)


def test_head_keeps_the_length_of_the_body_it_leaves_out(app_client: TestClient) -> None:
    get, head = app_client.get("/open311/v2/services.json"), app_client.head("/open311/v2/services.json")
    assert head.headers["content-length"] == get.headers["content-length"] == str(len(get.content))
    assert head.content == b""


def test_options_names_every_method_of_the_path(app_client: TestClient) -> None:
    wrong = []
    for path, methods in _paths().items():
        answer = app_client.options(concrete(path))
        allow = set(answer.headers.get("allow", "").split(", "))
        expected = methods | ({"HEAD"} if "GET" in methods else set()) | {"OPTIONS"}
        if answer.status_code != 204 or not expected <= allow or ("GET" in allow) != ("HEAD" in allow):
            wrong.append(f"OPTIONS {path}: {answer.status_code}, Allow: {answer.headers.get('allow')}")
    assert wrong == [], "\n".join(wrong)


def test_options_on_an_unknown_path_is_404(app_client: TestClient) -> None:
    assert app_client.options("/no/such/page").status_code == 404
