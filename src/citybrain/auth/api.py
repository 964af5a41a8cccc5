"""``/api/v1/admin``: staff accounts and API keys, for administrators (the /admin page is their client).

A key's plaintext is in the answer to its creation only; lists show its prefix. Disabling an account or setting
its password ends its sessions at once.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from sqlalchemy.orm import Session

from citybrain.auth import account_repository, accounts, repository, service
from citybrain.auth.deps import UserManager
from citybrain.auth.schemas import KeyCreatedOut, KeyIn, KeyOut, PasswordIn, UserChangeIn, UserIn, UserOut
from citybrain.core.errors import Conflict
from citybrain.core.http import DbDep
from citybrain.models import ApiKey, StaffUser

router = APIRouter(prefix="/admin", tags=["admin 管理"])
RowId = Annotated[int, Path(ge=1, le=2_147_483_647, description="The row's number")]


def _user_out(user: StaffUser, codes: dict[int, str], live: dict[int, int]) -> UserOut:
    return UserOut(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=user.role,
        department_code=codes.get(user.department_id) if user.department_id is not None else None,
        disabled=user.disabled,
        email=user.email,
        created_at=user.created_at,
        last_sign_in_at=user.last_sign_in_at,
        sessions=live.get(user.id, 0),
    )


def _one(session: Session, user: StaffUser) -> UserOut:
    live = {user.id: account_repository.live_sessions_of(session, user.id)}
    return _user_out(user, account_repository.department_codes(session), live)


def _key_out(key: ApiKey, codes: dict[int, str]) -> dict[str, object]:
    code = codes.get(key.department_id) if key.department_id is not None else None
    return {"id": key.id, "name": key.name, "prefix": key.prefix, "role": key.role, "department_code": code,
            "created_at": key.created_at, "revoked_at": key.revoked_at}  # fmt: skip


def _min_length(request: Request) -> int:
    return int(request.app.state.settings.password_min_length)


@router.get("/users", response_model=list[UserOut], summary="Staff accounts")
def list_users(db: DbDep, _admin: UserManager) -> list[UserOut]:
    with db.reading() as session:
        codes, live = account_repository.department_codes(session), account_repository.live_session_counts(session)
        return [_user_out(u, codes, live) for u in account_repository.all_users(session)]


@router.post("/users", response_model=UserOut, status_code=201, summary="Create a staff account")
def create_user(body: UserIn, request: Request, db: DbDep, _admin: UserManager) -> UserOut:
    with db.transaction() as session:
        user = accounts.create(session=session, username=body.username, display_name=body.display_name,
                               role=body.role, password=body.password, min_length=_min_length(request),
                               department_code=body.department_code)  # fmt: skip
        if body.email:
            accounts.set_email(session=session, user=user, email=body.email)
        return _one(session, user)


@router.patch(
    "/users/{user_id}", response_model=UserOut, summary="Change an account: name, role, department, disabled, e-mail"
)
def change_user(user_id: RowId, body: UserChangeIn, db: DbDep, admin: UserManager) -> UserOut:
    with db.transaction() as session:
        user = accounts.get(session=session, user_id=user_id)
        if body.disabled and admin.user_id == user.id:
            raise Conflict("you may not disable your own account (another administrator can)")
        change = accounts.Change(display_name=body.display_name, role=body.role,
                                 department_code=body.department_code, disabled=body.disabled)  # fmt: skip
        if body.email is not None:
            accounts.set_email(session=session, user=user, email=body.email or None)
        return _one(session, accounts.change(session=session, user=user, change=change))


@router.post("/users/{user_id}/password", response_model=UserOut, summary="Set an account's password")
def reset_password(user_id: RowId, body: PasswordIn, request: Request, db: DbDep, _admin: UserManager) -> UserOut:
    with db.transaction() as session:
        user = accounts.get(session=session, user_id=user_id)
        accounts.set_password(session=session, user=user, password=body.password, min_length=_min_length(request))
        return _one(session, user)


@router.get("/keys", response_model=list[KeyOut], summary="API keys (never the keys themselves)")
def list_keys(db: DbDep, _admin: UserManager) -> list[KeyOut]:
    with db.reading() as session:
        codes = account_repository.department_codes(session)
        return [KeyOut.model_validate(_key_out(k, codes)) for k in repository.all_keys(session)]


@router.post("/keys", response_model=KeyCreatedOut, status_code=201, summary="Create an API key (shown once)")
def create_key(body: KeyIn, db: DbDep, _admin: UserManager) -> KeyCreatedOut:
    with db.transaction() as session:
        key, plaintext = service.create_api_key(session=session, name=body.name, role=body.role,
                                                department_code=body.department_code)  # fmt: skip
        return KeyCreatedOut.model_validate(
            _key_out(key, account_repository.department_codes(session)) | {"key": plaintext}
        )


@router.post("/keys/{key_id}/revoke", response_model=KeyOut, summary="Revoke an API key")
def revoke_key(key_id: RowId, db: DbDep, _admin: UserManager) -> KeyOut:
    with db.transaction() as session:
        key = service.revoke(session=session, key_id=key_id)
        return KeyOut.model_validate(_key_out(key, account_repository.department_codes(session)))
