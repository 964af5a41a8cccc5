"""The part state machine, the report-in states and the assembled reply (pure: no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from citybrain.cases.joint import (
    PART_TRANSITIONS,
    PartRefused,
    PartReply,
    PartRole,
    PartState,
    ReportIn,
    assembled_reply,
    check_part_move,
    report_in,
)

A, C, RE, RF = PartState.ASSIGNED, PartState.ACCEPTED, PartState.REPLIED, PartState.REFUSED
#: Every legal (action, from, role) → to, written out by hand.
LEGAL = {
    ("accept", A, "lead"): C,
    ("accept", A, "assist"): C,
    ("progress", C, "lead"): None,
    ("progress", C, "assist"): None,
    ("reply", C, "lead"): RE,
    ("reply", C, "assist"): RE,
    ("refuse", A, "assist"): RF,
    ("refuse", C, "assist"): RF,
}


@pytest.mark.parametrize(("move", "target"), LEGAL.items(), ids=lambda v: "-".join(map(str, v)) if v else "")
def test_each_legal_part_move_reaches_its_state(move: tuple[str, PartState, str], target: PartState | None) -> None:
    action, state, role = move
    assert check_part_move(state, role, action).target == target


def test_every_other_part_move_is_refused() -> None:
    refused = 0
    for action in PART_TRANSITIONS:
        for state in PartState:
            for role in PartRole:
                if (action, state, role.value) in LEGAL:
                    continue
                with pytest.raises(PartRefused):
                    check_part_move(state, role, action)
                refused += 1
    assert refused == len(PART_TRANSITIONS) * len(PartState) * len(PartRole) - len(LEGAL)


def test_a_replied_or_refused_part_is_final() -> None:
    for state in (RE, RF):
        for action in PART_TRANSITIONS:
            with pytest.raises(PartRefused, match=state.value):
                check_part_move(state, "assist", action)


def test_the_lead_cannot_refuse_its_part() -> None:
    with pytest.raises(PartRefused, match="a lead part cannot refuse"):
        check_part_move(A, "lead", "refuse")


DUE = datetime(2026, 3, 2, 11, 0, tzinfo=UTC)


def test_report_in_states_at_the_deadline() -> None:
    assert report_in(None, DUE, DUE) == ReportIn.WAITING
    assert report_in(None, DUE, DUE + timedelta(seconds=1)) == ReportIn.MISSING
    assert report_in(DUE, DUE, DUE + timedelta(days=1)) == ReportIn.ON_TIME
    assert report_in(DUE + timedelta(minutes=1), DUE, DUE) == ReportIn.LATE


def test_the_assembled_reply_puts_the_lead_first_and_skips_parts_without_a_reply() -> None:
    parts = [
        PartReply("assist", "园林局", "replied", "树已修剪。"),
        PartReply("assist", "水务局", "refused", None),
        PartReply("lead", "城管局", "replied", "违建已拆除。"),
        PartReply("assist", "交通局", "accepted", None),
    ]
    assert assembled_reply(parts) == "【城管局】违建已拆除。\n\n【园林局】树已修剪。"
    assert assembled_reply(parts[1:2]) is None
