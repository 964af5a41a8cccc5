"""Open311 fixtures: a small catalogue of our own (codes under ``o311``) with a department that owns it.

The codes are ours so these tests do not depend on, or collide with, the default taxonomy.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any, cast

import httpx
import pytest
from fastapi.testclient import TestClient

from citybrain.core.db import Database
from citybrain.models import Category, Department, RoutingRule, ServiceAttribute
from tests.conftest import make_key

JSON_TYPE = "application/json; charset=utf-8"
XML_TYPE = "text/xml; charset=utf-8"
BASE = "/open311/v2"


@dataclass(frozen=True)
class City:
    app_key: str
    department: str


def _categories() -> list[Category]:
    def cat(code: str, level: int, zh: str, en: str, **kw: Any) -> Category:
        parent = code.rsplit(".", 1)[0] if "." in code else None
        return Category(code=code, parent_code=parent, level=level, name_zh=zh, name_en=en, **kw)

    return [
        cat("o311", 1, "测试市政", "Test public works"),
        cat(
            "o311.pothole",
            2,
            "道路坑洼",
            "Pothole",
            description="路面破损、坑洼",
            keywords="坑,路面",
            sla_code="urgent",
        ),
        cat("o311.pothole.deep", 3, "深坑", "Deep pothole"),
        cat("o311.lamp", 2, "路灯不亮", "Street light out"),
        cat("o311.bulk", 2, "批量上报", "Bulk report", service_type="batch"),
        cat("o311.retired", 2, "已停用", "Retired", active=False),
        cat("o311solo", 1, "单独一类", "Standalone"),
    ]


def _attributes() -> list[ServiceAttribute]:
    sizes = [{"key": "small", "name": "小", "name_en": "small"}, {"key": "large", "name": "大", "name_en": "large"}]
    sides = [{"key": "n", "name": "北"}, {"key": "s", "name": "南"}, {"key": "e", "name": "东"}]
    return [
        ServiceAttribute(
            category_code="o311.pothole",
            code="SIZE",
            datatype="singlevaluelist",
            required=True,
            order=1,
            description="坑有多大？",
            values=sizes,
        ),
        ServiceAttribute(
            category_code="o311.pothole",
            code="SIDES",
            datatype="multivaluelist",
            required=False,
            order=2,
            description="哪一侧？",
            values=sides,
        ),
        ServiceAttribute(
            category_code="o311.pothole",
            code="DEPTH",
            datatype="number",
            required=False,
            order=3,
            description="深度（厘米）",
            datatype_description="centimetres",
            values=[],
        ),
        ServiceAttribute(
            category_code="o311.pothole",
            code="NOTE",
            variable=False,
            datatype="text",
            order=4,
            description="请注意安全",
            values=[],
        ),
    ]


@pytest.fixture
def city(db: Database) -> City:
    with db.transaction() as s:
        dept = Department(code="o311_works", name_zh="测试市政局", name_en="Test Works Bureau")
        s.add(dept)
        for category in _categories():
            s.add(category)
            s.flush()
        s.add_all(_attributes())
        s.add(RoutingRule(category_code="o311", department_id=dept.id))
        s.add(RoutingRule(category_code="o311solo", department_id=dept.id))
    return City(app_key=make_key(db, "app"), department="测试市政局")


@pytest.fixture
def client(app_client: TestClient, city: City) -> TestClient:
    return app_client


def post_request(client: TestClient, fmt: str, **fields: Any) -> httpx.Response:
    return cast(httpx.Response, client.post(f"{BASE}/requests.{fmt}", data=fields))


def body(response: httpx.Response, fmt: str) -> Any:
    """The response as Python, checking the exact content type of its format."""
    assert response.headers["content-type"] == (XML_TYPE if fmt == "xml" else JSON_TYPE)
    return ET.fromstring(response.content) if fmt == "xml" else response.json()


def error_of(response: httpx.Response, fmt: str) -> tuple[int, str]:
    """(code, description) of a spec error body in either format."""
    parsed = body(response, fmt)
    if fmt == "xml":
        assert parsed.tag == "errors"
        error = parsed.find("error")
        assert error is not None
        return int(error.findtext("code") or 0), error.findtext("description") or ""
    assert isinstance(parsed, list)
    assert len(parsed) == 1
    return parsed[0]["code"], parsed[0]["description"]
