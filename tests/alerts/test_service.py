"""Raise-or-grow and an alert's life, on both databases."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest

from citybrain.alerts import repository, service
from citybrain.core.db import Database
from citybrain.core.errors import Conflict, InvalidInput, NotFound
from citybrain.core.settings import Settings
from citybrain.models.alerts import Alert
from tests.alerts.conftest import DAY, cluster, temporal

NEXT = DAY + timedelta(days=1)


def _actions(db: Database, alert_id: int) -> list[str]:
    with db.reading() as session:
        return [e.action for e in repository.events(session, alert_id)]


def _alerts(db: Database) -> list[Alert]:
    with db.reading() as session:
        alerts = list(repository.list_alerts(session, status=None, limit=100, offset=0)[0])
        session.expunge_all()  # keep them readable after the read-only session ends
    return alerts


def _record(db: Database, signal: object) -> service.Outcome:
    with db.transaction() as session:
        return service.record(session=session, signal=signal)  # type: ignore[arg-type]


class TestRaiseOrGrow:
    def test_a_signal_raises_an_alert_with_its_explanation(self, db: Database) -> None:
        outcome = _record(db, cluster(cases=("7", "8", "9"), cells=("3_4", "3_5")))
        assert outcome.action == "raised"
        (alert,) = _alerts(db)
        assert (alert.kind, alert.detector, alert.status, alert.version) == ("cluster", "stpscan", "open", 1)
        assert (alert.first_signal_on, alert.last_signal_on) == (DAY, DAY)
        assert (alert.observed, alert.expected, alert.p_value, alert.recurrence_days) == (3.0, 1.5, 0.001, 1000.0)
        assert alert.case_ids == ["7", "8", "9"]
        assert alert.explanation["center"] == {"lat": 28.2, "lon": 112.9}
        assert alert.explanation["cells"] == ["3_4", "3_5"]
        assert _actions(db, alert.id) == ["raised"]

    def test_a_continuing_cluster_is_one_alert_that_grows(self, db: Database) -> None:
        _record(db, cluster(DAY, cells=("3_4", "3_5"), cases=("1", "2")))
        outcome = _record(db, cluster(NEXT, cells=("3_5", "3_6"), cases=("2", "3", "4")))
        assert outcome.action == "grew"
        (alert,) = _alerts(db)
        assert (alert.first_signal_on, alert.last_signal_on, alert.observed) == (DAY, NEXT, 3.0)
        assert alert.case_ids == ["1", "2", "3", "4"]
        assert alert.explanation["cells"] == ["3_4", "3_5", "3_6"]
        assert [h["on"] for h in alert.explanation["history"]] == [DAY.isoformat(), NEXT.isoformat()]
        assert _actions(db, alert.id) == ["raised", "grew"]

    def test_rerunning_a_day_changes_nothing(self, db: Database) -> None:
        _record(db, cluster(DAY))
        assert _record(db, cluster(DAY)).action == "unchanged"
        (alert,) = _alerts(db)
        assert (alert.version, _actions(db, alert.id)) == (1, ["raised"])

    def test_a_cluster_elsewhere_or_after_a_gap_is_a_new_alert(self, db: Database) -> None:
        _record(db, cluster(DAY, cells=("3_4",)))
        assert _record(db, cluster(NEXT, cells=("9_9",))).action == "raised"  # no shared cell
        assert _record(db, cluster(DAY + timedelta(days=3), cells=("3_4",))).action == "raised"  # not yesterday
        assert len(_alerts(db)) == 3

    def test_temporal_signals_grow_by_detector_and_series(self, db: Database) -> None:
        _record(db, temporal(DAY, series="noise"))
        assert _record(db, temporal(NEXT, series="noise", observed=40)).action == "grew"
        assert _record(db, temporal(NEXT, series="roads")).action == "raised"
        noise = next(a for a in _alerts(db) if a.dedupe_key.endswith(":noise"))
        assert (noise.last_signal_on, noise.observed) == (NEXT, 40.0)

    def test_a_closed_alert_never_grows(self, db: Database) -> None:
        first = _record(db, temporal(DAY)).alert
        with db.transaction() as session:
            service.change(session=session, alert_id=first.id, action="close", version=1, actor="li", today=DAY)
        assert _record(db, temporal(NEXT)).action == "raised"
        assert sorted(a.status for a in _alerts(db)) == ["closed", "open"]

    def test_an_acknowledged_alert_grows_quietly(self, db: Database, settings: Settings) -> None:
        first = _record(db, temporal(DAY)).alert
        with db.transaction() as session:
            service.change(session=session, alert_id=first.id, action="acknowledge", version=1, actor="li", today=DAY)
        hooked = settings.model_copy(update={"alert_webhook_url": "http://127.0.0.1:9/hook"})
        with db.transaction() as session:
            (outcome,) = service.record_day(session=session, signals=[temporal(NEXT)], on=NEXT, settings=hooked)
            assert (outcome.action, outcome.alert.status, outcome.audible) == ("grew", "acknowledged", False)
            assert repository.deliveries(session, first.id) == []


class TestLife:
    def _raise(self, db: Database) -> int:
        return _record(db, temporal(DAY)).alert.id

    def _change(
        self,
        db: Database,
        alert_id: int,
        action: str,
        version: int,
        *,
        note: str | None = None,
        until: date | None = None,
    ) -> Alert:
        with db.transaction() as session:
            return service.change(
                session=session,
                alert_id=alert_id,
                action=action,
                version=version,
                actor="wang",
                note=note,
                until=until,
                today=DAY,
            )

    def test_acknowledge_snooze_close_reopen_write_events(self, db: Database) -> None:
        alert_id = self._raise(db)
        assert self._change(db, alert_id, "acknowledge", 1, note="在查").status == "acknowledged"
        snoozed = self._change(db, alert_id, "snooze", 2, until=DAY + timedelta(days=3))
        assert (snoozed.status, snoozed.snoozed_until) == ("snoozed", DAY + timedelta(days=3))
        assert self._change(db, alert_id, "close", 3).status == "closed"
        reopened = self._change(db, alert_id, "reopen", 4)
        assert (reopened.status, reopened.version, reopened.snoozed_until) == ("open", 5, None)
        assert _actions(db, alert_id) == ["raised", "acknowledged", "snoozed", "closed", "reopened"]
        with db.reading() as session:
            event = repository.events(session, alert_id)[1]
            assert (event.actor, event.note, event.data) == ("wang", "在查", {"from": "open", "to": "acknowledged"})

    def test_a_stale_version_is_a_conflict_and_writes_nothing(self, db: Database) -> None:
        alert_id = self._raise(db)
        self._change(db, alert_id, "acknowledge", 1)
        with pytest.raises(Conflict, match="version 2, you had 1"):
            self._change(db, alert_id, "close", 1)
        assert _actions(db, alert_id) == ["raised", "acknowledged"]

    def test_changes_not_allowed_from_the_state(self, db: Database) -> None:
        alert_id = self._raise(db)
        with pytest.raises(Conflict, match="is open; it cannot be reopened"):
            self._change(db, alert_id, "reopen", 1)
        with pytest.raises(InvalidInput, match="a day after today"):
            self._change(db, alert_id, "snooze", 1, until=DAY)
        with pytest.raises(InvalidInput, match="snooze needs 'until'"):
            self._change(db, alert_id, "snooze", 1)
        with pytest.raises(NotFound):
            self._change(db, alert_id + 1000, "close", 1)

    def test_a_snoozed_alert_is_quiet_until_its_day_then_wakes(self, db: Database, settings: Settings) -> None:
        alert_id = self._raise(db)
        wake_on = DAY + timedelta(days=2)
        self._change(db, alert_id, "snooze", 1, until=wake_on)
        hooked = settings.model_copy(update={"alert_webhook_url": "http://127.0.0.1:9/hook"})
        with db.transaction() as session:
            (grew,) = service.record_day(session=session, signals=[temporal(NEXT)], on=NEXT, settings=hooked)
            assert (grew.action, grew.alert.status) == ("grew", "snoozed")
            assert repository.deliveries(session, alert_id) == []
        with db.transaction() as session:
            service.record_day(session=session, signals=[], on=wake_on, settings=hooked)
            alert = service.get_alert(session=session, alert_id=alert_id)
            assert (alert.status, alert.snoozed_until) == ("open", None)
            assert [d.channel for d in repository.deliveries(session, alert_id)] == ["webhook"]
        assert _actions(db, alert_id)[-2:] == ["grew", "woke"]


class TestConcurrentRuns:
    def test_a_second_daily_run_waits_for_the_first_and_grows_its_alert_instead_of_raising_another(
        self, db: Database, settings: Settings
    ) -> None:
        second: list[service.Outcome] = []

        def rerun() -> None:
            with db.transaction() as session:
                second.extend(service.record_day(session=session, signals=[cluster()], on=DAY, settings=settings))

        with db.transaction() as session:
            (first,) = service.record_day(session=session, signals=[cluster()], on=DAY, settings=settings)
            worker = threading.Thread(target=rerun)
            worker.start()
            worker.join(0.5)
            assert worker.is_alive()  # queued behind the first run's transaction, not reading around it
        worker.join(10)
        assert first.action == "raised"
        assert [o.action for o in second] == ["unchanged"]
        assert [a.id for a in _alerts(db)] == [first.alert.id]
