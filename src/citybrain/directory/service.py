"""Directory rules: which department owns a case, and which deadline class applies. Services flush, never commit."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol, TypeVar

from sqlalchemy.orm import Session

from citybrain.core.errors import Conflict, InvalidInput, NotFound
from citybrain.core.privacy import phone_digits
from citybrain.directory import repository, units
from citybrain.directory.schemas import CategoryOut, DepartmentChange, DepartmentIn, RoutingRuleIn, SlaPolicyIn
from citybrain.models import Category, Department, RoutingRule, SlaPolicy


def city_phone_numbers(session: Session) -> frozenset[str]:
    """The departments' contact numbers (as :func:`~citybrain.core.privacy.phone_digits`): the city's own, so they
    stay readable where the city's texts (a reply, handling notes) are shown to the public."""
    numbers = (phone_digits(d.phone or "") for d in repository.departments(session))
    return frozenset(n for n in numbers if len(n) >= 5)


def is_within(code: str, ancestor: str) -> bool:
    """Codes are dotted paths (``noise.construction.night``): is ``code`` ``ancestor`` or below it?"""
    return code == ancestor or code.startswith(ancestor + ".")


class RuleLike(Protocol):
    """What scoring needs of a rule: the ORM row and the in-memory snapshot's copy both qualify."""

    @property
    def category_code(self) -> str | None: ...
    @property
    def district_code(self) -> str | None: ...
    @property
    def priority(self) -> int: ...


R = TypeVar("R", bound=RuleLike)


def _rule_score(rule: RuleLike, category_code: str, district_code: str | None) -> tuple[int, int, int] | None:
    """How specifically a rule matches (None if it does not): district first, then category depth, then priority.

    Every matching category is an ancestor of ``category_code``, so the longer code is the deeper one.
    """
    if rule.category_code and not is_within(category_code, rule.category_code):
        return None
    if rule.district_code and rule.district_code != district_code:
        return None
    return (1 if rule.district_code else 0, len(rule.category_code or ""), rule.priority)


def best_rule(*, session: Session, category_code: str, district_code: str | None) -> RoutingRule | None:
    """The winning rule; among equally specific rules the oldest one wins, so the answer never flickers."""
    return pick_rule(
        repository.candidate_rules(session, ancestors(category_code), district_code), category_code, district_code
    )


def ancestors(category_code: str) -> list[str]:
    """``a.b.c`` → ``[a, a.b, a.b.c]``: the codes a rule may name to match ``category_code``."""
    parts = category_code.split(".")
    return [".".join(parts[:depth]) for depth in range(1, len(parts) + 1)]


def pick_rule(rules: Iterable[R], category_code: str, district_code: str | None) -> R | None:
    """The most specific of ``rules`` (given oldest first); the first of equals wins, so it never flickers."""
    best: tuple[tuple[int, int, int], R] | None = None
    for rule in rules:
        score = _rule_score(rule, category_code, district_code)
        if score is not None and (best is None or score > best[0]):
            best = (score, rule)
    return best[1] if best else None


def route(*, session: Session, category_code: str, district_code: str | None) -> Department | None:
    """派单 target: the department owning ``category_code`` in ``district_code`` (None: no rule, manual dispatch)."""
    rule = best_rule(session=session, category_code=category_code, district_code=district_code)
    return repository.department(session, rule.department_id) if rule else None


@dataclass(frozen=True)
class RouteExplanation:
    department: Department | None
    rule: RoutingRule | None
    sla: SlaPolicy | None
    reason: str


def explain_route(*, session: Session, category_code: str, district_code: str | None) -> RouteExplanation:
    """Where a case would go and why, so a dispatcher (派单员) can check a rule before a citizen meets it."""
    category = repository.category(session, category_code)
    if category is None:
        raise NotFound(f"no category {category_code!r}")
    if district_code is not None and repository.district(session, district_code) is None:
        raise NotFound(f"no district {district_code!r}")
    sla = sla_for(session=session, category=category)
    rule = best_rule(session=session, category_code=category_code, district_code=district_code)
    if rule is None:
        return RouteExplanation(None, None, sla, "no routing rule matches: the case waits for manual dispatch")
    department = repository.department(session, rule.department_id)
    where = f"district {rule.district_code}" if rule.district_code else "every district"
    what = f"category {rule.category_code}" if rule.category_code else "every category"
    reason = f"rule #{rule.id} ({what}, {where}, priority {rule.priority}) is the most specific match"
    return RouteExplanation(department, rule, sla, reason)


def sla_for(*, session: Session, category: Category) -> SlaPolicy | None:
    """The deadline class of a category, inherited from its nearest ancestor that has one."""
    node: Category | None = category
    while node is not None:
        if node.sla_code:
            return repository.sla_policy(session, node.sla_code)
        node = repository.category(session, node.parent_code) if node.parent_code else None
    return repository.sla_policy(session, "general")


