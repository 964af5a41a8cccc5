"""The default directory: complete, bilingual, consistent, and loading it again changes nothing."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from citybrain.core.db import Database
from citybrain.directory import repository, service
from citybrain.directory.defaults import default_data, load_defaults
from citybrain.models import Category, Department, RoutingRule, ServiceAttribute, SlaPolicy

LEVEL_1 = (
    "noise construction roads sanitation heating utilities parking environment greenery housing public_safety "
    "market labor education health transit consultation"
).split()
GUARANTEED = (
    "noise.construction noise.construction.night noise.residential noise.commercial noise.traffic construction.site "
    "construction.site.dust construction.illegal roads.works roads.damage roads.signals sanitation.garbage "
    "sanitation.street_cleaning sanitation.vendors heating.no_heat utilities.water utilities.power utilities.gas "
    "parking.illegal parking.blocked_driveway environment.air environment.water greenery.trees housing.property "
    "housing.elevator public_safety.manhole market.food labor.wages transit.bus"
).split()
DEPARTMENTS = (
    "urban_mgmt housing transport traffic_police ecology water power gas heating landscaping market hrss education "
    "health public_security civil_affairs planning"
).split()


def _counts(session: Session) -> dict[str, int]:
    tables = (Category, Department, RoutingRule, ServiceAttribute, SlaPolicy)
    return {t.__tablename__: int(session.scalar(select(func.count()).select_from(t)) or 0) for t in tables}


def test_every_guaranteed_code_and_department_exists(session: Session) -> None:
    codes = repository.category_codes(session)
    assert set(LEVEL_1) <= codes
    assert set(GUARANTEED) <= codes
    assert {d.code for d in repository.departments(session)} >= set(DEPARTMENTS)
    assert {p.code for p in repository.sla_policies(session)} == {"urgent", "utilities", "general", "complex"}


def test_taxonomy_is_bilingual_described_and_well_formed(session: Session) -> None:
    categories = repository.categories(session)
    levels = [c.level for c in categories]
    assert 15 <= levels.count(1) <= 20
    assert 40 <= levels.count(2) + levels.count(3) <= 65
    for c in categories:
        assert all((c.name_zh, c.name_en, c.description)), c.code
        assert c.sla_code in {"urgent", "utilities", "general", "complex"}, c.code
        assert c.level == c.code.count(".") + 1
        assert c.parent_code == (c.code.rsplit(".", 1)[0] if c.level > 1 else None)
        assert len(c.code) <= 32
        words = c.keywords.split(",")
        assert any(any("\u4e00" <= ch <= "\u9fff" for ch in w) for w in words), f"{c.code}: no Chinese keyword"
        assert any(w.isascii() for w in words), f"{c.code}: no English keyword"


def test_deadline_classes_follow_the_kind_of_problem(session: Session) -> None:
    def sla(code: str) -> str:
        category = repository.category(session, code)
        assert category is not None
        policy = service.sla_for(session=session, category=category)
        assert policy is not None
        return policy.code

    assert sla("utilities.gas.leak") == sla("public_safety.manhole") == sla("housing.elevator.entrapment") == "urgent"
    assert sla("utilities.water") == sla("utilities.power") == sla("heating.no_heat") == "utilities"
    assert sla("construction.illegal") == sla("labor.wages") == "complex"
    assert sla("noise.construction.night") == sla("parking.illegal") == "general"
    urgent = repository.sla_policy(session, "urgent")
    assert urgent is not None
    assert (urgent.accept_hours, urgent.resolve_hours) == (0.5, 2)
    complex_ = repository.sla_policy(session, "complex")
    assert complex_ is not None
    assert complex_.resolve_hours == 15 * 24


def test_every_default_rule_and_attribute_points_at_something_real(session: Session) -> None:
    codes = repository.category_codes(session)
    rules = repository.routing_rules(session)
    assert len(rules) == len(default_data("routing_rules"))
    assert all(r.category_code in codes and r.district_code is None for r in rules)
    routed = {d.code for d in repository.departments(session) if any(r.department_id == d.id for r in rules)}
    assert routed == set(DEPARTMENTS), "every default department receives some category"
    for code in GUARANTEED:
        assert service.route(session=session, category_code=code, district_code=None) is not None, code


def test_open311_attributes_for_metadata_services(session: Session) -> None:
    night = repository.service_attributes(session, "noise.construction.night")
    assert night[0].code == "time_of_day"
    assert night[0].datatype == "singlevaluelist"
    assert {v["key"] for v in night[0].values} >= {"22-24", "0-2"}
    (plate,) = repository.service_attributes(session, "parking.illegal")
    assert (plate.code, plate.datatype, plate.required) == ("plate_number", "string", False)
    (temperature,) = repository.service_attributes(session, "heating.no_heat")
    assert (temperature.code, temperature.datatype, temperature.required) == ("indoor_temperature", "number", True)


def test_loading_twice_adds_nothing(db: Database) -> None:
    with db.transaction() as s:
        before = _counts(s)
    with db.transaction() as s:
        load_defaults(s)
    with db.transaction() as s:
        assert _counts(s) == before


def test_loading_again_keeps_a_citys_edits_and_restores_what_is_missing(db: Database) -> None:
    with db.transaction() as s:
        category = repository.category(s, "noise")
        assert category is not None
        category.name_zh = "噪音（本市用语）"
        policy = repository.sla_policy(s, "general")
        assert policy is not None
        policy.resolve_hours = 120
        rule = next(r for r in repository.routing_rules(s) if r.category_code == "parking")
        rule.department_id = repository.department_by_code(s, "urban_mgmt").id  # type: ignore[union-attr]
        s.delete(next(r for r in repository.routing_rules(s) if r.category_code == "greenery"))
    with db.transaction() as s:
        load_defaults(s)
    with db.transaction() as s:
        assert repository.category(s, "noise").name_zh == "噪音（本市用语）"  # type: ignore[union-attr]
        assert repository.sla_policy(s, "general").resolve_hours == 120  # type: ignore[union-attr]
        parking = service.route(session=s, category_code="parking.illegal", district_code=None)
        assert parking is not None
        assert parking.code == "urban_mgmt"
        greenery = service.route(session=s, category_code="greenery.trees", district_code=None)
        assert greenery is not None
        assert greenery.code == "landscaping"
        assert [r.category_code for r in repository.routing_rules(s)].count("parking") == 1
