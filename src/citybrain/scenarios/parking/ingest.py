"""Gate reads into sessions and bills, a batch at a time (flushes, never commits).

The whole batch is checked first — unknown car park, a car park the gate key is not bound to, a time in the future,
an unreadable plate — and refused as one error listing every bad read, so nothing is half-written and the gate
resends. Then the reads are paired in time order (:func:`pairing.decide`) against the open sessions of their plate
keys, loaded in one query, and the batch's sessions, reads and bills are written together.
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
from citybrain.models.parking import CarPark, GateEvent, ParkingBill, ParkingSession
from citybrain.scenarios.parking import plates, repository
from citybrain.scenarios.parking.billing import bill_for
from citybrain.scenarios.parking.pairing import Decision, Direction, GateRead, OpenSession, RecentExit, Rules, decide


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
    """The open sessions and recent exits of the batch's plate keys, as the batch changes them."""

    open: dict[str, list[ParkingSession]] = field(default_factory=lambda: defaultdict(list))
    exits: dict[str, list[ParkingSession]] = field(default_factory=lambda: defaultdict(list))
    temp: dict[int, ParkingSession] = field(default_factory=dict)  # id() of a session → it (new ones have no id)
    codes: dict[int, str] = field(default_factory=dict)  # car park id → code, for the explanations


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
    by_id = {p.id: p for p in parks.values()}
    order = sorted(range(len(reads)), key=lambda i: clock.as_utc(reads[i].at))
    decisions: dict[int, tuple[Decision, ParkingSession | None]] = {}
    for i in order:
        try:
            decisions[i] = _apply(reads[i], normalized[i], parks[reads[i].car_park], book, rules)
        except InvalidInput as exc:
            raise InvalidInput(f"read {i}: {exc.message}; nothing was stored", code=exc.code) from exc
    session.add_all(book.temp.values())
    session.flush()
    return _write(session, reads, normalized, decisions, book, by_id, settings, now)


def _load(session: Session, normalized: list[str], reads: list[ReadIn], rules: Rules) -> _Book:
    keys = {plates.plate_key(p) for p in normalized}
    book = _Book(codes=repository.car_park_codes(session))
    for s in repository.open_sessions(session, keys):
        book.open[s.plate_key].append(s)
    since = min(clock.as_utc(r.at) for r in reads) - timedelta(seconds=rules.duplicate_seconds)
    for s in repository.recent_exits(session, keys, since):
        book.exits[s.plate_key].append(s)
    return book


def _apply(
    read: ReadIn, plate: str, park: CarPark, book: _Book, rules: Rules
) -> tuple[Decision, ParkingSession | None]:
    key = plates.plate_key(plate)
    at = clock.as_utc(read.at)
    seconds = int(at.timestamp())
    codes = {id(s): s for s in book.open[key] + book.exits[key]}
    name = book.codes.get
    opened = [OpenSession(id(s), name(s.car_park_id, "?"), s.plate, _ts(s.entered_at)) for s in book.open[key]]
    exits = [RecentExit(id(s), name(s.exit_car_park_id or 0, "?"), s.plate, _ts(s.exited_at)) for s in book.exits[key]]
    direction: Direction = "in" if read.direction == "in" else "out"
    d = decide(GateRead(park.code, direction, plate, seconds, read.confidence), opened, exits, rules)
    target = codes.get(d.session_id) if d.session_id is not None else None
    if d.kind == "open":
        if d.missed_exit is not None:
            missed = codes[d.missed_exit]
            missed.status, missed.review = "missed_exit", True
            missed.history = [*missed.history, _note("missed_exit", d.explanation)]
            book.open[key].remove(missed)
        target = ParkingSession(plate=plate, plate_key=key, car_park_id=park.id, entered_at=at, status="open",
                                review=False, overstay=False, history=[_note("entry", d.explanation)])  # fmt: skip
        book.open[key].append(target)
        book.temp[id(target)] = target
    elif d.kind == "close" and target is not None:
        target.status, target.exited_at, target.exit_car_park_id, target.exit_plate = "closed", at, park.id, plate
        target.match_rule, target.match_confidence, target.review = d.rule, d.confidence, d.review or target.review
        target.history = [*target.history, _note(d.rule, d.explanation, d.confidence)]
        book.open[key].remove(target)
        book.exits[key].append(target)
        book.temp.setdefault(id(target), target)
    elif d.kind == "orphan_exit":
        target = ParkingSession(plate=plate, plate_key=key, car_park_id=park.id, exit_car_park_id=park.id,
                                exited_at=at, exit_plate=plate, status="orphan_exit", match_rule=d.rule, review=True,
                                overstay=False, history=[_note(d.rule, d.explanation)])  # fmt: skip
        book.temp[id(target)] = target
    return d, target


