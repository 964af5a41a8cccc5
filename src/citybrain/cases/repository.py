"""SQL for cases."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from citybrain.models import Case, CaseContact, CaseEvent


def add_case(session: Session, case: Case, contact: CaseContact | None) -> Case:
    session.add(case)
    session.flush()
    if contact is not None:
        contact.case_id = case.id
        session.add(contact)
    return case


def get(session: Session, case_id: int) -> Case | None:
    return session.get(Case, case_id)


def by_source_key(session: Session, source: str, source_key: str) -> Case | None:
    stmt = select(Case).where(Case.source == source, Case.source_key == source_key)
    return session.scalars(stmt).first()


def add_event(session: Session, event: CaseEvent) -> CaseEvent:
    session.add(event)
    return event


def events(session: Session, case_id: int) -> list[CaseEvent]:
    stmt = select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.at, CaseEvent.id)
    return list(session.scalars(stmt))


def contact(session: Session, case_id: int) -> CaseContact | None:
    return session.get(CaseContact, case_id)
