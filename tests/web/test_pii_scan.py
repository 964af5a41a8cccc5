"""Personal data (PIPL): no seeded citizen's name, phone, landline, ID card, e-mail, plate or door reaches a caller
who may not see it — every GET route the public may call (as the public) and every one a supervisor or an analyst
may call (督查/领导 read cases and analyses masked; 数据分析员 analyses only), on a seeded city with stored analyses."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi.testclient import TestClient

from tests.conftest import make_key
from tests.web.seeded_city import CITIZENS, SeededCity
from tests.web.test_access import ALLOWED, concrete, matrix

#: Required query parameters, and list routes asked for the newest cases (the citizens' are the newest).
QUERIES = {
    "/api/v1/replies/quality": "?case_id={case}",
    "/api/v1/geo/locate": "?text=桃子湖路",
    "/api/v1/route": "?category=noise.construction.night",
    "/api/v1/cases": "?limit=200",
    "/open311/v2/requests.{fmt}": "?page_size=1000",
    "/portal/public/requests": "?per_page=200",
}


def urls(path: str, seeded: SeededCity) -> Iterator[str]:
    query = QUERIES.get(path, "")
    for case in seeded.citizen_cases.values():
        if "{run_id}" in path:
            yield from (path.replace("{run_id}", str(run)) for run in seeded.run_ids.values())
        elif "{kind}" in path:
            yield from (path.replace("{kind}", kind) for kind in seeded.run_ids)
        else:
            concrete_path = path.replace("{case_id}", str(case)).replace("{name}", f"{case}.json")
            yield concrete(concrete_path.replace("{ref:path}", str(case))) + query.format(case=case)
        if not any(p in path for p in ("{case_id}", "{name}", "{ref")):
            return


def scanned(client: TestClient, seeded: SeededCity, caller: str, headers: dict[str, str]) -> list[str]:
    leaks, answered = [], 0
    for (method, path), cells in sorted(matrix().items()):
        if method != "GET" or cells[caller] not in ALLOWED or path.startswith("/sta/"):
            continue
        for url in urls(path, seeded):
            answer = client.get(url, headers=headers)
            answered += answer.status_code == 200
            for citizen in CITIZENS:
                leaks += [f"{caller} GET {url}: {secret}" for secret in citizen.secrets() if secret in answer.text]
    assert answered > 15
    return leaks


def test_no_public_answer_carries_a_citizens_personal_data(seeded: SeededCity, seeded_client: TestClient) -> None:
    assert scanned(seeded_client, seeded, "public", {}) == []


def test_no_supervisor_answer_carries_a_citizens_personal_data(seeded: SeededCity, seeded_client: TestClient) -> None:
    headers = {"X-API-Key": make_key(seeded.database, "supervisor")}
    assert scanned(seeded_client, seeded, "supervisor", headers) == []


def test_no_analyst_answer_carries_a_citizens_personal_data(seeded: SeededCity, seeded_client: TestClient) -> None:
    headers = {"X-API-Key": make_key(seeded.database, "analyst")}
    assert scanned(seeded_client, seeded, "analyst", headers) == []


def test_an_operator_sees_the_citizen_as_written(seeded: SeededCity, seeded_client: TestClient) -> None:
    """The scan is not vacuous: the same case read by a role with ``see_pii`` carries every secret."""
    headers = {"X-API-Key": make_key(seeded.database, "operator")}
    for citizen in CITIZENS:
        case = seeded.citizen_cases[citizen.name]
        text = seeded_client.get(f"/api/v1/cases/{case}", headers=headers).text
        assert [s for s in citizen.secrets() if s not in text] == []
