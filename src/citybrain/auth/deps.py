"""Who is calling, as request dependencies: the presented key, the principal, and one alias per permission.

A route states what it needs in its signature — ``principal: CaseReader`` — as Polar's ``customer/auth.py`` does,
so the check runs before the body is read (a caller without the right gets 403, not a 422 about the body) and the
route × role matrix test (tests/web/test_access.py, docs/access.md) can read it off the route table.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated
from urllib.parse import unquote

from fastapi import Depends, Request

from citybrain.auth import service as auth_service
from citybrain.auth import sessions
from citybrain.auth.roles import ANONYMOUS, REFUSAL_HINTS, Permission, Principal
from citybrain.core import keylimit
from citybrain.core.db import Database
from citybrain.core.errors import Forbidden, Unauthorized
from citybrain.core.http import DbDep


def presented_key(request: Request) -> str | None:
    """The API key from ``X-API-Key``, ``Authorization: Bearer`` or (Open311 style) ``api_key``."""
    header = request.headers.get("x-api-key")
    if header:
        return header
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return request.query_params.get("api_key") or None


#: Methods that change nothing: a cookie-authenticated request with any other method must carry the CSRF token.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"  # the hidden field of a server-rendered form


def _session_principal(request: Request, db: Database, token: str) -> Principal:
    """The signed-in account behind the cookie; a write without the session's CSRF token is refused (403)."""
    principal = sessions.principal_for(db, token)
    if request.method not in SAFE_METHODS and not sessions.csrf_matches(token, request.headers.get(CSRF_HEADER)):
        raise Forbidden(
            "缺少或错误的防伪令牌 / missing or wrong CSRF token: a signed-in page sends it as the X-CSRF-Token header",
            code="csrf_failed",
        )
    return principal


def get_principal(request: Request, db: DbDep) -> Principal:
    """The authenticated staff caller: an API key (machines, scripts) or a signed-in session cookie (people).

    401 without either or with an ended session, 403 with a bad key or a cookie-authenticated write without the
    CSRF token, 429 over the key's budget (or after too many wrong keys from the address). A key wins when both
    are present: a key request is not cookie-based and needs no CSRF token.
    """
    known: Principal | None = getattr(request.state, "principal", None)
    if known is not None:  # authenticated before the body was read (web/credentials.py): once per request
        return known
    principal = _authenticated(request, db)
    request.state.principal = principal
    return principal


def _authenticated(request: Request, db: Database) -> Principal:
    key = presented_key(request)
    token = request.cookies.get(sessions.COOKIE)
    if token and not key:
        return _session_principal(request, db, token)
    if not key:
        raise Unauthorized(
            "an API key is required (header X-API-Key or Authorization: Bearer …), or sign in at /signin"
        )
    return _budgeted(request, db, key)


def get_optional_principal(request: Request, db: DbDep) -> Principal:
    """The caller if a key or a live session was presented, otherwise the anonymous public (an ended session
    reads as the public: it must not lock a person out of public pages)."""
    key = presented_key(request)
    if not key and not request.cookies.get(sessions.COOKIE):
        return ANONYMOUS
    try:
        return get_principal(request, db)
    except Unauthorized:
        return ANONYMOUS


def _budgeted(request: Request, db: Database, key: str | None) -> Principal:
    """Authenticate within the budgets (限流): an address that presented too many wrong keys gets 429 before its
    key is looked at; a key over its requests per minute gets 429 (both with Retry-After)."""
    settings, budgets = request.app.state.settings, request.app.state.key_budgets
    address = request.client.host if request.client else "-"
    if key:
        keylimit.check_bad_keys(budgets, address, settings.bad_keys_per_minute)
    try:
        with db.reading() as session:
            principal = auth_service.authenticate(session=session, plaintext=key)
    except Forbidden:
        keylimit.count_bad_key(budgets, address, settings.bad_keys_per_minute)
        raise
    own = principal.rate_limit
    keylimit.spend(budgets, f"key:{principal.key_id}", own if own is not None else settings.api_key_requests_per_minute)
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]
OptionalPrincipalDep = Annotated[Principal, Depends(get_optional_principal)]


