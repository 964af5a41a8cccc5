"""Staff API for the directory: reads for any staff key, changes for directory managers (admin)."""

from __future__ import annotations

from fastapi import APIRouter, Query, Response

from citybrain.auth.deps import DirectoryManager, PrincipalDep
from citybrain.core.http import DbDep
from citybrain.core.inputs import SmallRowId
from citybrain.directory import repository, service, units
from citybrain.directory.schemas import (
    CategoryOut,
    DepartmentChange,
    DepartmentIn,
    DepartmentOut,
    DistrictOut,
    RouteOut,
    RoutingRuleIn,
    RoutingRuleOut,
    SlaPolicyIn,
    SlaPolicyOut,
)
from citybrain.models import RoutingRule

router = APIRouter(tags=["directory"])


def _rule_out(rule: RoutingRule, department_codes: dict[int, str]) -> RoutingRuleOut:
    return RoutingRuleOut(
        id=rule.id,
        category_code=rule.category_code,
        district_code=rule.district_code,
        department_code=department_codes[rule.department_id],
        priority=rule.priority,
    )


@router.get("/categories", response_model=list[CategoryOut])
def list_categories(
    db: DbDep, principal: PrincipalDep, level: int | None = Query(None, description="1, 2 or 3: a flat list")
) -> list[CategoryOut]:
    """The taxonomy as a tree (level-1 nodes with children), or one level as a flat list with ``?level=``."""
    with db.reading() as session:
        return service.category_tree(session=session, level=level)


@router.get("/departments", response_model=list[DepartmentOut])
def list_departments(
    db: DbDep,
    principal: PrincipalDep,
    kind: str | None = Query(None, description="only units of this kind: government, property, utility …"),
) -> list[DepartmentOut]:
    """Government departments and the units outside government (社会协同单位) with their supervisor (主管部门)."""
    if kind is not None:
        units.check_kind(kind)
    with db.reading() as session:
        return [DepartmentOut.model_validate(d) for d in repository.departments(session) if kind in (None, d.kind)]


@router.post("/departments", response_model=DepartmentOut, status_code=201)
def create_department(data: DepartmentIn, db: DbDep, principal: DirectoryManager) -> DepartmentOut:
    with db.transaction() as session:
        return DepartmentOut.model_validate(service.add_department(session=session, data=data))


@router.patch("/departments/{code}", response_model=DepartmentOut)
def change_department(code: str, data: DepartmentChange, db: DbDep, principal: DirectoryManager) -> DepartmentOut:
    """Rename a department or unit, change its phone, or move a unit outside government to another supervising
    department (主管部门: its cases and KPIs follow from the next request)."""
    with db.transaction() as session:
        return DepartmentOut.model_validate(service.change_department(session=session, code=code, data=data))


@router.get("/districts", response_model=list[DistrictOut])
def list_districts(db: DbDep, principal: PrincipalDep) -> list[DistrictOut]:
    with db.reading() as session:
        return [DistrictOut.model_validate(d) for d in repository.districts(session)]


@router.get("/routing-rules", response_model=list[RoutingRuleOut])
def list_rules(db: DbDep, principal: PrincipalDep) -> list[RoutingRuleOut]:
    with db.reading() as session:
        codes = {d.id: d.code for d in repository.departments(session)}
        return [_rule_out(r, codes) for r in repository.routing_rules(session)]


@router.post("/routing-rules", response_model=RoutingRuleOut, status_code=201)
def create_rule(data: RoutingRuleIn, db: DbDep, principal: DirectoryManager) -> RoutingRuleOut:
    with db.transaction() as session:
        rule = service.add_rule(session=session, data=data)
        return _rule_out(rule, {rule.department_id: data.department_code})


@router.delete("/routing-rules/{rule_id}", status_code=204)
def delete_rule(rule_id: SmallRowId, db: DbDep, principal: DirectoryManager) -> Response:
    with db.transaction() as session:
        service.delete_rule(session=session, rule_id=rule_id)
    return Response(status_code=204)


@router.get("/sla-policies", response_model=list[SlaPolicyOut])
def list_sla_policies(db: DbDep, principal: PrincipalDep) -> list[SlaPolicyOut]:
    with db.reading() as session:
        return [SlaPolicyOut.model_validate(p) for p in repository.sla_policies(session)]


@router.put("/sla-policies/{code}", response_model=SlaPolicyOut)
def update_sla_policy(code: str, data: SlaPolicyIn, db: DbDep, principal: DirectoryManager) -> SlaPolicyOut:
    """Change the 签收 / 办结 hours of a class; cases already dispatched keep their deadlines."""
    with db.transaction() as session:
        return SlaPolicyOut.model_validate(service.update_sla(session=session, code=code, data=data))


@router.get("/route", response_model=RouteOut)
def explain_route(
    db: DbDep,
    principal: PrincipalDep,
    category: str = Query(..., description="category code, e.g. noise.construction.night"),
    district: str | None = Query(None, description="district code; empty = no district"),
) -> RouteOut:
    """Which department a case of this category and district would be dispatched to (派单), and why."""
    with db.reading() as session:
        found = service.explain_route(session=session, category_code=category, district_code=district or None)
        codes = {d.id: d.code for d in repository.departments(session)}
        return RouteOut(
            category_code=category,
            district_code=district or None,
            department=DepartmentOut.model_validate(found.department) if found.department else None,
            rule=_rule_out(found.rule, codes) if found.rule else None,
            sla=SlaPolicyOut.model_validate(found.sla) if found.sla else None,
            reason=found.reason,
        )
