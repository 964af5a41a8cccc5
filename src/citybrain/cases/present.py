"""Turning case rows into API answers, masking personal data for roles that may not see it (PIPL)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from citybrain.cases import repository
from citybrain.cases.lifecycle import status_name
from citybrain.cases.schemas import CaseDetail, CaseOut, ContactOut, EventOut
from citybrain.cases.sla import is_overdue
from citybrain.core import clock
from citybrain.core.privacy import (
    mask_address,
    mask_email,
    mask_id_number,
    mask_name,
    mask_phone,
    mask_text,
    mask_tree,
)
from citybrain.directory.service import city_phone_numbers
from citybrain.models import Case, CaseContact, CaseEvent


def _text(value: str | None, pii: bool, keep: frozenset[str] = frozenset()) -> str | None:
    """``value`` as the caller may see it; ``keep``: the city's own phone numbers, readable in its texts."""
    return value if pii else mask_text(value, keep)


def _data(data: dict[str, Any] | None, pii: bool) -> dict[str, Any] | None:
    if data is None or pii:
        return data
    return {k: mask_text(v) if isinstance(v, str) else v for k, v in data.items()}


def case_out(
    case: Case,
    codes: dict[int, str],
    *,
    pii: bool,
    now: datetime | None = None,
    keep: frozenset[str] = frozenset(),
    address: bool = False,
) -> CaseOut:
    """One case; free text is masked (phone / ID numbers written in it) unless the caller may see PII.
    ``address``: the exact address unmasked while the rest stays masked (a partner unit on site, ``see_address``)."""
    now = now or clock.utcnow()
    return CaseOut(
        id=case.id,
        version=case.version,
        channel=case.channel,
        source=case.source,
        request_type=case.request_type,
        title=_text(case.title, pii) or "",
        text=_text(case.text, pii) or "",
        category_code=case.category_code,
        lat=case.lat,
        lon=case.lon,
        address=case.address if pii or address else mask_address(case.address),
        district_code=case.district_code,
        grid=case.grid,
        department_code=codes.get(case.department_id) if case.department_id else None,
        status=case.status,
        status_zh=status_name(case.status)[0],
        sla_code=case.sla_code,
        created_at=case.created_at,
        updated_at=case.updated_at,
        dispatched_at=case.dispatched_at,
        accept_due_at=case.accept_due_at,
        accepted_at=case.accepted_at,
        due_at=case.due_at,
        resolved_at=case.resolved_at,
        closed_at=case.closed_at,
        overdue=is_overdue(status=case.status, due_at=case.due_at, resolved_at=case.resolved_at, now=now),
        reply=_text(case.reply, pii, keep),  # the department's own number in its reply stays readable
        resolved=case.resolved,
        satisfaction=case.satisfaction,
        callback_at=case.callback_at,
        duplicate_of=case.duplicate_of,
        reopen_count=case.reopen_count or 0,
        reject_count=case.reject_count or 0,
        reminder_count=case.reminder_count or 0,
        escalated_at=case.escalated_at,
        likes=case.likes or 0,
        dislikes=case.dislikes or 0,
        media_url=case.media_url,
        attributes=case.attributes,
    )


def shows_personal_data(case: Case) -> bool:
    """Whether the case's unmasked fields differ from their masked form (a list row without a contact): only
    such rows go into the access log, so a desk's list of "路灯不亮" does not fill it."""
    texts = (case.title, case.text, case.reply)
    return any(mask_text(t) != t for t in texts) or mask_address(case.address) != case.address


def shows_address(case: Case) -> bool:
    """Whether the case's address differs from its masked form (a door number: logged when shown)."""
    return mask_address(case.address) != case.address


def has_personal_data(session: Session, case: Case) -> bool:
    """Whether the case as a whole holds personal data: a contact with anything in it, or personal data in its
    texts or address (what makes an unmasked read worth an access-log row)."""
    contact = repository.contact(session, case.id)
    fields = (contact.name, contact.phone, contact.email, contact.id_number) if contact is not None else ()
    return any(fields) or shows_personal_data(case)


def contact_out(contact: CaseContact | None, *, pii: bool) -> ContactOut | None:
    if contact is None:
        return None
    if pii:
        return ContactOut(
            name=contact.name, phone=contact.phone, email=contact.email, id_number=contact.id_number, masked=False
        )
    return ContactOut(
        name=mask_name(contact.name),
        phone=mask_phone(contact.phone),
        email=mask_email(contact.email),
        id_number=mask_id_number(contact.id_number),
        masked=True,
    )


def events_out(
    events: list[CaseEvent], codes: dict[int, str], *, pii: bool, keep: frozenset[str] = frozenset()
) -> list[EventOut]:
    return [
        EventOut(
            id=e.id,
            at=e.at,
            actor=e.actor,
            action=e.action,
            from_status=e.from_status,
            to_status=e.to_status,
            department_code=codes.get(e.department_id) if e.department_id else None,
            note=_text(e.note, pii, keep),
            data=_data(e.data, pii),
        )
        for e in events
    ]


def case_detail(session: Session, case: Case, *, pii: bool, address: bool = False) -> CaseDetail:
    events = repository.events(session, case.id)
    codes = repository.department_codes(session, [case.department_id, *(e.department_id for e in events)])
    keep = city_phones(session, pii)
    base = case_out(case, codes, pii=pii, keep=keep, address=address)
    return CaseDetail(
        **base.model_dump(),
        contact=contact_out(repository.contact(session, case.id), pii=pii),
        events=events_out(events, codes, pii=pii, keep=keep),
        needs_review=bool(case.needs_review),
        triage=case.triage if pii or case.triage is None else mask_tree(case.triage),
    )


def event_list(session: Session, case: Case, *, pii: bool) -> list[EventOut]:
    events = repository.events(session, case.id)
    codes = repository.department_codes(session, [e.department_id for e in events])
    return events_out(events, codes, pii=pii, keep=city_phones(session, pii))


def city_phones(session: Session, pii: bool) -> frozenset[str]:
    """The departments' own numbers, kept readable in masked texts (none needed when nothing is masked)."""
    return frozenset() if pii else city_phone_numbers(session)
