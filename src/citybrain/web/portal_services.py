"""The portal's online services (网上办事): the catalogue, applying with the materials, following by number.

Server-rendered forms (no script needed): ``multipart/form-data`` with one file input per material. Everything
is checked before the first byte is stored — the form, eligibility, every required material present, each file's
size and type by its content — so a refused application stores nothing and the page says why. The follow page
shows the state, the steps and the dates, never the applicant's personal data.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData, UploadFile

from citybrain.core import clock
from citybrain.core.errors import CityBrainError, InvalidInput, NotFound
from citybrain.core.http import DbDep, writing
from citybrain.core.settings import Settings
from citybrain.models import Department
from citybrain.services import attachments, catalogue, present, repository, service
from citybrain.services.api import city_calendar
from citybrain.services.lifecycle import STATE_NAMES, State
from citybrain.services.service import Applicant, MaterialFile, Step
from citybrain.web.pages import templates
from citybrain.web.portal import client_address
from citybrain.web.portal_service import submission_slot

router = APIRouter(include_in_schema=False)
MAX_FIELDS = 100
MAX_FILES = 20
#: Steps an applicant sees on the follow page (the staff's names are not shown).
PUBLIC_ACTIONS = {"submit": ("提交申请", "submitted"), "accept": ("已受理", "accepted"),
                  "decline": ("不予受理", "not accepted"), "review": ("审查", "review started"),
                  "supplement": ("补正告知", "materials asked for"), "supply": ("补正材料", "materials supplied"),
                  "approve": ("准予许可", "approved"), "refuse": ("不予许可", "refused"),
                  "deliver": ("送达", "delivered")}  # fmt: skip


def _page(request: Request, context: dict[str, Any], status_code: int = 200) -> HTMLResponse:
    return templates.TemplateResponse(request, "portal_services.html", context, status_code=status_code)


@router.get("/portal/services", response_class=HTMLResponse)
def services_page(request: Request, db: DbDep) -> HTMLResponse:
    """网上办事: the services one may apply for, with their legal limits."""
    with db.reading() as session:
        rows = repository.services(session, active_only=True)
        departments = repository.departments_by_id(session, {s.department_id for s in rows})
        items = [(present.service_out(s, departments.get(s.department_id)), _dept_name(departments, s.department_id))
                 for s in rows]  # fmt: skip
    return _page(request, {"page": "list", "items": items})


def _dept_name(departments: dict[int, Department], department_id: int) -> str:
    found = departments.get(department_id)
    return found.name_zh if found else ""


def _service_context(db: DbDep, code: str) -> dict[str, Any]:
    with db.reading() as session:
        row = service.get_service(session, code)
        departments = repository.departments_by_id(session, {row.department_id})
        out = present.service_out(row, departments.get(row.department_id))
        return {"page": "apply", "service": out, "spec": service.spec_of(row),
                "department": _dept_name(departments, row.department_id)}  # fmt: skip


@router.get("/portal/services/{code}", response_class=HTMLResponse)
def apply_page(code: str, request: Request, db: DbDep) -> HTMLResponse:
    """One service's guide (materials, conditions, time limit) and its application form."""
    return _page(request, _service_context(db, code))


async def _form(request: Request) -> FormData:
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise InvalidInput("请用页面上的表单提交 / Submit with the page's form (multipart/form-data).")
    return await request.form(max_files=MAX_FILES, max_fields=MAX_FIELDS)


async def _files(form: FormData, spec: catalogue.ServiceSpec, max_bytes: int) -> list[tuple[str, str, bytes]]:
    """(material, filename, bytes) of every file sent, each checked for size and type (nothing stored yet)."""
    found: list[tuple[str, str, bytes]] = []
    for material in spec.materials:
        for upload in form.getlist(f"file_{material.code}"):
            if not isinstance(upload, UploadFile) or not upload.filename:
                continue
            data = await upload.read(max_bytes + 1)
            kind = attachments.check(data, max_bytes)
            if kind not in material.types:
                raise InvalidInput(f"{material.name}: 文件类型 {kind} 不可用 / not accepted; 可用 accepted: "
                                   f"{', '.join(material.types)}")  # fmt: skip
            found.append((material.code, upload.filename[:200], data))
    return found


def _applicant(form: FormData) -> Applicant:
    name = str(form.get("applicant_name") or "").strip()
    if not name:
        raise InvalidInput("请填写申请人姓名 / The applicant's name is required.")
    phone = str(form.get("applicant_phone") or "").strip() or None
    id_number = str(form.get("applicant_id_number") or "").strip().upper() or None
    return Applicant(name[:200], phone[:64] if phone else None, id_number[:32] if id_number else None)