def _ts(at: datetime | None) -> int:
    return int(clock.as_utc(at).timestamp()) if at is not None else 0


def _note(action: str, why: str, confidence: float | None = None, actor: str = "pairing") -> dict[str, Any]:
    note: dict[str, Any] = {"at": clock.iso(clock.utcnow()), "by": actor, "action": action, "why": why}
    if confidence is not None:
        note["confidence"] = confidence
    return note


def _write(
    session: Session, reads: list[ReadIn], normalized: list[str],
    decisions: dict[int, tuple[Decision, ParkingSession | None]], book: _Book, parks: dict[int, CarPark],
    settings: Settings, now: datetime,
) -> list[Outcome]:  # fmt: skip
    closed = [s for s in book.temp.values() if s.status == "closed" and s.exited_at is not None]
    plates_closed = {s.plate for s in closed}
    passes = repository.passes(session, plates_closed)
    bills: dict[int, ParkingBill] = {}
    for s in closed:
        if repository.bill_of(session, s.id) is None and s.entered_at is not None:
            bills[s.id] = bill_for(s, parks[s.car_park_id], passes, timezone=settings.timezone, now=now)
    session.add_all(bills.values())
    events = []
    by_code = {p.code: p for p in parks.values()}
    for i, r in enumerate(reads):
        d, target = decisions[i]
        events.append(GateEvent(
            car_park_id=by_code[r.car_park].id, gate=r.gate[:64], direction=r.direction,
            plate=normalized[i], plate_read=r.plate[:32], at=clock.as_utc(r.at), confidence=r.confidence,
            image_ref=r.image_ref, received_at=now, session_id=target.id if target is not None else None,
            outcome=d.kind, rule=d.rule, explanation=d.explanation[:500],
        ))  # fmt: skip
    session.add_all(events)
    session.flush()
    return _outcomes(session, reads, normalized, decisions, events, bills, settings)


def _outcomes(
    session: Session, reads: list[ReadIn], normalized: list[str],
    decisions: dict[int, tuple[Decision, ParkingSession | None]], events: list[GateEvent],
    bills: dict[int, ParkingBill], settings: Settings,
) -> list[Outcome]:  # fmt: skip
    entering = {normalized[i] for i, r in enumerate(reads) if r.direction == "in"}
    arrears = repository.unpaid_totals(session, entering)
    block = settings.parking_arrears_block_fen
    found = []
    for i, r in enumerate(reads):
        d, target = decisions[i]
        bill = bills.get(target.id) if target is not None and d.kind == "close" else None
        owed = arrears.get(normalized[i], 0) if r.direction == "in" and d.kind == "open" else 0
        found.append(Outcome(
            event_id=events[i].id, outcome=d.kind, rule=d.rule, explanation=d.explanation,
            session_id=target.id if target is not None else None, confidence=d.confidence, review=d.review,
            bill_fen=bill.amount_fen if bill is not None else None, arrears_fen=owed,
            blocked=bool(block and owed >= block),
        ))  # fmt: skip
    return found
