"""Category × place → department: a case is located (coordinates, else the text) and routed by district rules."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import delete, select

from citybrain.core.db import Database
from citybrain.models import Department, District, RoutingRule
from tests.triage.conftest import WAGES, AppFactory, case_of, post

SQUARE = {
    "type": "Polygon",
    "coordinates": [[[112.8, 28.1], [113.0, 28.1], [113.0, 28.3], [112.8, 28.3], [112.8, 28.1]]],
}


@pytest.fixture
def district(db: Database) -> Iterator[str]:
    """District T01 (测试区) around (28.2, 112.9), where labour cases go to the education bureau (a test rule)."""
    with db.transaction() as s:
        s.add(
            District(code="T01", name_zh="测试区", name_en="Test", center_lat=28.2, center_lon=112.9, geometry=SQUARE)
        )
        education = s.scalars(select(Department).where(Department.code == "education")).one()
        s.add(RoutingRule(category_code="labor", district_code="T01", department_id=education.id))
    yield "T01"
    with db.transaction() as s:
        s.execute(delete(RoutingRule).where(RoutingRule.district_code == "T01"))


def test_coordinates_give_the_district_and_its_rule_routes_the_case(
    make_client: AppFactory, app_key: str, db: Database, district: str
) -> None:
    client = make_client(threshold=0.5)
    case = case_of(db, post(client, app_key, description=WAGES, lat="28.2", long="112.9"))
    assert case.district_code == district
    assert case.triage is not None
    assert case.triage["place"]["source"] == "coordinates"
    assert case.triage["route"]["department"] == "education"  # labour × T01, not the city-wide hrss


def test_without_coordinates_the_text_names_the_district(
    make_client: AppFactory, app_key: str, db: Database, district: str
) -> None:
    client = make_client(threshold=0.5)
    response = client.post(
        "/open311/v2/requests.json",
        data={"api_key": app_key, "address_string": "测试区人民路12号", "description": WAGES},
    )
    case = case_of(db, response)
    assert case.district_code == district
    assert case.lat is None  # an area's centre is not the citizen's point
    assert case.triage is not None
    assert case.triage["place"]["source"] == "text"
    assert case.triage["place"]["confidence"] >= 0.5
