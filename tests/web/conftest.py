"""The portal's fixtures, shared by its HTTP tests (test_portal*.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from citybrain.core.db import Database
from citybrain.core.settings import Settings
from citybrain.web.app import create_app
from tests.conftest import make_key


def portal_settings(settings: Settings, key: str) -> Settings:
    return settings.model_copy(update={"portal_api_key": SecretStr(key)})


@pytest.fixture
def portal_key(db: Database) -> str:
    return make_key(db, "app")


@pytest.fixture
def portal(db: Database, settings: Settings, portal_key: str) -> Iterator[TestClient]:
    """The app with a portal identity (CITYBRAIN_PORTAL_API_KEY) configured."""
    with TestClient(create_app(portal_settings(settings, portal_key), database=db)) as client:
        yield client
