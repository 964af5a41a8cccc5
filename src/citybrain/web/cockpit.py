"""The city's command centre (城市运行驾驶舱) at ``/cockpit`` and its staff API under ``/api/v1/cockpit``.

The page is a frame like the desk's: it calls the API as the person signed in at ``/signin`` and draws what it
returns.
Every figure is for KPI readers (``KpiReader``); a department's key sees its own department's cases only; the
department ranking needs ``DepartmentRanker`` and the alerts on the board need ``HANDLE_ALERTS``.
Answers are kept for ``CITYBRAIN_COCKPIT_CACHE_SECONDS`` per question and refreshed in the background after that
(:class:`~citybrain.web.answer_cache.AnswerCache`); the app holds one cache and closes it at shutdown.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from citybrain.auth.deps import DepartmentRanker, KpiReader
from citybrain.auth.roles import Permission, Principal
from citybrain.cases import kpi_rollup, kpi_service
from citybrain.cases.kpi_service import KpiQuery
from citybrain.cases.policy import department_scope
from citybrain.core import clock
from citybrain.core.db import Database
from citybrain.core.http import DbDep
from citybrain.core.settings import Settings
from citybrain.web import cockpit_board
from citybrain.web import cockpit_service as service
from citybrain.web.answer_cache import AnswerCache
from citybrain.web.desk import SECURITY_HEADERS
from citybrain.web.labels import for_cockpit
from citybrain.web.signin import staff_page

#: The desk's headers: ECharts draws its tooltips on the canvas (renderMode richText), so no style is inline either.
HEADERS = SECURITY_HEADERS

page_router = APIRouter(include_in_schema=False)
router = APIRouter(prefix="/cockpit", tags=["cockpit"])

Period = Annotated[str | None, Query(description="day, week or month (day by default)")]
From = Annotated[str | None, Query(alias="from", description="first local date, YYYY-MM-DD (default: 30 days ago)")]
To = Annotated[str | None, Query(alias="to", description="last local date, inclusive (default: today)")]
Department = Annotated[str | None, Query(description="department code")]
District = Annotated[str | None, Query(description="district code")]
Category = Annotated[str | None, Query(description="category code; its whole subtree is included")]
Channel = Annotated[str | None, Query(description="intake channel")]


@page_router.get("/cockpit", response_class=HTMLResponse)
def cockpit_page(request: Request, db: DbDep) -> Response:
    """The frame and its labels; ``?wall=1`` starts in the 1920×1080 wall mode. Data comes from the API.

    Loading the frame starts computing the city-wide default screen (the last 30 days, no filter) in the
    background, unless it is kept already, so that the figures are ready when the page asks; nothing of it is
    sent with the frame. Without a live sign-in it redirects to ``/signin`` (and comes back).
    """
    _warm_default_screen(request, db)
    labels = for_cockpit(request.app.state.settings.timezone)
    return staff_page(request, db, "cockpit.html", {"labels": labels}, HEADERS)


def _cache(request: Request) -> AnswerCache:
    cache: AnswerCache = request.app.state.cockpit_cache
    return cache


def _warm_default_screen(request: Request, db: Database) -> None:
    warm_default_screen(request.app.state.settings, db, _cache(request))


def warm_default_screen(settings: Settings, db: Database, cache: AnswerCache) -> None:
    """Start computing the city-wide default screen's answers on the cache's background threads, unless they are
    kept or under way (the frame's load, and the server's start with ``cockpit_warm_at_start``); the trends and
    ranking bring the daily roll-up up to date first."""
    none: dict[str, str | None] = dict.fromkeys(("period", "start", "end", "department", "district", "category",
                                                 "channel"))  # fmt: skip
    query = service.screen_query(timezone=settings.timezone, now=clock.utcnow(), **none)
    language = settings.language
    cache.warm(("geo",), lambda: _geo(db))
    cache.warm(_key("trends", query), lambda: _trends(db, query, language))
    cache.warm(_key("map", query), lambda: _map(db, query))
    cache.warm(_key("ranking", query), lambda: _ranking(db, query, language))
    cache.warm(("board", True, None), lambda: _board(db, with_alerts=True, department_id=None))


def _json(value: dict[str, Any]) -> bytes:
    """An answer as the JSON body it is sent as: kept serialised, a kept answer costs no encoding."""
    return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()


def _answer(body: bytes) -> Response:
    return Response(content=body, media_type="application/json")


def _geo(db: Database) -> bytes:
    with db.reading() as session:
        return _json(service.city_geojson(session))


def _trends(db: Database, query: KpiQuery, language: str) -> bytes:
    kpi_rollup.bring_up_to_date(db, query)
    with db.reading() as session:
        return _json(service.trends(session, query, language=language))


def _map(db: Database, query: KpiQuery) -> bytes:
    with db.reading() as session:
        return _json(service.map_layers(session, query, now=query.as_of))


def _ranking(db: Database, query: KpiQuery, language: str) -> bytes:
    kpi_rollup.bring_up_to_date(db, service.ranking_query(query))
    with db.reading() as session:
        return _json(service.department_ranking(session, query, language=language))


def _board(db: Database, *, with_alerts: bool, department_id: int | None) -> bytes:
    with db.reading() as session:
        return _json(cockpit_board.board(session, with_alerts=with_alerts, department_id=department_id))


def _query(request: Request, db: Database, principal: Principal, **filters: str | None) -> KpiQuery:
    settings = request.app.state.settings
    query = service.screen_query(timezone=settings.timezone, now=clock.utcnow(), **filters)
    with db.reading() as session:
        return kpi_service.scope_to_department(session, query, principal.department_id)


def _key(name: str, query: KpiQuery, *extra: object) -> tuple[Any, ...]:
    params = query.params()
    params.pop("as_of")  # the same question within the cache's life, whatever the second
    return (name, tuple(sorted((k, str(v)) for k, v in params.items())), *extra)


@router.get("/geo", summary="The city's districts (and Demo City grid cells) as GeoJSON polygons")
def geo(request: Request, db: DbDep, principal: KpiReader) -> Response:
    return _answer(_cache(request).get(("geo",), lambda: _geo(db)))


def _screen(
    request: Request,
    db: DbDep,
    principal: KpiReader,
    period: Period = None,
    start: From = None,
    end: To = None,
    department: Department = None,
    district: District = None,
    category: Category = None,
    channel: Channel = None,
) -> KpiQuery:
    """The screen-wide filters of a KPI reader's request, scoped to their department when they have one."""
    return _query(request, db, principal, period=period, start=start, end=end, department=department,
                  district=district, category=category, channel=channel)  # fmt: skip


