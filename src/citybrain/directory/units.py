"""Units outside government (社会协同单位): property managers, utilities, contractors, enterprises and social
organisations that take cases beside the government's departments, each under a supervising department (主管部门).

A unit is a row of ``departments`` with a ``kind`` other than ``government``, so routing, dispatch, joint parts,
the SLA clock and the KPIs treat it as any 承办单位; what differs is who may see what (``cases.policy``).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from citybrain.core.errors import InvalidInput, NotFound
from citybrain.directory import repository
from citybrain.models import Department

GOVERNMENT = "government"

#: kind → (中文, English), declared once: the API, CLI and docs/partners.md read it.
KINDS: dict[str, tuple[str, str]] = {
    GOVERNMENT: ("政府部门", "government department"),
    "enterprise": ("企业", "enterprise"),
    "property": ("物业服务企业", "property manager"),
    "utility": ("水电气热企业", "utility (water, power, gas, heating)"),
    "contractor": ("施工/养护单位", "contractor (works, maintenance)"),
    "social": ("社会组织", "social organisation"),
}


def is_partner(department: Department) -> bool:
    return department.kind != GOVERNMENT


def check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise InvalidInput(f"unknown unit kind {kind!r}; choose one of {', '.join(KINDS)}")
    return kind


def supervisor_for(session: Session, kind: str, supervisor_code: str | None) -> int | None:
    """The id of the supervising department a unit of ``kind`` names: required outside government (a government
    department of the directory), refused for a government department."""
    check_kind(kind)
    if kind == GOVERNMENT:
        if supervisor_code:
            raise InvalidInput("a government department has no supervising department (主管部门); drop supervisor")
        return None
    if not supervisor_code:
        raise InvalidInput(
            f"a unit of kind {kind!r} needs its supervising government department (主管部门, supervisor)"
        )
    supervisor = repository.department_by_code(session, supervisor_code)
    if supervisor is None:
        raise NotFound(f"no department {supervisor_code!r} to supervise the unit")
    if is_partner(supervisor):
        raise InvalidInput(f"{supervisor_code!r} is a {supervisor.kind} unit; a supervisor is a government department")
    return supervisor.id
