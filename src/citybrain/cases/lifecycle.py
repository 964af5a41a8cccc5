"""The case state machine, declared once: which action moves a case from which states to which.

received (待派单) → dispatched (已派单) → accepted (已签收) → in_progress (处理中) → resolved (已办结/已答复)
→ closed (已结案); side exits: invalid (无效), merged (已合并). A department's rejection (退单) sends a case
back to ``received``; a citizen who says it is not fixed reopens it (``dispatched`` again).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Status(StrEnum):
    RECEIVED = "received"
    DISPATCHED = "dispatched"
    ACCEPTED = "accepted"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    CLOSED = "closed"
    INVALID = "invalid"
    MERGED = "merged"


STATUS_NAMES: dict[Status, tuple[str, str]] = {
    Status.RECEIVED: ("待派单", "received"),
    Status.DISPATCHED: ("已派单", "dispatched"),
    Status.ACCEPTED: ("已签收", "accepted"),
    Status.IN_PROGRESS: ("处理中", "in progress"),
    Status.RESOLVED: ("已办结", "resolved"),
    Status.CLOSED: ("已结案", "closed"),
    Status.INVALID: ("无效", "invalid"),
    Status.MERGED: ("已合并", "merged"),
}

#: States in which the city still owes the citizen something (Open311 "open").
OPEN_STATES = frozenset({Status.RECEIVED, Status.DISPATCHED, Status.ACCEPTED, Status.IN_PROGRESS, Status.RESOLVED})
#: States that end a case.
FINAL_STATES = frozenset({Status.CLOSED, Status.INVALID, Status.MERGED})


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[Status]
    target: Status | None  # None: the action records an event without moving the case
    name_zh: str


def _t(action: str, sources: set[Status], target: Status | None, name_zh: str) -> Transition:
    return Transition(action, frozenset(sources), target, name_zh)


_HANDLING = {Status.DISPATCHED, Status.ACCEPTED, Status.IN_PROGRESS}

TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        _t("dispatch", {Status.RECEIVED}, Status.DISPATCHED, "派单"),
        _t("accept", {Status.DISPATCHED}, Status.ACCEPTED, "签收"),
        _t("reject", {Status.DISPATCHED, Status.ACCEPTED}, Status.RECEIVED, "退单"),
        _t("reassign", _HANDLING, Status.DISPATCHED, "改派"),
        _t("start", {Status.ACCEPTED}, Status.IN_PROGRESS, "开始办理"),
        _t("resolve", {Status.ACCEPTED, Status.IN_PROGRESS}, Status.RESOLVED, "办结答复"),
        _t("close", {Status.RESOLVED}, Status.CLOSED, "结案"),
        _t("reopen", {Status.RESOLVED, Status.CLOSED}, Status.DISPATCHED, "重办"),
        _t("merge", set(OPEN_STATES), Status.MERGED, "合并"),
        _t("invalidate", {Status.RECEIVED, Status.DISPATCHED}, Status.INVALID, "无效件"),
        _t("remind", _HANDLING, None, "催办"),
        _t("escalate", _HANDLING | {Status.RECEIVED}, None, "督办"),
        _t("note", set(Status), None, "备注"),
    )
}


def open311_status(status: str) -> str:
    """Open311 knows only ``open`` and ``closed``."""
    return "closed" if Status(status) in FINAL_STATES else "open"
