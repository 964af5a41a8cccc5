"""Public pages: the landing page at ``/`` (中文 first, English beside). Offline: no CDN; /static is local."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from citybrain.core import clock
from citybrain.core.http import DbDep
from citybrain.scenarios.parking import service as parking_service
from citybrain.web import labels, overview

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"  # served at /static by the app factory
templates = Jinja2Templates(directory=str(HERE / "templates"))
labels.install(templates.env)

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def landing(request: Request, db: DbDep) -> HTMLResponse:
    """The city's numbers today: volumes, open and overdue cases, the three rates, air quality, car parks, the
    latest cases."""
    timezone, now = request.app.state.settings.timezone, clock.utcnow()
    rates = overview.rates(db, now=now, timezone=timezone)
    with db.reading() as session:
        data = overview.overview(session, now=now, timezone=timezone, rates=rates)
        insight = overview.insight(session)
        air = overview.air_quality(session, now=now, timezone=timezone)
        parks = overview.car_parks(session, timezone=timezone)
        gates = parking_service.totals(session)
    context = {"data": data, "rates": overview.RATES, "insight": insight, "air": air, "parks": parks, "gates": gates}
    return templates.TemplateResponse(request, "landing.html", context)
