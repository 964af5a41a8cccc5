"""Request dependencies shared by every router: the database and the caller."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from citybrain.auth import service as auth_service
from citybrain.auth.roles import ANONYMOUS, Permission, Principal
from citybrain.core.db import Database
from citybrain.core.errors import Conflict, Forbidden


def get_db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


DbDep = Annotated[Database, Depends(get_db)]


def presented_key(request: Request) -> str | None:
    """The API key from ``X-API-Key``, ``Authorization: Bearer`` or (Open311 style) ``api_key``."""
    header = request.headers.get("x-api-key")
    if header:
        return header
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return request.query_params.get("api_key") or None


def get_principal(request: Request, db: DbDep) -> Principal:
    """The authenticated staff caller; 401 without a key, 403 with a bad one."""
    with db.reading() as session:
        return auth_service.authenticate(session=session, plaintext=presented_key(request))


def get_optional_principal(request: Request, db: DbDep) -> Principal:
    """The caller if a key was presented, otherwise the anonymous public."""
    key = presented_key(request)
    if not key:
        return ANONYMOUS
    with db.reading() as session:
        return auth_service.authenticate(session=session, plaintext=key)


PrincipalDep = Annotated[Principal, Depends(get_principal)]
OptionalPrincipalDep = Annotated[Principal, Depends(get_optional_principal)]


def require(principal: Principal, permission: Permission) -> None:
    if not principal.can(permission):
        raise Forbidden(f"role {principal.role!r} may not {permission.value}")


@contextmanager
def writing(db: Database, thing: str = "record") -> Iterator[Session]:
    """The request's one transaction; a lost optimistic-lock race (``version``) becomes 409 naming ``thing``."""
    try:
        with db.transaction() as session:
            yield session
    except StaleDataError as exc:
        raise Conflict(f"the {thing} was changed by someone else at the same moment; reload it and try again") from exc
