"""The application factory."""

from __future__ import annotations

import inspect
import mimetypes
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from anyio import to_thread
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from citybrain import __version__
from citybrain.auth.access_writer import AccessLogWriter
from citybrain.core import heap, keylimit
from citybrain.core.db import Database
from citybrain.core.settings import Settings, load_settings
from citybrain.intake.writer import IntakeWriter
from citybrain.scenarios.parking.mqtt import GateReads
from citybrain.sensing.mqtt_ingest import IngestWorker
from citybrain.sensing.tasks import Publisher
from citybrain.web import cockpit, errors
from citybrain.web.answer_cache import AnswerCache
from citybrain.web.credentials import CredentialsFirst
from citybrain.web.guard import RequestGuard
from citybrain.web.idempotency import IdempotencyMiddleware
from citybrain.web.methods import HeadAndOptions
from citybrain.web.pages import STATIC
from citybrain.web.ratelimit import SlidingWindow
from citybrain.web.security_headers import SecurityHeaders


def create_app(settings: Settings | None = None, database: Database | None = None) -> FastAPI:
    """Build the app for ``settings`` (read from the environment when not given)."""
    settings = settings or load_settings()
    heap.limit_malloc_arenas()  # before the server's threads start: resident memory stops creeping (core/heap.py)
    db = database or Database(settings)

    writer = IntakeWriter(db, settings)
    access_writer = AccessLogWriter(db)  # staff reads' access-log rows, group-committed (auth/access_writer.py)
    mqtt_publisher, mqtt_worker = _mqtt(db, settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        to_thread.current_default_thread_limiter().total_tokens = settings.server_threads
        writer.start()
        access_writer.start()
        for started in (mqtt_publisher, mqtt_worker):
            if started is not None:
                started.start()
        if settings.cockpit_warm_at_start:  # the roll-up and the default screen, in the background
            cockpit.warm_default_screen(settings, db, app.state.cockpit_cache)
        if settings.knowledge_warm_at_start:  # smart answers' index of published items, in the background
            app.state.knowledge_search.warm(db)
        with heap.frozen_while_serving(settings.freeze_heap_at_start):
            yield
        writer.stop()  # drains: every queued Open311 request is committed and answered first
        access_writer.stop()  # drains too: every queued read's log rows are committed before it is answered
        app.state.cockpit_cache.close()  # the cockpit's figures under way are finished, none started
        for stopped in (mqtt_worker, mqtt_publisher):
            if stopped is not None:
                stopped.stop()
        if database is None:
            db.dispose()

    app = FastAPI(
        title="CityBrain 城市大脑",
        version=__version__,
        description="Case platform API: Open311 GeoReport v2 for citizens' apps, /api/v1 for staff.",
        lifespan=lifespan,
        docs_url=None,  # /docs and /redoc are served by web.apidocs from the server's own copies (offline)
        redoc_url=None,
        **_no_telemetry(),
    )
    app.state.db = db
    app.state.settings = settings
    app.state.intake_writer = writer
    app.state.access_writer = access_writer
    app.state.mqtt_publisher = mqtt_publisher
    app.state.mqtt_worker = mqtt_worker
    # the portal's submissions per client address and hour; one per process (docs/portal.md, 提交限流)
    app.state.portal_limiter = SlidingWindow(settings.portal_submits_per_hour, window=3600.0)
    # the portal's me-toos and comments per client address and hour (docs/portal.md, 我也遇到 and 留言)
    app.state.portal_voices_limiter = SlidingWindow(settings.portal_voices_per_hour, window=3600.0)
    # per API key and per wrong-key address; shared through Redis when configured (docs/security.md)
    app.state.key_budgets = keylimit.budgets(settings.redis_url, namespace=settings.resolved_database_url())
    app.state.key_budget_cache = keylimit.TtlCache[tuple[int | None, int | None]](ttl=30.0)
    from citybrain.knowledge.search import KnowledgeSearch

    app.state.knowledge_search = KnowledgeSearch()  # built at start or the first search, then kept in step
    app.state.cockpit_cache = AnswerCache(settings.cockpit_cache_seconds)  # the cockpit's figures, per question
    errors.install(app)
    app.add_middleware(HeadAndOptions)  # HEAD wherever GET is, OPTIONS with Allow (docs/security.md)
    app.add_middleware(IdempotencyMiddleware)  # Idempotency-Key on every POST (docs/security.md, Nothing lost)
    app.add_middleware(CredentialsFirst)  # who is calling, before the body is read (docs/security.md)
    app.add_middleware(RequestGuard, settings=settings)  # body size, URL text, 500s (docs/security.md)
    app.add_middleware(SecurityHeaders, settings=settings)  # outermost: the guard's own answers get them too
    _include_routers(app)
    mimetypes.add_type("text/javascript", ".js")  # whatever the machine's mime.types says
    app.mount("/static", StaticFiles(directory=STATIC), name="static")  # the pages' CSS and JS: offline, no CDN
    return app


def _mqtt(db: Database, settings: Settings) -> tuple[Publisher | None, IngestWorker | None]:
    """The publisher of new Observations (unless switched off) and, with ``serve --mqtt``, the ingest worker."""
    publisher = Publisher(settings) if settings.mqtt_publish else None
    gates = GateReads(settings)  # car-park gate reads ride on the same worker (docs/parking.md#gate-reads-over-mqtt)
    worker = IngestWorker(db, settings, handlers=[gates]) if settings.mqtt_worker_in_server else None
    return publisher, worker


def _no_telemetry() -> dict[str, Any]:
    """Switch off FastAPI's built-in OpenTelemetry hooks where the installed FastAPI has them.

    Offline deployments have no collector, and the hooks looked up OpenTelemetry's providers (environment
    reads) on every request, measurably on the Open311 POST path (bench/open311_load.py).
    """
    if "telemetry" not in inspect.signature(FastAPI.__init__).parameters:
        return {}
    return {"telemetry": {"tracing": False, "metrics": False, "logs": False, "operation_spans": False}}


def _include_routers(app: FastAPI) -> None:
    from citybrain.alerts.api import router as alerts_router
    from citybrain.auth.access_api import router as access_log_router
    from citybrain.auth.api import router as admin_api_router
    from citybrain.cases.api import router as cases_router
    from citybrain.cases.export_api import router as export_router
    from citybrain.cases.joint_api import router as joint_router
    from citybrain.cases.kpi_api import router as kpi_router
    from citybrain.directory.api import router as directory_router
    from citybrain.grid.api import router as grid_router
    from citybrain.insight.api import router as insight_router
    from citybrain.intake.open311.api import router as open311_router
    from citybrain.knowledge.api import router as knowledge_router
    from citybrain.reports.api import router as reports_router
    from citybrain.scenarios.parking.api import router as parking_router
    from citybrain.sensing.air_api import router as air_router
    from citybrain.sensing.api import router as sensing_router
    from citybrain.services.api import router as services_router
    from citybrain.triage.api import router as triage_router
    from citybrain.triage.places_api import router as geo_router
    from citybrain.web.admin import router as admin_page_router
    from citybrain.web.apidocs import router as apidocs_router
    from citybrain.web.cockpit import page_router as cockpit_page_router
    from citybrain.web.cockpit import router as cockpit_router
    from citybrain.web.desk import router as desk_router
    from citybrain.web.me import router as me_router
    from citybrain.web.pages import router as pages_router
    from citybrain.web.portal import router as portal_router
    from citybrain.web.portal_moderation import router as moderation_router
    from citybrain.web.portal_services import router as portal_services_router
    from citybrain.web.signin import router as signin_router
    from citybrain.web.signin_oidc import router as signin_oidc_router

    app.include_router(open311_router, prefix="/open311/v2")
    app.include_router(cases_router, prefix="/api/v1")
    app.include_router(export_router, prefix="/api/v1")
    app.include_router(joint_router, prefix="/api/v1")
    app.include_router(grid_router, prefix="/api/v1")
    app.include_router(kpi_router, prefix="/api/v1")
    app.include_router(directory_router, prefix="/api/v1")
    app.include_router(geo_router, prefix="/api/v1")
    app.include_router(insight_router, prefix="/api/v1")
    app.include_router(reports_router, prefix="/api/v1")
    app.include_router(air_router, prefix="/api/v1")
    app.include_router(alerts_router, prefix="/api/v1")
    app.include_router(triage_router, prefix="/api/v1")
    app.include_router(me_router, prefix="/api/v1")
    app.include_router(access_log_router, prefix="/api/v1")
    app.include_router(parking_router, prefix="/api/v1")
    app.include_router(services_router, prefix="/api/v1")
    app.include_router(knowledge_router, prefix="/api/v1")
    app.include_router(moderation_router, prefix="/api/v1")
    app.include_router(cockpit_router, prefix="/api/v1")
    app.include_router(admin_api_router, prefix="/api/v1")
    app.include_router(sensing_router, prefix="/sta/v1.1")
    app.include_router(pages_router)
    app.include_router(apidocs_router)
    app.include_router(desk_router)
    app.include_router(cockpit_page_router)
    app.include_router(portal_router)
    app.include_router(portal_services_router)
    app.include_router(signin_router)
    app.include_router(signin_oidc_router)
    app.include_router(admin_page_router)
