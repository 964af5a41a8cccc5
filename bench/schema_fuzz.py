"""schemathesis over the OpenAPI schema, in process, against a fresh database (issue 15, hostile input).

Every operation gets generated requests — positive (what the schema allows) and negative (what it forbids) —
sent with an admin key; each answer is checked for 5xx and for conformance with the schema. Prints JSON and
writes bench/results/schema_fuzz_<db>.json.

    PYTHONPATH=src python -m bench.schema_fuzz --db sqlite --examples 40
    PYTHONPATH=src python -m bench.schema_fuzz --db postgresql --examples 40
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hypothesis
import requests
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from bench.scratch import scratch_settings
from citybrain.auth import service as auth_service
from citybrain.core import migrate
from citybrain.core.db import Database
from citybrain.core.settings import Settings
from citybrain.directory.defaults import load_defaults

POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
RESULTS = Path(__file__).resolve().parent / "results"
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


@dataclass
class Tally:
    """What the run saw: requests sent, statuses, and the failures (one example per operation and kind)."""

    requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    server_errors: int = 0
    connection_errors: int = 0
    schema_violations: int = 0
    failures: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "server_errors_5xx": self.server_errors,
            "connection_errors": self.connection_errors,
            "schema_violations": self.schema_violations,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "failures": self.failures,
        }


def _record(tally: Tally, case: Any, response: Any) -> None:
    tally.requests += 1
    tally.statuses[response.status_code] += 1
    label = f"{case.operation.label}"
    if response.status_code >= 500:
        tally.server_errors += 1
        tally.failures.setdefault(f"5xx {label}", _curl(case))
    try:
        case.validate_response(response, checks=[response_schema_conformance, content_type_conformance])
    except Exception as exc:  # noqa: BLE001 - schemathesis raises a group of check failures
        if response.status_code < 500:
            tally.schema_violations += 1
            tally.failures.setdefault(f"schema {label}", f"{_curl(case)}\n{str(exc)[:400]}")


def _curl(case: Any) -> str:
    try:
        return str(case.as_curl_command())
    except Exception:  # noqa: BLE001 - a case that cannot be shown as curl is still counted
        return repr(case)


def fuzz(app: FastAPI, base_url: str, headers: dict[str, str], *, examples: int, seed: int = 15) -> Tally:
    """Run ``examples`` generated requests per operation and mode against ``app`` served at ``base_url``.

    One keep-alive session carries every request, so an answer that breaks the connection shows as an error.
    """
    schema = schemathesis.openapi.from_dict(app.openapi())
    tally = Tally()
    with requests.Session() as session:
        session.headers.update(headers)
        for result in schema.get_all_operations():
            if not isinstance(result, Ok):
                tally.failures.setdefault(f"invalid schema {result.err()}"[:200], "")
                continue
            operation = result.ok()
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                _fuzz_operation(operation, mode, (base_url, session), examples, seed, tally)
    return tally


def _fuzz_operation(
    operation: Any, mode: Any, target: tuple[str, requests.Session], examples: int, seed: int, tally: Tally
) -> None:
    base_url, session = target

    @hypothesis.settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=False,
        suppress_health_check=list(HealthCheck),
        phases=[hypothesis.Phase.generate],
    )
    @hypothesis.seed(seed)
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        try:
            response = case.call(base_url=base_url, session=session, timeout=30)
        except requests.ConnectionError:
            tally.requests += 1
            tally.connection_errors += 1
            tally.failures.setdefault(f"connection {case.operation.label}", _curl(case))
            return
        _record(tally, case, response)

    try:
        run()
    except hypothesis.errors.Unsatisfiable:
        pass


@contextmanager
def fresh_settings(db: str) -> Iterator[Settings]:
    """Settings for an empty, migrated database (a temporary SQLite file or a new PostgreSQL schema)."""
    with (
        tempfile.TemporaryDirectory() as tmp,
        scratch_settings(None if db == "sqlite" else POSTGRES_URL, Path(tmp), "cbfuzz") as settings,
    ):
        yield settings


def prepare(database: Database) -> dict[str, str]:
    """Migrate, load the default directory, and return an admin key's header."""
    migrate.upgrade(database.engine)
    with database.transaction() as session:
        load_defaults(session)
        _key, plaintext = auth_service.create_api_key(session=session, name="fuzz admin", role="admin")
    return {"X-API-Key": plaintext}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--examples", type=int, default=40, help="generated requests per operation and mode")
    parser.add_argument("--out", default="", help="result file name (default schema_fuzz_<db>.json)")
    args = parser.parse_args()
    from tests.live_server import serve

    from citybrain.web.app import create_app

    with fresh_settings(args.db) as settings:
        database = Database(settings)
        headers = prepare(database)
        app = create_app(settings, database=database)
        started = time.perf_counter()
        with serve(app) as base_url:  # a real server: keep-alive and the lifespan (the intake writer) as in use
            tally = fuzz(app, base_url, headers, examples=args.examples)
        seconds = time.perf_counter() - started
        database.dispose()
    report = {"db": args.db, "examples_per_operation_and_mode": args.examples, "seconds": round(seconds, 1)}
    report |= tally.as_dict()
    out = RESULTS / (args.out or f"schema_fuzz_{args.db}.json")
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in report.items() if k != "failures"}, ensure_ascii=False))


if __name__ == "__main__":
    main()
