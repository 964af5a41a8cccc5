"""A POST retried with the same ``Idempotency-Key``: the second gets the first answer, replayed. Shared by the
tests of each creating route, which then count the rows to show nothing was made twice."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi.testclient import TestClient


def retried(
    client: TestClient, url: str, key: str, headers: dict[str, str] | None = None, **send: Any
) -> httpx.Response:
    """POST ``send`` (json=, data=, files=) twice with ``key``; asserts the retry is the first answer, replayed
    (status, body and a redirect's Location), and returns the first."""
    sent = (headers or {}) | {"Idempotency-Key": key}
    first: httpx.Response = client.post(url, headers=sent, follow_redirects=False, **send)
    assert 200 <= first.status_code < 400, first.text
    again = client.post(url, headers=sent, follow_redirects=False, **send)
    assert (again.status_code, again.content) == (first.status_code, first.content)
    assert again.headers.get("location") == first.headers.get("location")
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    return first


def another_body_is_422(
    client: TestClient, url: str, key: str, headers: dict[str, str] | None = None, **send: Any
) -> None:
    """The same key with another request is refused, and nothing is carried out."""
    answer = client.post(url, headers=(headers or {}) | {"Idempotency-Key": key}, follow_redirects=False, **send)
    assert answer.status_code == 422, answer.text
