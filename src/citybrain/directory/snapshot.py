"""The directory as plain frozen data: what intake needs to route a case and start its clocks without a query.

Why: deciding a new case's department and deadlines (派单, 时限) used to cost a handful of queries and flushes
per request. A snapshot holds the same facts in memory, so the decision is a pure function
(:func:`citybrain.cases.plan.plan_case`). Two ways to fill it, one meaning:

- :func:`load_snapshot` reads the whole directory (the Open311 writer keeps one per process, refreshed often);
- :func:`load_for_case` reads only what one case needs (the category's path, the candidate rules, their
  departments, the SLA classes), inside the caller's transaction, so staff see their own directory edits at once.

Routing scores rules with :func:`citybrain.directory.service.pick_rule`, the same function the ORM path uses.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from citybrain.directory import repository
from citybrain.directory.service import ancestors, effective_sla_codes, pick_rule
from citybrain.models import Category, Department, RoutingRule, ServiceAttribute, SlaPolicy


@dataclass(frozen=True)
class CategoryInfo:
    code: str
    parent_code: str | None
    level: int
    name_zh: str
    name_en: str
    service_type: str
    active: bool
    sla_class: str  # the applying SLA code: its own, else its nearest ancestor's, else "general"


@dataclass(frozen=True)
class RuleInfo:
    id: int
    category_code: str | None
    district_code: str | None
    department_id: int
    priority: int


@dataclass(frozen=True)
class DepartmentInfo:
    id: int
    code: str
    name_zh: str
    name_en: str


@dataclass(frozen=True)
class SlaInfo:
    code: str
    accept_hours: float
    resolve_hours: float


@dataclass(frozen=True)
class AttributeInfo:
    """An Open311 service attribute (extra question of a service definition)."""

    code: str
    variable: bool
    datatype: str
    required: bool
    description: str
    values: tuple[Mapping[str, Any], ...]


@dataclass(frozen=True)
class DirectorySnapshot:
    categories: Mapping[str, CategoryInfo]
    rules: tuple[RuleInfo, ...]  # oldest first: among equally specific rules the first wins
    departments: Mapping[int, DepartmentInfo]
    slas: Mapping[str, SlaInfo]
    attributes: Mapping[str, tuple[AttributeInfo, ...]] = field(default_factory=dict)
    parents: frozenset[str] = frozenset()  # codes with at least one active child (Open311 groups)
    # The snapshot never changes, so a (category, district) pair is routed once and remembered: intake asks
    # the same few questions hundreds of times a second.
    _routes: dict[tuple[str, str | None], DepartmentInfo | None] = field(
        default_factory=dict, compare=False, repr=False
    )

    def route(self, category_code: str, district_code: str | None) -> DepartmentInfo | None:
        """派单 target, as ``directory.service.route`` decides it (None: manual dispatch)."""
        key = (category_code, district_code)
        if key not in self._routes:
            rule = pick_rule(self.rules, category_code, district_code)
            self._routes[key] = self.departments.get(rule.department_id) if rule else None
        return self._routes[key]

    def sla(self, category_code: str) -> SlaInfo | None:
        """The deadline class of a category, falling back to ``general`` as dispatch does."""
        category = self.categories.get(category_code)
        found = self.slas.get(category.sla_class) if category else None
        return found or self.slas.get("general")


def _category(row: Category, sla_class: str) -> CategoryInfo:
    return CategoryInfo(
        code=row.code,
        parent_code=row.parent_code,
        level=row.level,
        name_zh=row.name_zh,
        name_en=row.name_en or "",
        service_type=row.service_type or "realtime",
        active=bool(row.active),
        sla_class=sla_class,
    )


def _categories(rows: list[Category]) -> dict[str, CategoryInfo]:
    classes = effective_sla_codes(rows)
    return {row.code: _category(row, classes[row.code]) for row in rows}


def _rule(row: RoutingRule) -> RuleInfo:
    return RuleInfo(row.id, row.category_code, row.district_code, row.department_id, row.priority or 0)


def _department(row: Department) -> DepartmentInfo:
    return DepartmentInfo(row.id, row.code, row.name_zh, row.name_en or "")


def _slas(rows: Iterable[SlaPolicy]) -> dict[str, SlaInfo]:
    return {p.code: SlaInfo(p.code, p.accept_hours, p.resolve_hours) for p in rows}


def _attribute(row: ServiceAttribute) -> AttributeInfo:
    values = tuple(dict(v) for v in row.values or [])
    return AttributeInfo(row.code, bool(row.variable), row.datatype, bool(row.required), row.description, values)


def load_snapshot(session: Session) -> DirectorySnapshot:
    """The whole directory in five queries."""
    categories = repository.categories(session)
    attributes: dict[str, list[AttributeInfo]] = {}
    stmt = select(ServiceAttribute).order_by(ServiceAttribute.order, ServiceAttribute.id)
    for row in session.scalars(stmt):
        attributes.setdefault(row.category_code, []).append(_attribute(row))
    return DirectorySnapshot(
        categories=_categories(categories),
        rules=tuple(_rule(r) for r in repository.routing_rules(session)),
        departments={d.id: _department(d) for d in repository.departments(session)},
        slas=_slas(repository.sla_policies(session)),
        attributes={code: tuple(found) for code, found in attributes.items()},
        parents=frozenset(c.parent_code for c in categories if c.parent_code and c.active),
    )


def _path(session: Session, code: str) -> list[Category]:
    """The category and its ancestors by ``parent_code`` (the identity map makes repeats free)."""
    found: list[Category] = []
    node = repository.category(session, code)
    while node is not None and len(found) < 16:
        found.append(node)
        node = repository.category(session, node.parent_code) if node.parent_code else None
    return found


def load_for_case(session: Session, category_code: str | None, district_code: str | None) -> DirectorySnapshot:
    """Just enough of the directory to plan one case, read in the caller's transaction."""
    if not category_code:
        return DirectorySnapshot({}, (), {}, _slas(repository.sla_policies(session)))
    rules = repository.candidate_rules(session, ancestors(category_code), district_code)
    departments = (repository.department(session, i) for i in {r.department_id for r in rules})
    return DirectorySnapshot(
        categories=_categories(_path(session, category_code)),
        rules=tuple(_rule(r) for r in rules),
        departments={d.id: _department(d) for d in departments if d is not None},
        slas=_slas(repository.sla_policies(session)),
    )
