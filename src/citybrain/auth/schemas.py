"""Who the caller is, as the staff pages need it: name, role, department and what the role may do."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class CaseActionOut(BaseModel):
    """One case action (派单, 签收 …) the caller may take, and from which states."""

    action: str
    name_zh: str
    sources: list[str] = Field(description="The statuses a case must be in for this action.")
    target: str | None = Field(description="The status it moves the case to (None: an event only).")
    needs: str | None = Field(description="The body field the action cannot do without (reply, reason …).")
    own_department_only: bool = Field(description="Only on cases of the caller's own department.")


class MeOut(BaseModel):
    name: str = Field(
        description="Who is calling: the key's holder (named at `citybrain apikey create`) or the signed-in person."
    )
    role: str
    role_zh: str
    role_en: str
    department_code: str | None
    department_name_zh: str | None
    department_name_en: str | None
    permissions: list[str]
    sees_personal_data: bool = Field(description="False: citizens' name, phone and ID numbers come masked.")
    case_actions: list[CaseActionOut]
    alert_actions: list[str] = Field(description="Alert actions (确认, 暂缓, 关闭, 重开) the role may take.")
    signed_in: bool = Field(default=False, description="True: a person signed in at /signin (a session cookie).")
    csrf_token: str | None = Field(
        default=None,
        description="The session's anti-forgery token: a signed-in page sends it as X-CSRF-Token with every write.",
    )


class UserIn(BaseModel):
    """A new staff account (员工账号)."""

    username: str = Field(min_length=2, max_length=64, description="Sign-in name: a-z, 0-9, '.', '_', '-'.")
    display_name: str = Field(min_length=1, max_length=200, description="The person's name as colleagues see it.")
    role: str = Field(description="operator, department, supervisor, analyst or admin.")
    department_code: str | None = Field(default=None, max_length=64, description="For role department only.")
    password: str = Field(max_length=128, description="The first password (the minimum policy applies).")
    email: str | None = Field(
        default=None,
        max_length=254,
        description="Work e-mail: how an OIDC sign-in (统一身份认证) first finds the account.",
    )


class UserChangeIn(BaseModel):
    """What changes on an account; fields left out stay as they are."""

    display_name: str | None = Field(default=None, max_length=200)
    role: str | None = Field(default=None, max_length=32)
    department_code: str | None = Field(default=None, max_length=64)
    disabled: bool | None = Field(default=None, description="True ends every session of the account at once.")
    email: str | None = Field(default=None, max_length=254, description="Work e-mail; an empty string removes it.")


class PasswordIn(BaseModel):
    password: str = Field(max_length=128, description="The new password; every session of the account ends.")


class UserOut(BaseModel):
    id: int
    username: str
    display_name: str
    role: str
    department_code: str | None
    disabled: bool
    created_at: datetime
    last_sign_in_at: datetime | None
    email: str | None = Field(
        default=None, description="Work e-mail, by which an OIDC sign-in first finds the account."
    )
    sessions: int = Field(description="Sessions not ended by sign-out or revocation (some may have expired).")


class KeyIn(BaseModel):
    name: str = Field(min_length=1, max_length=200, description="Who holds the key: an app, a sensor, a script.")
    role: str = Field(description="app, sensor, operator, department, supervisor, analyst or admin.")
    department_code: str | None = Field(default=None, max_length=64)


class KeyOut(BaseModel):
    id: int
    name: str
    prefix: str = Field(description="The key's first characters, to recognise it; never the whole key.")
    role: str
    department_code: str | None
    created_at: datetime
    revoked_at: datetime | None


class KeyCreatedOut(KeyOut):
    key: str = Field(description="The key itself, shown this once: only its hash is stored.")