#: The screen's question: its filters, read once for every route that takes them all.
Screen = Annotated[KpiQuery, Depends(_screen)]


@router.get("/map", summary="Cases per district and per ~550 m bin (counts only), air stations")
def map_layers(request: Request, db: DbDep, query: Screen) -> Response:
    return _answer(_cache(request).get(_key("map", query), lambda: _map(db, query)))


@router.get("/trends", summary="Cases per period with last year's, breakdowns, the three rates and overdue")
def trends(request: Request, db: DbDep, query: Screen) -> Response:
    language = request.app.state.settings.language
    return _answer(_cache(request).get(_key("trends", query), lambda: _trends(db, query, language)))


@router.get("/ranking", summary="考核排名: departments ranked as in the monthly report, for the screen's window")
def department_ranking(
    request: Request,
    db: DbDep,
    principal: DepartmentRanker,
    period: Period = None,
    start: From = None,
    end: To = None,
) -> Response:
    query = _query(request, db, principal, period=period, start=start, end=end, department=None, district=None,
                   category=None, channel=None)  # fmt: skip
    language = request.app.state.settings.language
    return _answer(_cache(request).get(_key("ranking", query), lambda: _ranking(db, query, language)))


@router.get("/board", summary="Hot issues, associations in words and (for alert handlers) open alerts")
def board(request: Request, db: DbDep, principal: KpiReader) -> Response:
    with_alerts = principal.can(Permission.HANDLE_ALERTS)
    department_id = department_scope(principal, None)  # a department's key: its own cases of each issue only
    key = ("board", with_alerts, department_id)
    return _answer(_cache(request).get(key, lambda: _board(db, with_alerts=with_alerts, department_id=department_id)))


@router.get(
    "/blind-zones",
    summary="右转盲区: the latest blind-zone run's recommended intersections (GeoJSON points) for the map layer",
)
def blind_zones(db: DbDep, principal: KpiReader) -> Response:
    """Intersections recommended for right-turn warning strips by the newest stored run of ``citybrain analyze
    blind-zones`` (kind blind_zones); an empty collection with ``run`` null before the first. Road-safety figures
    of the whole city: no case and no person in them, so a department's key reads them as they are."""
    from citybrain.scenarios.traffic_safety.stored import recommended_geojson

    with db.reading() as session:
        return _answer(_json(recommended_geojson(session)))
