"""Optimistic locking of parts through a real server (see test_concurrency.py for the method).

Many simultaneous replies to one part: exactly one wins, the rest are 409 — on SQLite the losers queue and find
the part replied, on PostgreSQL their UPDATE … WHERE version = n matches no row. Two departments replying to
their *own* parts at the same moment both win: a part's lock is its own, not the case's.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator

import httpx
import pytest

from citybrain.cases import joint_repository, repository, service
from citybrain.core.db import Database
from citybrain.core.settings import Settings
from citybrain.web.app import create_app
from tests.cases.conftest import DEPT_B, DEPT_C, JointKeys, new_case_id
from tests.live_server import serve


@pytest.fixture
def live_server(city: Database, settings: Settings) -> Iterator[str]:
    with serve(create_app(settings, database=city)) as url:
        yield url


def _all_at_once(sends: list[Callable[[httpx.Client], httpx.Response]], base_url: str) -> list[int]:
    barrier = threading.Barrier(len(sends))
    statuses: list[int] = []
    lock = threading.Lock()

    def worker(send: Callable[[httpx.Client], httpx.Response]) -> None:
        with httpx.Client(base_url=base_url, timeout=60) as client:
            client.get("/openapi.json")
            barrier.wait()
            status = send(client).status_code
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=worker, args=(s,)) for s in sends]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return statuses


def _accepted_parts(base_url: str, jk: JointKeys, case_id: int) -> dict[str, int]:
    ids = {}
    with httpx.Client(base_url=base_url, timeout=60) as client:
        for code, headers in ((DEPT_B, jk.keys.dept_b), (DEPT_C, jk.dept_c)):
            made = client.post(f"/api/v1/cases/{case_id}/parts", json={"department_code": code},
                               headers=jk.keys.operator).json()  # fmt: skip
            assert client.post(f"/api/v1/cases/{case_id}/parts/{made['id']}/accept", json={},
                               headers=headers).status_code == 200  # fmt: skip
            ids[code] = made["id"]
    return ids


def test_simultaneous_replies_to_one_part_exactly_one_wins(city: Database, live_server: str, jkeys: JointKeys) -> None:
    case_id = new_case_id(city)
    part_id = _accepted_parts(live_server, jkeys, case_id)[DEPT_B]
    url = f"/api/v1/cases/{case_id}/parts/{part_id}/reply"
    heads = (jkeys.keys.dept_b, jkeys.keys.operator)  # the department and an operator on its behalf

    def reply(i: int) -> Callable[[httpx.Client], httpx.Response]:
        return lambda c: c.post(url, json={"reply": f"答复{i}"}, headers=heads[i % 2])

    statuses = _all_at_once([reply(i) for i in range(10)], live_server)
    assert Counter(statuses) == {200: 1, 409: 9}
    with city.transaction() as session:
        replies = [e for e in repository.events(session, case_id) if e.action == "part_reply"]
        assert len(replies) == 1
        part = joint_repository.part(session, part_id)
        assert part is not None
        assert (part.state, part.reply) == ("replied", replies[0].note)


def test_two_departments_replying_to_their_own_parts_at_once_both_win(
    city: Database, live_server: str, jkeys: JointKeys
) -> None:
    case_id = new_case_id(city)
    ids = _accepted_parts(live_server, jkeys, case_id)

    def reply(code: str, headers: dict[str, str]) -> Callable[[httpx.Client], httpx.Response]:
        url = f"/api/v1/cases/{case_id}/parts/{ids[code]}/reply"
        return lambda c: c.post(url, json={"reply": code}, headers=headers)

    statuses = _all_at_once([reply(DEPT_B, jkeys.keys.dept_b), reply(DEPT_C, jkeys.dept_c)], live_server)
    assert statuses == [200, 200]
    with city.transaction() as session:
        states = {p.department_id: p.state for p in joint_repository.parts_of(session, case_id)}
        assert set(states.values()) == {"replied"}
        assert service.get_case(session=session, case_id=case_id).status == "dispatched"  # the case did not move


def test_the_same_part_added_at_once_is_made_once(city: Database, live_server: str, jkeys: JointKeys) -> None:
    """Six dispatchers add the same department's part at the same moment: one 201, the others 409 (the unique
    constraint decides when the check before it saw nothing), and one part exists."""
    case_id = new_case_id(city)
    url = f"/api/v1/cases/{case_id}/parts"

    def add(client: httpx.Client) -> httpx.Response:
        return client.post(url, json={"department_code": DEPT_C}, headers=jkeys.keys.operator)

    statuses = _all_at_once([add] * 6, live_server)
    assert Counter(statuses) == {201: 1, 409: 5}
    with city.transaction() as session:
        assert len(joint_repository.parts_of(session, case_id)) == 1
        assert len([e for e in repository.events(session, case_id) if e.action == "part_add"]) == 1
