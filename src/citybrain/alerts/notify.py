"""Notification channels: a webhook (JSON POST with httpx) and e-mail (SMTP with smtplib: STARTTLS or TLS, login).

Both raise :class:`NotificationFailed` with a one-line reason; retrying and recording is ``tasks.deliver``'s job.
Messages carry the alert's explanation and member case ids, never a citizen's data.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any, Literal

import httpx


class NotificationFailed(Exception):
    """One attempt to notify did not succeed."""


def post_webhook(url: str, payload: dict[str, Any], *, timeout: float) -> None:
    """POST ``payload`` as JSON; anything but a 2xx answer is a failure."""
    try:
        response = httpx.post(url, json=payload, timeout=timeout, follow_redirects=False)
    except httpx.HTTPError as exc:
        raise NotificationFailed(f"webhook {url}: {type(exc).__name__}: {exc}") from exc
    if not response.is_success:
        raise NotificationFailed(f"webhook {url}: HTTP {response.status_code} {response.text[:200]}")


@dataclass(frozen=True)
class SmtpServer:
    """Where alert e-mail goes and how: ``security`` starttls, tls (from the first byte) or none; a login if set."""

    host: str
    port: int
    security: Literal["starttls", "tls", "none"] = "starttls"
    username: str = ""
    password: str = ""
    ca_file: str = ""  # PEM of the CA the server's certificate is checked against; "" = the system's


def send_email(
    *, server: SmtpServer, sender: str, recipients: list[str], subject: str, body: str, timeout: float
) -> None:
    """Send one plain-text UTF-8 message; the server's certificate is verified, a password never goes in clear."""
    if server.username and server.security == "none":
        raise NotificationFailed(
            f"smtp {server.host}:{server.port}: a password is never sent unencrypted; "
            "set CITYBRAIN_ALERT_SMTP_SECURITY=starttls or tls"
        )
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, ", ".join(recipients), subject
    message.set_content(body)
    try:
        with _connect(server, timeout) as smtp:
            if server.security == "starttls":
                smtp.starttls(context=_tls(server))  # SMTPNotSupportedError when the server does not offer it
            if server.username:
                smtp.login(server.username, server.password)
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise NotificationFailed(f"smtp {server.host}:{server.port}: {type(exc).__name__}: {exc}") from exc


def _connect(server: SmtpServer, timeout: float) -> smtplib.SMTP:
    if server.security == "tls":
        return smtplib.SMTP_SSL(server.host, server.port, timeout=timeout, context=_tls(server))
    return smtplib.SMTP(server.host, server.port, timeout=timeout)


def _tls(server: SmtpServer) -> ssl.SSLContext:
    """Certificate and host name checked, against the configured CA or the system's."""
    return ssl.create_default_context(cafile=server.ca_file or None)


def email_subject(payload: dict[str, Any]) -> str:
    return f"[CityBrain 预警 alert #{payload['id']}] {payload['title']}"


def email_body(payload: dict[str, Any]) -> str:
    """The explanation in words: what, where, when, how unusual, which cases (ids only)."""
    explanation = payload.get("explanation") or {}
    lines = [
        f"预警 Alert #{payload['id']}: {payload['title']}",
        f"状态 status: {payload['status']}   检测 detector: {payload['detector']} ({payload['kind']})",
        f"时间 when: {payload['first_signal_on']} – {payload['last_signal_on']}",
        f"观测/期望 observed/expected: {payload['observed']} / {payload['expected']}",
        f"p 值 p-value: {payload['p_value']}   重现期 recurrence interval (days): {payload['recurrence_days']}",
    ]
    center = explanation.get("center")
    if center:
        lines.append(
            f"位置 where: centre {center.get('lat')}, {center.get('lon')}, radius {explanation.get('radius_m')} m, "
            f"cells {', '.join(str(c) for c in explanation.get('cells', [])[:20])}"
        )
    if explanation.get("series"):
        lines.append(f"序列 series: {explanation['series']}")
    ids = [str(i) for i in payload.get("case_ids") or []]
    more = f" … (+{len(ids) - 50})" if len(ids) > 50 else ""
    lines.append(f"工单 cases ({len(ids)}): {', '.join(ids[:50])}{more}")
    return "\n".join(lines) + "\n"
