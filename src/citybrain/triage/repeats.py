"""The process's repeat index (重复件): open cases of the last ``dedup_window_days``, kept in step with the database.

Why in memory: a MinHash LSH query is about a millisecond, a text search in SQL is not. The cases this process
writes (Open311 and the staff API both go through :meth:`RepeatIndex.add_written`) are indexed as they are
written; and at most once a second (``sync_seconds``) the index follows the database by case id — the open cases
with an id above the highest it has seen (one small indexed query) — so cases written by other processes or a
bulk import are found too, within a second. Candidates are re-checked against the database (still open?) before
they are suggested, which also drops a case whose transaction was rolled back after it was indexed.

Bounded: the index is two generations of at most ``dedup_index_max_cases`` / 2 cases each (about 1.2 KB a case for
real messages, bench/results/repeat_index_memory.json).
New cases go to the young one; when it is full, the old one is dropped whole and the young one becomes old — no
rebuild, no pause. So between half and all of the bound are held, the newest; in a city with more open cases in the
window than the bound, the oldest of them are not suggested as repeat targets (issue 15's memory target:
bench/soak.py, bench/repeat_index_memory.py).

Known limit: on PostgreSQL two writers may commit ids out of order; a case committed with a lower id after a
higher one was indexed is missed by this process's index (no suggestion, never a wrong one).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from citybrain.cases.lifecycle import OPEN_STATES
from citybrain.cases.plan import PlannedCase, Reading
from citybrain.core import clock
from citybrain.core.settings import Settings
from citybrain.nlp.dedup import Match, NearDuplicateIndex
from citybrain.triage import repository
from citybrain.triage.ports import Repeat

#: Texts this alike are suggested as repeats even under different categories (one citizen, two service codes).
NEAR_COPY = 0.7

#: Statuses a just-written case is indexed in (the open ones).
OPEN_STATUSES = frozenset(s.value for s in OPEN_STATES)

#: Likely repeats suggested per new case, most similar first: an operator reads a few, not a list.
SUGGESTIONS = 3


class RepeatIndex:
    """A :class:`NearDuplicateIndex` of open cases plus the settings that bound a repeat (window, distance)."""

    def __init__(self, settings: Settings) -> None:
        self.window_days = settings.dedup_window_days
        self.distance_m = settings.dedup_distance_m
        self.min_similarity = settings.dedup_min_similarity
        self.max_cases = settings.dedup_index_max_cases
        self.sync_seconds = 1.0  # how stale the index may be about cases written by other processes
        self._lock = threading.Lock()
        self._synced_at = -1e18  # monotonic time of the last look at the database
        self._reset(None)

    def _reset(self, now: datetime | None) -> None:
        self._index = NearDuplicateIndex()  # the young generation: new cases go here
        self._old = NearDuplicateIndex()  # dropped whole when the young one is full
        self._subjects: dict[int, str] = {}  # case id -> first-level category, when known (young)
        self._old_subjects: dict[int, str] = {}
        self._last_id = 0
        self._started = False
        self._built_at = now

    def __len__(self) -> int:
        return len(self._index) + len(self._old)

    def __contains__(self, case_id: int) -> bool:
        return str(case_id) in self._index or str(case_id) in self._old

    def sync(self, session: Session, now: datetime | None = None) -> int:
        """Add the open cases the index has not seen yet; returns how many were added."""
        now = now or clock.utcnow()
        since = now - timedelta(days=self.window_days)
        looked = time.monotonic()
        with self._lock:
            if self._started and looked - self._synced_at < self.sync_seconds:
                return 0  # this process's own cases are already in (add_written); others' wait a moment
            self._synced_at = looked
            if self._built_at is None or now - self._built_at > timedelta(days=self.window_days):
                self._reset(now)  # rebuilt once a window: cases that left it (or closed) stop taking memory
            rows = repository.open_cases_after(session, after_id=self._last_id, since=since)
            fresh = [row for row in rows if row.id not in self]  # not indexed when this process wrote it
            fresh = fresh[-self.max_cases :]  # only the newest fit (a rebuild in a city with more open cases)
            for row in fresh:
                self._add(row.id, row.text, row.created_at, row.lat, row.lon, row.category_code)
            if rows:
                self._last_id = rows[-1].id
            elif not self._started:
                self._last_id = repository.max_case_id(session)  # nothing open: start after the newest case
            self._started = True
            return len(fresh)

    def add_written(self, case_ids: Sequence[int], planned: Sequence[PlannedCase]) -> None:
        """Index the cases this process has just written (inside their transaction), so the next request sees them."""
        with self._lock:
            if not self._started:
                return  # the first sync reads them from the database
            for case_id, p in zip(case_ids, planned, strict=True):
                if p.status in OPEN_STATUSES:
                    case = p.case
                    text = repository.indexed_text(case.get("title"), case.get("text"))
                    self._add(
                        case_id, text, case["created_at"], case.get("lat"), case.get("lon"), case.get("category_code")
                    )

    def _add(
        self, case_id: int, text: str, created_at: datetime, lat: float | None, lon: float | None, category: str | None
    ) -> None:
        if self._index.slots >= self.max_cases // 2:  # the young generation is full: the old one goes
            self._old, self._old_subjects = self._index, self._subjects
            self._index, self._subjects = NearDuplicateIndex(), {}
        self._index.add(str(case_id), text, when=created_at, lat=lat, lon=lon, place=None)
        if category:
            self._subjects[case_id] = subject(category)

    def bound(self, session: Session) -> BoundRepeats:
        return BoundRepeats(self, session)

    def query(self, text: str, created_at: datetime, lat: float | None, lon: float | None) -> list[Match]:
        with self._lock:
            found = [
                match
                for generation in (self._index, self._old)
                for match in generation.query(
                    text,
                    when=created_at,
                    lat=lat,
                    lon=lon,
                    max_distance_m=self.distance_m,
                    window_days=self.window_days,
                    min_similarity=self.min_similarity,
                    limit=SUGGESTIONS,
                )
            ]
        found.sort(key=lambda m: (-m.similarity, m.evidence.days_apart))  # each generation's order, merged
        return found[:SUGGESTIONS]

    def forget(self, case_ids: set[int]) -> None:
        with self._lock:
            for case_id in case_ids:
                for generation in (self._index, self._old):
                    generation.remove(str(case_id))
                self._subjects.pop(case_id, None)
                self._old_subjects.pop(case_id, None)

    def same_subject(self, case_id: int, category: str | None) -> bool:
        """Two different subjects (first-level categories, both known) at one place are not a repeat."""
        known = self._subjects.get(case_id) or self._old_subjects.get(case_id)
        return category is None or known is None or known == subject(category)


def subject(category_code: str) -> str:
    """The first level of a dotted category code (``roads.lighting`` → ``roads``)."""
    return category_code.split(".", 1)[0]


class BoundRepeats:
    """The index answering for one batch; candidates are checked against the database once, by
    :func:`still_open`, after the whole batch was read (one query instead of one per request)."""

    def __init__(self, index: RepeatIndex, session: Session) -> None:
        self.index = index
        self.session = session

    def find(
        self,
        text: str,
        created_at: datetime,
        lat: float | None,
        lon: float | None,
        district: str | None,
        category: str | None,
    ) -> list[Repeat]:
        return [
            _repeat(m, district)
            for m in self.index.query(text, created_at, lat, lon)
            if m.similarity >= NEAR_COPY or self.index.same_subject(int(m.key), category)
        ]


def still_open(index: RepeatIndex, session: Session, readings: list[Reading]) -> list[Reading]:
    """The readings without duplicate suggestions of cases that closed since they were indexed (forgotten too)."""
    targets = {s["target_case_id"] for r in readings for s in r.suggestions if s["kind"] == "duplicate"}
    if not targets:
        return readings
    alive = repository.open_case_ids(session, sorted(targets))
    if alive == targets:
        return readings
    index.forget(targets - alive)
    return [_without(r, targets - alive) for r in readings]


def _without(reading: Reading, closed: set[int]) -> Reading:
    kept = tuple(s for s in reading.suggestions if s["kind"] != "duplicate" or s["target_case_id"] not in closed)
    if len(kept) == len(reading.suggestions):
        return reading
    repeats = dict(reading.reasons["repeats"])
    repeats["candidates"] = [c for c in repeats.get("candidates", []) if c not in closed]
    return replace(reading, suggestions=kept, reasons={**reading.reasons, "repeats": repeats})


def _repeat(match: Match, district: str | None) -> Repeat:
    e = match.evidence
    evidence = {
        "similarity": match.similarity,
        "shared": list(e.shared),
        "distance_m": e.distance_m,
        "days_apart": e.days_apart,
        "district": district,
        "method": "minhash-lsh char-3 shingles",
    }
    return Repeat(case_id=int(match.key), similarity=match.similarity, evidence=evidence)