@router.post("/portal/services/{code}/apply", response_model=None)
async def apply(code: str, request: Request, db: DbDep) -> Response:
    """Apply: 303 to the follow page once committed; the form again with the reason (4xx) otherwise."""
    settings: Settings = request.app.state.settings
    context = _service_context(db, code)
    spec: catalogue.ServiceSpec = context["spec"]
    try:
        with submission_slot(request.app.state.portal_limiter, client_address(request)):
            form = await _form(request)
            values: dict[str, Any] = {f.key: str(form.get(f.key) or "") for f in spec.fields if f.type != "boolean"}
            values |= {f.key: form.get(f.key) is not None for f in spec.fields if f.type == "boolean"}
            applicant = _applicant(form)
            catalogue.check_eligible(spec, catalogue.check_form(spec, values))
            files = await _files(form, spec, settings.services_attachment_max_bytes)
            missing = catalogue.missing_materials(spec, {m for m, _, _ in files})
            if missing:
                names = "、".join(m.name for m in missing)
                raise InvalidInput(f"缺少必需的申请材料：{names} / Required materials are missing.")
            with writing(db, "application") as session:
                stored = [MaterialFile(m, attachments.store(session, data_dir=settings.data_dir, data=data,
                                       max_bytes=settings.services_attachment_max_bytes).sha256, name)
                          for m, name, data in files]  # fmt: skip
                app = service.submit(session=session, service_code=code, applicant=applicant, form=values,
                                     files=stored, actor="portal", now=clock.utcnow())  # fmt: skip
                tracking = app.code
    except CityBrainError as exc:
        if isinstance(exc, NotFound):
            raise
        return _page(request, context | {"error": exc.message}, status_code=exc.status_code)
    return RedirectResponse(f"/portal/applications/{tracking}", status_code=303)


def _follow_context(db: DbDep, request: Request, code: str) -> dict[str, Any]:
    settings: Settings = request.app.state.settings
    with db.reading() as session:
        app = repository.application_by_code(session, code.strip().upper())
        if app is None:
            raise NotFound(f"没有办件 {code} / No application {code}: check the number on your receipt.")
        row = repository.service(session, app.service_id)
        assert row is not None
        spec = service.spec_of(row)
        today = clock.city_today(settings.timezone)
        out = present.application_out(session, app, unmasked=False, today=today, calendar=city_calendar(settings))
        zone = clock.city_zone(settings.timezone)
        events = [(e.at.astimezone(zone), *PUBLIC_ACTIONS.get(e.action, (e.action, e.action)), e.action, e.note)
                  for e in repository.events(session, app.id)]  # fmt: skip
    return {"page": "follow", "app": out, "spec": spec, "state": STATE_NAMES[State(out.state)], "events": events}


@router.get("/portal/applications/{code}", response_class=HTMLResponse)
def follow_page(code: str, request: Request, db: DbDep) -> HTMLResponse:
    """办件查询: where the application stands, by its number."""
    return _page(request, _follow_context(db, request, code))


@router.get("/portal/applications", response_model=None)
def follow_lookup(request: Request, code: str = "") -> Response:
    """The follow form's GET: to the application's page."""
    if not code.strip():
        return _page(request, {"page": "list", "items": [], "error": "请输入办件编号 / Enter the number."}, 400)
    return RedirectResponse(f"/portal/applications/{code.strip().upper()}", status_code=303)


@router.post("/portal/applications/{code}/supply", response_model=None)
async def supply(code: str, request: Request, db: DbDep) -> Response:
    """补正: the applicant sends the missing materials; the clock runs again. Only while 待补正."""
    settings: Settings = request.app.state.settings
    context = _follow_context(db, request, code)
    app = context["app"]
    try:
        with submission_slot(request.app.state.portal_limiter, client_address(request)):
            if app.state != State.AWAITING_MATERIALS:
                raise InvalidInput("此办件现在不需要补正 / This application is not waiting for materials.",
                                   status_code=409)  # fmt: skip
            form = await _form(request)
            files = await _files(form, context["spec"], settings.services_attachment_max_bytes)
            if not files:
                raise InvalidInput("请选择要补交的文件 / Choose the files to send.")
            with writing(db, "application") as session:
                stored = [MaterialFile(m, attachments.store(session, data_dir=settings.data_dir, data=data,
                                       max_bytes=settings.services_attachment_max_bytes).sha256, name)
                          for m, name, data in files]  # fmt: skip
                current = service.get_application(session, app.id, lock=True)
                service.act(session=session, application=current, action="supply", step=Step(files=stored),
                            actor="applicant", now=clock.utcnow(), today=clock.city_today(settings.timezone),
                            calendar=city_calendar(settings))  # fmt: skip
    except CityBrainError as exc:
        return _page(request, context | {"error": exc.message}, status_code=exc.status_code)
    return RedirectResponse(f"/portal/applications/{app.code}", status_code=303)
