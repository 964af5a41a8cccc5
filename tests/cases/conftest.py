"""Case fixtures: a small directory of our own (codes ``cbt…``) and a factory of cases in any state.

Our own codes keep these tests independent of the default taxonomy: the SLA class ``cbt_sla`` gives 1 h to
sign for (签收) and 10 h to resolve (办结), so every deadline in the tests is easy arithmetic.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import Session

from citybrain.cases import service
from citybrain.cases.schemas import ContactIn, NewCase
from citybrain.core.db import Database
from citybrain.directory import repository as directory_repo
from citybrain.models import Case, Category, Department, RoutingRule, SlaPolicy
from tests.conftest import make_key

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday morning in UTC
DEPT_A, DEPT_B = "cbt_roads", "cbt_parks"
CATEGORY, ROUTED = "cbt.lamp", "cbt.routed"


def _ensure_directory(session: Session) -> None:
    if session.get(SlaPolicy, "cbt_sla") is None:
        session.add(SlaPolicy(code="cbt_sla", name_zh="测试", name_en="test", accept_hours=1, resolve_hours=10))
    for code, zh in ((DEPT_A, "测试道路"), (DEPT_B, "测试园林")):
        if directory_repo.department_by_code(session, code) is None:
            session.add(Department(code=code, name_zh=zh, name_en=code))
    session.flush()
    for code, level, parent in (("cbt", 1, None), (CATEGORY, 2, "cbt"), (ROUTED, 2, "cbt")):
        if session.get(Category, code) is None:
            session.add(
                Category(code=code, parent_code=parent, level=level, name_zh=code, name_en=code, sla_code="cbt_sla")
            )
    session.flush()
    dept_a = directory_repo.department_by_code(session, DEPT_A)
    assert dept_a is not None
    session.add(RoutingRule(category_code=ROUTED, department_id=dept_a.id, priority=100))
    session.flush()


@pytest.fixture
def city(db: Database) -> Database:
    """The database with our test directory added."""
    with db.transaction() as session:
        _ensure_directory(session)
    return db


def make_case(
    session: Session,
    *,
    department: str | None = DEPT_A,
    text: str = "路灯不亮，请尽快修理。",
    phone: str | None = "13812345678",
    channel: str = "web",
    address: str | None = None,
) -> Case:
    """A case in ``dispatched`` (or ``received`` with ``department=None``), not touched by routing."""
    data = NewCase(
        channel=channel,
        title="路灯不亮",
        text=text,
        address=address,
        contact=ContactIn(name="张三", phone=phone, id_number=None),
    )
    case = service.create_case(session=session, data=data, actor="test")
    case.category_code = CATEGORY
    session.flush()
    if department is not None:
        dept = directory_repo.department_by_code(session, department)
        assert dept is not None
        service.dispatch(session=session, case=case, department=dept, actor="test")
    return case


@dataclass(frozen=True)
class Keys:
    operator: dict[str, str]
    supervisor: dict[str, str]
    dept_a: dict[str, str]
    dept_b: dict[str, str]
    app: dict[str, str]
    admin: dict[str, str]


@pytest.fixture
def keys(city: Database) -> Keys:
    def h(role: str, dept: str | None = None) -> dict[str, str]:
        return {"X-API-Key": make_key(city, role, dept)}

    return Keys(
        operator=h("operator"),
        supervisor=h("supervisor"),
        dept_a=h("department", DEPT_A),
        dept_b=h("department", DEPT_B),
        app=h("app"),
        admin=h("admin"),
    )


def new_case_id(db: Database, **kwargs: object) -> int:
    with db.transaction() as session:
        return make_case(session, **kwargs).id  # type: ignore[arg-type]


DEPT_C = "cbt_water"  # a third department, for joint cases (联合办理) and whistles (吹哨)


@dataclass(frozen=True)
class JointKeys:
    keys: Keys
    dept_c: dict[str, str]


@pytest.fixture
def jkeys(city: Database, keys: Keys) -> JointKeys:
    """The case keys and a key of a third department, ``cbt_water``."""
    with city.transaction() as session:
        if directory_repo.department_by_code(session, DEPT_C) is None:
            session.add(Department(code=DEPT_C, name_zh="测试水务", name_en=DEPT_C))
    return JointKeys(keys, {"X-API-Key": make_key(city, "department", DEPT_C)})
