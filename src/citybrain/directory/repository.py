"""SQL for the directory. Every query here is dialect-neutral (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from citybrain.models import Category, Department, District, RoutingRule, ServiceAttribute, SlaPolicy


def category(session: Session, code: str) -> Category | None:
    return session.get(Category, code)


def categories(session: Session, *, level: int | None = None) -> list[Category]:
    stmt = select(Category).order_by(Category.code)
    if level is not None:
        stmt = stmt.where(Category.level == level)
    return list(session.scalars(stmt))


def category_codes(session: Session) -> set[str]:
    return set(session.scalars(select(Category.code)))


def department(session: Session, department_id: int) -> Department | None:
    return session.get(Department, department_id)


def department_by_code(session: Session, code: str) -> Department | None:
    return session.scalars(select(Department).where(Department.code == code)).first()


def departments(session: Session) -> list[Department]:
    return list(session.scalars(select(Department).order_by(Department.code)))


def district(session: Session, code: str) -> District | None:
    return session.get(District, code)


def districts(session: Session) -> list[District]:
    return list(session.scalars(select(District).order_by(District.code)))


def sla_policy(session: Session, code: str) -> SlaPolicy | None:
    return session.get(SlaPolicy, code)


def sla_policies(session: Session) -> list[SlaPolicy]:
    return list(session.scalars(select(SlaPolicy).order_by(SlaPolicy.resolve_hours)))


def routing_rule(session: Session, rule_id: int) -> RoutingRule | None:
    return session.get(RoutingRule, rule_id)


def routing_rules(session: Session) -> list[RoutingRule]:
    """All rules, oldest first, so that among equally specific rules the oldest wins every time."""
    return list(session.scalars(select(RoutingRule).order_by(RoutingRule.id)))


def candidate_rules(session: Session, category_codes: list[str], district_code: str | None) -> list[RoutingRule]:
    """Only the rules that can match: for one of ``category_codes`` (or any) and the district (or any), oldest first.

    Routing runs on every intake, so it reads the few candidates instead of the whole rule table.
    """
    district: ColumnElement[bool] = RoutingRule.district_code.is_(None)
    if district_code is not None:
        district = or_(district, RoutingRule.district_code == district_code)
    category = or_(RoutingRule.category_code.is_(None), RoutingRule.category_code.in_(category_codes))
    return list(session.scalars(select(RoutingRule).where(category, district).order_by(RoutingRule.id)))


def service_attribute_keys(session: Session) -> set[tuple[str, str]]:
    rows = session.execute(select(ServiceAttribute.category_code, ServiceAttribute.code))
    return {(row[0], row[1]) for row in rows}


def service_attributes(session: Session, category_code: str) -> list[ServiceAttribute]:
    stmt = (
        select(ServiceAttribute)
        .where(ServiceAttribute.category_code == category_code)
        .order_by(ServiceAttribute.order, ServiceAttribute.id)
    )
    return list(session.scalars(stmt))


def add_all(session: Session, rows: Iterable[object]) -> None:
    """Insert in the order given (parents before children) and flush, so foreign keys hold on both databases."""
    session.add_all(list(rows))
    session.flush()


def delete(session: Session, row: object) -> None:
    session.delete(row)
    session.flush()
