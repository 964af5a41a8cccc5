"""SQL for the portal's public list and map (公开诉求): cases joined to their category and district, no contacts.

Like Open311 GET (``intake/open311/repository.py``) the columns exclude ``case_contacts``, so no personal data can
be read here by accident; the texts and points are masked by the caller.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Row, func, or_, select
from sqlalchemy.orm import Session

from citybrain.cases.lifecycle import FINAL_STATES, OPEN_STATES
from citybrain.models import Case, Category, District

#: Never public: merged cases are followed under the case they joined, invalid ones are spam or abuse.
HIDDEN_STATES = ("merged", "invalid")


@dataclass(frozen=True)
class PublicFilter:
    """The list's and map's filters: a category (with its sub-categories), a district, a status or open/closed."""

    category: str | None = None
    district: str | None = None
    status: str | None = None


def _conditions(where: PublicFilter) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = [Case.status.not_in(HIDDEN_STATES)]
    if where.category:
        code = where.category
        conds.append(or_(Case.category_code == code, Case.category_code.startswith(code + ".", autoescape=True)))
    if where.district:
        conds.append(Case.district_code == where.district)
    if where.status == "open":
        conds.append(Case.status.in_([s.value for s in OPEN_STATES]))
    elif where.status == "closed":
        conds.append(Case.status.in_([s.value for s in FINAL_STATES]))
    elif where.status:
        conds.append(Case.status == where.status)
    return conds


def public_page(session: Session, where: PublicFilter, *, limit: int, offset: int) -> tuple[list[Row[Any]], int]:
    """A page of public requests, newest first, and how many match in all."""
    conds = _conditions(where)
    total = session.scalar(select(func.count()).select_from(Case).where(*conds)) or 0
    stmt = (
        select(
            Case.id,
            Case.status,
            Case.title,
            Case.text,
            Case.created_at,
            Case.lat,
            Case.lon,
            Case.likes,
            Case.category_code,
            Case.district_code,
            Category.name_zh.label("category_zh"),
            Category.name_en.label("category_en"),
            District.name_zh.label("district_zh"),
            District.name_en.label("district_en"),
        )
        .outerjoin(Category, Category.code == Case.category_code)
        .outerjoin(District, District.code == Case.district_code)
        .where(*conds)
        .order_by(Case.created_at.desc(), Case.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(session.execute(stmt)), int(total)


def public_points(session: Session, where: PublicFilter, *, limit: int) -> list[Row[Any]]:
    """The latest ``limit`` matching requests that have a point (exact here; the caller coarsens them)."""
    stmt = (
        select(Case.id, Case.status, Case.lat, Case.lon)
        .where(*_conditions(where), Case.lat.is_not(None), Case.lon.is_not(None))
        .order_by(Case.created_at.desc(), Case.id.desc())
        .limit(limit)
    )
    return list(session.execute(stmt))


def districts(session: Session) -> list[District]:
    return list(session.scalars(select(District).order_by(District.code)))


def top_categories(session: Session) -> list[Category]:
    """The taxonomy's first level (the list's category filter: a group and everything under it)."""
    stmt = select(Category).where(Category.level == 1, Category.active.is_(True)).order_by(Category.code)
    return list(session.scalars(stmt))
