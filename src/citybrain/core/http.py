"""Request dependencies every router shares, below the domains: the database and the request's one transaction.

They live in ``core`` (not ``web``) so that a domain's ``api.py`` depends downwards only; ``web`` assembles the
routers and never lends them anything.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from citybrain.core.db import Database
from citybrain.core.errors import Conflict


def get_db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


DbDep = Annotated[Database, Depends(get_db)]


@contextmanager
def writing(db: Database, thing: str = "record") -> Iterator[Session]:
    """The request's one transaction; a lost optimistic-lock race (``version``) becomes 409 naming ``thing``."""
    try:
        with db.transaction() as session:
            yield session
    except StaleDataError as exc:
        raise Conflict(f"the {thing} was changed by someone else at the same moment; reload it and try again") from exc
