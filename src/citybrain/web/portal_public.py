"""What the portal shows anyone (公开): the list and map of requests, a request's timeline and its comments.

Masked as Open311 GET is: no contact data (the queries do not read ``case_contacts``), phone / ID / e-mail and
self-introduced names in free text masked, points snapped to the ~``CITYBRAIN_PUBLIC_LOCATION_M`` grid
(``core.privacy.coarsen_point``), house numbers hidden. The city's own phone numbers — the directory's department
contacts — are not a citizen's data and stay readable in the city's texts (the reply, the handling notes).
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from sqlalchemy.orm import Session

from citybrain.cases import public_repository as repository
from citybrain.cases import repository as cases_repository
from citybrain.cases import voices_repository as voices
from citybrain.cases.lifecycle import STATUS_NAMES, Status, status_name
from citybrain.cases.public_repository import HIDDEN_STATES, PublicFilter
from citybrain.core import clock
from citybrain.core.errors import InvalidInput
from citybrain.core.privacy import coarsen_point, mask_named, mask_text
from citybrain.core.settings import Settings
from citybrain.directory import repository as directory_repository
from citybrain.directory import service as directory_service
from citybrain.web.labels import TIMELINE_NAMES

PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
MAX_PAGE = 1_000_000  # far past any real list; bounds the OFFSET a client can ask for
MAP_POINTS = 2000  # the latest matching requests drawn on the map
MAX_RING = 400  # vertices kept per district outline: enough for a schematic map
SNIPPET = 140
PUBLIC_STATUSES = ("open", "closed", *(s.value for s in Status if s.value not in HIDDEN_STATES))


def public_filter(category: str | None, district: str | None, status: str | None) -> PublicFilter:
    """The filters as given, or a bilingual 400 for a status the list does not know."""
    status = (status or "").strip() or None
    if status is not None and status not in PUBLIC_STATUSES:
        raise InvalidInput(
            f"状态只能是 {'、'.join(PUBLIC_STATUSES)} 之一 / status must be one of {', '.join(PUBLIC_STATUSES)}, "
            f"not {status[:20]!r}.",
            code="invalid_filter",
        )
    return PublicFilter((category or "").strip()[:64] or None, (district or "").strip()[:32] or None, status)


def _names(zh: str | None, en: str | None) -> dict[str, str] | None:
    return None if not zh else {"zh": zh, "en": en or zh}


def _local(moment: datetime | None, tz: tzinfo) -> str | None:
    return None if moment is None else clock.as_utc(moment).astimezone(tz).strftime("%Y-%m-%d %H:%M")


def public_text(text: str | None, keep: frozenset[str] = frozenset()) -> str | None:
    """Free text as the public may read it: phones (but the city's own), IDs, e-mails and given names masked."""
    return mask_named(mask_text(text, keep)) or None


def _snippet(text: str | None) -> str | None:
    shown = public_text(text)
    return shown if shown is None or len(shown) <= SNIPPET else shown[: SNIPPET - 1] + "…"


def public_list(
    *, session: Session, settings: Settings, where: PublicFilter, page: int, page_size: int
) -> dict[str, Any]:
    """One page of the public list (newest first) with the total, each request masked."""
    if not 1 <= page <= MAX_PAGE or not 1 <= page_size <= MAX_PAGE_SIZE:
        raise InvalidInput(
            f"页码 1–{MAX_PAGE}，每页 1–{MAX_PAGE_SIZE} 条 / page is 1–{MAX_PAGE} and page_size is 1–{MAX_PAGE_SIZE}.",
            code="invalid_page",
        )
    rows, total = repository.public_page(session, where, limit=page_size, offset=(page - 1) * page_size)
    comments = voices.approved_counts(session, [row.id for row in rows])
    tz = clock.city_zone(settings.timezone)
    items = []
    for row in rows:
        lat, lon = coarsen_point(row.lat, row.lon, settings.public_location_m)
        zh, en = status_name(row.status)
        items.append(
            {
                "id": str(row.id),
                "created": _local(row.created_at, tz),
                "status": {"code": row.status, "zh": zh, "en": en},
                "category": _names(row.category_zh, row.category_en),
                "district": _names(row.district_zh, row.district_en),
                "title": public_text(row.title),
                "text": _snippet(row.text),
                "me_too": row.likes or 0,
                "comments": comments.get(row.id, 0),
                "lat": lat,
                "long": lon,
            }
        )
    return {"items": items, "total": total, "page": page, "page_size": page_size}


def public_map(*, session: Session, settings: Settings, where: PublicFilter) -> dict[str, Any]:
    """District outlines and the latest matching requests' public points (never the exact ones)."""
    points = []
    for row in repository.public_points(session, where, limit=MAP_POINTS):
        lat, lon = coarsen_point(row.lat, row.lon, settings.public_location_m)
        points.append({"id": str(row.id), "status": row.status, "lat": lat, "long": lon})
    districts = [
        {"code": d.code, "zh": d.name_zh, "en": d.name_en or d.name_zh, "rings": _rings(d.geometry)}
        for d in repository.districts(session)
    ]
    return {"districts": [d for d in districts if d["rings"]], "points": points, "limit": MAP_POINTS}


def _rings(geometry: dict[str, Any] | None) -> list[list[list[float]]]:
    """The outer rings of a GeoJSON Polygon / MultiPolygon as [lon, lat] lists, thinned to ``MAX_RING`` points."""
    if not geometry:
        return []
    kind, coords = geometry.get("type"), geometry.get("coordinates") or []
    polygons = [coords] if kind == "Polygon" else coords if kind == "MultiPolygon" else []
    rings = []
    for polygon in polygons:
        if polygon and polygon[0]:
            ring = polygon[0]
            step = max(1, len(ring) // MAX_RING)
            rings.append([[round(float(x), 5), round(float(y), 5)] for x, y, *_ in ring[::step]])
    return rings


def filter_options(session: Session) -> dict[str, list[tuple[str, str]]]:
    """The choices of the list's filters (value, 中文 English) for the page."""
    statuses = [("open", "办理中 open"), ("closed", "已结束 closed")]
    statuses += [(s.value, f"{zh} {en}") for s, (zh, en) in STATUS_NAMES.items() if s.value not in HIDDEN_STATES]
    return {
        "categories": [(c.code, f"{c.name_zh} {c.name_en}".strip()) for c in repository.top_categories(session)],
        "districts": [(d.code, f"{d.name_zh} {d.name_en}".strip()) for d in repository.districts(session)],
        "statuses": statuses,
    }


# --- one request: the city's phones, the timeline, the comments ------------------------------------------------


def city_phones(session: Session) -> frozenset[str]:
    """The directory's department contact numbers: the city's, so they stay readable in its replies."""
    return directory_service.city_phone_numbers(session)


def timeline(session: Session, case_id: int, tz: tzinfo) -> list[dict[str, Any]]:
    """The steps a citizen may see (``TIMELINE_NAMES``), oldest first: when, what, and the department — no staff
    names, no notes. A callback says only whether the citizen said it was resolved."""
    departments = {d.id: d for d in directory_repository.departments(session)}
    steps = []
    for event in cases_repository.events(session, case_id):
        if event.action not in TIMELINE_NAMES:
            continue
        zh, en = TIMELINE_NAMES[event.action]
        step: dict[str, Any] = {"at": _local(event.at, tz), "action": event.action, "zh": zh, "en": en}
        department = departments.get(event.department_id) if event.department_id is not None else None
        if department is not None and event.action != "receive":
            step["department"] = _names(department.name_zh, department.name_en)
        if event.action == "callback" and isinstance(event.data, dict) and "resolved" in event.data:
            step["detail"] = (
                {"zh": "市民表示已解决", "en": "the citizen said it was resolved"}
                if event.data["resolved"]
                else {"zh": "市民表示未解决", "en": "the citizen said it was not resolved"}
            )
        steps.append(step)
    return steps


def public_comments(session: Session, case_id: int, tz: tzinfo) -> list[dict[str, Any]]:
    """The approved comments, masked (phones, IDs, e-mails, given names), as text."""
    return [
        {"id": str(c.id), "at": _local(c.at, tz), "text": public_text(c.text)}
        for c in voices.comments_of(session, case_id)
    ]
