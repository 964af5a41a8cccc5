"""Rules of an alert's life (预警处置): raise or grow, acknowledge, snooze, close, reopen — and who must hear of it.

Raise-or-grow: a signal whose de-duplication key matches an alert that is not closed grows that alert instead of
raising a new one. For temporal detectors the key (detector + series) is enough; a cluster must also share a grid
cell with the alert and the alert's last signal must be yesterday or today, so a continuing cluster is one alert
that grows, while a cluster on the other side of the city, or a week later, is a new one. Re-running a day adds
nothing (no new day, case or cell: the alert is unchanged and no event is written).

Services flush, never commit. Notifications are only *planned* here (a pending row in ``notification_deliveries``
in the same transaction); ``tasks.deliver`` sends them after the commit, so a rolled-back run sends nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from citybrain.alerts import repository
from citybrain.alerts.signals import Signal
from citybrain.core import clock
from citybrain.core.errors import Conflict, InvalidInput, NotFound
from citybrain.core.settings import Settings
from citybrain.models.alerts import Alert, AlertEvent, NotificationDelivery

DETECTOR_ACTOR = "detector"
# action -> (states it may start from, state it leads to)
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "acknowledge": (frozenset({"open", "snoozed"}), "acknowledged"),
    "snooze": (frozenset({"open", "acknowledged", "snoozed"}), "snoozed"),
    "close": (frozenset({"open", "acknowledged", "snoozed"}), "closed"),
    "reopen": (frozenset({"closed"}), "open"),
}
#: Alert statuses (预警状态) and actions (预警处置): (中文, English), shown by the desk.
STATUS_NAMES: dict[str, tuple[str, str]] = {
    "open": ("待处理", "open"),
    "acknowledged": ("已确认", "acknowledged"),
    "snoozed": ("暂缓中", "snoozed"),
    "closed": ("已关闭", "closed"),
}
ACTION_NAMES: dict[str, tuple[str, str]] = {
    "acknowledge": ("确认", "Acknowledge"),
    "snooze": ("暂缓", "Snooze"),
    "close": ("关闭", "Close"),
    "reopen": ("重开", "Reopen"),
}
PAST_ACTIONS = {"acknowledge": "acknowledged", "snooze": "snoozed", "close": "closed", "reopen": "reopened"}


@dataclass(frozen=True)
class Outcome:
    """What one signal did: ``raised`` a new alert, ``grew`` one, or left it ``unchanged`` (a re-run)."""

    alert: Alert
    action: str

    @property
    def audible(self) -> bool:
        """Raised, or grown while open: someone should hear of it (acknowledged and snoozed alerts stay quiet)."""
        return self.action == "raised" or (self.action == "grew" and self.alert.status == "open")


def get_alert(*, session: Session, alert_id: int) -> Alert:
    alert = repository.get(session, alert_id)
    if alert is None:
        raise NotFound(f"no alert {alert_id}")
    return alert


def record(*, session: Session, signal: Signal) -> Outcome:
    """Raise a new alert for ``signal`` or grow the open alert that is the same trouble."""
    existing = _same_trouble(session, signal)
    if existing is None:
        return Outcome(_raise(session, signal), "raised")
    grown = _grow(session, existing, signal)
    return Outcome(existing, "grew" if grown else "unchanged")


def _same_trouble(session: Session, signal: Signal) -> Alert | None:
    if signal.kind != "cluster":
        found = repository.active_by_key(session, signal.dedupe_key)
        return found[0] if found else None
    cells = set(signal.cells)
    candidates = repository.active_by_key(session, signal.dedupe_key, since=signal.on - timedelta(days=1))
    overlapping = [a for a in candidates if cells & set(_cells(a))]
    return max(overlapping, key=lambda a: len(cells & set(_cells(a))), default=None)


def _cells(alert: Alert) -> list[str]:
    return [str(c) for c in (alert.explanation or {}).get("cells", [])]


def _history_entry(signal: Signal) -> dict[str, Any]:
    return {
        "on": signal.on.isoformat(),
        "observed": signal.observed,
        "expected": signal.expected,
        "p_value": signal.p_value,
    }


def _raise(session: Session, signal: Signal) -> Alert:
    now = clock.utcnow()
    explanation = {**signal.explanation, "cells": list(signal.cells), "history": [_history_entry(signal)]}
    alert = Alert(
        kind=signal.kind,
        detector=signal.detector,
        dedupe_key=signal.dedupe_key,
        status="open",
        title=(signal.title or f"{signal.detector} {signal.series}")[:500],
        first_signal_on=signal.on,
        last_signal_on=signal.on,
        observed=signal.observed,
        expected=signal.expected,
        p_value=signal.p_value,
        recurrence_days=signal.recurrence_days,
        explanation=explanation,
        case_ids=list(signal.case_ids),
        created_at=now,
        updated_at=now,
    )
    repository.add(session, alert)
    data = {"on": signal.on.isoformat(), "observed": signal.observed, "cases": len(signal.case_ids)}
    _event(session, alert, DETECTOR_ACTOR, "raised", data=data)
    return alert


def _grow(session: Session, alert: Alert, signal: Signal) -> bool:
    """Extend ``alert`` by ``signal``; False (and nothing written) when the signal adds no day, case or cell."""
    known = [str(i) for i in alert.case_ids or []]
    added = [i for i in dict.fromkeys(signal.case_ids) if i not in set(known)]
    new_cells = [c for c in signal.cells if c not in set(_cells(alert))]
    if signal.on <= alert.last_signal_on and not added and not new_cells:
        return False
    explanation = dict(alert.explanation or {})
    history = [h for h in explanation.get("history", []) if h.get("on") != signal.on.isoformat()]
    explanation["history"] = sorted([*history, _history_entry(signal)], key=lambda h: str(h["on"]))
    explanation["cells"] = _cells(alert) + new_cells
    if signal.on >= alert.last_signal_on:  # the latest day speaks for the alert
        explanation.update({k: v for k, v in signal.explanation.items() if k not in ("cells", "history")})
        alert.last_signal_on = signal.on
        alert.observed, alert.expected = signal.observed, signal.expected
        alert.p_value, alert.recurrence_days = signal.p_value, signal.recurrence_days
    alert.explanation = explanation
    alert.case_ids = known + added
    alert.updated_at = clock.utcnow()
    data = {"on": signal.on.isoformat(), "observed": signal.observed, "added_cases": len(added)}
    _event(session, alert, DETECTOR_ACTOR, "grew", data=data)
    session.flush()
    return True


def wake_snoozed(*, session: Session, on: date) -> list[Alert]:
    """Snoozes that have ended by ``on`` return to ``open`` (and may be heard again)."""
    woken = list(repository.snoozes_ending(session, on))
    for alert in woken:
        until = alert.snoozed_until
        alert.status, alert.snoozed_until = "open", None
        alert.updated_at = clock.utcnow()
        _event(session, alert, DETECTOR_ACTOR, "woke", data={"snoozed_until": until.isoformat() if until else None})
    session.flush()
    return woken


def record_day(*, session: Session, signals: Iterable[Signal], on: date, settings: Settings) -> list[Outcome]:
    """The daily job's writes: wake ended snoozes, raise or grow every signal, plan the notifications.

    One run at a time: a second run waits for the first to commit, then finds its alerts and grows them."""
    repository.lock_alert_writers(session)
    woken = wake_snoozed(session=session, on=on)
    outcomes = [record(session=session, signal=s) for s in signals]
    heard = {o.alert.id: o.alert for o in outcomes if o.audible}
    heard.update({a.id: a for a in woken if a.status == "open"})
    plan_notifications(session=session, alerts=list(heard.values()), settings=settings)
    return outcomes


def channels(settings: Settings) -> list[tuple[str, str]]:
    """The configured (channel, target) pairs: a webhook URL, and e-mail recipients through an SMTP host."""
    found: list[tuple[str, str]] = []
    if settings.alert_webhook_url:
        found.append(("webhook", settings.alert_webhook_url))
    recipients = ",".join(a.strip() for a in settings.alert_email_to.split(",") if a.strip())
    if settings.alert_smtp_host and recipients:
        found.append(("email", recipients))
    return found


def plan_notifications(*, session: Session, alerts: Sequence[Alert], settings: Settings) -> list[int]:
    """One pending delivery per alert and channel, written in the caller's transaction; their ids."""
    now = clock.utcnow()
    ids: list[int] = []
    for alert in alerts:
        for channel, target in channels(settings):
            delivery = NotificationDelivery(
                alert_id=alert.id, channel=channel, target=target[:500], status="pending", attempts=0, created_at=now
            )
            ids.append(repository.add_delivery(session, delivery).id)
    return ids


