"""An empty database for a benchmark: a SQLite file in a folder, or a new schema of a PostgreSQL database that is
dropped when the benchmark ends (so runs never meet, and nothing is left behind)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text

from citybrain.core.settings import Settings


@contextmanager
def scratch_settings(postgres_url: str | None, folder: Path, name: str = "bench") -> Iterator[Settings]:
    """Settings on an empty database — ``folder/<name>.db`` when ``postgres_url`` is None, else a new schema of it."""
    if postgres_url is None:
        yield Settings(database_url=f"sqlite:///{folder / f'{name}.db'}", data_dir=folder)
        return
    schema = f"{name}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(postgres_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in postgres_url else "?"
    try:
        yield Settings(database_url=f"{postgres_url}{sep}options=-csearch_path%3D{schema}", data_dir=folder)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def backend_of(settings: Settings) -> str:
    """``sqlite`` or ``postgresql``: the database a benchmark's settings point at."""
    return "sqlite" if settings.database_url.startswith("sqlite") else "postgresql"
