"""The administrators' page (系统管理) at ``/admin``: staff accounts and API keys, a client of ``/api/v1/admin``.

Only a signed-in administrator (``MANAGE_USERS``) gets the page; anyone else signed in gets 403, and someone not
signed in is sent to ``/signin`` first.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from citybrain.auth.roles import ROLES, STAFF_ROLES, Permission
from citybrain.core.http import DbDep
from citybrain.web.desk import SECURITY_HEADERS
from citybrain.web.signin import signed_in, staff_page

router = APIRouter(include_in_schema=False)

REFUSED = "403 只有系统管理员可以使用本页 / only administrators may use this page"


@router.get("/admin", response_class=HTMLResponse)
def admin_page(request: Request, db: DbDep) -> Response:
    principal = signed_in(request, db)
    if principal is not None and not principal.can(Permission.MANAGE_USERS):
        return Response(REFUSED, status_code=403, media_type="text/plain; charset=utf-8", headers=SECURITY_HEADERS)
    roles = [{"name": r, "zh": ROLES[r].title_zh, "en": ROLES[r].title_en} for r in STAFF_ROLES]
    key_roles = [{"name": r.name, "zh": r.title_zh, "en": r.title_en} for r in ROLES.values() if r.name != "public"]
    return staff_page(request, db, "admin.html", {"roles": roles, "key_roles": key_roles}, SECURITY_HEADERS)
