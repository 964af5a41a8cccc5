"""Pairing gate reads into parking sessions (进出场配对) — pure: the reads and sessions in, one decision out.

A barrier-free car park has no ticket: the only link between an entry and an exit is the plate the cameras read,
and cameras err. The rules, in the order they are tried, each decision carrying its rule and a sentence saying why:

- **duplicate** (重复识别): a second read of one pass — same car park, same direction, a plate of the same key
  (:func:`plates.plate_key`), within ``duplicate_seconds`` of the first — is kept but opens or closes nothing.
- **entry**: opens a session. When the same plate (exactly) still has an open session, that one is marked
  ``missed_exit`` (漏识别出场): the vehicle must have left unseen; staff decide what it owes.
- **exit**: closes the open session of the most alike plate that entered before it — first in the same car park,
  then in any other (a vehicle leaving through a neighbour's gate, 跨场出场). A look-alike or province misread is
  matched only when one candidate is clearly best and its confidence is at least ``min_confidence``; the decision
  then says ``review`` so a person sees it, never silently.
- **orphan exit** (无入场记录): no candidate, or several equally good ones — kept for staff to pair by hand.

Never-closed sessions are found by :func:`overstays`. Every decision is reversible by staff (service.unpair).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from citybrain.core.errors import InvalidInput
from citybrain.scenarios.parking.plates import Likeness, compare

Direction = Literal["in", "out"]
Kind = Literal["open", "close", "duplicate", "orphan_exit"]


@dataclass(frozen=True)
class GateRead:
    """One read at a gate: ``at`` in seconds since 1970 (UTC); ``plate`` normalized."""

    car_park: str
    direction: Direction
    plate: str
    at: int
    confidence: float = 1.0


@dataclass(frozen=True)
class OpenSession:
    id: int
    car_park: str
    plate: str
    entered_at: int


@dataclass(frozen=True)
class RecentExit:
    """A session closed lately, for recognising a second read of its exit."""

    id: int
    car_park: str
    plate: str
    exited_at: int


@dataclass(frozen=True)
class Rules:
    duplicate_seconds: int = 120
    min_confidence: float = 0.6


@dataclass(frozen=True)
class Decision:
    kind: Kind
    rule: str  # duplicate_entry, duplicate_exit, entry, same_plate, lookalike, other_car_park, no_entry, ambiguous
    explanation: str
    session_id: int | None = None  # the session closed, or the one a duplicate belongs to
    confidence: float = 1.0
    review: bool = False  # a person should look (a fuzzy or cross-car-park match, an orphan)
    missed_exit: int | None = None  # an entry: the same plate's earlier open session, now marked missed_exit


def decide(
    read: GateRead, open_sessions: Sequence[OpenSession], recent_exits: Sequence[RecentExit], rules: Rules = Rules()
) -> Decision:
    """The decision for ``read`` given the open sessions and recent exits of its plate's key."""
    if read.direction == "in":
        return _entry(read, open_sessions, rules)
    return _exit(read, open_sessions, recent_exits, rules)


def _entry(read: GateRead, open_sessions: Sequence[OpenSession], rules: Rules) -> Decision:
    for s in open_sessions:
        if s.car_park == read.car_park and 0 <= read.at - s.entered_at <= rules.duplicate_seconds:
            if compare(s.plate, read.plate) is not None:
                return Decision("duplicate", "duplicate_entry",
                                f"second read of entry {s.id} ({s.plate}) {read.at - s.entered_at} s after it",
                                session_id=s.id)  # fmt: skip
    earlier = [s for s in open_sessions if s.plate == read.plate and s.entered_at <= read.at]
    if earlier:
        last = max(earlier, key=lambda s: s.entered_at)
        return Decision("open", "entry",
                        f"entry; the same plate's session {last.id} in {last.car_park} was never closed: "
                        "marked missed_exit (漏识别出场)", missed_exit=last.id, review=True)  # fmt: skip
    return Decision("open", "entry", "entry")


def _exit(
    read: GateRead, open_sessions: Sequence[OpenSession], recent_exits: Sequence[RecentExit], rules: Rules
) -> Decision:
    for e in recent_exits:
        if e.car_park == read.car_park and 0 <= read.at - e.exited_at <= rules.duplicate_seconds:
            if compare(e.plate, read.plate) is not None:
                return Decision("duplicate", "duplicate_exit",
                                f"second read of the exit of session {e.id} ({e.plate}) {read.at - e.exited_at} s "
                                "after it", session_id=e.id)  # fmt: skip
    candidates = [(s, like) for s, like in _alike(read, open_sessions) if s.entered_at <= read.at]
    here = [(s, like) for s, like in candidates if s.car_park == read.car_park]
    for pool, elsewhere in ((here, False), ([c for c in candidates if c not in here], True)):
        chosen = _best(read, pool, rules, elsewhere=elsewhere)
        if chosen is not None:
            return chosen
    later = [s for s in open_sessions if s.plate == read.plate and s.entered_at > read.at]
    if not candidates and later:
        first = later[0]
        message = (f"exit before entry: {read.plate} leaves at {read.at} but entered at {first.entered_at} "
                   f"(session {first.id}); check the gate's clock")  # fmt: skip
        raise InvalidInput(message, code="exit_before_entry")
    if candidates:
        names = ", ".join(f"{s.id} {s.plate} ({like.confidence:.2f})" for s, like in candidates)
        why = f"no single session is clearly this plate: {names}; a person pairs it"
        return Decision("orphan_exit", "ambiguous", why, review=True)
    return Decision("orphan_exit", "no_entry", "exit with no open entry of this plate (无入场记录)", review=True)


def _alike(read: GateRead, sessions: Iterable[OpenSession]) -> list[tuple[OpenSession, Likeness]]:
    found = []
    for s in sessions:
        like = compare(s.plate, read.plate)
        if like is not None:
            found.append((s, like))
    return found


def _best(
    read: GateRead, pool: list[tuple[OpenSession, Likeness]], rules: Rules, *, elsewhere: bool
) -> Decision | None:
    """The clearly best candidate of ``pool``, or None (none acceptable, or a tie)."""
    ok = [(s, like) for s, like in pool if like.confidence >= rules.min_confidence]
    if not ok:
        return None
    ok.sort(key=lambda c: (-c[1].confidence, -c[0].entered_at))
    session, like = ok[0]
    if len(ok) > 1 and ok[1][1].confidence == like.confidence and not like.exact:
        return None
    confidence = round(like.confidence * (0.9 if elsewhere else 1.0), 4)
    where = f" through {read.car_park}'s gate, entered at {session.car_park} (跨场出场)" if elsewhere else ""
    rule = "other_car_park" if elsewhere else ("same_plate" if like.exact else "lookalike")
    text = f"exit matched to session {session.id}: read {read.plate}, entered as {session.plate} — {like.explain()}"
    return Decision("close", rule, text + where, session_id=session.id, confidence=confidence,
                    review=elsewhere or not like.exact)  # fmt: skip


def overstays(sessions: Iterable[OpenSession], *, now: int, limit_seconds: int) -> list[int]:
    """Ids of the open sessions entered more than ``limit_seconds`` before ``now`` (超时未出场)."""
    return [s.id for s in sessions if now - s.entered_at > limit_seconds]
