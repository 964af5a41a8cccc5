"""The demo's API keys, the same on every start: the operator key the console prints (for the desk and curl) and
the citizens' portal's app key.

Keys are stored hashed, so the plaintexts live in one file of the data dir, ``demo-keys.json``, readable by its
owner only (0600). On a start, the keys of that file are used again while they still authenticate with their role;
otherwise (first start, file lost, another database, a key revoked) every key still active under the demo's two
names is revoked and new ones are made and written there. So a second start prints the same key, and a key the
demo made before is never left working unseen.
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


@dataclass(frozen=True)
class DemoKeys:
    operator: str
    portal: str | None  # None: the portal's key comes from CITYBRAIN_PORTAL_API_KEY
    reused: bool
    revoked: int
    path: Path


def demo_keys(db: Database, *, portal: bool) -> DemoKeys:
    """The demo's keys (``portal``: the portal's too), reused from the key file or made anew; see the module."""
    path = db.settings.data_dir / KEY_FILE
    wanted = ["operator", "portal"] if portal else ["operator"]
    stored = _read(path)
    with db.transaction() as session:
        if all(_works(session, stored.get(field), *KEYS[field]) for field in wanted):
            return DemoKeys(stored["operator"], stored.get("portal") if portal else None, True, 0, path)
        fresh, revoked = _renew(session, wanted)
    _write(path, fresh)
    return DemoKeys(fresh["operator"], fresh.get("portal"), False, revoked, path)


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
