"""A synthetic case's whole life, as the events the case platform would have written.

派单 (dispatch) by routing at receipt → 签收 (accept), in time or late → 办理 → 办结答复 (resolve) → 回访 (callback)
→ 结案 (close); some are first sent to the wrong department and 退单 (rejected), some are reopened after an
unhappy callback, some get 催办 (reminders) and 督办 (escalation) when their deadline nears or passes. Nothing
happens after ``now``: the case's state is whatever its last event before ``now`` left it in, so recent cases
are still open and some are overdue. The case row is derived from the events, so the two always agree.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from citybrain.directory.sla import deadlines
from citybrain.simulate.profiles import Quality
from citybrain.simulate.texts import REJECT_REASONS


@dataclass(frozen=True)
class Sla:
    code: str
    accept_hours: float
    resolve_hours: float


@dataclass(slots=True)
class SimEvent:
    at: datetime
    actor: str
    action: str
    from_status: str | None
    to_status: str
    department: str | None
    note: str | None = None
    data: dict[str, Any] | None = None


@dataclass(slots=True)
class SimCallback:
    at: datetime
    resolved: bool
    satisfaction: int | None
    note: str | None


@dataclass
class CaseState:
    """The case row's lifecycle columns, as they stand after the last event."""

    status: str = "received"
    department: str | None = None
    dispatched_at: datetime | None = None
    accept_due_at: datetime | None = None
    due_at: datetime | None = None
    accepted_at: datetime | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    reply: str | None = None
    resolved: bool | None = None
    satisfaction: int | None = None
    callback_at: datetime | None = None
    reopen_count: int = 0
    reject_count: int = 0
    reminder_count: int = 0
    escalated_at: datetime | None = None
    updated_at: datetime | None = None
    version: int = 1


@dataclass
class _Track:
    """Appends events in time order and stops for good at the first one that would lie after ``now``."""

    now: datetime
    events: list[SimEvent] = field(default_factory=list)
    callbacks: list[SimCallback] = field(default_factory=list)
    status: str | None = None
    department: str | None = None
    stopped: bool = False

    def add(
        self,
        at: datetime,
        actor: str,
        action: str,
        to: str | None = None,
        note: str | None = None,
        data: dict[str, Any] | None = None,
        department: str | None = None,
    ) -> bool:
        if self.stopped or at > self.now:
            self.stopped = True
            return False
        target = to or self.status or "received"
        if department is not None:
            self.department = department
        self.events.append(SimEvent(at, actor, action, self.status, target, self.department, note, data))
        self.status = target
        return True


def _h(hours: float) -> timedelta:
    return timedelta(hours=hours)


def _resolve_share(r: random.Random, quality: Quality) -> float:
    """Share of the resolve deadline used: mostly well inside it, an overdue few well past it."""
    if r.random() < quality.overdue:
        return 1.0 + r.expovariate(2.5)
    b = 2.0 * (1.0 - quality.speed) / quality.speed
    return min(0.97, r.betavariate(2.0, b))


def _handle(track: _Track, r: random.Random, start: datetime, sla: Sla, quality: Quality, reply: str) -> bool:
    """One round of handling after a dispatch at ``start``: sign for, work, reminders, resolve."""
    dept = f"dept:{track.department}"
    late = r.random() < quality.late_accept
    accept_h = sla.accept_hours * ((1.0 + r.expovariate(1.0)) if late else r.uniform(0.05, 0.95))
    accept = start + _h(accept_h)
    resolve = max(start + _h(sla.resolve_hours * _resolve_share(r, quality)), accept + _h(r.uniform(0.05, 0.5)))
    steps: list[tuple[datetime, str, str | None, str]] = [(accept, "accept", "accepted", dept)]
    if r.random() < 0.6:
        steps.append((accept + (resolve - accept) * r.uniform(0.05, 0.3), "start", "in_progress", dept))
    remind_at = start + _h(0.8 * sla.resolve_hours)
    if resolve > remind_at:
        steps.append((remind_at, "remind", None, "system"))
    escalate_at = start + _h(sla.resolve_hours + 1.0)
    if resolve > escalate_at:
        steps.append((escalate_at, "escalate", None, "supervisor"))
    steps.sort(key=lambda s: s[0])
    for at, action, target, actor in steps:
        if not track.add(at, actor, action, target):
            return False
    return track.add(resolve, dept, "resolve", "resolved", note=reply)


