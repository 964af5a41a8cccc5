"""The case state machine, declared once: which action moves a case from which states to which, and who may.

received (待派单) → dispatched (已派单) → accepted (已签收) → in_progress (处理中) → resolved (已办结/已答复)
→ closed (已结案); side exits: invalid (无效), merged (已合并). A department's rejection (退单) sends a case
back to ``received``; a citizen who says it is not fixed reopens it (``dispatched`` again, same department).

The API, the docs and the tests loop over :data:`TRANSITIONS`; adding an action here is the one place to start.
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
#: States in which a department holds the case and its deadlines run.
HANDLING_STATES = frozenset({Status.DISPATCHED, Status.ACCEPTED, Status.IN_PROGRESS})
#: States that count as "not yet answered" for the overdue rule.
UNRESOLVED_STATES = HANDLING_STATES | {Status.RECEIVED}


class Actor(StrEnum):
    """Who may take an action: the centre's operators (派单员) or the department that owns the case (承办单位)."""

    OPERATOR = "operator"
    DEPARTMENT = "department"


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[Status]
    target: Status | None  # None: the action records an event without moving the case
    name_zh: str
    name_en: str  # beside the Chinese on the desk's buttons (签收 Sign for)
    by: Actor
    needs: str | None  # the body field the action cannot do without
    summary: str


def _t(
    action: str,
    sources: set[Status] | frozenset[Status],
    target: Status | None,
    names: tuple[str, str],
    by: Actor,
    needs: str | None,
    summary: str,
) -> Transition:
    return Transition(action, frozenset(sources), target, *names, by, needs, summary)


_OP, _DEPT = Actor.OPERATOR, Actor.DEPARTMENT

TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        _t("dispatch", {Status.RECEIVED}, Status.DISPATCHED, ("派单", "Dispatch"), _OP, "department_code",
           "Hand the case to a department and start its sign-for and resolve deadlines."),
        _t("accept", {Status.DISPATCHED}, Status.ACCEPTED, ("签收", "Sign for"), _DEPT, None,
           "The owning department signs for the case (stops the sign-for clock)."),
        _t("reject", {Status.DISPATCHED, Status.ACCEPTED}, Status.RECEIVED, ("退单", "Send back"), _DEPT, "reason",
           "The department sends the case back to the dispatch queue, saying why; its department is cleared."),
        _t("reassign", HANDLING_STATES, Status.DISPATCHED, ("改派", "Reassign"), _OP, "department_code",
           "Move the case to another department; both deadlines restart."),
        _t("start", {Status.ACCEPTED}, Status.IN_PROGRESS, ("开始办理", "Start work"), _DEPT, None,
           "The department starts working on the case."),
        _t("resolve", {Status.ACCEPTED, Status.IN_PROGRESS}, Status.RESOLVED, ("办结答复", "Resolve and reply"), _DEPT,
           "reply",
           "The department finishes and gives its reply to the citizen."),
        _t("close", {Status.RESOLVED}, Status.CLOSED, ("结案", "Close"), _OP, None,
           "The centre closes a resolved case (a callback that says 'resolved' does this too)."),
        _t("reopen", {Status.RESOLVED, Status.CLOSED}, Status.DISPATCHED, ("重办", "Reopen"), _OP, None,
           "The citizen says it is not fixed: back to the same department with new deadlines."),
        _t("merge", OPEN_STATES, Status.MERGED, ("合并", "Merge"), _OP, "target_id",
           "The case duplicates another open case (target_id) and is followed there."),
        _t("invalidate", UNRESOLVED_STATES, Status.INVALID, ("无效件", "Mark invalid"), _OP, "reason",
           "Spam, abuse or not a request: end the case, saying why."),
        _t("remind", HANDLING_STATES, None, ("催办", "Remind"), _OP, None,
           "Urge the department on (also raised by the SLA sweep before a deadline)."),
        _t("escalate", UNRESOLVED_STATES, None, ("督办", "Supervise"), _OP, None,
           "Put the case under supervision (also raised by the SLA sweep when a deadline passes)."),
        _t("note", set(Status), None, ("备注", "Add note"), _OP, "note",
           "Add a note to the case's record; departments may note their own cases."),
        _t("callback", {Status.RESOLVED}, None, ("回访", "Call back"), _OP, None,
           "Record the citizen's answer: resolved yes closes the case, no reopens it."),
    )
}  # fmt: skip


def open311_status(status: str) -> str:
    """Open311 knows only ``open`` and ``closed``."""
    return "closed" if Status(status) in FINAL_STATES else "open"


def status_name(status: str) -> tuple[str, str]:
    """(中文, English) name of a status."""
    return STATUS_NAMES[Status(status)]
