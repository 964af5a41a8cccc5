"""Joint handling helpers for the tests: add a part through the API."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient


def add_part(
    client: TestClient, headers: dict[str, str], case_id: int, code: str, role: str = "assist"
) -> dict[str, Any]:
    body = {"department_code": code, "role": role, "task": f"{code} 的任务"}
    answer = client.post(f"/api/v1/cases/{case_id}/parts", json=body, headers=headers)
    assert answer.status_code == 201, answer.text
    result: dict[str, Any] = answer.json()
    return result