def _satisfaction(r: random.Random, resolved: bool, quality: Quality) -> int:
    mean = quality.satisfaction if resolved else 2.0
    return max(1, min(5, round(r.gauss(mean, 0.8))))


def simulate_life(
    r: random.Random,
    *,
    created: datetime,
    now: datetime,
    fate: str,
    department: str | None,
    wrong_department: str | None,
    sla: Sla,
    quality: Quality,
    reply: str,
) -> tuple[list[SimEvent], list[SimCallback]]:
    """The events of one case up to ``now``. ``fate`` is ``normal``, ``invalid`` or ``merged``."""
    track = _Track(now)
    track.add(created, "intake", "receive", "received")
    if fate == "invalid" or department is None:
        if fate == "invalid":
            track.add(created + _h(r.uniform(0.05, 2)), "dispatcher", "invalidate", "invalid", note="无效诉求")
        return track.events, track.callbacks
    if wrong_department is not None:
        track.add(created, "routing", "dispatch", "dispatched", department=wrong_department)
        rejected = created + _h(r.uniform(0.2, 1.5) * sla.accept_hours + 0.1)
        track.add(rejected, f"dept:{wrong_department}", "reject", "received", note=r.choice(REJECT_REASONS))
        start = rejected + _h(r.uniform(0.1, 3))
        track.add(start, "dispatcher", "dispatch", "dispatched", department=department)
    else:
        start = created
        track.add(start, "routing", "dispatch", "dispatched", department=department)
    if fate == "merged":
        track.add(start + _h(r.uniform(0.1, 6)), "dispatcher", "merge", "merged", note="重复诉求，已合并")
        return track.events, track.callbacks
    for round_no in (1, 2):
        if not _handle(track, r, start, sla, quality, reply):
            break
        resolved_at = track.events[-1].at
        if r.random() > 0.85:  # not reached for callback: closed after a few days
            track.add(resolved_at + _h(r.uniform(72, 168)), "system", "close", "closed")
            break
        at = resolved_at + _h(r.uniform(2, 72))
        resolved = r.random() < quality.resolved
        score = _satisfaction(r, resolved, quality)
        data = {"resolved": resolved, "satisfaction": score}
        if not track.add(at, "callback-centre", "callback", data=data):
            break
        track.callbacks.append(SimCallback(at, resolved, score, None if resolved else "群众反映问题未解决"))
        if not resolved and round_no == 1 and r.random() < 0.5:
            start = at + _h(r.uniform(0.5, 6))
            track.add(start, "callback-centre", "reopen", "dispatched", note="回访不满意，重新交办")
            continue
        track.add(at + _h(r.uniform(0.1, 4)), "callback-centre", "close", "closed")
        break
    return track.events, track.callbacks


def derive_state(events: list[SimEvent], sla: Sla) -> CaseState:
    """The case row's columns from its events (what the case service would have set, change by change)."""
    state = CaseState()
    for event in events:
        _apply(state, event, sla)
    if events:
        state.status = events[-1].to_status
        state.updated_at = events[-1].at
        state.version = len(events)
    return state


def _apply(state: CaseState, event: SimEvent, sla: Sla) -> None:
    action, at = event.action, event.at
    if action in ("dispatch", "reopen"):
        state.department = event.department
        state.dispatched_at, state.accepted_at, state.resolved_at = at, None, None
        state.accept_due_at, state.due_at = deadlines(sla, at)
        state.reopen_count += action == "reopen"
    elif action == "accept":
        state.accepted_at = at
    elif action == "resolve":
        state.resolved_at, state.reply = at, event.note
    elif action == "close":
        state.closed_at = at
    elif action == "reject":
        state.reject_count += 1
    elif action == "remind":
        state.reminder_count += 1
    elif action == "escalate":
        state.escalated_at = state.escalated_at or at
    elif action == "callback" and event.data:
        state.callback_at, state.resolved, state.satisfaction = at, event.data["resolved"], event.data["satisfaction"]
