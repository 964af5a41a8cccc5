"""A sketch (not product code) of the Open311 POST with a group-commit writer, to load it like the real server.

Why: ``docs/benchmarks.md`` proposes a lean write path with group commit; before anyone builds it into
``intake/open311`` this measures, through the same HTTP load, whether it would reach the target on this
machine. The route parses the form with the product's ``parse_new_request``, hands the request to a writer
thread (one for SQLite, two for PostgreSQL) and answers only after that writer's COMMIT has returned — durability
as in the product. A writer takes whatever has queued (up to ``--group``) and writes it in one transaction
with the Core statements of ``bench.open311_write_cost.floor_path`` (directory in memory, no attribute checks,
no district routing).

    .venv/bin/python bench/open311_load.py --db sqlite --server sketch
"""

from __future__ import annotations

import asyncio
import os
import queue
import sys
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make ``bench`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fastapi import FastAPI, Request  # noqa: E402
from fastapi.responses import JSONResponse  # noqa: E402

from bench.open311_write_cost import floor_path  # noqa: E402

Waiting = tuple[Any, asyncio.AbstractEventLoop, "asyncio.Future[int]"]


class GroupWriter:
    """One thread owns the writes: a batch per transaction, every waiter answered after its COMMIT."""

    def __init__(self, post: Any, group: int, writers: int = 1) -> None:
        self.post = post
        self.group = group
        self.pending: queue.Queue[Waiting | None] = queue.Queue()
        self.threads = [threading.Thread(target=self._run, name=f"writer-{i}", daemon=True) for i in range(writers)]
        for thread in self.threads:
            thread.start()

    def _run(self) -> None:
        while True:
            first = self.pending.get()
            if first is None:
                self.pending.put(None)  # let the other writers see it too
                return
            batch = [first]
            while len(batch) < self.group:
                try:
                    item = self.pending.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    self.pending.put(None)
                    break
                batch.append(item)
            self._write(batch)

    def _write(self, batch: list[Waiting]) -> None:
        try:
            ids = self.post([data for data, _loop, _future in batch])
        except Exception as exc:  # noqa: BLE001 - every waiter must hear about the failure
            for _data, loop, future in batch:
                loop.call_soon_threadsafe(future.set_exception, exc)
            return
        for (_data, loop, future), case_id in zip(batch, ids, strict=True):
            loop.call_soon_threadsafe(future.set_result, case_id)

    def stop(self) -> None:
        self.pending.put(None)  # each thread puts it back for the next one
        for thread in self.threads:
            thread.join(timeout=10)


def create_app() -> FastAPI:
    from citybrain.core.db import Database
    from citybrain.core.settings import load_settings
    from citybrain.intake.open311.schemas import parse_new_request

    db = Database(load_settings())
    api_key = os.environ["CITYBRAIN_BENCH_API_KEY"]
    # SQLite has one writer whatever we do; PostgreSQL can build one batch while another waits for its COMMIT.
    writers = 1 if db.engine.dialect.name == "sqlite" else int(os.environ.get("CITYBRAIN_BENCH_WRITERS", "2"))
    writer = GroupWriter(floor_path(db, api_key), int(os.environ.get("CITYBRAIN_BENCH_GROUP", "64")), writers)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        writer.stop()
        db.dispose()

    app = FastAPI(lifespan=lifespan)

    @app.post("/open311/v2/requests.json")
    async def create_request(request: Request) -> JSONResponse:
        form = await request.form()
        if form.get("api_key") != api_key:
            return JSONResponse([{"code": 403, "description": "api_key refused"}], status_code=403)
        loop = asyncio.get_running_loop()
        future: asyncio.Future[int] = loop.create_future()
        writer.pending.put((parse_new_request(form), loop, future))
        case_id = await future
        return JSONResponse([{"service_request_id": str(case_id), "service_notice": "", "account_id": None}])

    return app
