"""The demo's API keys and staff account, the same on every start: the operator key the console prints (for curl
and scripts), the citizens' portal's app key, and the account ``demo`` (an administrator) to sign in at /signin.

Keys are stored hashed, so the plaintexts live in one file of the data dir, ``demo-keys.json``, readable by its
owner only (0600). On a start, the keys of that file are used again while they still authenticate with their role;
otherwise (first start, file lost, another database, a key revoked) every key still active under the demo's two
names is revoked and new ones are made and written there. So a second start prints the same key, and a key the
demo made before is never left working unseen. The account's password is kept in the same file; when it no longer
signs in (file lost, account disabled or changed), the account gets a new random password.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from citybrain.core.errors import CityBrainError, InvalidInput

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from citybrain.core.db import Database

KEY_FILE = "demo-keys.json"
#: (name, role) of each demo key, by its field in the file.
KEYS = {"operator": ("demo operator", "operator"), "portal": ("demo portal", "app")}
#: The demo's staff account: an administrator, so it opens the desk, the cockpit and /admin.
DEMO_USER = "demo"


@dataclass(frozen=True)
class DemoKeys:
    operator: str
    portal: str | None  # None: the portal's key comes from CITYBRAIN_PORTAL_API_KEY
    reused: bool
    revoked: int
    path: Path
    username: str = DEMO_USER
    password: str = ""


def demo_keys(db: Database, *, portal: bool) -> DemoKeys:
    """The demo's keys (``portal``: the portal's too) and account, reused from the key file or made anew."""
    path = db.settings.data_dir / KEY_FILE
    wanted = ["operator", "portal"] if portal else ["operator"]
    stored = _read(path)
    with db.transaction() as session:
        if all(_works(session, stored.get(field), *KEYS[field]) for field in wanted):
            fresh, reused, revoked = {f: stored[f] for f in wanted}, True, 0
        else:
            (fresh, revoked), reused = _renew(session, wanted), False
    password, same = demo_account(db, stored.get("password"))
    if not (reused and same):
        _write(path, fresh | {"password": password})
    return DemoKeys(fresh["operator"], fresh.get("portal"), reused, revoked, path, DEMO_USER, password)


def demo_account(db: Database, password: str | None) -> tuple[str, bool]:
    """The demo administrator's password: ``password`` while it still signs in, else a new one; and whether it
    is the same. The check runs outside the write transaction (argon2 is slow on purpose)."""
    from citybrain.auth import account_repository, accounts, passwords

    with db.reading() as session:
        user = account_repository.user_by_name(session, DEMO_USER)
        stored = user.password_hash if user is not None and not user.disabled and user.role == "admin" else None
    if password and stored and passwords.verify(stored, password).ok:
        return password, True
    fresh = _new_password(db.settings.password_min_length)
    with db.transaction() as session:
        user = account_repository.user_by_name(session, DEMO_USER)
        if user is None:
            accounts.create(session=session, username=DEMO_USER, display_name="演示管理员 demo admin", role="admin",
                            password=fresh, min_length=db.settings.password_min_length)  # fmt: skip
        else:
            accounts.change(session=session, user=user, change=accounts.Change(role="admin", disabled=False))
            accounts.set_password(session=session, user=user, password=fresh, min_length=1)
    return fresh, False


def _new_password(min_length: int) -> str:
    import secrets

    from citybrain.auth import passwords

    while True:
        candidate = secrets.token_urlsafe(max(12, min_length))
        try:
            passwords.check_policy(candidate, username=DEMO_USER, min_length=min_length)
        except InvalidInput:
            continue
        return candidate


def _works(session: Session, plaintext: object, name: str, role: str) -> bool:
    from citybrain.auth import service

    if not isinstance(plaintext, str):
        return False
    try:
        principal = service.authenticate(session=session, plaintext=plaintext)
    except CityBrainError:
        return False
    return principal.name == name and principal.role == role


def _renew(session: Session, wanted: list[str]) -> tuple[dict[str, str], int]:
    """Revoke every demo key still active (whose plaintext may be lost), then make one of each wanted."""
    from citybrain.auth import repository, service

    old = repository.active_named(session, [name for name, _ in KEYS.values()])
    for key in old:
        service.revoke(session=session, key_id=key.id)
    fresh = {}
    for field in wanted:
        name, role = KEYS[field]
        fresh[field] = service.create_api_key(session=session, name=name, role=role)[1]
    return fresh, len(old)


def _read(path: Path) -> dict[str, str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {k: v for k, v in data.items() if isinstance(v, str)} if isinstance(data, dict) else {}


def _write(path: Path, keys: dict[str, str]) -> None:
    """The file whole or not at all, created 0600 (never readable by others, not even for a moment)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(json.dumps(keys, indent=2) + "\n")
        os.chmod(tmp, 0o600)  # an old temporary file keeps its mode through O_CREAT
        os.replace(tmp, path)
    except OSError as exc:
        raise InvalidInput(f"cannot write the demo's keys to {path}: {exc.strerror or exc}") from None
