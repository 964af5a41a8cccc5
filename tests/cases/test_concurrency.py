"""Concurrent changes through a real server: of twenty simultaneous accepts exactly one wins, the rest get 409;
version-less notes take turns and all land; notes against one version: one wins.

The server is uvicorn on a free loopback port, the clients are twenty httpx clients in twenty threads released
together by a barrier. SQLite queues the writers (BEGIN IMMEDIATE), so the losers find the case accepted;
PostgreSQL lets them read concurrently, and the losers' UPDATE … WHERE version = n matches no row
(StaleDataError → 409). Either way nobody overwrites anybody.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator

import httpx
import pytest

from citybrain.cases import repository, service
from citybrain.core.db import Database
from citybrain.core.settings import Settings
from citybrain.web.app import create_app
from tests.cases.conftest import DEPT_A, new_case_id
from tests.conftest import make_key
from tests.live_server import serve

N = 20


@pytest.fixture
def live_server(city: Database, settings: Settings) -> Iterator[str]:
    with serve(create_app(settings, database=city)) as url:
        yield url


def _all_at_once(send: Callable[[httpx.Client, int], httpx.Response], base_url: str) -> list[int]:
    barrier = threading.Barrier(N)
    statuses: list[int] = []
    lock = threading.Lock()

    def worker(i: int) -> None:
        with httpx.Client(base_url=base_url, timeout=60) as client:
            client.get("/openapi.json")  # connect first, so the barrier releases requests, not handshakes
            barrier.wait()
            status = send(client, i).status_code
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(N)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return statuses


def test_twenty_simultaneous_accepts_exactly_one_wins(city: Database, live_server: str) -> None:
    case_id = new_case_id(city)
    headers = {"X-API-Key": make_key(city, "department", DEPT_A)}
    statuses = _all_at_once(
        lambda c, _i: c.post(f"/api/v1/cases/{case_id}/accept", json={}, headers=headers), live_server
    )
    assert Counter(statuses) == {200: 1, 409: N - 1}
    with city.transaction() as session:
        accepts = [e for e in repository.events(session, case_id) if e.action == "accept"]
        assert len(accepts) == 1
        assert service.get_case(session=session, case_id=case_id).status == "accepted"


def test_simultaneous_notes_without_a_version_take_turns_and_all_land(city: Database, live_server: str) -> None:
    """Notes are allowed in every state and the callers did not make them conditional on a version, so none of
    them may be refused: the case row is locked for the change (PostgreSQL ``FOR UPDATE``; SQLite's one writer),
    every note is in the record and the version moved once per note."""
    case_id = new_case_id(city)
    headers = {"X-API-Key": make_key(city, "operator")}
    with city.transaction() as session:
        start_version = service.get_case(session=session, case_id=case_id).version

    def note(client: httpx.Client, i: int) -> httpx.Response:
        return client.post(f"/api/v1/cases/{case_id}/note", json={"note": f"n{i}"}, headers=headers)

    statuses = _all_at_once(note, live_server)
    assert Counter(statuses) == {200: N}
    with city.transaction() as session:
        notes = sorted(e.note or "" for e in repository.events(session, case_id) if e.action == "note")
        assert notes == sorted(f"n{i}" for i in range(N))
        assert service.get_case(session=session, case_id=case_id).version == start_version + N


def test_simultaneous_notes_against_one_version_exactly_one_wins(city: Database, live_server: str) -> None:
    """A caller who sends the version it saw asks to be refused if the case moved: of twenty notes against the same
    version one lands and nineteen get 409, and nobody overwrites anybody."""
    case_id = new_case_id(city)
    headers = {"X-API-Key": make_key(city, "operator")}
    with city.transaction() as session:
        seen = service.get_case(session=session, case_id=case_id).version

    def note(client: httpx.Client, i: int) -> httpx.Response:
        body = {"note": f"n{i}", "version": seen}
        return client.post(f"/api/v1/cases/{case_id}/note", json=body, headers=headers)

    statuses = _all_at_once(note, live_server)
    assert Counter(statuses) == {200: 1, 409: N - 1}
    with city.transaction() as session:
        assert len([e for e in repository.events(session, case_id) if e.action == "note"]) == 1
        assert service.get_case(session=session, case_id=case_id).version == seen + 1
