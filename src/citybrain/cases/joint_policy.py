"""Who may see and act on the parts and whistles of a case (the joint handling's share of :mod:`policy`).

Operators and administrators act on every part and whistle. A department handler, or a partner unit (社会协同单位),
sees and acts on its own part only — all parts when it leads the case (主办 assembles the reply from them) — and
reads the whistles it blew or was summoned to. Supervisors read everything and change nothing. The case itself
stays as :mod:`policy` allows.
"""

from __future__ import annotations

from citybrain.auth.roles import Permission, Principal
from citybrain.core.errors import Forbidden
from citybrain.models import Case, CasePart


def check_may_act(principal: Principal) -> None:
    """403 unless the role may ever act on a part or report in (before the body is read)."""
    if not (principal.can(Permission.DISPATCH) or principal.can(Permission.HANDLE)):
        raise Forbidden(f"role {principal.role!r} may not act on the parts or whistles of a case")


def check_may_whistle(principal: Principal) -> None:
    """吹哨 is the dispatcher's or the handling department's (a street office holding the case)."""
    check_may_act(principal)


def part_scope(principal: Principal, case: Case, part_departments: set[int], summoned: bool = False) -> int | None:
    """Which parts of ``case`` the caller may see: None for all, else its own department's. 403 if none at all."""
    if not principal.can(Permission.READ_CASES):
        raise Forbidden(f"role {principal.role!r} may not {Permission.READ_CASES.value}")
    if not principal.bound_to_unit:
        return None
    if case.department_id == principal.department_id or case.department_id in principal.supervised:
        return None  # the lead sees every part, and so does the lead's supervising department (主管部门)
    if principal.department_id in part_departments or summoned:
        return principal.department_id
    raise Forbidden(f"case {case.id} is not with your department, and your department has no part in it")


def authorize_part(principal: Principal, part: CasePart) -> None:
    """403 unless the caller may act on this very part: its own department's, or any for the dispatcher."""
    check_may_act(principal)
    if principal.can(Permission.DISPATCH):
        return
    if principal.department_id is None or part.department_id != principal.department_id:
        raise Forbidden(f"part {part.id} belongs to another department; you may act on your own part only")


def authorize_whistle(principal: Principal, case: Case) -> int | None:
    """403 unless the caller may blow the whistle on this case; the calling department (None: the dispatcher)."""
    check_may_whistle(principal)
    if principal.can(Permission.DISPATCH):
        return None
    if principal.department_id is None or case.department_id != principal.department_id:
        raise Forbidden(f"case {case.id} is not with your department; only its department or a dispatcher whistles")
    return principal.department_id
