"""``citybrain db backup`` / ``db restore``: a consistent copy of the operations database while it serves.

SQLite: the online backup API (``sqlite3.Connection.backup``) copies the pages of one consistent snapshot
while the server keeps writing (WAL). PostgreSQL: ``pg_dump --format=custom`` (one snapshot, no locks that
stop writers) and ``pg_restore --single-transaction`` into a fresh database, both found on ``PATH`` (Debian:
``apt install postgresql-client``). pg_dump refuses a server newer than itself, so the versions are checked
first and a mismatch is explained.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from pathlib import Path
from urllib.parse import unquote

from sqlalchemy import Engine, inspect, text
from sqlalchemy.engine import URL

from citybrain.core.errors import CityBrainError, InvalidInput

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_MAGIC = b"PGDMP"


class BackupFailed(CityBrainError):
    """The backup or restore tool is missing, too old, or failed; nothing was changed."""

    status_code = 500
    code = "backup_failed"


def backup(engine: Engine, path: Path) -> Path:
    """Write a backup of the database behind ``engine`` to ``path`` (refuses to overwrite a file)."""
    if path.exists():
        raise InvalidInput(f"{path} already exists; choose a new file name")
    path.parent.mkdir(parents=True, exist_ok=True)
    if engine.dialect.name == "sqlite":
        _sqlite_copy(_sqlite_file(engine), path)
    else:
        _pg_dump(engine, path)
    return path


def restore(engine: Engine, path: Path) -> None:
    """Load a backup into the database behind ``engine``, which must be fresh (no tables yet)."""
    if not path.is_file():
        raise InvalidInput(f"{path}: no such backup file")
    head = path.read_bytes()[:16]
    if inspect(engine).get_table_names():
        raise InvalidInput(
            "the target database already has tables; restore into a fresh database (point "
            "CITYBRAIN_DATABASE_URL at a new SQLite file or an empty PostgreSQL database)"
        )
    if engine.dialect.name == "sqlite":
        if not head.startswith(SQLITE_MAGIC):
            raise InvalidInput(f"{path} is not a SQLite backup (made by citybrain db backup on SQLite)")
        _sqlite_copy(path, _sqlite_file(engine))
    else:
        if not head.startswith(PG_MAGIC):
            raise InvalidInput(f"{path} is not a pg_dump custom-format backup (made by citybrain db backup)")
        _pg_restore(engine, path)


# --- SQLite --------------------------------------------------------------------------------------------


def _sqlite_file(engine: Engine) -> Path:
    database = engine.url.database
    if not database or database == ":memory:":
        raise InvalidInput("an in-memory SQLite database cannot be backed up or restored")
    return Path(database)


def _sqlite_copy(source: Path, target: Path) -> None:
    """SQLite's online backup API: every page in one step, so it is one consistent snapshot (a stepwise backup
    restarts whenever another connection writes, and under steady load might never finish). In WAL mode the
    step only reads: the server's writers carry on meanwhile."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    dst = sqlite3.connect(target, timeout=30)
    try:
        src.backup(dst, pages=-1)
    finally:
        dst.close()
        src.close()


# --- PostgreSQL ----------------------------------------------------------------------------------------


def _libpq(url: URL) -> tuple[str, dict[str, str], str | None]:
    """(libpq URI without password, environment with PGPASSWORD, the schema named in search_path)."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    uri = plain.render_as_string(hide_password=False)
    raw = url.query.get("options") or ""
    options = " ".join(raw) if isinstance(raw, tuple) else str(raw)
    found = re.search(r"search_path\s*=\s*([A-Za-z0-9_]+)", unquote(options))
    return uri, env, found.group(1) if found else None


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupFailed(
            f"{name} was not found on PATH; install the PostgreSQL client tools of the server's version "
            "(Debian/Ubuntu: apt install postgresql-client)"
        )
    return found


def _tool_major(binary: str) -> int:
    out = subprocess.run([binary, "--version"], capture_output=True, text=True, check=False).stdout
    found = re.search(r"(\d+)(?:\.\d+)?", out)
    if found is None:
        raise BackupFailed(f"could not read the version of {binary} ({out.strip()!r})")
    return int(found.group(1))


def _server_major(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SHOW server_version_num")).scalar_one()) // 10000


def check_versions(engine: Engine, name: str) -> str:
    """The tool's path, if its major version can work with the server's (pg_dump/pg_restore ≥ server)."""
    binary = _tool(name)
    tool, server = _tool_major(binary), _server_major(engine)
    if tool < server:
        raise BackupFailed(
            f"{name} {tool} is older than the PostgreSQL {server} server and cannot work with it; install "
            f"postgresql-client-{server} (or newer) and put its {name} first on PATH"
        )
    return binary


def _run(args: list[str], env: dict[str, str], what: str) -> None:
    done = subprocess.run(args, capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        raise BackupFailed(f"{what} failed (exit {done.returncode}): {done.stderr.strip()[-2000:]}")


def _pg_dump(engine: Engine, path: Path) -> None:
    binary = check_versions(engine, "pg_dump")
    uri, env, schema = _libpq(engine.url)
    args = [binary, "--format=custom", "--no-owner", "--no-privileges", f"--file={path}", f"--dbname={uri}"]
    if schema:
        args.append(f"--schema={schema}")
    try:
        _run(args, env, "pg_dump")
    except BackupFailed:
        path.unlink(missing_ok=True)
        raise


def _pg_restore(engine: Engine, path: Path) -> None:
    binary = check_versions(engine, "pg_restore")
    uri, env, _schema = _libpq(engine.url)
    args = [binary, "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction", f"--dbname={uri}"]
    _run([*args, str(path)], env, "pg_restore")
