"""部门数据范围: a department's key reads its own department's cases and nothing of another's, on every GET route a
department may call (the ✓ and `own` cells of docs/access.md that are not public anyway), on a seeded city with
stored hot issues and associations."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from citybrain.models import Case
from tests.conftest import make_key
from tests.web.seeded_city import SeededCity, marker
from tests.web.test_access import ALLOWED, concrete, matrix

#: Keys whose values are case ids, wherever they appear in an answer.
CASE_KEYS = {"case_ids", "case_id", "duplicate_of"}
#: What a route needs to answer 200 (its required query parameters).
QUERIES = {
    "/api/v1/replies/quality": "?case_id={case}",
    "/api/v1/geo/locate": "?text=岳麓区桃子湖路",
    "/api/v1/route": "?category=noise.construction.night",
    "/api/v1/exports/cases.csv": "?reason=scope%20check&limit=10000",
    "/api/v1/kpis/joint": "?from=2000-01-01&to=2100-12-31",
    "/api/v1/knowledge/search": "?q=噪音扰民",
}
#: Routes of one record that is not a case (the seeded city has none to name); their department scope is tested
#: where they are built (tests/services/test_api.py).
NOT_CASES = {
    "/api/v1/services/{code}",
    "/api/v1/applications/{application_id}",
    "/api/v1/applications/{application_id}/materials/{sha256}",
    "/api/v1/knowledge/items/{item_id}",  # tests/knowledge/test_api.py
}
#: Lists whose entries are cases (their "id" is a case id).
CASE_LISTS = {"items", "members", "cases"}


def department_routes() -> list[str]:
    """GET paths a department may call that the public may not (public ones show every case, masked, by design)."""
    return sorted(
        path
        for (method, path), cells in matrix().items()
        if method == "GET"
        and cells["department"] in ALLOWED
        and cells["public"] not in ALLOWED
        and path not in NOT_CASES
    )


def case_ids_in(answer: Any, within: str = "") -> Iterator[int]:
    if isinstance(answer, dict):
        for key, value in answer.items():
            if key in CASE_KEYS:
                values = value if isinstance(value, list) else [value]
                yield from (int(str(v).split("#")[0]) for v in values if str(v).split("#")[0].isdigit())
            elif key == "id" and within in CASE_LISTS and str(value).split("#")[0].isdigit():
                yield int(str(value).split("#")[0])
            else:
                yield from case_ids_in(value, key)
    elif isinstance(answer, list):
        for value in answer:
            yield from case_ids_in(value, within)


def _body(answer: Any) -> Any:
    """The answer as JSON; a CSV export as the list of its rows (``items``, whose ``id`` is a case id)."""
    if answer.headers["content-type"].startswith("text/csv"):
        return {"items": list(csv.DictReader(io.StringIO(answer.text.removeprefix("\ufeff"))))}
    return answer.json()


def urls(path: str, seeded: SeededCity, own_case: int) -> list[str]:
    if "{run_id}" in path:
        return [path.replace("{run_id}", str(run_id)) for run_id in seeded.run_ids.values()]
    if "{kind}" in path:
        return [path.replace("{kind}", kind) for kind in seeded.run_ids]
    query = QUERIES.get(path, "").format(case=own_case)
    return [concrete(path.replace("{case_id}", str(own_case))) + query]


def test_a_department_key_sees_no_other_departments_case_on_any_route(
    seeded: SeededCity, seeded_client: TestClient
) -> None:
    with seeded.database.reading() as session:
        owners = {case: owner for case, owner in session.execute(select(Case.id, Case.department_id))}
    counts: dict[int, int] = {}
    for owner in owners.values():
        if owner is not None:
            counts[owner] = counts.get(owner, 0) + 1
    department_id = max(counts, key=lambda d: counts[d])
    code = next(c for c, i in seeded.departments.items() if i == department_id)
    headers = {"X-API-Key": make_key(seeded.database, "department", code)}
    own = {case for case, owner in owners.items() if owner == department_id}
    others = set(owners) - own
    assert len(own) > 50  # a city, not a toy
    assert len(others) > 200
    seen_runs = 0
    for path in department_routes():
        for url in urls(path, seeded, min(own)):
            answer = seeded_client.get(url, headers=headers)
            assert answer.status_code == 200, (url, answer.text[:300])
            body = _body(answer)
            leaked = set(case_ids_in(body)) & others
            assert not leaked, f"{url}: {len(leaked)} case(s) of other departments, e.g. {sorted(leaked)[:5]}"
            text = json.dumps(body, ensure_ascii=False)
            named = [case for case in others if marker(case) in text]
            assert not named, f"{url}: the text of other departments' cases {named[:5]}"
            seen_runs += "results" in body and bool(body["results"])
    assert seen_runs, "no stored run showed the department anything: the walk proves nothing"


def test_the_city_still_sees_every_case_of_a_run(seeded: SeededCity, seeded_client: TestClient) -> None:
    headers = {"X-API-Key": make_key(seeded.database, "supervisor")}
    run = seeded_client.get("/api/v1/insight/latest/hot_issues", headers=headers).json()
    mine = seeded_client.get(
        "/api/v1/insight/latest/hot_issues",
        headers={"X-API-Key": make_key(seeded.database, "department", next(iter(seeded.departments)))},
    ).json()
    assert run["total_results"] >= mine["total_results"]
    everyone = {c for item in run["results"] for c in item["case_ids"]}
    assert len(everyone) > len({c for item in mine["results"] for c in item["case_ids"]})


def test_a_department_may_not_read_runs_that_rank_every_department(
    seeded: SeededCity, seeded_client: TestClient
) -> None:
    from citybrain.insight.service import RunRecord, save

    with seeded.database.transaction() as session:
        run_id = save(
            session, RunRecord(kind="report", source="test", params={}, summary={"departments": []}, items=[])
        )
    department = {"X-API-Key": make_key(seeded.database, "department", next(iter(seeded.departments)))}
    assert seeded_client.get(f"/api/v1/insight/runs/{run_id}", headers=department).status_code == 403
    listed = seeded_client.get("/api/v1/insight/runs", headers=department).json()
    assert "report" not in {run["kind"] for run in listed}
    supervisor = {"X-API-Key": make_key(seeded.database, "supervisor")}
    assert seeded_client.get(f"/api/v1/insight/runs/{run_id}", headers=supervisor).status_code == 200
