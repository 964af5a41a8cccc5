"""``GET /api/v1/me``: who the presented key belongs to and what that role may do (the desk page reads it).

It lives in ``web`` because it composes several domains' rules — the case policy, the alert transitions, the
department's names — and ``auth`` sits below all of them.
"""

from __future__ import annotations

from fastapi import APIRouter

from citybrain.alerts.service import TRANSITIONS as ALERT_TRANSITIONS
from citybrain.auth.deps import PrincipalDep
from citybrain.auth.roles import ROLES, Permission, Principal
from citybrain.auth.schemas import CaseActionOut, MeOut
from citybrain.cases import policy
from citybrain.cases.lifecycle import Transition
from citybrain.core.http import DbDep
from citybrain.directory import repository as directory_repo

router = APIRouter(tags=["auth 身份"])


def _action_out(transition: Transition, *, own_department_only: bool) -> CaseActionOut:
    return CaseActionOut(
        action=transition.action,
        name_zh=transition.name_zh,
        sources=sorted(s.value for s in transition.sources),
        target=transition.target.value if transition.target else None,
        needs=transition.needs,
        own_department_only=own_department_only,
    )


def case_actions(principal: Principal) -> list[CaseActionOut]:
    """The actions ``cases.policy`` lets the role take; a handler's only on its own department's cases."""
    own = not principal.can(Permission.DISPATCH)
    return [_action_out(t, own_department_only=own) for t in policy.allowed_actions(principal)]


@router.get("/me", response_model=MeOut, summary="Who am I: the key's holder, role and what it may do")
def me(db: DbDep, principal: PrincipalDep) -> MeOut:
    """401 without a key, 403 with an unknown or revoked one — so a client can check a key before using it."""
    role = ROLES[principal.role]
    names: tuple[str | None, str | None, str | None] = (None, None, None)
    if principal.department_id is not None:
        with db.reading() as session:
            department = directory_repo.department(session, principal.department_id)
            if department is not None:
                names = (department.code, department.name_zh, department.name_en)
    return MeOut(
        name=principal.name,
        role=role.name,
        role_zh=role.title_zh,
        role_en=role.title_en,
        department_code=names[0],
        department_name_zh=names[1],
        department_name_en=names[2],
        permissions=sorted(p.value for p in role.permissions),
        sees_personal_data=principal.can(Permission.SEE_PII),
        case_actions=case_actions(principal),
        alert_actions=list(ALERT_TRANSITIONS) if principal.can(Permission.HANDLE_ALERTS) else [],
        signed_in=principal.user_id is not None,
        csrf_token=principal.csrf_token,
    )
