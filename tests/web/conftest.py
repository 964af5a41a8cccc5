"""Fixtures shared by the web tests: the portal's (test_portal*.py) and the seeded city that the walks over every
route read (test_pii_scan.py, test_department_scope.py: one per module)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from citybrain.core.db import Database
from citybrain.core.settings import Settings
from citybrain.web.app import create_app
from tests.conftest import make_key
from tests.web.seeded_city import SeededCity, seed_city


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


@pytest.fixture(scope="module")
def seeded(_migrated: Database) -> Iterator[SeededCity]:
    from citybrain.directory.defaults import load_defaults
    from tests.conftest import _wipe

    with _migrated.transaction() as session:
        load_defaults(session)
    yield seed_city(_migrated)
    _wipe(_migrated)


@pytest.fixture(scope="module")
def seeded_client(seeded: SeededCity, settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings, database=seeded.database)) as c:
        yield c