def require(principal: Principal, permission: Permission) -> None:
    """403 naming the permission and, where it helps, who has it or where to go instead."""
    if not principal.can(permission):
        hint = REFUSAL_HINTS.get(permission)
        raise Forbidden(f"role {principal.role!r} may not {permission.value}" + (f": {hint}" if hint else ""))


def requires(permission: Permission) -> Callable[[Principal], Principal]:
    """A dependency: the authenticated caller, provided the role has ``permission`` (else 403)."""

    def check(principal: PrincipalDep) -> Principal:
        require(principal, permission)
        return principal

    check.__name__ = f"requires_{permission.value}"
    return check


#: Staff who read cases (operators, departments, supervisors, admins).
CaseReader = Annotated[Principal, Depends(requires(Permission.READ_CASES))]
#: 派单员: dispatch, reassign, merge, the human queue.
Dispatcher = Annotated[Principal, Depends(requires(Permission.DISPATCH))]
#: Readers of the three rates, reports and stored analyses.
KpiReader = Annotated[Principal, Depends(requires(Permission.READ_KPIS))]
#: Who may change the taxonomy, departments, routing and SLA policies.
DirectoryManager = Annotated[Principal, Depends(requires(Permission.MANAGE_DIRECTORY))]
#: Who sees and handles early-warning alerts (预警).
AlertHandler = Annotated[Principal, Depends(requires(Permission.HANDLE_ALERTS))]
#: Who may read reports that rank every department against the others (a department's key may not).
DepartmentRanker = Annotated[Principal, Depends(requires(Permission.RANK_DEPARTMENTS))]
#: SensorThings writers: a station or gateway (``sensor``, on its own Things only) or an admin.
SensorWriter = Annotated[Principal, Depends(requires(Permission.WRITE_SENSORS))]
#: Who approves or rejects citizens' comments on the portal (operators, admins).
Moderator = Annotated[Principal, Depends(requires(Permission.MODERATE))]
#: Who manages staff accounts and API keys (/admin): administrators.
UserManager = Annotated[Principal, Depends(requires(Permission.MANAGE_USERS))]
#: Who reads the access log of personal data (administrators).
AccessLogReader = Annotated[Principal, Depends(requires(Permission.READ_ACCESS_LOG))]


def access_reason(request: Request) -> str | None:
    """Why the caller reads personal data: the ``X-Access-Reason`` header (percent-encoded UTF-8, as
    ``encodeURIComponent`` writes it — a header is ASCII) or the ``reason`` query parameter; trimmed, at most 500
    characters; ``None`` when not given."""
    header = request.headers.get("x-access-reason")
    value = unquote(header, errors="replace") if header else request.query_params.get("reason") or ""
    return value.strip()[:500] or None


#: The reason given for reading personal data unmasked (PIPL access log).
AccessReason = Annotated[str | None, Depends(access_reason)]
#: A car park's gate posting plate reads (a ``gate`` key, for its own car park only) or an admin.
GatePoster = Annotated[Principal, Depends(requires(Permission.POST_GATE_READS))]
#: Who manages car parks, sessions, pairing corrections and bills (operators, admins).
ParkingManager = Annotated[Principal, Depends(requires(Permission.MANAGE_PARKING))]
#: A grid worker filing what the patrol found (a ``grid_worker`` key, on its own cells) or an admin.
Inspector = Annotated[Principal, Depends(requires(Permission.INSPECT))]
#: Readers of the grid: cells, inspections, coverage (a grid worker sees its own cells only).
GridReader = Annotated[Principal, Depends(requires(Permission.READ_GRID))]
#: Staff who read the knowledge base and its answer search (知识库).
KnowledgeReader = Annotated[Principal, Depends(requires(Permission.READ_KNOWLEDGE))]
#: Editors of the knowledge base: write, review another's draft, publish, expire (operators, admins).
KnowledgeEditor = Annotated[Principal, Depends(requires(Permission.EDIT_KNOWLEDGE))]
