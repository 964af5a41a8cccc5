"""The intake writer (group commit): many citizens' requests, one transaction, each answered after its COMMIT.

Why: a durable commit costs an fsync, and the ORM's per-request statements cost CPU; one request per
transaction capped the server near 80 requests/s. Here one thread per process (SQLite's single writer; on
PostgreSQL ``intake_writers`` threads) takes whatever requests have queued — up to ``intake_max_batch``, with
no artificial wait — and for the batch:

1. reads the directory snapshot (:mod:`citybrain.directory.cache`, refreshed every few seconds);
2. in a read-only session, reads every API key of the batch in one SELECT, lets each request check itself
   (``Submission.prepare``: 403 / 404 / 400 per request) and reads the batch (triage,
   :class:`citybrain.triage.reader.Triager`: one batch prediction of the classifier, place, repeats) — work that
   needs no write lock, so SQLite's single writer is not held for it;
3. in the write transaction, reads the keys again (a key revoked in between refuses its requests) and plans
   each request's rows with :func:`citybrain.cases.plan.plan_case`, the same function the staff API uses;
4. writes all planned cases with multi-row Core INSERTs and commits (``Database.transaction``, so other
   writers of this process still queue on SQLite's writer lock);
5. only then completes each request's future with its case id.

A batch whose transaction fails is retried one request per transaction, so only the guilty request gets the
error. :meth:`IntakeWriter.stop` lets the threads drain the queue before they end.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from citybrain.auth import idempotency
from citybrain.auth import repository as auth_repository
from citybrain.cases import repository as cases_repository
from citybrain.cases.plan import PlannedCase, Reading, plan_case
from citybrain.cases.schemas import NewCase
from citybrain.core.db import Database, is_sqlite
from citybrain.core.errors import CityBrainError
from citybrain.core.ids import hash_secret
from citybrain.core.settings import Settings
from citybrain.directory.cache import DirectoryCache, directory_cache
from citybrain.directory.snapshot import DirectorySnapshot
from citybrain.models import ApiKey
from citybrain.triage.reader import Triager


@dataclass(frozen=True)
class Intake:
    """A checked request: the case to create, who files it, and the batch token if its service gives one."""

    case: NewCase
    actor: str
    token: str | None = None


#: Checks one request against the directory and its API key row (None: unknown key); raises CityBrainError.
Prepare = Callable[[DirectorySnapshot, ApiKey | None], Intake]


@dataclass(frozen=True)
class Accepted:
    """A committed request: its case id and what was decided for it (department, deadlines); with an
    Idempotency-Key, the answer stored with it (``answer``)."""

    case_id: int
    planned: PlannedCase
    token: str | None
    answer: idempotency.Answer | None = None


@dataclass(frozen=True)
class Submission:
    """A request for the writer. With an Idempotency-Key, ``claim`` is its hold on the key and ``render`` makes
    the answer, which is stored with the key in the same transaction as the case (docs/security.md)."""

    api_key: str | None
    received_at: datetime
    prepare: Prepare
    claim: idempotency.Claim | None = None
    render: Callable[[Accepted], idempotency.Answer] | None = None


@dataclass
class WriterStats:
    batches: int = 0
    requests: int = 0
    largest_batch: int = 0
    retried_batches: int = 0


_Pending = tuple[Submission, "Future[Accepted]"]
_Outcome = tuple[Intake, PlannedCase] | CityBrainError


class IntakeWriter:
    """Writer threads for one server process; created with the app, started and stopped by its lifespan."""

    def __init__(
        self, db: Database, settings: Settings, directory: DirectoryCache | None = None, *, autostart: bool = True
    ) -> None:
        self.db = db
        self.max_batch = settings.intake_max_batch
        self.thread_count = 1 if is_sqlite(db.engine) else settings.intake_writers
        self.directory = directory or directory_cache(db, settings.directory_refresh_seconds)
        self.triager = Triager(db, settings, self.directory)  # reads every new case: category, place, repeats
        self.stats = WriterStats()
        self._autostart = autostart
        self._queue: queue.SimpleQueue[_Pending | None] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._state = "new"  # new → running → stopped; start() may run it again

    # --- life -------------------------------------------------------------------------------------------

    def start(self) -> None:
        self.triager.warm(self.db)
        with self._lock:
            self._start_locked()

    def _start_locked(self) -> None:
        if self._state == "running":
            return
        if self._state == "stopped":
            self._queue = queue.SimpleQueue()  # the previous stop() left its end marker in the old one
        self._threads = [
            threading.Thread(target=self._run, name=f"intake-writer-{i}", daemon=True) for i in range(self.thread_count)
        ]
        for thread in self._threads:
            thread.start()
        self._state = "running"

    def stop(self, timeout: float = 60) -> None:
        """Refuse new requests, write every queued one, then end the threads."""
        with self._lock:
            running, self._state = self._state == "running", "stopped"
            if running:
                self._queue.put(None)
        for thread in self._threads:
            thread.join(timeout)

    # --- submitting -------------------------------------------------------------------------------------

    def submit(self, submission: Submission) -> Future[Accepted]:
        """Queue a request; the future completes after its batch committed (or with its error)."""
        future: Future[Accepted] = Future()
        with self._lock:
            if self._state == "stopped":
                raise RuntimeError("the intake writer has stopped: the server is shutting down")
            if self._state == "new" and self._autostart:
                self._start_locked()
            self._queue.put((submission, future))
        return future

    async def write(self, submission: Submission) -> Accepted:
        """Await a request's commit without holding a thread (the HTTP handler's way in)."""
        return await asyncio.wrap_future(self.submit(submission))

    # --- the writer thread ------------------------------------------------------------------------------

    def _run(self) -> None:
        while True:
            batch, stopping = self._take()
            if batch:
                self._write(batch)
            if stopping:
                return

    def _take(self) -> tuple[list[_Pending], bool]:
        """Block for one request, then take what else is already queued (no waiting for more)."""
        batch: list[_Pending] = []
        item = self._queue.get()
        while item is not None:
            if item[1].set_running_or_notify_cancel():  # a request its client gave up on is not written
                batch.append(item)
            if len(batch) >= self.max_batch:
                return batch, False
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return batch, False
        self._queue.put(None)  # the end marker, for the other writer threads
        return batch, True

    def _write(self, batch: list[_Pending]) -> None:
        try:
            outcomes = self._attempt(batch)
        except Exception as exc:  # noqa: BLE001 - every waiter must hear about it, and the thread must live
            if len(batch) == 1:
                batch[0][1].set_exception(exc)
                return
            self._count(batch, retried=True)
            for one in batch:  # only the guilty request fails when each has its own transaction
                self._write([one])
            return
        self._count(batch, retried=False)
        for (_submission, future), outcome in zip(batch, outcomes, strict=True):
            if isinstance(outcome, BaseException):
                future.set_exception(outcome)
            else:
                future.set_result(outcome)

    def _attempt(self, batch: list[_Pending]) -> list[Accepted | CityBrainError]:
        """Read the batch (the model, places, repeats) in a read-only session, then write it in one transaction;
        returns only after COMMIT returned. The reading is done before the write so that SQLite's single writer
        is not held for it (it was a third of the time intake held it under the soak); the keys are read again
        in the write, so a key revoked in between counts."""
        directory = self.directory.current()
        hashes = [hash_secret(s.api_key) if s.api_key else None for s, _future in batch]
        with self.db.reading() as session:
            keys = _key_states(auth_repository.by_hashes(session, [h for h in hashes if h]))
            checked = [
                _check(s, directory, keys[h][1] if h in keys else None)
                for (s, _f), h in zip(batch, hashes, strict=True)
            ]
            fine = [c for c in checked if not isinstance(c, CityBrainError)]
            readings = iter(self.triager.read(session, [c.case for c in fine], directory) if fine else [])
            read = [c if isinstance(c, CityBrainError) else (c, next(readings)) for c in checked]
        with self.db.transaction() as session:
            now = _key_states(auth_repository.by_hashes(session, [h for h in hashes if h]))
            outcomes = [
                _plan(s, directory, *r) if not isinstance(r, CityBrainError) else r
                for (s, _f), r in zip(batch, _recheck(batch, hashes, read, keys, now, directory), strict=True)
            ]
            planned = [o[1] for o in outcomes if not isinstance(o, CityBrainError)]
            new_ids = cases_repository.insert_planned(session, planned) if planned else []
            self.triager.record(session, new_ids, planned)
            ids = iter(new_ids)
            answers = [
                o if isinstance(o, CityBrainError) else _answered(session, s, Accepted(next(ids), o[1], o[0].token))
                for (s, _f), o in zip(batch, outcomes, strict=True)
            ]
        for (submission, _future), outcome in zip(batch, answers, strict=True):
            if submission.claim is not None and isinstance(outcome, Accepted) and outcome.answer is not None:
                submission.claim.state = "answered"  # after COMMIT: the key and the case are stored together
        return answers

    def _count(self, batch: list[_Pending], *, retried: bool) -> None:
        with self._lock:
            if retried:
                self.stats.retried_batches += 1
                return
            self.stats.batches += 1
            self.stats.requests += len(batch)
            self.stats.largest_batch = max(self.stats.largest_batch, len(batch))


def idempotency_claim(_request: object = None) -> idempotency.Claim | None:
    """The Idempotency-Key claim of the request being handled (None without the header)."""
    return idempotency.CLAIM.get()


def stored_answer(render: Callable[[Accepted], Any]) -> Callable[[Accepted], idempotency.Answer]:
    """``render`` (Accepted → a Starlette response) as the writer stores it with the key."""

    def answer(accepted: Accepted) -> idempotency.Answer:
        response = render(accepted)
        media_type = response.headers.get("content-type", "application/octet-stream")
        return idempotency.Answer(int(response.status_code), str(media_type), bytes(response.body))

    return answer


def _answered(session: Session, submission: Submission, accepted: Accepted) -> Accepted:
    """Store the answer with the request's Idempotency-Key, in the transaction that creates its case."""
    if submission.claim is None or submission.render is None:
        return accepted
    answer = submission.render(accepted)
    idempotency.finish(session, submission.claim, answer)
    return replace(accepted, answer=answer)


