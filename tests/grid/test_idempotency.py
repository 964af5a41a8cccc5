"""A retried inspection, check-in or patrol plan with the same Idempotency-Key gets the first answer, and nothing
is written twice."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from citybrain.models import Case, Inspection, PatrolPlan, PatrolVisit
from tests.grid.conftest import Grid, inside


@pytest.mark.parametrize(
    ("path", "table", "who"),
    [
        ("/api/v1/inspections", Inspection, "w1"),
        ("/api/v1/patrols/visits", PatrolVisit, "w1"),
        ("/api/v1/patrols/plans", PatrolPlan, "operator"),
    ],
)
def test_a_retry_gets_the_first_answer(
    app_client: TestClient, grid: Grid, operator: dict[str, str], path: str, table: type, who: str
) -> None:
    lat, lon = inside("G1")
    bodies = {
        "/api/v1/inspections": {"category_code": "sanitation.garbage", "lat": lat, "lon": lon, "description": "满溢"},
        "/api/v1/patrols/visits": {"lat": lat, "lon": lon},
        "/api/v1/patrols/plans": {"worker_code": "W1", "cells": ["G1", "G2"], "days": ["2026-03-02"]},
    }
    headers = (grid.w1 if who == "w1" else operator) | {"Idempotency-Key": f"grid-{path}"}
    first = app_client.post(path, json=bodies[path], headers=headers)
    assert first.status_code == 201, first.text
    again = app_client.post(path, json=bodies[path], headers=headers)
    assert (again.status_code, again.content) == (first.status_code, first.content)
    assert again.headers["idempotent-replayed"] == "true"
    with grid.db.reading() as session:
        rows = session.scalar(select(func.count()).select_from(table))
        cases = session.scalar(select(func.count()).select_from(Case))
    assert rows == (2 if table is PatrolPlan else 1)
    assert cases == (1 if table is Inspection else 0)