def change(
    *,
    session: Session,
    alert_id: int,
    action: str,
    version: int,
    actor: str,
    note: str | None = None,
    until: date | None = None,
    today: date,
) -> Alert:
    """A person acknowledges (确认), snoozes (暂缓), closes (关闭) or reopens (重开) an alert.

    ``version`` is the version the person saw: a different one means someone changed the alert meanwhile (409).
    A snooze needs ``until``, a day after today: the alert is quiet until that day and wakes on it.
    """
    if action not in TRANSITIONS:
        raise InvalidInput(f"unknown action {action!r}; use one of {', '.join(TRANSITIONS)}")
    alert = get_alert(session=session, alert_id=alert_id)
    if alert.version != version:
        raise Conflict(f"alert {alert.id} changed (version {alert.version}, you had {version}); reload it")
    sources, target = TRANSITIONS[action]
    if alert.status not in sources:
        raise Conflict(f"alert {alert.id} is {alert.status}; it cannot be {PAST_ACTIONS[action]}")
    data: dict[str, Any] = {"from": alert.status, "to": target}
    if action == "snooze":
        if until is None or until <= today:
            raise InvalidInput(f"snooze needs 'until', a day after today ({today.isoformat()})")
        data["until"] = until.isoformat()
    alert.status = target
    alert.snoozed_until = until if action == "snooze" else None
    alert.updated_at = clock.utcnow()
    _event(session, alert, actor, PAST_ACTIONS[action], note=note, data=data)
    session.flush()
    return alert


def _event(
    session: Session, alert: Alert, actor: str, action: str, *, note: str | None = None, data: dict[str, Any]
) -> None:
    at: datetime = clock.utcnow()
    repository.add_event(
        session, AlertEvent(alert_id=alert.id, at=at, actor=actor[:128], action=action, note=note, data=data)
    )