def effective_sla_codes(categories: list[Category]) -> dict[str, str]:
    """The applying SLA class of every category at once (no query per node): own class, else nearest ancestor's."""
    own = {c.code: c.sla_code for c in categories}
    parents = {c.code: c.parent_code for c in categories}
    result: dict[str, str] = {}
    for code in own:
        node: str | None = code
        while node is not None and not own.get(node):
            node = parents.get(node)
        result[code] = (own.get(node) if node else None) or "general"
    return result


def category_tree(*, session: Session, level: int | None = None) -> list[CategoryOut]:
    """The taxonomy as a tree of level-1 nodes, or, with ``level``, the flat list of that level's nodes."""
    if level is not None and level not in (1, 2, 3):
        raise InvalidInput(f"level must be 1, 2 or 3, not {level}")
    everything = repository.categories(session)
    sla = effective_sla_codes(everything)
    nodes = {c.code: _category_out(c, sla[c.code]) for c in everything}
    if level is not None:
        return [node for node in nodes.values() if node.level == level]
    roots: list[CategoryOut] = []
    for node in nodes.values():  # ordered by code, so children keep a stable order
        parent = nodes.get(node.parent_code) if node.parent_code else None
        (parent.children if parent else roots).append(node)
    return roots


def _category_out(category: Category, effective_sla: str) -> CategoryOut:
    keywords = [k for k in category.keywords.split(",") if k]
    return CategoryOut(
        code=category.code,
        parent_code=category.parent_code,
        level=category.level,
        name_zh=category.name_zh,
        name_en=category.name_en,
        description=category.description,
        keywords=keywords,
        sla_code=category.sla_code,
        effective_sla=effective_sla,
        active=category.active,
    )


def add_department(*, session: Session, data: DepartmentIn) -> Department:
    """A new 承办单位 that rules and dispatchers can send cases to: a government department, or a unit outside
    government (社会协同单位) under its supervising department."""
    supervisor_id = units.supervisor_for(session, data.kind, data.supervisor_code)
    if repository.department_by_code(session, data.code) is not None:
        raise Conflict(f"department {data.code!r} exists already")
    department = Department(
        code=data.code, name_zh=data.name_zh.strip(), name_en=data.name_en.strip(), phone=data.phone,
        kind=data.kind, supervisor_id=supervisor_id,
    )  # fmt: skip
    repository.add_all(session, [department])
    return department


def change_department(*, session: Session, code: str, data: DepartmentChange) -> Department:
    """Rename a department or unit, change its phone, or move a unit to another supervising department."""
    department = repository.department_by_code(session, code)
    if department is None:
        raise NotFound(f"no department {code!r}")
    if data.supervisor_code is not None:
        if not units.is_partner(department):
            raise InvalidInput(f"{code!r} is a government department: it has no supervising department (主管部门)")
        department.supervisor_id = units.supervisor_for(session, department.kind, data.supervisor_code)
    if data.name_zh is not None:
        department.name_zh = data.name_zh.strip()
    if data.name_en is not None:
        department.name_en = data.name_en.strip()
    if data.phone is not None:
        department.phone = data.phone
    session.flush()
    return department


def add_rule(*, session: Session, data: RoutingRuleIn) -> RoutingRule:
    """Add a rule; refuse unknown names and an exact duplicate, which would silently never win."""
    department = repository.department_by_code(session, data.department_code)
    if department is None:
        raise NotFound(f"no department {data.department_code!r}")
    if data.category_code is not None and repository.category(session, data.category_code) is None:
        raise NotFound(f"no category {data.category_code!r}")
    if data.district_code is not None and repository.district(session, data.district_code) is None:
        raise NotFound(f"no district {data.district_code!r}")
    for rule in repository.routing_rules(session):
        same = (rule.category_code, rule.district_code, rule.priority)
        if same == (data.category_code, data.district_code, data.priority):
            raise Conflict(f"rule #{rule.id} already covers this category, district and priority; delete it first")
    rule = RoutingRule(
        category_code=data.category_code,
        district_code=data.district_code,
        department_id=department.id,
        priority=data.priority,
    )
    repository.add_all(session, [rule])
    return rule


def delete_rule(*, session: Session, rule_id: int) -> None:
    rule = repository.routing_rule(session, rule_id)
    if rule is None:
        raise NotFound(f"no routing rule {rule_id}")
    repository.delete(session, rule)


def update_sla(*, session: Session, code: str, data: SlaPolicyIn) -> SlaPolicy:
    """Change a deadline class; it applies to cases dispatched from now on, not to running clocks."""
    policy = repository.sla_policy(session, code)
    if policy is None:
        raise NotFound(f"no SLA policy {code!r}")
    if data.accept_hours > data.resolve_hours:
        raise InvalidInput(
            f"accept_hours (签收, {data.accept_hours}) must not exceed resolve_hours (办结, {data.resolve_hours})"
        )
    policy.accept_hours = data.accept_hours
    policy.resolve_hours = data.resolve_hours
    if data.name_zh is not None:
        policy.name_zh = data.name_zh
    if data.name_en is not None:
        policy.name_en = data.name_en
    session.flush()
    return policy
