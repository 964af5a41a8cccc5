"""Joint handling (联合办理), declared once: the part state machine, the whistle's report-in states, and the
lead's reply assembled from the parts. Pure: no database, no clock.

A joint case keeps its own life in :mod:`citybrain.cases.lifecycle`; the case's department is its lead (主办).
Beside it each department with a share of the work has a *part*::

    assigned (已分派) → accepted (已签收) → replied (已答复)
    assigned | accepted → refused (已拒绝, 协办 only: back to the dispatcher, with the reason)
    accepted → accepted  progress (进展): an event, the part's latest progress note

The case resolves only through the lead's own 办结答复 (``resolve``), and only once no part is still open; the reply
then defaults to the one assembled from the replied parts, the lead's first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class PartRole(StrEnum):
    LEAD = "lead"  # 主办
    ASSIST = "assist"  # 协办


ROLE_NAMES: dict[PartRole, tuple[str, str]] = {PartRole.LEAD: ("主办", "lead"), PartRole.ASSIST: ("协办", "assisting")}


class PartState(StrEnum):
    ASSIGNED = "assigned"
    ACCEPTED = "accepted"
    REPLIED = "replied"
    REFUSED = "refused"


PART_STATE_NAMES: dict[PartState, tuple[str, str]] = {
    PartState.ASSIGNED: ("已分派", "assigned"),
    PartState.ACCEPTED: ("已签收", "accepted"),
    PartState.REPLIED: ("已答复", "replied"),
    PartState.REFUSED: ("已拒绝", "refused"),
}

#: Parts whose department still owes its share: the lead may not resolve the case while one is left.
OPEN_PARTS = frozenset({PartState.ASSIGNED, PartState.ACCEPTED})


@dataclass(frozen=True)
class PartTransition:
    action: str
    sources: frozenset[PartState]
    target: PartState | None  # None: an event only (进展)
    name_zh: str
    name_en: str
    needs: str | None  # the body field the action cannot do without
    roles: frozenset[PartRole]  # which parts allow it
    summary: str


_BOTH = frozenset(PartRole)

PART_TRANSITIONS: dict[str, PartTransition] = {
    t.action: t
    for t in (
        PartTransition("accept", frozenset({PartState.ASSIGNED}), PartState.ACCEPTED, "签收", "Sign for", None,
                       _BOTH, "The part's department signs for its share of the case."),
        PartTransition("progress", frozenset({PartState.ACCEPTED}), None, "进展", "Report progress", "note",
                       _BOTH, "Record how far the part has come; the latest note is kept on the part."),
        PartTransition("reply", frozenset({PartState.ACCEPTED}), PartState.REPLIED, "答复", "Reply", "reply",
                       _BOTH, "The department's answer for its share; the lead's reply to the citizen is built "
                       "from these."),
        PartTransition("refuse", frozenset({PartState.ASSIGNED, PartState.ACCEPTED}), PartState.REFUSED,
                       "拒绝协办", "Refuse", "reason", frozenset({PartRole.ASSIST}),
                       "An assisting department declines its part, saying why; it goes back to the dispatcher."),
    )
}  # fmt: skip


class PartRefused(Exception):
    """A part action the part's state or role does not allow (the service turns it into 409)."""


def check_part_move(state: str, role: str, action: str) -> PartTransition:
    """The transition of ``action`` from ``state`` for a part of ``role``; :class:`PartRefused` if not allowed."""
    transition = PART_TRANSITIONS[action]
    if PartRole(role) not in transition.roles:
        raise PartRefused(f"a {role} part cannot {action} ({transition.name_zh})")
    if PartState(state) not in transition.sources:
        raise PartRefused(f"the part is {state}; cannot {action} ({transition.name_zh})")
    return transition


class ReportIn(StrEnum):
    """Where one summoned department stands with a whistle (吹哨报到)."""

    WAITING = "waiting"  # 待报到: not yet, and the deadline has not passed
    ON_TIME = "on_time"  # 按时报到
    LATE = "late"  # 迟到: reported in after the deadline
    MISSING = "missing"  # 未报到: the deadline passed with no report


REPORT_IN_NAMES: dict[ReportIn, tuple[str, str]] = {
    ReportIn.WAITING: ("待报到", "waiting"),
    ReportIn.ON_TIME: ("按时报到", "on time"),
    ReportIn.LATE: ("迟到", "late"),
    ReportIn.MISSING: ("未报到", "missing"),
}


def report_in(reported_at: datetime | None, due_at: datetime, now: datetime) -> ReportIn:
    if reported_at is not None:
        return ReportIn.ON_TIME if reported_at <= due_at else ReportIn.LATE
    return ReportIn.MISSING if now > due_at else ReportIn.WAITING


@dataclass(frozen=True)
class PartReply:
    """What the assembled reply needs of one part."""

    role: str
    department_name: str
    state: str
    reply: str | None


def assembled_reply(parts: Sequence[PartReply]) -> str | None:
    """The lead's reply to the citizen from the parts' replies: the lead's first, then each assisting one's,
    under its department's name. None when no part has replied."""
    replied = [p for p in parts if p.state == PartState.REPLIED and p.reply]
    replied.sort(key=lambda p: p.role != PartRole.LEAD)
    if not replied:
        return None
    return "\n\n".join(f"【{p.department_name}】{p.reply}" for p in replied)


#: The names of the joint-handling events in a case's history (the desk's timeline reads them).
JOINT_EVENT_NAMES: dict[str, tuple[str, str]] = {
    "part_add": ("分派协办", "Part added"),
    **{f"part_{a}": (f"部分{t.name_zh}", f"Part: {t.name_en.lower()}") for a, t in PART_TRANSITIONS.items()},
    "whistle": ("吹哨", "Whistle"),
    "report_in": ("报到", "Reported in"),
}
