"""SQL for the directory."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from citybrain.models import Category, Department, RoutingRule, SlaPolicy


def category(session: Session, code: str) -> Category | None:
    return session.get(Category, code)


def department(session: Session, department_id: int) -> Department | None:
    return session.get(Department, department_id)


def department_by_code(session: Session, code: str) -> Department | None:
    return session.scalars(select(Department).where(Department.code == code)).first()


def sla_policy(session: Session, code: str) -> SlaPolicy | None:
    return session.get(SlaPolicy, code)


def routing_rules(session: Session) -> list[RoutingRule]:
    return list(session.scalars(select(RoutingRule)))
