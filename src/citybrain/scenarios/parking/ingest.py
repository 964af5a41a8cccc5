"""Gate reads into sessions and bills, a batch at a time (flushes, never commits).

The whole batch is checked first — unknown car park, a car park the gate key is not bound to, a time in the future,
an unreadable plate — and refused as one error listing every bad read, so nothing is half-written and the gate
resends. Then the reads are paired in time order (:func:`pairing.decide`) against the open sessions and recent exits
of their plate keys, loaded in one query, and the batch's sessions, reads and bills are written with a few
executemany statements (the ORM's unit of work per row would cap the rate well below what a city's gates send).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from citybrain.core import clock
from citybrain.core.errors import Forbidden, InvalidInput
from citybrain.core.settings import Settings
from citybrain.models.parking import CarPark
from citybrain.scenarios.parking import plates, repository
from citybrain.scenarios.parking.billing import bill_row, charge_stay
from citybrain.scenarios.parking.pairing import (
    Decision,
    Direction,
    GateRead,
    OpenSession,
    RecentExit,
    Rules,
    decide,
)
from citybrain.scenarios.parking.schemas import EventBatch, EventIn

Stay = dict[str, Any]  # a parking_sessions row (repository.STAY_COLUMNS); "id" is None until written


@dataclass(frozen=True)
class ReadIn:
    car_park: str
    gate: str
    direction: str
    plate: str
    at: datetime
    confidence: float = 1.0
    image_ref: str | None = None


@dataclass
class Outcome:
    """What became of one read, in the order the reads were sent."""

    event_id: int
    outcome: str
    rule: str
    explanation: str
    session_id: int | None
    confidence: float
    review: bool
    bill_fen: int | None = None
    arrears_fen: int = 0
    blocked: bool = False


@dataclass
class _Book:
    """The stays of the batch's plate keys as the batch changes them; ``handle`` is a stay's number in ``all``."""

    all: list[Stay] = field(default_factory=list)
    open: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    exits: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    changed: set[int] = field(default_factory=set)
    codes: dict[int, str] = field(default_factory=dict)  # car park id → code, for the explanations

    def add(self, stay: Stay) -> int:
        self.all.append(stay)
        self.changed.add(len(self.all) - 1)
        return len(self.all) - 1


def reads_of(body: EventIn | EventBatch) -> list[ReadIn]:
    """The reads of a POST body or an MQTT message (one read, or ``{"events": [...]}``)."""
    events = body.events if isinstance(body, EventBatch) else [body]
    return [ReadIn(e.car_park, e.gate, e.direction, e.plate, e.time, e.confidence, e.image_ref) for e in events]


def _checked(session: Session, reads: list[ReadIn], gate_park: int | None, settings: Settings,
             now: datetime) -> tuple[list[str], dict[str, CarPark]]:  # fmt: skip
    parks = {p.code: p for p in repository.car_parks(session, {r.car_park for r in reads})}
    problems, normalized = [], []
    latest = now + timedelta(seconds=settings.parking_future_seconds)
    for i, r in enumerate(reads):
        park = parks.get(r.car_park)
        if park is None:
            problems.append(f"read {i}: unknown car park {r.car_park!r}")
        elif gate_park is not None and park.id != gate_park:
            raise Forbidden(f"read {i}: this gate key posts for its own car park only, not {r.car_park!r}")
        if clock.as_utc(r.at) > latest:
            problems.append(f"read {i}: time {r.at.isoformat()} is in the future (server clock {now.isoformat()})")
        try:
            normalized.append(plates.normalize(r.plate))
        except InvalidInput as exc:
            normalized.append("")
            problems.append(f"read {i}: {exc.message}")
    if problems:
        raise InvalidInput("nothing was stored; resend after fixing: " + "; ".join(problems), code="bad_gate_reads")
    return normalized, parks


def ingest(*, session: Session, reads: list[ReadIn], gate_park: int | None, settings: Settings) -> list[Outcome]:
    """Pair, store and bill ``reads``; ``gate_park`` the car park a gate key is bound to (None: an admin, any)."""
    if not reads:
        raise InvalidInput("no gate reads sent")
    now = clock.utcnow()
    normalized, parks = _checked(session, reads, gate_park, settings, now)
    rules = Rules(settings.parking_duplicate_seconds, settings.parking_min_match_confidence)
    book = _load(session, normalized, reads, rules)
    order = sorted(range(len(reads)), key=lambda i: clock.as_utc(reads[i].at))
    decisions: dict[int, tuple[Decision, int | None]] = {}
    for i in order:
        try:
            decisions[i] = _apply(reads[i], normalized[i], parks[reads[i].car_park], book, rules)
        except InvalidInput as exc:
            raise InvalidInput(f"read {i}: {exc.message}; nothing was stored", code=exc.code) from exc
    _write_stays(session, book)
    bills = _bill(session, book, {p.id: p for p in parks.values()}, settings.timezone, now)
    events = _write_events(session, reads, normalized, decisions, book, parks, now)
    return _outcomes(session, reads, normalized, decisions, book, events, bills, settings)


def _load(session: Session, normalized: list[str], reads: list[ReadIn], rules: Rules) -> _Book:
    keys = {plates.plate_key(p) for p in normalized}
    since = min(clock.as_utc(r.at) for r in reads) - timedelta(seconds=rules.duplicate_seconds)
    book = _Book(codes=repository.car_park_codes(session))
    for stay in repository.stays(session, keys, since):
        book.all.append(stay)
        side = book.open if stay["status"] == repository.OPEN else book.exits
        side[stay["plate_key"]].append(len(book.all) - 1)
    return book


def _seconds(at: datetime | None) -> int:
    return int(clock.as_utc(at).timestamp()) if at is not None else 0


def _note(action: str, why: str, confidence: float | None = None) -> dict[str, Any]:
    note: dict[str, Any] = {"at": clock.iso(clock.utcnow()), "by": "pairing", "action": action, "why": why}
    if confidence is not None:
        note["confidence"] = confidence
    return note


def _apply(read: ReadIn, plate: str, park: CarPark, book: _Book, rules: Rules) -> tuple[Decision, int | None]:
    key, at = plates.plate_key(plate), clock.as_utc(read.at)
    code = book.codes.get
    opened = [OpenSession(h, code(book.all[h]["car_park_id"], "?"), book.all[h]["plate"],
                          _seconds(book.all[h]["entered_at"])) for h in book.open[key]]  # fmt: skip
    exits = [RecentExit(h, code(book.all[h]["exit_car_park_id"] or 0, "?"), book.all[h]["plate"],
                        _seconds(book.all[h]["exited_at"])) for h in book.exits[key]]  # fmt: skip
    direction: Direction = "in" if read.direction == "in" else "out"
    d = decide(GateRead(park.code, direction, plate, int(at.timestamp()), read.confidence), opened, exits, rules)
    handle = d.session_id
    if d.kind == "open":
        if d.missed_exit is not None:
            missed = book.all[d.missed_exit]
            missed.update(status="missed_exit", review=True, history=[*missed["history"],
                          _note("missed_exit", d.explanation)])  # fmt: skip
            book.open[key].remove(d.missed_exit)
            book.changed.add(d.missed_exit)
        handle = book.add(_stay(plate, key, park.id, entered_at=at, status="open", review=False,
                                history=[_note("entry", d.explanation)]))  # fmt: skip
        book.open[key].append(handle)
    elif d.kind == "close" and handle is not None:
        stay = book.all[handle]
        stay.update(status="closed", exited_at=at, exit_car_park_id=park.id, exit_plate=plate, match_rule=d.rule,
                    match_confidence=d.confidence, review=d.review or stay["review"],
                    history=[*stay["history"], _note(d.rule, d.explanation, d.confidence)])  # fmt: skip
        book.open[key].remove(handle)
        book.exits[key].append(handle)
        book.changed.add(handle)
    elif d.kind == "orphan_exit":
        handle = book.add(_stay(plate, key, park.id, exit_car_park_id=park.id, exited_at=at, exit_plate=plate,
                                status="orphan_exit", match_rule=d.rule, review=True,
                                history=[_note(d.rule, d.explanation)]))  # fmt: skip
        book.exits[key].append(handle)  # a second read of this exit is a duplicate, not another orphan
    return d, handle


def _stay(plate: str, key: str, car_park_id: int, **values: Any) -> Stay:
    stay: Stay = dict.fromkeys(repository.STAY_COLUMNS)
    stay.update(plate=plate, plate_key=key, car_park_id=car_park_id, overstay=False, **values)
    return stay


def _write_stays(session: Session, book: _Book) -> None:
    new = [h for h in sorted(book.changed) if book.all[h]["id"] is None]
    rows = [{k: v for k, v in book.all[h].items() if k != "id"} for h in new]
    for h, new_id in zip(new, repository.insert_returning_ids(session, "sessions", rows), strict=True):
        book.all[h]["id"] = new_id
    repository.update_stays(session, [book.all[h] for h in sorted(book.changed) if h not in set(new)])


def _bill(session: Session, book: _Book, parks: dict[int, CarPark], timezone: str, now: datetime) -> dict[int, int]:
    """Bill every session the batch closed; the amount per session id."""
    closed = [book.all[h] for h in sorted(book.changed) if book.all[h]["status"] == "closed"]
    closed = [s for s in closed if s["entered_at"] is not None]
    billed = repository.drop_void_bills(session, [s["id"] for s in closed])
    passes = repository.passes(session, {s["plate"] for s in closed})
    rows, amounts = [], {}
    for s in closed:
        if s["id"] in billed:
            continue
        park = parks.get(s["car_park_id"]) or repository.car_park_by_id(session, s["car_park_id"])
        result = charge_stay(s["plate"], s["entered_at"], s["exited_at"], park, passes, timezone=timezone)
        rows.append(bill_row(s["id"], s["plate"], park, result, now))
        amounts[s["id"]] = result.amount_fen
    repository.insert_bills(session, rows)
    return amounts


def _write_events(
    session: Session, reads: list[ReadIn], normalized: list[str], decisions: dict[int, tuple[Decision, int | None]],
    book: _Book, parks: dict[str, CarPark], now: datetime,
) -> list[int]:  # fmt: skip
    rows = []
    for i, r in enumerate(reads):
        d, handle = decisions[i]
        rows.append({
            "car_park_id": parks[r.car_park].id, "gate": r.gate[:64], "direction": r.direction,
            "plate": normalized[i], "plate_read": r.plate[:32], "at": clock.as_utc(r.at), "confidence": r.confidence,
            "image_ref": r.image_ref, "received_at": now,
            "session_id": book.all[handle]["id"] if handle is not None else None,
            "outcome": d.kind, "rule": d.rule, "explanation": d.explanation[:500],
        })  # fmt: skip
    return repository.insert_returning_ids(session, "events", rows)


def _outcomes(
    session: Session, reads: list[ReadIn], normalized: list[str], decisions: dict[int, tuple[Decision, int | None]],
    book: _Book, events: list[int], bills: dict[int, int], settings: Settings,
) -> list[Outcome]:  # fmt: skip
    entering = {normalized[i] for i, r in enumerate(reads) if r.direction == "in"}
    arrears = repository.unpaid_totals(session, entering)
    block = settings.parking_arrears_block_fen
    found = []
    for i in range(len(reads)):
        d, handle = decisions[i]
        sid = book.all[handle]["id"] if handle is not None else None
        owed = arrears.get(normalized[i], 0) if d.kind == "open" else 0
        found.append(Outcome(
            event_id=events[i], outcome=d.kind, rule=d.rule, explanation=d.explanation, session_id=sid,
            confidence=d.confidence, review=d.review, bill_fen=bills.get(sid) if d.kind == "close" and sid else None,
            arrears_fen=owed, blocked=bool(block and owed >= block),
        ))  # fmt: skip
    return found
