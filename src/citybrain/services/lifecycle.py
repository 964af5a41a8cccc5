"""The application state machine (办件流程), declared once: 受理 → 审查 → 决定 → 送达, with 补正 and 不予受理.

submitted (已提交) → accepted (已受理, the clock starts) → reviewing (审查中) → approved (准予) or refused (不予)
→ delivered (已送达). Side paths: ``supplement`` (补正告知) stops the clock in ``awaiting_materials`` until the
applicant ``supply``-ies what was missing; ``decline`` (不予受理) ends an application that was never accepted.

The API, the docs and the tests loop over :data:`TRANSITIONS`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class State(StrEnum):
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    REVIEWING = "reviewing"
    AWAITING_MATERIALS = "awaiting_materials"
    APPROVED = "approved"
    REFUSED = "refused"
    DELIVERED = "delivered"
    DECLINED = "declined"


STATE_NAMES: dict[State, tuple[str, str]] = {
    State.SUBMITTED: ("已提交", "submitted"),
    State.ACCEPTED: ("已受理", "accepted"),
    State.REVIEWING: ("审查中", "under review"),
    State.AWAITING_MATERIALS: ("待补正", "awaiting materials"),
    State.APPROVED: ("准予许可", "approved"),
    State.REFUSED: ("不予许可", "refused"),
    State.DELIVERED: ("已送达", "delivered"),
    State.DECLINED: ("不予受理", "not accepted"),
}

#: States in which the legal clock runs (accepted, not yet decided, not paused for 补正).
CLOCK_STATES = frozenset({State.ACCEPTED, State.REVIEWING})
#: States with a decision.
DECIDED_STATES = frozenset({State.APPROVED, State.REFUSED})
FINAL_STATES = frozenset({State.DELIVERED, State.DECLINED})


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[State]
    target: State
    name_zh: str
    name_en: str
    needs: str | None  # the body field the action cannot do without
    summary: str


def _t(action: str, sources: set[State], target: State, names: tuple[str, str], needs: str | None,
       summary: str) -> Transition:  # fmt: skip
    return Transition(action, frozenset(sources), target, *names, needs, summary)


_S = State
TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        _t("accept", {_S.SUBMITTED}, _S.ACCEPTED, ("受理", "Accept"), None,
           "Accept the application: the legal clock starts the next working day."),
        _t("decline", {_S.SUBMITTED}, _S.DECLINED, ("不予受理", "Decline"), "reason",
           "Do not accept the application (not this department's, not a licensable matter), saying why."),
        _t("review", {_S.ACCEPTED}, _S.REVIEWING, ("审查", "Start review"), None,
           "Start the examination of the materials (审查)."),
        _t("supplement", {_S.SUBMITTED, _S.ACCEPTED, _S.REVIEWING}, _S.AWAITING_MATERIALS,
           ("补正告知", "Ask for materials"), "reason",
           "Tell the applicant once and in full what is missing (一次性告知); the clock stops until they supply it."),
        _t("supply", {_S.AWAITING_MATERIALS}, _S.REVIEWING, ("补正材料", "Supply materials"), None,
           "The applicant supplied the missing materials; the clock runs again (the stopped working days are added "
           "to the deadline)."),
        _t("approve", {_S.REVIEWING}, _S.APPROVED, ("准予许可", "Approve"), None,
           "Decide to grant (准予), with an optional note."),
        _t("refuse", {_S.REVIEWING}, _S.REFUSED, ("不予许可", "Refuse"), "reason",
           "Decide to refuse (不予), with the reasons and the applicant's remedies."),
        _t("deliver", {_S.APPROVED, _S.REFUSED}, _S.DELIVERED, ("送达", "Deliver"), "method",
           "The decision reached the applicant (送达): online, by post, or in person."),
    )
}  # fmt: skip


def state_name(state: str) -> tuple[str, str]:
    """(中文, English) name of a state."""
    return STATE_NAMES[State(state)]
