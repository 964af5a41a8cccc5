"""The access log of personal data (个人信息访问记录, PIPL art. 51, 55): every time a caller is shown a citizen's
personal data unmasked, or exports it, one row per case — who (key or user name, role, department), what
(``read``/``export``), when, why (the reason the caller gave) and through which route.

Masked answers are not logged: they carry nothing personal. The rows are read by administrators
(``GET /api/v1/admin/access-log``) and by the citizen for their own request on the portal, with the follow code.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

from sqlalchemy.orm import Session

from citybrain.auth import access_repository
from citybrain.auth.access_repository import AccessQuery
from citybrain.auth.roles import ROLES, Permission, Principal
from citybrain.core import clock
from citybrain.core.errors import InvalidInput

Action = Literal["read", "export"]
ACTIONS: tuple[Action, ...] = ("read", "export")


def unmasked(principal: Principal, reason: str | None, *, reason_required: bool) -> bool:
    """Whether this caller gets personal data unmasked now: the role sees it (``see_pii``) and, when the city
    requires one (``CITYBRAIN_PII_REASON_REQUIRED``), a reason was given."""
    return principal.can(Permission.SEE_PII) and (reason is not None or not reason_required)


def address_unmasked(principal: Principal, reason: str | None, *, reason_required: bool) -> bool:
    """Whether this caller gets a case's exact address (门牌) unmasked, and only that (``see_address``: a partner
    unit that must find the door); the same reason rule as :func:`unmasked`."""
    return principal.can(Permission.SEE_ADDRESS) and (reason is not None or not reason_required)


def record(
    session: Session,
    principal: Principal,
    case_ids: Iterable[int],
    *,
    action: Action,
    route: str,
    reason: str | None,
) -> int:
    """One row per case whose personal data ``principal`` was just given unmasked; returns how many (written in
    the request's transaction, so the answer is not sent unless its log rows are committed). Reads that write
    nothing else use :func:`rows` and the process's :class:`~citybrain.auth.access_writer.AccessLogWriter`."""
    found = rows(principal, case_ids, action=action, route=route, reason=reason)
    access_repository.add(session, found)
    return len(found)


def rows(
    principal: Principal, case_ids: Iterable[int], *, action: Action, route: str, reason: str | None
) -> list[dict[str, Any]]:
    """The log rows of one answer: one per case (each once), stamped now."""
    now = clock.utcnow()
    common = {
        "at": now,
        "principal": principal.name[:200],
        "key_id": principal.key_id,
        "role": principal.role,
        "department_id": principal.department_id,
        "action": action,
        "reason": reason,
        "route": route[:200],
    }
    return [{**common, "case_id": case_id} for case_id in dict.fromkeys(case_ids)]


def listing(session: Session, query: AccessQuery) -> dict[str, Any]:
    """The administrator's view: every column, newest first."""
    if query.action is not None and query.action not in ACTIONS:
        raise InvalidInput(f"action must be one of {', '.join(ACTIONS)}, not {query.action!r}")
    rows, total = access_repository.entries(session, query)
    items = [
        {
            "id": r.id,
            "at": clock.iso(r.at),
            "case_id": r.case_id,
            "principal": r.principal,
            "key_id": r.key_id,
            "role": r.role,
            "department_id": r.department_id,
            "action": r.action,
            "reason": r.reason,
            "route": r.route,
        }  # fmt: skip
        for r in rows
    ]
    return {"items": items, "total": total, "limit": query.limit, "offset": query.offset}


def for_citizen(session: Session, case_id: int, *, limit: int = 200) -> list[dict[str, Any]]:
    """What the citizen is told about their own request: when, which kind of office (role, in Chinese and
    English), what and why — not the staff member's key name."""
    rows, _total = access_repository.entries(session, AccessQuery(case_id=case_id, limit=limit))
    return [
        {
            "at": clock.iso(r.at),
            "role": r.role,
            "role_zh": _title(r.role, 0),
            "role_en": _title(r.role, 1),
            "action": r.action,
            "reason": r.reason,
        }  # fmt: skip
        for r in rows
    ]


def _title(role: str, lang: int) -> str:
    found = ROLES.get(role)
    if found is None:
        return role
    return found.title_zh if lang == 0 else found.title_en
