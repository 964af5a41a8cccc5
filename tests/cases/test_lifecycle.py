"""The case's life through the service: every move, its event, its version — and every illegal move refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from citybrain.cases import repository, service
from citybrain.cases.lifecycle import TRANSITIONS, Status
from citybrain.cases.schemas import ActionIn
from citybrain.core import clock
from citybrain.core.db import Database
from citybrain.core.errors import Conflict, InvalidInput
from citybrain.models import Callback, Case
from tests.cases.conftest import DEPT_A, DEPT_B, T0, make_case


def _actions(db: Database, case_id: int) -> list[tuple[str, str | None, str | None]]:
    with db.transaction() as session:
        return [(e.action, e.from_status, e.to_status) for e in repository.events(session, case_id)]


def _do(db: Database, case_id: int, action: str, **body: object) -> Case:
    with db.transaction() as session:
        case = service.get_case(session=session, case_id=case_id)
        return service.apply(session=session, case=case, action=action, actor="tester", body=ActionIn(**body))


def test_whole_life_writes_an_event_and_bumps_the_version_at_every_step(city: Database) -> None:
    with clock.frozen(T0), city.transaction() as session:
        case_id = make_case(session).id
    versions = []
    steps = [("accept", {}), ("start", {}), ("resolve", {"reply": "已修复路灯。"}), ("close", {})]
    with clock.frozen(T0):
        for action, body in steps:
            clock.advance(timedelta(minutes=10))
            versions.append(_do(city, case_id, action, **body).version)
    assert versions == sorted(set(versions)), "every step must raise the version"
    with city.transaction() as session:
        case = service.get_case(session=session, case_id=case_id)
        assert case.status == "closed"
        assert case.accepted_at == T0 + timedelta(minutes=10)
        assert case.resolved_at == T0 + timedelta(minutes=30)
        assert case.closed_at == T0 + timedelta(minutes=40)
        assert case.reply == "已修复路灯。"
    assert _actions(city, case_id) == [
        ("receive", None, "received"),
        ("dispatch", "received", "dispatched"),
        ("accept", "dispatched", "accepted"),
        ("start", "accepted", "in_progress"),
        ("resolve", "in_progress", "resolved"),
        ("close", "resolved", "closed"),
    ]


def test_every_illegal_transition_is_refused_with_409_and_changes_nothing(city: Database) -> None:
    body = ActionIn(reason="r", reply="r", note="r", department_code=DEPT_B, target_id=None)
    with city.transaction() as session:
        case = make_case(session)
        for status in Status:
            for action, transition in TRANSITIONS.items():
                if status in transition.sources or action == "callback":
                    continue
                case.status = status.value
                session.flush()
                version = case.version
                with pytest.raises(Conflict, match=f"is {status.value}; cannot {action}"):
                    service.apply(session=session, case=case, action=action, actor="t", body=body)
                assert (case.status, case.version) == (status.value, version)
        for status in set(Status) - {Status.RESOLVED}:
            case.status = status.value
            with pytest.raises(Conflict, match="cannot callback"):
                service.callback(session=session, case=case, actor="t", resolved=True, satisfaction=5)


def test_reject_needs_a_reason_clears_the_department_and_counts(city: Database) -> None:
    with city.transaction() as session:
        case_id = make_case(session).id
    with pytest.raises(InvalidInput, match="reason"):
        _do(city, case_id, "reject", reason="  ")
    case = _do(city, case_id, "reject", reason="不属于本单位职责")
    assert (case.status, case.department_id, case.reject_count, case.accept_due_at) == ("received", None, 1, None)
    events = _actions(city, case_id)
    assert events[-1] == ("reject", "dispatched", "received")
    with city.transaction() as session:
        last = repository.events(session, case_id)[-1]
        assert last.note == "不属于本单位职责"
        assert last.data == {"department_code": DEPT_A}
    case = _do(city, case_id, "dispatch", department_code=DEPT_B)
    assert case.status == "dispatched"


def test_reassign_moves_to_another_department_and_restarts_both_clocks(city: Database) -> None:
    with clock.frozen(T0), city.transaction() as session:
        case_id = make_case(session).id
    with clock.frozen(T0 + timedelta(hours=3)):
        _do(city, case_id, "accept")
        with pytest.raises(InvalidInput, match="already with"):
            _do(city, case_id, "reassign", department_code=DEPT_A)
        with pytest.raises(InvalidInput, match="no department"):
            _do(city, case_id, "reassign", department_code="nope")
        case = _do(city, case_id, "reassign", department_code=DEPT_B, note="属园林")
    now = T0 + timedelta(hours=3)
    assert case.status == "dispatched"
    assert case.accepted_at is None
    assert (case.accept_due_at, case.due_at) == (now + timedelta(hours=1), now + timedelta(hours=10))
    with city.transaction() as session:
        assert repository.department_codes(session, [case.department_id]) == {case.department_id: DEPT_B}


def test_reopen_goes_back_to_the_same_department_with_new_deadlines(city: Database) -> None:
    with clock.frozen(T0), city.transaction() as session:
        case_id = make_case(session).id
        case = session.get(Case, case_id)
        assert case is not None
        dept = case.department_id
    with clock.frozen(T0 + timedelta(hours=1)):
        _do(city, case_id, "accept")
        _do(city, case_id, "resolve", reply="已处理")
        _do(city, case_id, "close")
    later = T0 + timedelta(days=2)
    with clock.frozen(later):
        case = _do(city, case_id, "reopen", note="市民称未修好")
    assert (case.status, case.department_id, case.reopen_count) == ("dispatched", dept, 1)
    assert (case.resolved_at, case.closed_at, case.reply) == (None, None, None)
    assert case.due_at == later + timedelta(hours=10)


def test_merge_rules_target_must_exist_be_open_not_itself(city: Database) -> None:
    with city.transaction() as session:
        a, b, c = (make_case(session).id for _ in range(3))
    with pytest.raises(InvalidInput, match="target_id"):
        _do(city, a, "merge")
    with pytest.raises(InvalidInput, match="itself"):
        _do(city, a, "merge", target_id=a)
    with pytest.raises(InvalidInput, match="no case 999999"):
        _do(city, a, "merge", target_id=999999)
    _do(city, c, "invalidate", reason="骚扰电话")
    with pytest.raises(Conflict, match="open case"):
        _do(city, a, "merge", target_id=c)
    target_version = _do(city, b, "note", note="x").version
    merged = _do(city, a, "merge", target_id=b)
    assert (merged.status, merged.duplicate_of) == ("merged", b)
    with city.transaction() as session:
        target = service.get_case(session=session, case_id=b)
        assert target.version > target_version, "the target's record changes too"
        assert repository.events(session, b)[-1].data == {"merged": a}
    with pytest.raises(Conflict, match="open case"):
        _do(city, b, "merge", target_id=a)  # a is merged now


def test_invalidate_needs_a_reason_and_ends_the_case(city: Database) -> None:
    with city.transaction() as session:
        case_id = make_case(session, department=None).id
    with pytest.raises(InvalidInput, match="reason"):
        _do(city, case_id, "invalidate")
    assert _do(city, case_id, "invalidate", reason="广告").status == "invalid"
    with pytest.raises(Conflict):
        _do(city, case_id, "dispatch", department_code=DEPT_A)


def test_remind_escalate_and_note_are_events_that_still_bump_the_version(city: Database) -> None:
    with clock.frozen(T0), city.transaction() as session:
        case_id = make_case(session).id
    with clock.frozen(T0):  # same instant: the version must move even though updated_at does not
        v0 = _do(city, case_id, "note", note="first").version
        case = _do(city, case_id, "remind", note="请尽快签收")
        assert (case.version, case.reminder_count, case.status) == (v0 + 1, 1, "dispatched")
        case = _do(city, case_id, "escalate")
        assert (case.version, case.escalated_at) == (v0 + 2, T0)
        with pytest.raises(InvalidInput, match="note"):
            _do(city, case_id, "note")


def test_stale_version_is_refused(city: Database) -> None:
    with city.transaction() as session:
        case = make_case(session)
        case_id, version = case.id, case.version
    _do(city, case_id, "note", note="someone else")
    with pytest.raises(Conflict, match="changed"):
        _do(city, case_id, "accept", version=version)
    assert _do(city, case_id, "accept", version=version + 1).status == "accepted"


@pytest.mark.parametrize(("resolved", "status", "reopens"), [(True, "closed", 0), (False, "dispatched", 1)])
def test_callback_closes_or_reopens(city: Database, resolved: bool, status: str, reopens: int) -> None:
    with clock.frozen(T0), city.transaction() as session:
        case = make_case(session)
        service.accept(session=session, case=case, actor="d")
        service.resolve(session=session, case=case, actor="d", reply="已修复")
        case_id = case.id
    with clock.frozen(T0 + timedelta(days=1)), city.transaction() as session:
        case = service.get_case(session=session, case_id=case_id)
        with pytest.raises(InvalidInput, match="satisfaction"):
            service.callback(session=session, case=case, actor="op", resolved=resolved, satisfaction=6)
        service.callback(session=session, case=case, actor="op", resolved=resolved, satisfaction=2, note="回访")
    with city.transaction() as session:
        case = service.get_case(session=session, case_id=case_id)
        assert (case.status, case.resolved, case.satisfaction) == (status, resolved, 2)
        assert (case.callback_at, case.reopen_count) == (T0 + timedelta(days=1), reopens)
        rows = list(session.scalars(select(Callback).where(Callback.case_id == case_id)))
        assert [(r.resolved, r.satisfaction, r.note) for r in rows] == [(resolved, 2, "回访")]
        actions = [e.action for e in repository.events(session, case_id)]
        assert actions[-2:] == ["callback", "close" if resolved else "reopen"]
