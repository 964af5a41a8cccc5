"""The citizens' portal at ``/portal`` (市民诉求门户): submit a request, follow it, see how the city does.

Thin routes: the rules are in :mod:`citybrain.web.portal_service`. A submission goes through the process's
intake writer exactly as an Open311 POST does (answered after its COMMIT), with the portal's API key.
Offline: the page's script and stylesheet are the app's own /static files, no CDN, no map tiles.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse

from citybrain.core import clock
from citybrain.core.errors import Forbidden, InvalidInput
from citybrain.core.http import DbDep, writing
from citybrain.core.inputs import RowId, text_problem
from citybrain.core.settings import Settings
from citybrain.intake.writer import Accepted, IntakeWriter, Submission, idempotency_claim, stored_answer
from citybrain.web import overview, portal_public, portal_rating, portal_service, portal_voices
from citybrain.web.pages import templates

MAX_FORM_FIELDS = 100  # the form has ~10 fields and a few attributes

router = APIRouter(include_in_schema=False)


@router.get("/portal", response_class=HTMLResponse)
def portal_page(request: Request, db: DbDep) -> HTMLResponse:
    """The three parts: 我要反映 Submit, 进度查询 Follow, 公开监督 Supervise (rates and latest requests, masked)."""
    settings: Settings = request.app.state.settings
    now = clock.utcnow()
    rates = overview.rates(db, now=now, timezone=settings.timezone)
    with db.reading() as session:
        groups = portal_service.service_groups(session)
        data = overview.overview(session, now=now, timezone=settings.timezone, rates=rates)
        filters = portal_public.filter_options(session)
    context: dict[str, Any] = {
        "groups": groups,
        "open": bool(settings.portal_api_key.get_secret_value()),
        "closed_message": portal_service.CLOSED_MESSAGE,
        "data": data,
        "rates": overview.RATES,
        "filters": filters,
        "not_sure": _classifier(request.app.state.intake_writer),  # offer 不确定 only when a model can read it
    }
    return templates.TemplateResponse(request, "portal.html", context)


def _classifier(writer: IntakeWriter) -> bool:
    return writer.triager.model().model is not None


async def _form_pairs(request: Request) -> list[tuple[str, str]]:
    if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        raise InvalidInput("请用页面上的表单提交 / Submit with the page's form (application/x-www-form-urlencoded).")
    try:
        text = (await request.body()).decode("utf-8")
        pairs = parse_qsl(text, keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS, errors="strict")
    except (UnicodeDecodeError, ValueError):
        raise InvalidInput("表单内容无法读取 / The form could not be read.") from None
    if any(text_problem(name + value) for name, value in pairs):
        raise InvalidInput("表单含有无法保存的字符（NUL）/ The form holds a character that cannot be stored (NUL).")
    return pairs


def client_address(request: Request) -> str:
    """Who the limit counts: the connection's peer as the ASGI server reports it, never a header read here.

    Behind a reverse proxy, uvicorn puts the X-Forwarded-For client in its place only when the proxy's address
    is in its FORWARDED_ALLOW_IPS (default 127.0.0.1 and ::1); see docs/portal.md.
    """
    return request.client.host if request.client else "unknown"


@router.post("/portal/requests")
async def submit(request: Request) -> JSONResponse:
    """我要反映: file the citizen's request; answers with its number once it is committed (429 past the limit)."""
    settings: Settings = request.app.state.settings
    key = portal_service.portal_key(settings)
    with portal_service.submission_slot(request.app.state.portal_limiter, client_address(request)):
        form = portal_service.citizen_form(await _form_pairs(request))
        writer: IntakeWriter = request.app.state.intake_writer
        data = portal_service.parse(form, classifier=_classifier(writer))
        code = portal_rating.new_code()
        prepare = portal_service.prepare(data, key, settings, portal_rating.code_hash(code))

        def render(accepted: Accepted) -> JSONResponse:
            return JSONResponse(portal_service.receipt(accepted, settings, code), status_code=201)

        claim = idempotency_claim(request)  # with an Idempotency-Key the receipt is stored with the case
        accepted = await writer.write(
            Submission(key, clock.utcnow(), prepare, claim, stored_answer(render) if claim else None)
        )
    return render(accepted)