_KeyState = tuple[tuple[Any, ...], ApiKey]


def _key_states(keys: dict[str, ApiKey]) -> dict[str, _KeyState]:
    """Each key with what a request's check reads of it, to see whether it changed between two reads."""
    return {h: ((k.id, k.role, k.department_id, k.revoked_at, k.name), k) for h, k in keys.items()}


def _recheck(
    batch: list[_Pending],
    hashes: list[str | None],
    read: list[tuple[Intake, Reading] | CityBrainError],
    before: dict[str, _KeyState],
    now: dict[str, _KeyState],
    directory: DirectorySnapshot,
) -> list[tuple[Intake, Reading] | CityBrainError]:
    """The requests checked again whose key changed since they were read (revoked, its role or unit moved): a
    change can refuse a request, never admit one that was refused."""
    out: list[tuple[Intake, Reading] | CityBrainError] = []
    for (submission, _f), h, r in zip(batch, hashes, read, strict=True):
        if isinstance(r, CityBrainError) or h is None or before.get(h, (None,))[0] == now.get(h, (None,))[0]:
            out.append(r)
            continue
        again = _check(submission, directory, now[h][1] if h in now else None)
        out.append(again if isinstance(again, CityBrainError) else (again, r[1]))
    return out


def _check(submission: Submission, directory: DirectorySnapshot, key: ApiKey | None) -> Intake | CityBrainError:
    try:
        return submission.prepare(directory, key)
    except CityBrainError as exc:
        return exc


def _plan(submission: Submission, directory: DirectorySnapshot, intake: Intake, reading: Reading) -> _Outcome:
    try:
        planned = plan_case(intake.case, directory, submission.received_at, intake.actor, reading)
    except CityBrainError as exc:
        return exc
    planned.case["token"] = intake.token
    return intake, planned
