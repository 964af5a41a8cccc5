"""Directory rules: which department owns a case, and which deadline class applies."""

from __future__ import annotations

from sqlalchemy.orm import Session

from citybrain.directory import repository
from citybrain.models import Category, Department, RoutingRule, SlaPolicy


def is_within(code: str, ancestor: str) -> bool:
    """Codes are dotted paths (``noise.construction.night``): is ``code`` ``ancestor`` or below it?"""
    return code == ancestor or code.startswith(ancestor + ".")


def _rule_score(rule: RoutingRule, category_code: str, district_code: str | None) -> tuple[int, int, int] | None:
    """How specifically a rule matches (None if it does not): district first, then category depth."""
    if rule.category_code and not is_within(category_code, rule.category_code):
        return None
    if rule.district_code and rule.district_code != district_code:
        return None
    return (1 if rule.district_code else 0, len(rule.category_code or ""), rule.priority)


def route(*, session: Session, category_code: str, district_code: str | None) -> Department | None:
    """The department owning ``category_code`` in ``district_code``: the most specific rule wins."""
    best: tuple[tuple[int, int, int], RoutingRule] | None = None
    for rule in repository.routing_rules(session):
        score = _rule_score(rule, category_code, district_code)
        if score is not None and (best is None or score > best[0]):
            best = (score, rule)
    if best is None:
        return None
    return repository.department(session, best[1].department_id)


def sla_for(*, session: Session, category: Category) -> SlaPolicy | None:
    """The deadline class of a category, inherited from its nearest ancestor that has one."""
    node: Category | None = category
    while node is not None:
        if node.sla_code:
            return repository.sla_policy(session, node.sla_code)
        node = repository.category(session, node.parent_code) if node.parent_code else None
    return repository.sla_policy(session, "general")