@router.get("/portal/public/requests")
def public_list(
    request: Request,
    db: DbDep,
    category: str | None = None,
    district: str | None = None,
    status: str | None = None,
    page: int = 1,
    page_size: int = portal_public.PAGE_SIZE,
) -> JSONResponse:
    """公开列表: requests newest first, filterable by category (with its sub-categories), district and status."""
    where = portal_public.public_filter(category, district, status)
    with db.reading() as session:
        body = portal_public.public_list(
            session=session, settings=request.app.state.settings, where=where, page=page, page_size=page_size
        )
    return JSONResponse(body)


@router.get("/portal/public/map")
def public_map(
    request: Request, db: DbDep, category: str | None = None, district: str | None = None, status: str | None = None
) -> JSONResponse:
    """公开地图: district outlines and the latest matching requests' public (grid) points."""
    where = portal_public.public_filter(category, district, status)
    with db.reading() as session:
        body = portal_public.public_map(session=session, settings=request.app.state.settings, where=where)
    return JSONResponse(body)


@router.post("/portal/requests/{case_id}/metoo")
def me_too(request: Request, case_id: RowId, db: DbDep) -> JSONResponse:
    """我也遇到: once per client address and request (409 the second time), within the hourly limit (429)."""
    address = client_address(request)
    with portal_voices.voice_slot(request.app.state.portal_voices_limiter, address), writing(db) as session:
        body = portal_voices.me_too(session=session, case_id=case_id, address=address)
    return JSONResponse(body)


@router.post("/portal/requests/{case_id}/comments")
async def comment(request: Request, case_id: RowId, db: DbDep) -> JSONResponse:
    """留言: held for a moderator (202); shown masked once approved."""
    address = client_address(request)
    with portal_voices.voice_slot(request.app.state.portal_voices_limiter, address):
        text = dict(await _form_pairs(request)).get("text", "")
        with writing(db) as session:
            body = portal_voices.comment(session=session, case_id=case_id, address=address, text=text)
    return JSONResponse(body, status_code=202)


@router.post("/portal/requests/{case_id}/rating")
async def rate(request: Request, case_id: RowId, db: DbDep) -> JSONResponse:
    """满意度评价: the submitter (with the receipt's follow code) rates the reply; recorded as a 回访 callback.

    Within the me-too/comment limit per address (429); a wrong code keeps its place there, so guessing is slow.
    """
    address = client_address(request)
    with portal_voices.voice_slot(request.app.state.portal_voices_limiter, address, keep=Forbidden):
        form = dict(await _form_pairs(request))
        with writing(db) as session:
            body = portal_rating.rate(session=session, case_id=case_id, form=form)
    return JSONResponse(body)


@router.get("/portal/requests/{ref:path}")
def follow(request: Request, ref: str, db: DbDep) -> JSONResponse:
    """进度查询: one request by its number or token, masked. With the follow code (``X-Follow-Code`` header or
    ``code`` query parameter) the answer adds ``access_log``: who in the city saw the citizen's personal data and
    why (PIPL). A wrong code is 403 and counts against the address's limit, as a rating's does."""
    settings: Settings = request.app.state.settings
    code = request.headers.get("x-follow-code") or request.query_params.get("code")
    if code is None:
        with db.reading() as session:
            return JSONResponse(portal_service.follow(session=session, settings=settings, ref=ref))
    limiter = request.app.state.portal_voices_limiter
    with portal_voices.voice_slot(limiter, client_address(request), keep=Forbidden), db.reading() as session:
        body = portal_service.follow(session=session, settings=settings, ref=ref)
        body["access_log"] = portal_rating.own_access_log(session, int(body["service_request_id"]), code)
    return JSONResponse(body)
