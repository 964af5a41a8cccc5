"""Who may read and act on which application — the same roles as cases (auth.roles), declared once here.

Reading needs ``read_cases``; acting needs ``handle``. A department handler (承办单位) reads and acts on its own
department's applications only; operators and administrators on all. The applicant's name, phone and ID number
are masked unless the role has ``see_pii``.
"""

from __future__ import annotations

from citybrain.auth.roles import Permission, Principal
from citybrain.core.errors import Forbidden
from citybrain.models import ServiceApplication


def _held(principal: Principal) -> bool:
    return principal.role == "department"


def may_read(principal: Principal, application: ServiceApplication) -> None:
    if _held(principal) and application.department_id != principal.department_id:
        raise Forbidden(f"application {application.id} is not with your department")


def may_act(principal: Principal, department_id: int) -> None:
    """403 unless the caller handles applications of this department."""
    if not principal.can(Permission.HANDLE):
        raise Forbidden(f"role {principal.role!r} may not handle applications")
    if _held(principal) and department_id != principal.department_id:
        raise Forbidden("this application is not with your department")


def department_scope(principal: Principal, wanted: int | None) -> int | None:
    """The department a list is held to: a handler's own, whatever it asked for."""
    if _held(principal):
        if wanted is not None and wanted != principal.department_id:
            raise Forbidden("a department handler lists its own department's applications only")
        return principal.department_id
    return wanted
