"""Rules of online services: the catalogue and its import, applying, and each step of an application.

Services flush, never commit (the route's or command's one transaction does). Every check runs before the first
write, so a refused application writes nothing. Days are the city's days (``today``), counted on a
:class:`~citybrain.core.working_days.Calendar`.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from citybrain.core.errors import Conflict, ImportRejected, InvalidInput, NotFound
from citybrain.core.working_days import Calendar
from citybrain.models import OnlineService, ServiceApplication, ServiceApplicationEvent, ServiceApplicationMaterial
from citybrain.services import repository as repo
from citybrain.services.catalogue import ServiceSpec, check_eligible, check_form, missing_materials, parse_spec
from citybrain.services.lifecycle import TRANSITIONS, State

_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read over the phone


@dataclass(frozen=True)
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)


def import_catalogue(session: Session, entries: Any, *, now: datetime) -> ImportReport:
    """All or nothing: every entry is checked first; one bad entry refuses the file with every problem named."""
    if isinstance(entries, dict) and "services" in entries:
        entries = entries["services"]
    if not isinstance(entries, list) or not entries:
        raise ImportRejected('the catalogue must be a non-empty list of services (or {"services": [...]})')
    departments = repo.departments_by_code(session)
    problems: list[str] = []
    specs: list[ServiceSpec] = []
    for i, entry in enumerate(entries):
        where = f"entry {i + 1}" + (f" ({entry.get('code')})" if isinstance(entry, dict) else "")
        try:
            spec = parse_spec(entry, where)
        except InvalidInput as exc:
            problems.append(exc.message)
            continue
        if spec.department not in departments:
            problems.append(f"{where}: department {spec.department!r} is not in the directory")
        specs.append(spec)
    codes = [s.code for s in specs]
    problems += [f"service {c!r} is in the file twice" for c in sorted({c for c in codes if codes.count(c) > 1})]
    if problems:
        raise ImportRejected(f"catalogue refused, nothing imported ({len(problems)} problems): " + " | ".join(problems))
    report = ImportReport()
    for spec in specs:
        created = save_service(session, spec, department_id=departments[spec.department].id, now=now)
        (report.created if created else report.updated).append(spec.code)
    session.flush()
    return report


def save_service(session: Session, spec: ServiceSpec, *, department_id: int, now: datetime) -> bool:
    """Create or replace a service by its code; True when it is new."""
    row = repo.service_by_code(session, spec.code)
    created = row is None
    if row is None:
        row = OnlineService(code=spec.code)
        session.add(row)
    row.name, row.name_en, row.department_id = spec.name, spec.name_en, department_id
    row.legal_days, row.active, row.updated_at = spec.legal_days, spec.active, now
    row.spec = spec.model_dump(mode="json")
    return created


def spec_of(service: OnlineService) -> ServiceSpec:
    return ServiceSpec.model_validate(service.spec)


def get_service(session: Session, code: str) -> OnlineService:
    row = repo.service_by_code(session, code)
    if row is None:
        raise NotFound(f"no service {code!r} in the catalogue (GET /api/v1/services lists them)")
    return row


@dataclass(frozen=True)
class Applicant:
    name: str
    phone: str | None = None
    id_number: str | None = None


@dataclass(frozen=True)
class MaterialFile:
    material: str
    sha256: str
    filename: str = ""


def _check_materials(session: Session, spec: ServiceSpec, files: list[MaterialFile], *, complete: bool) -> None:
    unknown = sorted({f.material for f in files if spec.material(f.material) is None})
    if unknown:
        raise InvalidInput(f"not a material of this service: {', '.join(unknown)}")
    if complete:
        missing = missing_materials(spec, {f.material for f in files})
        if missing:
            names = ", ".join(f"{m.code} ({m.name})" for m in missing)
            raise InvalidInput(f"required materials are missing: {names}")
    found = repo.attachments(session, {f.sha256 for f in files})
    for f in files:
        stored = found.get(f.sha256)
        if stored is None:
            raise InvalidInput(f"material {f.material}: no attachment {f.sha256} (upload it first)")
        accepted = spec.material(f.material).types  # type: ignore[union-attr]
        if stored.content_type not in accepted:
            raise InvalidInput(f"material {f.material}: a {stored.content_type} file; accepted: {', '.join(accepted)}")


def _add_files(session: Session, application_id: int, files: list[MaterialFile], now: datetime) -> None:
    seen: set[tuple[str, str]] = set()
    for f in files:
        if (f.material, f.sha256) not in seen:
            seen.add((f.material, f.sha256))
            row = ServiceApplicationMaterial(application_id=application_id, material=f.material, sha256=f.sha256,
                                             filename=f.filename[:200], added_at=now)  # fmt: skip
            session.add(row)


def submit(
    *,
    session: Session,
    service_code: str,
    applicant: Applicant,
    form: dict[str, Any],
    files: list[MaterialFile],
    actor: str,
    now: datetime,
) -> ServiceApplication:
    """An application (申请), checked in full — service, form, eligibility, materials — before anything is written."""
    service = get_service(session, service_code)
    if not service.active:
        raise Conflict(f"service {service_code!r} takes no applications now")
    spec = spec_of(service)
    checked = check_form(spec, form)
    check_eligible(spec, checked)
    _check_materials(session, spec, files, complete=True)
    application = ServiceApplication(
        code=f"SQ{now:%Y%m%d}{''.join(secrets.choice(_CODE_ALPHABET) for _ in range(6))}",
        service_id=service.id, department_id=service.department_id, state=State.SUBMITTED.value,
        applicant_name=applicant.name, applicant_phone=applicant.phone, applicant_id_number=applicant.id_number,
        form=checked, submitted_at=now, updated_at=now, paused_days=0,
    )  # fmt: skip
    session.add(application)
    session.flush()
    _add_files(session, application.id, files, now)
    _event(session, application, "submit", actor, None, State.SUBMITTED, None, now)
    session.flush()
    return application


def get_application(session: Session, application_id: int, *, lock: bool = False) -> ServiceApplication:
    found = repo.application(session, application_id, lock=lock)
    if found is None:
        raise NotFound(f"no application {application_id}")
    return found


def _event(
    session: Session,
    application: ServiceApplication,
    action: str,
    actor: str,
    source: State | None,
    target: State | None,
    note: str | None,
    now: datetime,
) -> None:
    session.add(ServiceApplicationEvent(application_id=application.id, at=now, actor=actor, action=action,
                                        from_state=source, to_state=target, note=note))  # fmt: skip


@dataclass(frozen=True)
class Step:
    """What an action brings: the reason (补正, 不予), a note, how it was delivered, materials supplied."""

    reason: str | None = None
    note: str | None = None
    method: str | None = None
    files: list[MaterialFile] = field(default_factory=list)
    version: int | None = None


DELIVERY_METHODS = ("online", "post", "in_person")


def act(
    *,
    session: Session,
    application: ServiceApplication,
    action: str,
    step: Step,
    actor: str,
    now: datetime,
    today: date,
    calendar: Calendar,
) -> ServiceApplication:
    """Take one step of the state machine, audited; 409 from a state it does not start from."""
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise NotFound(f"no action {action!r}")
    source = State(application.state)
    if source not in transition.sources:
        allowed = ", ".join(sorted(s.value for s in transition.sources))
        raise Conflict(f"cannot {action} ({transition.name_zh}) an application that is {source.value}; from: {allowed}")
    if step.version is not None and step.version != application.version:
        raise Conflict(f"application {application.id} is at version {application.version}, not {step.version}")
    needed = getattr(step, transition.needs) if transition.needs else "ok"
    if not (needed and str(needed).strip()):
        raise InvalidInput(f"{action} ({transition.name_zh}) needs {transition.needs}")
    if action == "deliver" and step.method not in DELIVERY_METHODS:
        raise InvalidInput(f"method must be one of: {', '.join(DELIVERY_METHODS)}")
    target = _apply(session, application, action, step, now, today, calendar)
    application.state = target.value
    application.updated_at = now
    _event(session, application, action, actor, source, target, step.reason or step.note or step.method, now)
    session.flush()
    return application


def _apply(
    session: Session,
    app: ServiceApplication,
    action: str,
    step: Step,
    now: datetime,
    today: date,
    calendar: Calendar,
) -> State:
    service = repo.service(session, app.service_id)
    assert service is not None
    target = TRANSITIONS[action].target
    if action == "accept":
        app.accepted_on, app.due_on = today, calendar.add(today, service.legal_days)
    elif action == "supplement":
        app.supplement_request = step.reason
        if app.accepted_on is not None:
            app.paused_on = today
    elif action == "supply":
        _check_materials(session, spec_of(service), step.files, complete=False)
        _add_files(session, app.id, step.files, now)
        if app.accepted_on is None:  # asked before acceptance: complete materials are accepted today
            app.accepted_on, app.due_on = today, calendar.add(today, service.legal_days)
            target = State.ACCEPTED
        else:
            assert app.paused_on is not None
            app.paused_days += calendar.count_between(app.paused_on, today)
            app.due_on = calendar.add(app.accepted_on, service.legal_days + app.paused_days)
        app.paused_on = None
    elif action in ("approve", "refuse", "decline"):
        app.decision = {"approve": "approved", "refuse": "refused", "decline": "declined"}[action]
        app.decision_reason = step.reason or step.note
        app.decided_on = today
        if app.accepted_on is not None and app.due_on is not None:
            app.days_used = calendar.count_between(app.accepted_on, today) - app.paused_days
            app.on_time = today <= app.due_on
    elif action == "deliver":
        app.delivered_at, app.delivery_method = now, step.method
    return target


@dataclass(frozen=True)
class Clock:
    """Where an application's legal clock stands on ``today`` (working days)."""

    running: bool
    stopped_for_materials: bool
    days_used: int | None
    days_left: int | None
    overdue: bool


def clock_of(app: ServiceApplication, today: date, calendar: Calendar) -> Clock:
    state = State(app.state)
    if app.accepted_on is None or app.due_on is None:
        return Clock(False, state == State.AWAITING_MATERIALS, None, None, False)
    if app.days_used is not None:
        return Clock(False, False, app.days_used, None, not bool(app.on_time))
    end = app.paused_on or today
    used = calendar.count_between(app.accepted_on, end) - app.paused_days
    if app.paused_on is not None:
        left = calendar.count_between(app.paused_on, app.due_on) if app.due_on > app.paused_on else 0
        return Clock(False, True, used, left, False)
    if today <= app.due_on:
        return Clock(True, False, used, calendar.count_between(today, app.due_on), False)
    return Clock(True, False, used, -calendar.count_between(app.due_on, today), True)
