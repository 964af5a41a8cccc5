"""Alert e-mail through a real SMTP server (aiosmtpd) that speaks STARTTLS, TLS and AUTH LOGIN/PLAIN.

The server's certificate is made here for 127.0.0.1 by a CA made here; the client trusts that CA through
``alert_smtp_ca_file`` and checks the host name, as it would a city's own mail relay.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from citybrain.alerts.notify import NotificationFailed, SmtpServer, send_email

USER, PASSWORD = "citybrain", "s3cret-pass"


@dataclass
class Mailbox:
    messages: list[bytes] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        self.messages.append(envelope.content)
        return "250 OK"


def _authenticator(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        USER.encode(),
        PASSWORD.encode(),
    )
    return AuthResult(success=ok, handled=False)


@dataclass(frozen=True)
class Pki:
    ca_file: Path
    cert_file: Path
    key_file: Path
    other_ca_file: Path  # a CA that did not sign the server's certificate


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def _ca(common: str) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)  # noqa: TID251 - TLS checks a certificate against the real time
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(common))
        .issuer_name(_name(common))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, cert


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    folder = tmp_path_factory.mktemp("pki")
    ca_key, ca_cert = _ca("CityBrain test CA")
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)  # noqa: TID251 - TLS checks a certificate against the real time
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("127.0.0.1"))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    paths = Pki(folder / "ca.pem", folder / "server.pem", folder / "server.key", folder / "other-ca.pem")
    paths.ca_file.write_bytes(ca_cert.public_bytes(pem))
    paths.cert_file.write_bytes(cert.public_bytes(pem))
    paths.key_file.write_bytes(key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    paths.other_ca_file.write_bytes(_ca("Someone else")[1].public_bytes(pem))
    return paths


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def smtp_server(pki: Pki, *, mode: str) -> Iterator[tuple[int, Mailbox]]:
    """A live SMTP server on 127.0.0.1: ``starttls`` (offered and required before AUTH/MAIL), ``tls`` or ``plain``."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(pki.cert_file, pki.key_file)
    mailbox = Mailbox()
    port = _free_port()
    options: dict[str, Any] = {"authenticator": _authenticator}
    if mode == "starttls":
        options.update(tls_context=context, require_starttls=True)
    elif mode == "tls":  # the whole connection is TLS: AUTH needs no upgrade first
        options.update(ssl_context=context, auth_require_tls=False)
    controller = Controller(mailbox, hostname="127.0.0.1", port=port, server_hostname="127.0.0.1", **options)
    controller.start()
    try:
        yield port, mailbox
    finally:
        controller.stop()


def _send(server: SmtpServer) -> None:
    send_email(
        server=server,
        sender="citybrain@city.example",
        recipients=["duty@city.example"],
        subject="[CityBrain 预警 alert #1] 夜间施工噪声",
        body="工单 cases (2): 41, 42\n",
        timeout=10,
    )


def test_starttls_and_login_deliver_the_message(pki: Pki) -> None:
    with smtp_server(pki, mode="starttls") as (port, mailbox):
        _send(SmtpServer("127.0.0.1", port, "starttls", USER, PASSWORD, str(pki.ca_file)))
    (message,) = mailbox.messages
    assert b"41, 42" in message


def test_tls_from_the_first_byte_delivers_the_message(pki: Pki) -> None:
    with smtp_server(pki, mode="tls") as (port, mailbox):
        _send(SmtpServer("127.0.0.1", port, "tls", USER, PASSWORD, str(pki.ca_file)))
    assert len(mailbox.messages) == 1


def test_a_wrong_password_is_a_failure_and_nothing_is_sent(pki: Pki) -> None:
    with smtp_server(pki, mode="starttls") as (port, mailbox):
        with pytest.raises(NotificationFailed, match="SMTPAuthenticationError"):
            _send(SmtpServer("127.0.0.1", port, "starttls", USER, "wrong", str(pki.ca_file)))
    assert mailbox.messages == []


def test_a_certificate_from_another_ca_is_refused(pki: Pki) -> None:
    with smtp_server(pki, mode="starttls") as (port, mailbox):
        with pytest.raises(NotificationFailed, match="CERTIFICATE_VERIFY_FAILED"):
            _send(SmtpServer("127.0.0.1", port, "starttls", USER, PASSWORD, str(pki.other_ca_file)))
    assert mailbox.messages == []


def test_a_server_without_starttls_is_refused_rather_than_spoken_to_in_clear(pki: Pki) -> None:
    with smtp_server(pki, mode="plain") as (port, mailbox):
        with pytest.raises(NotificationFailed, match="SMTPNotSupportedError"):
            _send(SmtpServer("127.0.0.1", port, "starttls", "", "", str(pki.ca_file)))
    assert mailbox.messages == []


def test_a_password_is_never_sent_unencrypted(pki: Pki) -> None:
    with smtp_server(pki, mode="plain") as (port, mailbox):
        with pytest.raises(NotificationFailed, match="never sent unencrypted"):
            _send(SmtpServer("127.0.0.1", port, "none", USER, PASSWORD))
    assert mailbox.messages == []
