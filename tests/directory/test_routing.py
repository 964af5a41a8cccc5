"""Routing (派单 target) and SLA inheritance: the most specific rule wins, nothing matching means no department."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from citybrain.core.errors import Conflict, InvalidInput, NotFound
from citybrain.directory import service
from citybrain.directory.schemas import DepartmentIn, RoutingRuleIn, SlaPolicyIn
from citybrain.models import Category


def _routed(session: Session, category: str, district: str | None = None) -> str | None:
    department = service.route(session=session, category_code=category, district_code=district)
    return department.code if department else None


def _rule(session: Session, department: str, category: str | None, district: str | None = None, **kw: int) -> None:
    data = RoutingRuleIn(category_code=category, district_code=district, department_code=department, **kw)
    service.add_rule(session=session, data=data)


def test_the_deepest_category_rule_wins(session: Session) -> None:
    assert _routed(session, "noise") == "ecology"
    assert _routed(session, "noise.industrial_unknown_child") == "ecology"  # below noise, no deeper rule
    assert _routed(session, "noise.construction") == "urban_mgmt"
    assert _routed(session, "noise.construction.night") == "urban_mgmt"
    assert _routed(session, "housing.property") == "housing"
    assert _routed(session, "housing.elevator.entrapment") == "market"


def test_codes_match_by_path_not_by_string_prefix(session: Session) -> None:
    session.add(Category(code="noisex", level=1, name_zh="别的", name_en="other"))
    session.flush()
    assert _routed(session, "noisex") is None


def test_no_rule_means_no_department(session: Session) -> None:
    assert _routed(session, "consultation.policy") is None
    explained = service.explain_route(session=session, category_code="consultation.policy", district_code=None)
    assert explained.department is None
    assert explained.rule is None
    assert "manual dispatch" in explained.reason
    assert explained.sla is not None
    assert explained.sla.code == "general"


def test_a_district_rule_overrides_the_citywide_one_only_in_its_district(
    session: Session, districts: tuple[str, str]
) -> None:
    a1, a2 = districts
    service.add_department(session=session, data=DepartmentIn(code="a1_urban", name_zh="A1区城管"))
    _rule(session, "a1_urban", "noise", a1)
    assert _routed(session, "noise.residential", a1) == "a1_urban"  # district beats a deeper city-wide rule
    assert _routed(session, "noise.construction.night", a1) == "a1_urban"
    assert _routed(session, "noise.residential", a2) == "public_security"
    assert _routed(session, "noise.residential", None) == "public_security"
    assert _routed(session, "parking.illegal", a1) == "traffic_police"  # other categories untouched
    explained = service.explain_route(session=session, category_code="noise.traffic", district_code=a1)
    assert explained.department is not None
    assert explained.department.code == "a1_urban"
    assert "district A1" in explained.reason
    assert "category noise" in explained.reason


def test_within_a_district_the_deeper_category_wins(session: Session, districts: tuple[str, str]) -> None:
    a1, _ = districts
    _rule(session, "public_security", None, a1)  # everything in A1 …
    _rule(session, "gas", "utilities.gas", a1)  # … except gas
    assert _routed(session, "utilities.gas.leak", a1) == "gas"
    assert _routed(session, "roads.damage", a1) == "public_security"


def test_priority_breaks_ties_and_exact_duplicates_are_refused(session: Session) -> None:
    _rule(session, "planning", "roads.works", None, priority=5)
    assert _routed(session, "roads.works") == "planning"
    _rule(session, "water", "roads.works", None, priority=1)
    assert _routed(session, "roads.works") == "planning"
    with pytest.raises(Conflict, match="already covers"):
        _rule(session, "water", "roads.works", None, priority=5)


def test_rules_must_name_things_that_exist(session: Session) -> None:
    with pytest.raises(NotFound, match="department"):
        _rule(session, "no_such_department", "noise")
    with pytest.raises(NotFound, match="category"):
        _rule(session, "water", "no.such.category")
    with pytest.raises(NotFound, match="district"):
        _rule(session, "water", "noise", "ZZ")
    with pytest.raises(NotFound):
        service.explain_route(session=session, category_code="no.such", district_code=None)
    with pytest.raises(Conflict):
        service.add_department(session=session, data=DepartmentIn(code="water", name_zh="重复"))


def test_deleting_a_rule_falls_back_to_the_parent_rule(session: Session) -> None:
    explained = service.explain_route(session=session, category_code="noise.construction", district_code=None)
    assert explained.rule is not None
    service.delete_rule(session=session, rule_id=explained.rule.id)
    assert _routed(session, "noise.construction.night") == "ecology"
    with pytest.raises(NotFound):
        service.delete_rule(session=session, rule_id=explained.rule.id)


def test_sla_is_inherited_from_the_nearest_ancestor(session: Session) -> None:
    session.add_all(
        [
            Category(code="utilities.gas.leak.indoor", parent_code="utilities.gas.leak", level=4, name_zh="室内"),
            Category(code="labor.wages.x", parent_code="labor.wages", level=3, name_zh="x"),
            Category(code="zz", level=1, name_zh="无类"),
            Category(code="zz.child", parent_code="zz", level=2, name_zh="无类子类"),
        ]
    )
    session.flush()

    def sla(code: str) -> str:
        category = session.get(Category, code)
        assert category is not None
        policy = service.sla_for(session=session, category=category)
        assert policy is not None
        return policy.code

    assert sla("utilities.gas.leak.indoor") == "urgent"
    assert sla("labor.wages.x") == "complex"
    assert sla("zz.child") == "general"  # nobody on the path has a class: the general one
    flat = {n.code: n.effective_sla for n in service.category_tree(session=session, level=2)}
    assert flat["zz.child"] == "general"


def test_sla_update_checks_sign_for_before_resolve(session: Session) -> None:
    updated = service.update_sla(session=session, code="urgent", data=SlaPolicyIn(accept_hours=0.25, resolve_hours=4))
    assert (updated.accept_hours, updated.resolve_hours) == (0.25, 4)
    with pytest.raises(InvalidInput, match="must not exceed"):
        service.update_sla(session=session, code="urgent", data=SlaPolicyIn(accept_hours=5, resolve_hours=4))
    with pytest.raises(NotFound):
        service.update_sla(session=session, code="nope", data=SlaPolicyIn(accept_hours=1, resolve_hours=4))
