"""The administrator's view of the access log of personal data (PIPL): who read or exported whose data."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query

from citybrain.auth import access_log
from citybrain.auth.access_repository import AccessQuery
from citybrain.auth.deps import AccessLogReader
from citybrain.core import clock
from citybrain.core.http import DbDep

router = APIRouter(tags=["admin"])


@router.get("/admin/access-log", summary="Who read or exported whose personal data, when and why (newest first)")
def access_log_entries(
    db: DbDep,
    principal: AccessLogReader,
    case_id: Annotated[int | None, Query(ge=1, le=2**63 - 1, description="One case's entries")] = None,
    who: Annotated[str | None, Query(alias="principal", max_length=200, description="A key's or user's name")] = None,
    role: Annotated[str | None, Query(max_length=32, description="A role, e.g. operator")] = None,
    action: Annotated[str | None, Query(description="read or export")] = None,
    since: Annotated[datetime | None, Query(description="At or after (ISO 8601)")] = None,
    until: Annotated[datetime | None, Query(description="Before (ISO 8601)")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> dict[str, Any]:
    query = AccessQuery(
        case_id=case_id, principal=who, role=role, action=action,
        since=clock.as_utc(since) if since else None, until=clock.as_utc(until) if until else None,
        limit=limit, offset=offset,
    )  # fmt: skip
    with db.reading() as session:
        return access_log.listing(session, query)
