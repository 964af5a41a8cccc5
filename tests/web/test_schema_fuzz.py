"""schemathesis over the OpenAPI schema, against a live server on each database (issue 15, hostile input).

A short budget for CI (a few generated requests per operation, positive and negative, over one keep-alive
connection); bench/schema_fuzz.py runs the same harness with ≥ 1,000 requests per database.
"""

from __future__ import annotations

from bench.schema_fuzz import fuzz

from citybrain.core.db import Database
from citybrain.core.settings import Settings
from citybrain.web.app import create_app
from tests.conftest import make_key
from tests.live_server import serve


def test_no_5xx_and_no_answer_breaks_the_schema(db: Database, settings: Settings) -> None:
    app = create_app(settings, database=db)
    with serve(app) as base_url:
        tally = fuzz(app, base_url, {"X-API-Key": make_key(db, "admin")}, examples=3)
    assert tally.requests >= 300
    assert tally.server_errors == 0, tally.failures
    assert tally.connection_errors == 0, tally.failures
    assert tally.schema_violations == 0, tally.failures
