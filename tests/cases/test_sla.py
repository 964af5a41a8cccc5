"""The SLA clock with a frozen clock: reminders (催办) before, escalations (督办) after each deadline, once each.

Test deadlines (cbt_sla): sign-for (签收) 1 h, resolve (办结) 10 h after dispatch; remind_fraction 0.8.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from typer.testing import CliRunner

from citybrain.cases import repository, service, sla
from citybrain.cases.lifecycle import Status
from citybrain.cases.schemas import NewCase
from citybrain.cli.main import app
from citybrain.core import clock
from citybrain.core.db import Database
from citybrain.core.settings import Settings
from citybrain.directory.sla import deadlines
from citybrain.simulate.lifecycle import SimEvent, Sla, derive_state
from tests.cases.conftest import DEPT_B, ROUTED, T0, make_case


def _sweep(db: Database, settings: Settings, hours: float) -> list[tuple[int, str, str]]:
    at = T0 + timedelta(hours=hours)
    with clock.frozen(at), db.transaction() as session:
        return [(r.case_id, r.action, r.deadline) for r in sla.sweep(session, at, settings=settings)]


def test_pure_clock_arithmetic() -> None:
    assert sla.remind_at(T0, T0 + timedelta(hours=10), 0.8) == T0 + timedelta(hours=8)
    assert sla.escalate_at(T0, 2) == T0 + timedelta(hours=2)
    due = T0 + timedelta(hours=10)
    late, early = due + timedelta(seconds=1), due - timedelta(seconds=1)
    assert sla.is_overdue(status="in_progress", due_at=due, resolved_at=None, now=late)
    assert not sla.is_overdue(status="in_progress", due_at=due, resolved_at=None, now=early)
    assert sla.is_overdue(status="closed", due_at=due, resolved_at=late, now=late)
    assert not sla.is_overdue(status="closed", due_at=due, resolved_at=early, now=late + timedelta(days=9))
    assert not sla.is_overdue(status="invalid", due_at=due, resolved_at=None, now=late)


def test_deadlines_are_set_at_dispatch(city: Database) -> None:
    with clock.frozen(T0), city.transaction() as session:
        case = make_case(session)
        assert (case.sla_code, case.dispatched_at) == ("cbt_sla", T0)
        assert (case.accept_due_at, case.due_at) == (T0 + timedelta(hours=1), T0 + timedelta(hours=10))


def test_a_policy_sets_both_deadlines_from_the_dispatch() -> None:
    policy = Sla("p", accept_hours=1.5, resolve_hours=72)
    assert deadlines(policy, T0) == (T0 + timedelta(hours=1.5), T0 + timedelta(days=3))


def test_routing_at_intake_and_the_simulator_set_the_same_deadlines_as_dispatch(city: Database) -> None:
    """派单 by a person (service.dispatch), by a routing rule at intake (plan_case), and in the synthetic city."""
    with clock.frozen(T0), city.transaction() as session:
        routed = service.create_case(session=session, data=NewCase(text="路灯不亮", category_code=ROUTED), actor="t")
        assert (routed.status, routed.dispatched_at) == (Status.DISPATCHED.value, T0)
        assert (routed.accept_due_at, routed.due_at) == (T0 + timedelta(hours=1), T0 + timedelta(hours=10))
    dispatch = SimEvent(T0, "dispatcher", "dispatch", "received", "dispatched", DEPT_B)
    state = derive_state([dispatch], Sla("cbt_sla", accept_hours=1, resolve_hours=10))
    assert (state.accept_due_at, state.due_at) == (T0 + timedelta(hours=1), T0 + timedelta(hours=10))


def test_sweep_reminds_then_escalates_each_deadline_once(city: Database, settings: Settings) -> None:
    with clock.frozen(T0), city.transaction() as session:
        cid = make_case(session).id
    assert _sweep(city, settings, 0.7) == []
    assert _sweep(city, settings, 0.8) == [(cid, "remind", "accept")]
    assert _sweep(city, settings, 0.9) == [], "idempotent: the same deadline is not reminded twice"
    assert _sweep(city, settings, 1.0) == [(cid, "escalate", "accept")]
    assert _sweep(city, settings, 1.0) == []
    with clock.frozen(T0 + timedelta(hours=1.5)), city.transaction() as session:
        service.accept(session=session, case=service.get_case(session=session, case_id=cid), actor="d")
    assert _sweep(city, settings, 7.9) == []
    assert _sweep(city, settings, 8.0) == [(cid, "remind", "resolve")]
    assert _sweep(city, settings, 10.5) == [(cid, "escalate", "resolve")]
    assert _sweep(city, settings, 30) == []
    with city.transaction() as session:
        case = service.get_case(session=session, case_id=cid)
        assert (case.reminder_count, case.escalated_at) == (2, T0 + timedelta(hours=10.5))
        events = [(e.action, e.actor, e.at) for e in repository.events(session, cid) if e.actor == sla.SWEEP_ACTOR]
    hours = [0.8, 1.0, 8.0, 10.5]
    acts = ["remind", "escalate", "remind", "escalate"]
    assert events == [(a, "sla", T0 + timedelta(hours=h)) for a, h in zip(acts, hours, strict=True)]


def test_a_late_first_sweep_escalates_without_a_pointless_reminder(city: Database, settings: Settings) -> None:
    with clock.frozen(T0), city.transaction() as session:
        cid = make_case(session).id
    assert sorted(_sweep(city, settings, 11)) == [(cid, "escalate", "accept"), (cid, "escalate", "resolve")]


def test_escalate_after_hours_delays_escalation(city: Database, settings: Settings) -> None:
    patient = settings.model_copy(update={"escalate_after_hours": 2.0, "remind_fraction": 0.5})
    with clock.frozen(T0), city.transaction() as session:
        cid = make_case(session).id
    assert _sweep(city, patient, 0.5) == [(cid, "remind", "accept")]
    assert _sweep(city, patient, 2.9) == []
    assert _sweep(city, patient, 3.0) == [(cid, "escalate", "accept")]


def test_a_new_deadline_after_reassignment_is_reminded_afresh(city: Database, settings: Settings) -> None:
    with clock.frozen(T0), city.transaction() as session:
        cid = make_case(session).id
    assert _sweep(city, settings, 0.8) == [(cid, "remind", "accept")]
    with clock.frozen(T0 + timedelta(hours=0.9)), city.transaction() as session:
        case = service.get_case(session=session, case_id=cid)
        service.reassign(session=session, case=case, actor="op", department_code=DEPT_B, note=None)
    assert _sweep(city, settings, 1.0) == []  # the old accept deadline no longer runs
    assert _sweep(city, settings, 0.9 + 0.8) == [(cid, "remind", "accept")]


def test_closed_and_received_cases_are_left_alone(city: Database, settings: Settings) -> None:
    with clock.frozen(T0), city.transaction() as session:
        done = make_case(session)
        service.accept(session=session, case=done, actor="d")
        service.resolve(session=session, case=done, actor="d", reply="ok")
        make_case(session, department=None)  # never dispatched: no deadlines yet
    assert _sweep(city, settings, 100) == []


def test_overdue_filter_in_sql_matches_the_rule(city: Database) -> None:
    with clock.frozen(T0), city.transaction() as session:
        late_open = make_case(session).id
        on_time = make_case(session)
        service.accept(session=session, case=on_time, actor="d")
        service.resolve(session=session, case=on_time, actor="d", reply="ok")
        late_done = make_case(session)
        service.accept(session=session, case=late_done, actor="d")
    with clock.frozen(T0 + timedelta(hours=11)), city.transaction() as session:
        service.resolve(session=session, case=late_done, actor="d", reply="late")
        query = repository.CaseQuery(overdue=True, now=T0 + timedelta(hours=11))
        found = repository.list_cases(session, query)
        assert sorted(c.id for c in found) == sorted([late_open, late_done.id])
        assert repository.count_cases(session, query) == (2, True)
        not_late = repository.list_cases(session, repository.CaseQuery(overdue=False, now=query.now))
        assert [c.id for c in not_late] == [on_time.id]
        assert Status(on_time.status) == Status.RESOLVED


def test_cli_sweep_says_what_it_raised(city: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CITYBRAIN_DATABASE_URL", settings.resolved_database_url())
    monkeypatch.setenv("CITYBRAIN_DATA_DIR", str(settings.data_dir))
    with clock.frozen(T0), city.transaction() as session:
        cid = make_case(session).id
    runner = CliRunner()
    result = runner.invoke(app, ["cases", "sweep", "--now", "2026-03-02T09:50:00Z"])
    assert result.exit_code == 0, result.output
    assert str(cid) in result.output
    assert "催办" in result.output
    assert "raised 1 reminder(s) and 0 escalation(s)" in result.output
    again = runner.invoke(app, ["cases", "sweep", "--now", "2026-03-02T09:50:00Z"])
    assert again.exit_code == 0
    assert "nothing due" in again.output
    bad = runner.invoke(app, ["cases", "sweep", "--now", "yesterday"])
    assert bad.exit_code == 2
    assert "ISO 8601" in bad.output
    shown = runner.invoke(app, ["cases", "show", str(cid)])
    assert shown.exit_code == 0
    assert "remind" in shown.output
    assert "13812345678" not in shown.output
    assert runner.invoke(app, ["cases", "show", "999999"]).exit_code == 2
