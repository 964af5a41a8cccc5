"""Notifications leave only after commit, through a real local HTTP server and a real local SMTP sink."""

from __future__ import annotations

from dataclasses import replace

import pytest

from citybrain.alerts import repository, service, tasks
from citybrain.core.db import Database
from citybrain.core.settings import Settings
from citybrain.models.alerts import NotificationDelivery
from tests.alerts.conftest import DAY, cluster
from tests.alerts.sinks import smtp_sink, webhook_server


def _delivery(db: Database, delivery_id: int) -> tuple[str, int, str | None]:
    with db.reading() as session:
        row = session.get(NotificationDelivery, delivery_id)
        assert row is not None
        return row.status, row.attempts, row.last_error


def test_webhook_is_posted_after_commit(db: Database, settings: Settings) -> None:
    with webhook_server() as (url, received):
        hooked = settings.model_copy(update={"alert_webhook_url": url})
        with db.transaction() as session:
            (outcome,) = service.record_day(
                session=session, signals=[cluster(cases=("5", "6"))], on=DAY, settings=hooked
            )
            alert_id = outcome.alert.id
            assert received.bodies == []  # nothing leaves before the commit
        ids = tasks.pending_ids(db, hooked)
        results = tasks.deliver(db, ids, hooked)
    assert [(r.alert_id, r.channel, r.status, r.attempts) for r in results] == [(alert_id, "webhook", "sent", 1)]
    (body,) = received.bodies
    alert = body["alert"]
    assert (alert["id"], alert["kind"], alert["status"], alert["case_ids"]) == (alert_id, "cluster", "open", ["5", "6"])
    assert alert["explanation"]["center"] == {"lat": 28.2, "lon": 112.9}
    assert _delivery(db, ids[0]) == ("sent", 1, None)
    assert tasks.pending_ids(db, hooked) == []  # sent once, never again


def test_nothing_is_sent_when_the_transaction_rolls_back(db: Database, settings: Settings) -> None:
    with webhook_server() as (url, received):
        hooked = settings.model_copy(update={"alert_webhook_url": url})

        def failing_day() -> None:
            with db.transaction() as session:
                service.record_day(session=session, signals=[cluster()], on=DAY, settings=hooked)
                raise RuntimeError("the daily job failed before its commit")

        with pytest.raises(RuntimeError, match="before its commit"):
            failing_day()
        tasks.deliver(db, tasks.pending_ids(db, hooked), hooked)
    assert received.bodies == []
    with db.reading() as session:
        assert repository.list_alerts(session, status=None, limit=10, offset=0)[1] == 0


def test_a_failing_webhook_is_retried_recorded_and_tried_again_later(db: Database, settings: Settings) -> None:
    with webhook_server() as (url, received):
        hooked = settings.model_copy(update={"alert_webhook_url": url, "alert_notify_attempts": 2})
        with db.transaction() as session:
            service.record_day(session=session, signals=[cluster()], on=DAY, settings=hooked)
        received.status = 500
        (failed,) = tasks.deliver(db, tasks.pending_ids(db, hooked), hooked)
        assert (failed.status, failed.attempts) == ("failed", 2)
        assert "HTTP 500" in (failed.error or "")
        received.status = 200
        (retried,) = tasks.deliver(db, tasks.pending_ids(db, hooked), hooked)  # the next daily run
    assert (retried.status, retried.attempts) == ("sent", 3)
    assert len(received.bodies) == 1
    assert _delivery(db, retried.delivery_id) == ("sent", 3, None)


def test_an_unreachable_webhook_is_a_recorded_failure(db: Database, settings: Settings) -> None:
    hooked = settings.model_copy(update={"alert_webhook_url": "http://127.0.0.1:9/hook", "alert_notify_attempts": 1})
    with db.transaction() as session:
        service.record_day(session=session, signals=[cluster()], on=DAY, settings=hooked)
    (failed,) = tasks.deliver(db, tasks.pending_ids(db, hooked), hooked)
    assert (failed.status, failed.attempts) == ("failed", 1)
    assert "ConnectError" in (failed.error or "")


def test_email_goes_through_smtp(db: Database, settings: Settings) -> None:
    with smtp_sink() as (port, mailbox):
        mailed = settings.model_copy(
            update={
                "alert_smtp_host": "127.0.0.1",
                "alert_smtp_port": port,
                "alert_smtp_security": "none",  # the sink speaks plain SMTP; TLS and login: test_smtp_security.py
                "alert_email_from": "citybrain@city.example",
                "alert_email_to": "duty@city.example, chief@city.example",
            }
        )
        with db.transaction() as session:
            (outcome,) = service.record_day(
                session=session, signals=[cluster(cases=("41", "42"))], on=DAY, settings=mailed
            )
        (result,) = tasks.deliver(db, tasks.pending_ids(db, mailed), mailed)
    assert (result.channel, result.status) == ("email", "sent")
    (message,) = mailbox.messages
    assert mailbox.envelopes == [("citybrain@city.example", ["duty@city.example", "chief@city.example"])]
    assert f"alert #{outcome.alert.id}" in message["Subject"]
    body = message.get_content()
    assert "工单 cases (2): 41, 42" in body
    assert "centre 28.2, 112.9, radius 400.0 m" in body


def test_no_channel_configured_plans_nothing(db: Database, settings: Settings) -> None:
    bare = settings.model_copy(update={"alert_webhook_url": "", "alert_smtp_host": "", "alert_email_to": ""})
    with db.transaction() as session:
        service.record_day(session=session, signals=[cluster()], on=DAY, settings=bare)
    assert tasks.pending_ids(db, bare) == []


def test_a_webhook_and_an_email_carry_no_citizens_personal_data(db: Database, settings: Settings) -> None:
    """An alert's words may quote a citizen (a title or an explanation from a message); what leaves is masked."""
    quoted = replace(cluster(), title="王先生反映桃子湖路12号3栋噪音，电话13912345678，车牌湘A88K21")
    with webhook_server() as (url, received), smtp_sink() as (port, mailbox):
        hooked = settings.model_copy(
            update={"alert_webhook_url": url, "alert_smtp_host": "127.0.0.1", "alert_smtp_port": port,
                    "alert_email_to": "duty@city.example", "alert_smtp_security": "none"}
        )  # fmt: skip
        with db.transaction() as session:
            service.record_day(session=session, signals=[quoted], on=DAY, settings=hooked)
        tasks.deliver(db, tasks.pending_ids(db, hooked), hooked)
    (body,) = received.bodies
    (mail,) = mailbox.messages
    sent = str(body) + str(mail["Subject"]) + mail.get_content()
    assert body["alert"]["title"] == "*先生反映桃子湖路**号*栋噪音，电话139****5678，车牌湘A***21"
    for secret in ("王先生", "12号", "13912345678", "湘A88K21"):
        assert secret not in sent
