"""What staff identity costs: a sign-in (argon2id, on purpose slow) and a request authenticated by a session cookie
against one authenticated by an API key, through the real app in process (TestClient), on SQLite.

    .venv/bin/python -m bench.staff_sign_in [--requests 500] [--out staff_sign_in]

Prints JSON and writes bench/results/<out>.json: sign-in p50/p95 (ms), and p50/p95 of ``GET /api/v1/me`` by key
and by cookie (the cookie path reads the session and its account; it writes the last use at most once a minute).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient

from citybrain.auth import accounts, service
from citybrain.core import migrate
from citybrain.core.db import Database
from citybrain.core.settings import Settings
from citybrain.web.app import create_app

RESULTS = Path(__file__).resolve().parent / "results"
PASSWORD = "correct horse battery"


def _quantiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 2),
        "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))] * 1000, 2),
    }


def _sign_in(client: TestClient) -> float:
    client.cookies.clear()  # a fresh browser each time (signed in, /signin would go straight on to the desk)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/signin").text)
    assert token is not None
    form = {"username": "bench", "password": PASSWORD, "csrf_token": token.group(1)}
    began = time.perf_counter()
    answer = client.post("/signin", data=form, follow_redirects=False)
    elapsed = time.perf_counter() - began
    assert answer.status_code == 303, answer.text
    return elapsed


def _timed_get(client: TestClient, n: int, headers: dict[str, str] | None = None) -> list[float]:
    out = []
    for _ in range(n):
        began = time.perf_counter()
        assert client.get("/api/v1/me", headers=headers).status_code == 200
        out.append(time.perf_counter() - began)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--sign-ins", type=int, default=20)
    parser.add_argument("--out", default="staff_sign_in")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(data_dir=Path(folder), sign_in_max_failures=1000)
        db = Database(settings)
        migrate.upgrade(db.engine)
        with db.transaction() as session:
            accounts.create(session=session, username="bench", display_name="bench", role="operator",
                            password=PASSWORD, min_length=10)  # fmt: skip
            key = service.create_api_key(session=session, name="bench", role="operator")[1]
        with TestClient(create_app(settings, database=db), base_url="https://testserver") as client:
            sign_ins = [_sign_in(client) for _ in range(args.sign_ins)]
            by_cookie = _timed_get(client, args.requests)
            client.cookies.clear()
            by_key = _timed_get(client, args.requests, {"X-API-Key": key})
        db.dispose()
    result = {
        "benchmark": "staff_sign_in",
        "database": "sqlite",
        "sign_in": _quantiles(sign_ins),
        "me_by_cookie": _quantiles(by_cookie),
        "me_by_key": _quantiles(by_key),
        "requests": args.requests,
        "load_average_1m": round(os.getloadavg()[0], 1),  # argon2 is CPU- and memory-bound: read it with the load
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{args.out}.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
