"""Side effects after commit: send the planned notifications and record each delivery's fate.

Call :func:`deliver` only after the transaction that planned the deliveries has committed (the daily job does);
a rolled-back run left no pending rows, so nothing is sent for it. Each delivery gets
``settings.alert_notify_attempts`` tries with a short pause between; the outcome (sent / failed, attempts, last
error) is written in a small transaction of its own. A failed delivery is tried again by the next daily run.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from citybrain.alerts import notify, repository
from citybrain.alerts.schemas import AlertOut
from citybrain.core import clock
from citybrain.core.db import Database
from citybrain.core.privacy import mask_tree
from citybrain.core.settings import Settings

log = logging.getLogger("citybrain.alerts")
PAUSE_SECONDS = 0.2  # first pause between tries; doubles each time
RUNS_PER_DELIVERY = 3  # a failed delivery is tried again by at most this many runs in all


@dataclass(frozen=True)
class DeliveryResult:
    delivery_id: int
    alert_id: int
    channel: str
    status: str
    attempts: int
    error: str | None


def pending_ids(db: Database, settings: Settings | None = None) -> list[int]:
    """Deliveries a later run should try again (pending after a crash, or failed fewer times than allowed)."""
    with db.reading() as session:
        most = (settings or db.settings).alert_notify_attempts * RUNS_PER_DELIVERY
        return repository.unsent_delivery_ids(session, max_attempts=most)


def deliver(db: Database, delivery_ids: Sequence[int], settings: Settings | None = None) -> list[DeliveryResult]:
    """Send each delivery (after commit only) with the channels of ``settings`` (default: the database's)."""
    return [_deliver_one(db, settings or db.settings, delivery_id) for delivery_id in delivery_ids]


def _deliver_one(db: Database, settings: Settings, delivery_id: int) -> DeliveryResult:
    with db.reading() as session:
        delivery = repository.get_delivery(session, delivery_id)
        if delivery is None:
            raise LookupError(f"no notification delivery {delivery_id}")
        alert = repository.get(session, delivery.alert_id)
        channel, target, alert_id, before = delivery.channel, delivery.target, delivery.alert_id, delivery.attempts
        # a webhook or e-mail leaves the city's systems: no citizen's phone, name or door in it (PIPL)
        payload = mask_tree(AlertOut.model_validate(alert).model_dump(mode="json")) if alert is not None else None
    tries, error = _attempt(settings, channel, target, payload)
    status, attempts = ("sent" if error is None else "failed"), before + max(tries, 1)  # an untried one counts too
    with db.transaction() as session:
        row = repository.get_delivery(session, delivery_id)
        assert row is not None
        row.attempts, row.status, row.last_error = attempts, status, error
        row.sent_at = clock.utcnow() if error is None else None
    if error:
        log.warning("alert %s: %s delivery %s failed after %s tries: %s", alert_id, channel, delivery_id, tries, error)
    return DeliveryResult(delivery_id, alert_id, channel, status, attempts, error)


def _attempt(settings: Settings, channel: str, target: str, payload: dict[str, Any] | None) -> tuple[int, str | None]:
    """(tries made, last error or None)."""
    if payload is None:
        return 0, "the alert no longer exists"
    error: str | None = None
    for attempt in range(1, settings.alert_notify_attempts + 1):
        try:
            _send(settings, channel, target, payload)
            return attempt, None
        except notify.NotificationFailed as exc:
            error = str(exc)[:2000]
        if attempt < settings.alert_notify_attempts:
            time.sleep(PAUSE_SECONDS * 2 ** (attempt - 1))
    return settings.alert_notify_attempts, error


def _send(settings: Settings, channel: str, target: str, payload: dict[str, Any]) -> None:
    timeout = settings.alert_notify_timeout_seconds
    if channel == "webhook":
        notify.post_webhook(target, {"alert": payload}, timeout=timeout)
        return
    notify.send_email(
        server=notify.SmtpServer(
            host=settings.alert_smtp_host,
            port=settings.alert_smtp_port,
            security=settings.alert_smtp_security,
            username=settings.alert_smtp_username,
            password=settings.alert_smtp_password.get_secret_value(),
            ca_file=settings.alert_smtp_ca_file,
        ),
        sender=settings.alert_email_from,
        recipients=[a for a in target.split(",") if a],
        subject=notify.email_subject(payload),
        body=notify.email_body(payload),
        timeout=timeout,
    )
