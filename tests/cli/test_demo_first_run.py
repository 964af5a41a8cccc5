"""A newcomer's first `citybrain demo`: a taken port is one clear error before anything is loaded, the keys are
the same on every start (kept 0600 in the data dir; the old ones revoked when they cannot be reused), and the URLs
and the key are printed last, only once the server answers."""

from __future__ import annotations

import os
import re
import signal
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from citybrain.auth import accounts, sessions
from citybrain.auth import service as auth_service
from citybrain.cli.demo_keys import KEY_FILE
from citybrain.cli.main import app
from citybrain.core.db import Database
from citybrain.core.settings import Settings
from citybrain.models import ApiKey

SMALL = ["--days", "3", "--cases-per-day", "20"]


@pytest.fixture
def taken_port() -> Iterator[int]:
    """A port some other program listens on."""
    holder = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    holder.bind(("127.0.0.1", 0))
    holder.listen()
    yield holder.getsockname()[1]
    holder.close()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize("command", ["demo", "serve"])
def test_a_taken_port_fails_at_once_naming_it(
    command: str, taken_port: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CITYBRAIN_DATABASE_URL", raising=False)
    monkeypatch.setenv("CITYBRAIN_DATA_DIR", str(tmp_path))
    began = time.monotonic()
    result = CliRunner().invoke(app, [command, "--port", str(taken_port)])
    assert result.exit_code == 2, result.output
    message = " ".join(result.output.split())
    assert f"port {taken_port} is already in use on 127.0.0.1" in message
    assert "--port" in message
    assert "PORT=" in message
    assert "Errno" not in message
    assert list(tmp_path.iterdir()) == []  # nothing loaded, not even the database file created
    assert time.monotonic() - began < 5


def _demo(settings: Settings, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    monkeypatch.setenv("CITYBRAIN_DATABASE_URL", settings.resolved_database_url())
    monkeypatch.setenv("CITYBRAIN_DATA_DIR", str(data_dir))
    monkeypatch.setenv("CITYBRAIN_PORTAL_API_KEY", "")  # undone after the test: the demo sets it for its server
    result = CliRunner().invoke(app, ["demo", "--no-serve", *SMALL])
    assert result.exit_code == 0, result.output
    return result.output.strip().splitlines()


def _active(db: Database, name: str) -> list[int]:
    """The ids of the keys of that name not revoked."""
    with db.reading() as session:
        stmt = select(ApiKey.id).where(ApiKey.name == name, ApiKey.revoked_at.is_(None))
        return list(session.scalars(stmt))


def _works(db: Database, key: str) -> bool:
    with db.reading() as session:
        try:
            auth_service.authenticate(session=session, plaintext=key)
        except Exception:  # noqa: BLE001 - Forbidden: revoked or unknown
            return False
        return True


def test_the_demo_keeps_its_keys_across_starts(
    settings: Settings, db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _demo(settings, tmp_path, monkeypatch)
    key = first[-1]
    assert key.startswith("cb_")
    portal = os.environ["CITYBRAIN_PORTAL_API_KEY"]
    stored = tmp_path / KEY_FILE
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600  # the plaintexts: owner only
    assert key in stored.read_text(encoding="utf-8")

    monkeypatch.setenv("CITYBRAIN_PORTAL_API_KEY", "")
    second = _demo(settings, tmp_path, monkeypatch)
    assert second[-1] == key  # the same operator key as the first start
    assert os.environ["CITYBRAIN_PORTAL_API_KEY"] == portal
    assert len(_active(db, "demo operator")) == 1  # no key minted on the second start
    assert len(_active(db, "demo portal")) == 1
    assert _works(db, key)


def _account(lines: list[str]) -> tuple[str, str]:
    """The user name and password the demo printed beside the key."""
    line = next(line for line in lines if "用户名 user name:" in line)
    found = re.search(r"user name: (\S+)\s+密码 password: (\S+)", line)
    assert found is not None, line
    return found.group(1), found.group(2)


def test_the_demo_prints_an_administrator_account_that_signs_in_and_keeps_it(
    settings: Settings, db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _demo(settings, tmp_path, monkeypatch)
    username, password = _account(first)
    assert username == "demo"
    assert password in (tmp_path / KEY_FILE).read_text(encoding="utf-8")
    signed = sessions.sign_in(db, username=username, password=password, address="127.0.0.1")
    assert signed is not None
    assert sessions.principal_for(db, signed.token).role == "admin"
    monkeypatch.setenv("CITYBRAIN_PORTAL_API_KEY", "")
    assert _account(_demo(settings, tmp_path, monkeypatch)) == (username, password)  # the same on a second start
    with db.transaction() as session:  # an administrator disabled it: the next start enables it, a new password
        accounts.disable(session=session, user=accounts.by_name(session=session, username="demo"))
    monkeypatch.setenv("CITYBRAIN_PORTAL_API_KEY", "")
    _user, renewed = _account(_demo(settings, tmp_path, monkeypatch))
    assert renewed != password
    assert sessions.sign_in(db, username="demo", password=renewed, address="127.0.0.1") is not None
    assert sessions.sign_in(db, username="demo", password=password, address="127.0.0.1") is None


def test_keys_that_cannot_be_reused_are_revoked_and_replaced(
    settings: Settings, db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = _demo(settings, tmp_path, monkeypatch)[-1]
    (tmp_path / KEY_FILE).unlink()  # the plaintext is lost: the old key would stay valid and unseen
    new = _demo(settings, tmp_path, monkeypatch)[-1]
    assert new != old
    assert not _works(db, old)
    assert _works(db, new)
    assert len(_active(db, "demo operator")) == 1
    assert len(_active(db, "demo portal")) == 1

    with db.transaction() as session:  # an administrator revoked the demo's operator key
        (revoked,) = _active(db, "demo operator")
        auth_service.revoke(session=session, key_id=revoked)
    third = _demo(settings, tmp_path, monkeypatch)[-1]
    assert third not in (old, new)
    assert _works(db, third)


def test_urls_and_key_come_last_once_the_server_answers(tmp_path: Path) -> None:
    """The real command in a process of its own: when the first URL is printed, the page answers at once, and the
    key is the last line."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("CITYBRAIN_DATABASE_URL", "CITYBRAIN_PORTAL_API_KEY")}
    env |= {"CITYBRAIN_DATA_DIR": str(tmp_path), "COLUMNS": "200"}
    code = "from citybrain.cli.main import app; app()"
    cmd = [sys.executable, "-c", code, "demo", "--port", str(port), "--no-insight", *SMALL]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    answered_at_first_url = None
    try:
        assert proc.stdout is not None
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line.rstrip("\n"))
            if answered_at_first_url is None and "Landing page" in line:
                answered_at_first_url = httpx.get(f"http://127.0.0.1:{port}/", timeout=5).status_code
            if line.startswith("cb_"):
                break
        key = lines[-1]
        assert key.startswith("cb_"), "\n".join(lines)
        assert answered_at_first_url == 200  # printed only once the server answered
        me = httpx.get(f"http://127.0.0.1:{port}/api/v1/me", headers={"X-API-Key": key}, timeout=5)
        assert me.status_code == 200
        assert me.json()["role"] == "operator"
        welcome = "\n".join(lines[-11:])
        assert "/signin" in welcome
        assert "用户名 user name: demo" in welcome
        for path in ("/ ", "/portal", "/desk", "/cockpit", "/docs"):
            assert f"http://127.0.0.1:{port}{path.strip()}" in welcome, path
        first_url = next(i for i, line in enumerate(lines) if "Landing page" in line)
        assert all("http://" not in line for line in lines[:first_url] if "starting the server" not in line)
        assert (tmp_path / KEY_FILE).exists()
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_a_lost_key_file_revokes_the_old_portal_key_too(
    settings: Settings, db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _demo(settings, tmp_path, monkeypatch)
    old_portal = os.environ["CITYBRAIN_PORTAL_API_KEY"]
    (tmp_path / KEY_FILE).unlink()
    monkeypatch.setenv("CITYBRAIN_DATABASE_URL", settings.resolved_database_url())
    monkeypatch.setenv("CITYBRAIN_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CITYBRAIN_PORTAL_API_KEY", "cb_the_citys_own_portal_key")  # the demo makes none now
    result = CliRunner().invoke(app, ["demo", "--no-serve", *SMALL])
    assert result.exit_code == 0, result.output
    assert not _works(db, old_portal)  # its plaintext is gone with the file: it must not stay valid
    assert _active(db, "demo portal") == []
    assert len(_active(db, "demo operator")) == 1
