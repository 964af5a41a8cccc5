"""CITYBRAIN_SERVER_THREADS: how many of a process's requests are worked on at once (anyio's thread limiter)."""

from __future__ import annotations

from anyio import to_thread
from fastapi.testclient import TestClient

from citybrain.core.db import Database
from citybrain.core.settings import Settings
from citybrain.web.app import create_app


def _tokens(client: TestClient) -> float:
    assert client.portal is not None

    def read() -> float:
        return to_thread.current_default_thread_limiter().total_tokens

    return client.portal.call(read)


def test_the_server_works_on_as_many_requests_at_once_as_the_setting_says(db: Database, settings: Settings) -> None:
    with TestClient(create_app(settings.model_copy(update={"server_threads": 3}), database=db)) as client:
        assert _tokens(client) == 3
        assert client.get("/open311/v2/services.json").status_code == 200  # a blocking route, on one of them


def test_by_default_forty(db: Database, settings: Settings) -> None:
    assert Settings().server_threads == 40
    with TestClient(create_app(settings, database=db)) as client:
        assert _tokens(client) == 40
