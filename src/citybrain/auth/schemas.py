"""Who the caller is, as the staff pages need it: name, role, department and what the role may do."""

from __future__ import annotations

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
    name: str = Field(description="Who holds the key (the name given at `citybrain apikey create`).")
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
