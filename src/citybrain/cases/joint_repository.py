"""SQL for joint handling: parts (主办/协办), whistles and summons (吹哨报到). Dialect-neutral."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from citybrain.cases.joint import OPEN_PARTS
from citybrain.cases.joint_kpis import PartFact, SummonsFact
from citybrain.models import Case, CasePart, Department, Whistle, WhistleSummons


def add(session: Session, row: object) -> None:
    session.add(row)


def part(session: Session, part_id: int) -> CasePart | None:
    return session.get(CasePart, part_id)


def parts_of(session: Session, case_id: int) -> list[CasePart]:
    """A case's parts, the lead's first, then in the order they were made."""
    stmt = select(CasePart).where(CasePart.case_id == case_id).order_by(CasePart.role.desc(), CasePart.id)
    return list(session.scalars(stmt))


def part_of(session: Session, case_id: int, department_id: int) -> CasePart | None:
    stmt = select(CasePart).where(CasePart.case_id == case_id, CasePart.department_id == department_id)
    return session.scalars(stmt).first()


def open_parts(session: Session, case_id: int) -> list[CasePart]:
    """The parts of a case still owed (分派 or 签收, not yet answered or refused)."""
    stmt = select(CasePart).where(CasePart.case_id == case_id, CasePart.state.in_(sorted(s.value for s in OPEN_PARTS)))
    return list(session.scalars(stmt.order_by(CasePart.id)))


def is_joint(session: Session, case_id: int) -> bool:
    return bool(session.scalar(select(exists().where(CasePart.case_id == case_id))))


def list_parts(
    session: Session, *, department_id: int | None, state: str | None, limit: int, offset: int
) -> tuple[list[tuple[CasePart, str]], int]:
    """Parts newest first with their case's title, optionally one department's or in one state; and the total."""
    conds = []
    if department_id is not None:
        conds.append(CasePart.department_id == department_id)
    if state is not None:
        conds.append(CasePart.state == state)
    total = session.scalar(select(func.count()).select_from(CasePart).where(*conds)) or 0
    stmt = (
        select(CasePart, Case.title)
        .join(Case, Case.id == CasePart.case_id)
        .where(*conds)
        .order_by(CasePart.created_at.desc(), CasePart.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return [(row[0], row[1]) for row in session.execute(stmt)], int(total)


def whistle(session: Session, whistle_id: int) -> Whistle | None:
    return session.get(Whistle, whistle_id)


def whistles_of(session: Session, case_id: int) -> list[Whistle]:
    stmt = select(Whistle).where(Whistle.case_id == case_id).order_by(Whistle.called_at, Whistle.id)
    return list(session.scalars(stmt))


def list_whistles(
    session: Session, *, department_id: int | None, limit: int, offset: int
) -> tuple[list[tuple[Whistle, str]], int]:
    """Whistles newest first with their case's title — only those summoning ``department_id`` when given."""
    conds = []
    if department_id is not None:
        summoned = select(WhistleSummons.whistle_id).where(WhistleSummons.department_id == department_id)
        conds.append(Whistle.id.in_(summoned))
    total = session.scalar(select(func.count()).select_from(Whistle).where(*conds)) or 0
    stmt = (
        select(Whistle, Case.title)
        .join(Case, Case.id == Whistle.case_id)
        .where(*conds)
        .order_by(Whistle.called_at.desc(), Whistle.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return [(row[0], row[1]) for row in session.execute(stmt)], int(total)


def summons_of(session: Session, whistle_ids: Sequence[int]) -> list[WhistleSummons]:
    if not whistle_ids:
        return []
    stmt = select(WhistleSummons).where(WhistleSummons.whistle_id.in_(whistle_ids)).order_by(WhistleSummons.id)
    return list(session.scalars(stmt))


def summons(session: Session, whistle_id: int, department_id: int) -> WhistleSummons | None:
    stmt = select(WhistleSummons).where(
        WhistleSummons.whistle_id == whistle_id, WhistleSummons.department_id == department_id
    )
    return session.scalars(stmt).first()


def summoned_to(session: Session, case_id: int, department_id: int) -> bool:
    """Whether the department was summoned to any whistle of the case."""
    stmt = select(
        exists().where(
            WhistleSummons.whistle_id == Whistle.id,
            Whistle.case_id == case_id,
            WhistleSummons.department_id == department_id,
        )
    )
    return bool(session.scalar(stmt))


def departments_by_id(session: Session, ids: Sequence[int]) -> dict[int, Department]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    return {d.id: d for d in session.scalars(select(Department).where(Department.id.in_(wanted)))}


def part_facts(session: Session, start: datetime, end: datetime) -> list[PartFact]:
    """The parts of the cases received in [start, end) (the KPI cohort is the case's day of receipt)."""
    stmt = (
        select(
            CasePart.case_id, Case.department_id, CasePart.department_id, CasePart.role, CasePart.state,
            CasePart.due_at, CasePart.accepted_at, CasePart.replied_at,
        )
        .join(Case, Case.id == CasePart.case_id)
        .where(Case.created_at >= start, Case.created_at < end)
    )  # fmt: skip
    return [PartFact(*row) for row in session.execute(stmt)]


def summons_facts(session: Session, start: datetime, end: datetime) -> list[SummonsFact]:
    """The summons of the whistles on the cases received in [start, end)."""
    stmt = (
        select(Whistle.case_id, Whistle.id, WhistleSummons.department_id, Whistle.report_due_at,
               WhistleSummons.reported_at)
        .join(Whistle, Whistle.id == WhistleSummons.whistle_id)
        .join(Case, Case.id == Whistle.case_id)
        .where(Case.created_at >= start, Case.created_at < end)
    )  # fmt: skip
    return [SummonsFact(*row) for row in session.execute(stmt)]
