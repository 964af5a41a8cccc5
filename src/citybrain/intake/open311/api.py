"""Open311 GeoReport v2 routes (mounted at ``/open311/v2``): every resource in ``.json`` and ``.xml``.

Routes are thin: read the parameters, open the one transaction (or, for POST, hand the request to the intake
writer, which commits it with others), call the service, render after commit.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import ImmutableMultiDict

from citybrain.auth import service as auth_service
from citybrain.auth.deps import presented_key
from citybrain.core import clock, keylimit
from citybrain.core.db import Database
from citybrain.core.errors import Forbidden, InvalidInput, NotFound
from citybrain.core.ids import hash_secret
from citybrain.core.inputs import check_text
from citybrain.core.settings import Settings
from citybrain.intake.open311 import catalogue, service
from citybrain.intake.open311.openapi import GET_FILTERS, POST_FORM
from citybrain.intake.open311.schemas import (
    Lang,
    MultiMap,
    check_jurisdiction,
    language,
    optional,
    parse_new_request,
    parse_request_query,
)
from citybrain.intake.open311.xml import FORMATS, JSON_TYPE, XML_TYPE, respond
from citybrain.intake.writer import Accepted, IntakeWriter, Submission, idempotency_claim, stored_answer

MAX_FORM_FIELDS = 1000  # a request has ~20 fields; more is abuse, not a citizen

router = APIRouter(tags=["Open311 GeoReport v2"])

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"


#: Discovery's changeset: when this server process started (clients re-read the catalogue after a restart).
STARTED = clock.iso(clock.utcnow())


def _format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise NotFound(f"unknown format {fmt!r}: use .json or .xml")
    return fmt


def _split(name: str) -> tuple[str, str]:
    """``noise.construction.night.json`` → (``noise.construction.night``, ``json``): codes contain dots."""
    stem, _, fmt = name.rpartition(".")
    if not stem:
        raise NotFound(f"{name!r}: add .json or .xml")
    return stem, _format(fmt)


def _context(request: Request) -> tuple[Database, Settings, Lang]:
    """The database, settings and answer language; refuses another jurisdiction (404)."""
    settings: Settings = request.app.state.settings
    params = request.query_params
    check_jurisdiction(optional(params, "jurisdiction_id"), settings)
    lang = language(params.get("lang"), request.headers.get("accept-language"), settings.language)
    return request.app.state.db, settings, lang


@router.get("/discovery.{fmt}", summary="Service discovery")
def discovery(request: Request, fmt: str) -> Response:
    fmt = _format(fmt)
    _db, settings, _lang = _context(request)
    body = {
        "changeset": STARTED,
        "contact": f"12345 市民服务热线 / the city's 12345 service centre (jurisdiction {settings.jurisdiction_id})",
        "key_service": "API keys are issued by the centre's administrator: citybrain apikey create NAME --role app",
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": str(request.base_url).rstrip("/") + "/open311/v2",
                "changeset": STARTED,
                "type": "production",
                "formats": [XML_TYPE.split(";")[0], JSON_TYPE.split(";")[0]],
            }
        ],
    }
    return respond(fmt, "discovery", body)


@router.get("/services.{fmt}", summary="Service list (the requestable categories)")
def services(request: Request, fmt: str) -> Response:
    fmt = _format(fmt)
    db, _settings, lang = _context(request)
    with db.reading() as session:
        body = catalogue.load_catalogue(session).services(lang)
    return respond(fmt, "services", body)


@router.get("/services/{name}", summary="Service definition (attributes)")
def service_definition(request: Request, name: str) -> Response:
    code, fmt = _split(name)
    db, _settings, lang = _context(request)
    with db.reading() as session:
        body = catalogue.definition(session, code, lang)
    return respond(fmt, "service_definition", body)


async def _read_form(request: Request) -> MultiMap:
    """The POST form. The spec's url-encoded body is parsed directly (Starlette's general form parser cost a
    fifth of the server's time per request under load); multipart bodies go through Starlette. Every name and
    value must be storable text (no NUL): checked here once for every field, attributes included."""
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("application/x-www-form-urlencoded"):
        body = await request.body()  # kept by Starlette for form(): bounded by the request guard's limit
        if b"filename=" not in body and not _utf8(body):  # Starlette would read a bad field as Latin-1
            raise InvalidInput("the form holds bytes that are not UTF-8, as Open311 requires")
        return _storable(await request.form())
    try:
        text = (await request.body()).decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput("the request body is not UTF-8, as Open311 requires") from None
    try:
        pairs = parse_qsl(text, keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS, errors="strict")
    except UnicodeDecodeError:  # percent-encoded bytes that are not UTF-8: refused, never stored as U+FFFD
        raise InvalidInput("the form holds percent-encoded bytes that are not UTF-8, as Open311 requires") from None
    except ValueError as exc:
        raise InvalidInput(f"bad form body: {exc}") from None
    return _storable(ImmutableMultiDict(pairs))


def _utf8(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _storable(form: MultiMap) -> MultiMap:
    for name, value in form.multi_items():
        check_text("form field name", name)
        if isinstance(value, str):
            check_text(name[:40], value)
    return form


@router.post("/requests.{fmt}", summary="Create a service request (form-encoded)", openapi_extra=POST_FORM)
async def create_request(request: Request, fmt: str) -> Response:
    fmt = _format(fmt)
    settings: Settings = request.app.state.settings
    outside = presented_key(request)  # a key in a header or the query string is checked before the body is read
    if outside:
        await spend_key(request, outside)
    form = await _read_form(request)
    params = request.query_params  # some clients put api_key / jurisdiction_id in the query string
    check_jurisdiction(optional(form, "jurisdiction_id") or optional(params, "jurisdiction_id"), settings)
    accept = request.headers.get("accept-language")
    lang = language(optional(form, "lang") or params.get("lang"), accept, settings.language)
    api_key = optional(form, "api_key", 200) or outside
    if api_key:
        await spend_key(request, api_key)
    writer: IntakeWriter = request.app.state.intake_writer
    data = parse_new_request(form, classifier=writer.triager.model().model is not None)

    def render(accepted: Accepted) -> Response:
        return respond(fmt, "service_requests", [service.answer(accepted, data, settings, lang)])

    claim = idempotency_claim(request)  # with an Idempotency-Key the answer is stored with the case
    prepare = service.prepare(data, api_key, settings, lang)
    submission = Submission(api_key, clock.utcnow(), prepare, claim, stored_answer(render) if claim else None)
    accepted = await writer.write(submission)  # returns after the batch's COMMIT
    return render(accepted)


async def spend_key(request: Request, api_key: str) -> None:
    """The POST's budgets (限流), once per request and key, before the writer authenticates it: 429 for an address
    that presented too many wrong keys or a key over its requests per minute; 403 for a key that is not known (it
    is counted against its address). Called before the body is read when the key is outside it."""
    if getattr(request.state, "spent_key", None) == api_key:
        return
    settings: Settings = request.app.state.settings
    if isinstance(request.app.state.key_budgets, keylimit.LocalBudgets):
        _spend(request, settings, api_key)  # microseconds: no need to leave the event loop
    else:
        await run_in_threadpool(_spend, request, settings, api_key)  # a Redis round trip must not block the loop
    request.state.spent_key = api_key


def _spend(request: Request, settings: Settings, api_key: str) -> None:
    budgets, address = request.app.state.key_budgets, request.client.host if request.client else "-"
    keylimit.check_bad_keys(budgets, address, settings.bad_keys_per_minute)
    db: Database = request.app.state.db

    def lookup() -> tuple[int | None, int | None]:
        with db.reading() as session:
            return auth_service.budget_of(session=session, plaintext=api_key)

    key_id, own = request.app.state.key_budget_cache.get(hash_secret(api_key), lookup)
    if key_id is None:
        keylimit.count_bad_key(budgets, address, settings.bad_keys_per_minute)
        raise Forbidden(service.WRONG_KEY)
    keylimit.spend(budgets, f"key:{key_id}", own if own is not None else settings.api_key_requests_per_minute)


@router.get("/requests.{fmt}", summary="Service requests (filters, page / page_size)", openapi_extra=GET_FILTERS)
def list_requests(request: Request, fmt: str) -> Response:
    fmt = _format(fmt)
    db, settings, lang = _context(request)
    query = parse_request_query(request.query_params, settings)
    with db.reading() as session:
        body = service.find_requests(session=session, settings=settings, query=query, lang=lang)
    return respond(fmt, "service_requests", body)


@router.get("/requests/{name}", summary="One service request (an array of one)")
@router.get("/request/{name}", include_in_schema=False)  # the v2.1 draft's spelling
def get_request(request: Request, name: str) -> Response:
    request_id, fmt = _split(name)
    db, settings, lang = _context(request)
    with db.reading() as session:
        body = service.get_request(session=session, settings=settings, request_id=request_id, lang=lang)
    return respond(fmt, "service_requests", body)


@router.get("/tokens/{name}", summary="Service request id from a token (batch services)")
def token(request: Request, name: str) -> Response:
    token_value, fmt = _split(name)
    db, _settings, _lang = _context(request)
    with db.reading() as session:
        body = service.token_lookup(session=session, token=token_value)
    return respond(fmt, "service_requests", body)


@router.api_route("/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], include_in_schema=False)
def unknown_resource(rest: str) -> Response:
    """Anything else under the endpoint still answers in the spec's error form, not the framework's."""
    raise NotFound(f"no Open311 resource {rest!r}; see discovery.json for what this endpoint offers")
