"""Applications as the API shows them: masked for roles without ``see_pii``, with the clock as of today."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from citybrain.core.privacy import mask_id_number, mask_name, mask_phone, mask_text
from citybrain.core.working_days import Calendar
from citybrain.models import Department, OnlineService, ServiceApplication
from citybrain.services import repository as repo
from citybrain.services.catalogue import ServiceSpec
from citybrain.services.lifecycle import state_name
from citybrain.services.schemas import (
    ApplicationDetail,
    ApplicationOut,
    ClockOut,
    EventOut,
    MaterialOut,
    ServiceOut,
)
from citybrain.services.service import clock_of


def service_out(service: OnlineService, department: Department | None) -> ServiceOut:
    spec = ServiceSpec.model_validate(service.spec)
    return ServiceOut(code=service.code, name=service.name, name_en=service.name_en,
                      department=department.code if department else "", legal_days=service.legal_days,
                      materials=spec.materials, fields=spec.fields, eligibility=spec.eligibility,
                      active=service.active)  # fmt: skip


def masked_form(spec: ServiceSpec, form: dict[str, Any]) -> dict[str, Any]:
    """The form as a role without ``see_pii`` sees it: phones and ID numbers masked, text masked where it holds
    personal data (a phone or ID number typed into it)."""
    kinds = {f.key: f.type for f in spec.fields}
    out: dict[str, Any] = {}
    for key, value in form.items():
        kind = kinds.get(key)
        if kind == "phone":
            out[key] = mask_phone(str(value))
        elif kind == "id_number":
            out[key] = mask_id_number(str(value))
        elif isinstance(value, str):
            out[key] = mask_text(value)
        else:
            out[key] = value
    return out


def application_out(
    session: Session, app: ServiceApplication, *, unmasked: bool, today: date, calendar: Calendar
) -> ApplicationOut:
    service = repo.service(session, app.service_id)
    assert service is not None
    department = session.get(Department, app.department_id)
    c = clock_of(app, today, calendar)
    return ApplicationOut(
        id=app.id, code=app.code, service=service.code, service_name=service.name,
        department=department.code if department else "", state=app.state, state_zh=state_name(app.state)[0],
        applicant_name=app.applicant_name if unmasked else mask_name(app.applicant_name),
        applicant_phone=app.applicant_phone if unmasked else mask_phone(app.applicant_phone),
        applicant_id_number=app.applicant_id_number if unmasked else mask_id_number(app.applicant_id_number),
        form=app.form if unmasked else masked_form(ServiceSpec.model_validate(service.spec), app.form),
        submitted_at=app.submitted_at, accepted_on=app.accepted_on, due_on=app.due_on,
        paused_on=app.paused_on, paused_days=app.paused_days, supplement_request=app.supplement_request,
        decision=app.decision, decision_reason=app.decision_reason, decided_on=app.decided_on,
        days_used=app.days_used, on_time=app.on_time, delivered_at=app.delivered_at,
        delivery_method=app.delivery_method,
        clock=ClockOut(running=c.running, stopped_for_materials=c.stopped_for_materials, days_used=c.days_used,
                       days_left=c.days_left, overdue=c.overdue),
        version=app.version,
    )  # fmt: skip


def application_detail(
    session: Session, app: ServiceApplication, *, unmasked: bool, today: date, calendar: Calendar
) -> ApplicationDetail:
    base = application_out(session, app, unmasked=unmasked, today=today, calendar=calendar)
    materials = [
        MaterialOut(
            material=m.material,
            sha256=m.sha256,
            filename=m.filename,
            size=a.size,
            content_type=a.content_type,
            added_at=m.added_at,
        )  # fmt: skip
        for m, a in repo.materials(session, app.id)
    ]
    events = [
        EventOut(at=e.at, actor=e.actor, action=e.action, from_state=e.from_state, to_state=e.to_state, note=e.note)
        for e in repo.events(session, app.id)
    ]
    return ApplicationDetail(**base.model_dump(), materials=materials, events=events)
