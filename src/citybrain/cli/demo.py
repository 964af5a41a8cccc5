"""``citybrain demo``: a synthetic city (示例市 / Demo City) in the configured database, and the server running."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from citybrain.cli.common import console, err_console, handle_errors, open_database
from citybrain.core import clock

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from citybrain.core.db import Database
    from citybrain.sensing.bulk.occupancy import CarParkSeries, OccupancySummary
    from citybrain.sensing.bulk.readings import Reading, ReadingsSummary
    from citybrain.simulate.city import City
    from citybrain.simulate.load import LoadReport
    from citybrain.simulate.sensors import SensorCity

PORTAL_KEY = "CITYBRAIN_PORTAL_API_KEY"


@handle_errors
def demo(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (0.0.0.0 for all)."),
    port: int = typer.Option(8311, "--port", help="TCP port."),
    days: int = typer.Option(365, "--days", min=1, max=3660, help="Days of cases, ending today."),
    cases_per_day: int = typer.Option(300, "--cases-per-day", min=1, max=20000, help="Average cases a day."),
    seed: int = typer.Option(1, "--seed", help="Random seed: the same seed gives the same city and cases."),
    reset: bool = typer.Option(False, "--reset", help="Wipe a previously loaded synthetic city first."),
    no_serve: bool = typer.Option(False, "--no-serve", help="Load and print the URLs, but do not start the server."),
    insight: bool = typer.Option(
        True, "--insight/--no-insight", help="While serving, compute associations, hot issues and warnings once."
    ),
) -> None:
    """Load Demo City (示例市: 8 districts, ~1 km² grid cells, a year of 12345 cases) and serve it.

    Uses the configured database (CITYBRAIN_DATABASE_URL; default a SQLite file in CITYBRAIN_DATA_DIR), creates
    or upgrades the schema, loads the default directory, loads the city unless the same seed is already there,
    prints a fresh operator API key and the URLs, then serves. The citizens' portal gets an app key of its own for
    its submit form (unless CITYBRAIN_PORTAL_API_KEY is set). Example:

        citybrain demo --days 90 --cases-per-day 100 --port 8311
    """
    from citybrain.auth import service as auth_service
    from citybrain.core import migrate
    from citybrain.directory.defaults import load_defaults
    from citybrain.simulate.load import load_city

    with open_database() as db:
        migrate.upgrade(db.engine)
        with db.transaction() as session:
            load_defaults(session)
        with _Bars(days) as (progress, day_task, case_task):
            with db.transaction() as session:
                report = load_city(
                    session,
                    seed=seed,
                    days=days,
                    cases_per_day=cases_per_day,
                    reset=reset,
                    on_day=lambda n: progress.advance(day_task, n),
                    on_cases=lambda n: progress.advance(case_task, n),
                )
        _load_air(db, report, seed=seed, days=days)
        _load_car_parks(db, report, seed=seed, days=days)
        with db.transaction() as session:
            _key, plaintext = auth_service.create_api_key(session=session, name="demo operator", role="operator")
            if not os.environ.get(PORTAL_KEY):  # the portal's submit form opens with a key of its own
                _portal, os.environ[PORTAL_KEY] = auth_service.create_api_key(
                    session=session, name="demo portal", role="app"
                )
    _print_summary(report, plaintext, host, port)
    if no_serve:
        return
    if insight:
        _start_insight()
    import uvicorn

    uvicorn.run("citybrain.web.app:create_app", factory=True, host=host, port=port, log_level="warning")


def _load_air(db: Database, report: LoadReport, *, seed: int, days: int) -> None:
    """The Demo City's air stations beside its cases (same seed and days), for the landing page's AQI panel."""
    timezone, now = db.settings.timezone, clock.utcnow()
    start = report.start or clock.city_today(timezone, now) - timedelta(days=days - 1)
    began = time.perf_counter()
    with console.status("写入 writing air stations …"), db.transaction() as session:
        stored = load_air_stations(session, seed=seed, start=start, days=days, now=now, timezone=timezone)
    console.print(
        f"空气质量 Air quality: {stored.stations} stations, {stored.imported} readings stored"
        f" ({stored.skipped} already there) in {time.perf_counter() - began:.1f} s."
    )


def load_air_stations(
    session: Session, *, seed: int, start: date, days: int, now: datetime, timezone: str
) -> ReadingsSummary:
    """The simulated air stations' hourly pollutants (``simulate_sensors``) up to ``now``, into SensorThings
    (idempotent: readings already stored are skipped); each station's Thing names its district."""
    from citybrain.sensing.bulk.readings import store_readings
    from citybrain.simulate.city import build_city
    from citybrain.simulate.sensors import simulate_sensors

    city = build_city(seed)
    sensors = simulate_sensors(city, start=start, days=days, seed=seed, zone=clock.city_zone(timezone))
    properties = {
        s.id: {"district": s.district, "district_zh": city.district(s.district).name_zh,
               "district_en": city.district(s.district).name_en, "source": "Demo City 示例市 (simulated)"}
        for s in sensors.stations
        if s.kind == "air"
    }  # fmt: skip
    return store_readings(
        session, _air_readings(sensors, now), sensor_name="Demo City air monitor", station_properties=properties
    )


def _air_readings(sensors: SensorCity, now: datetime) -> Iterator[Reading]:
    """Every air reading up to ``now`` (the simulation runs to the end of today)."""
    for series in sensors.series:
        station = sensors.station(series.station)
        if station.kind != "air":
            continue
        for moment, value in zip(series.times, series.values.tolist(), strict=True):
            if moment <= now and value == value:
                yield (station.id, station.lat, station.lon, series.quantity, series.unit, moment, value)


def _load_car_parks(db: Database, report: LoadReport, *, seed: int, days: int) -> None:
    """The Demo City's car parks beside its air stations, for the landing page's car-park panel."""
    timezone, now = db.settings.timezone, clock.utcnow()
    start = report.start or clock.city_today(timezone, now) - timedelta(days=days - 1)
    with console.status("写入 writing car parks …"), db.transaction() as session:
        stored = load_car_parks(session, seed=seed, start=start, days=days, now=now, timezone=timezone)
    flagged = sum(stored.flags.values())
    console.print(
        f"停车场 Car parks: {stored.car_parks} car parks, {stored.imported} readings stored"
        f" ({stored.skipped} already there, {flagged} marked by the fault detector)."
    )


def load_car_parks(
    session: Session, *, seed: int, start: date, days: int, now: datetime, timezone: str
) -> OccupancySummary:
    """The simulated car parks' occupancy (``simulate_sensors``) up to ``now``, into SensorThings as ``citybrain
    import parking`` stores car parks: capacity on the Datastream, every reading marked by the fault detector
    (idempotent: readings already stored are skipped); each Thing names its district."""
    from citybrain.sensing.bulk.occupancy import store_occupancy
    from citybrain.simulate.city import build_city
    from citybrain.simulate.sensors import simulate_sensors

    city = build_city(seed)
    sensors = simulate_sensors(city, start=start, days=days, seed=seed, zone=clock.city_zone(timezone))
    return store_occupancy(session, _car_parks(city, sensors, now, timezone), sensor_name="Demo City car-park counter")


def _car_parks(city: City, sensors: SensorCity, now: datetime, timezone: str) -> Iterator[CarParkSeries]:
    from citybrain.sensing.bulk.occupancy import CarParkSeries

    for series in sensors.series:
        park = sensors.station(series.station)
        if park.kind != "parking":
            continue
        district = city.district(park.district)
        kept = [(t, v) for t, v in zip(series.times, series.values.tolist(), strict=True) if t <= now and v == v]
        name_zh, name_en = f"{district.name_zh}公共停车场", f"{district.name_en} car park"
        yield CarParkSeries(
            code=park.id, name=f"{name_zh} {name_en}", lat=park.lat, lon=park.lon, capacity=park.capacity or 0,
            timezone=timezone, times=[t for t, _ in kept], occupancy=[v for _, v in kept],
            properties={"district": park.district, "district_zh": district.name_zh, "district_en": district.name_en,
                        "name_zh": name_zh, "name_en": name_en, "source": "Demo City 示例市 (simulated)"},
        )  # fmt: skip


def _start_insight() -> None:
    """Fill the landing page's insight panels: `citybrain analyze daily`'s jobs, once, beside the server."""
    console.print("洞察 Insight: computing associations, hot issues and warnings in the background (a minute or two).")
    threading.Thread(target=insight_jobs, name="demo-insight", daemon=True).start()


def insight_jobs() -> None:
    """Every nightly analysis of the registry (``insight.jobs``), once, for yesterday; a failure is printed."""
    from citybrain.insight import jobs

    with open_database() as db:
        night = jobs.Night(day=clock.city_today(db.settings.timezone) - timedelta(days=1))
        for job in jobs.NIGHTLY:
            try:
                *details, last = jobs.run_nightly(job, db, night, _note)
                for line in details:
                    console.print(line, highlight=False)
                console.print(f"洞察 Insight — {last}")
            except Exception as exc:  # noqa: BLE001 - the demo serves on whatever happens here
                console.print(f"洞察 Insight — {job} failed: {exc}")


def _note(line: str) -> None:
    err_console.print(line, highlight=False, soft_wrap=True)


class _Bars:
    """Two bars: days generated, cases written."""

    def __init__(self, days: int) -> None:
        self.days = days
        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        )

    def __enter__(self) -> tuple[Progress, TaskID, TaskID]:
        self.progress.__enter__()
        day_task = self.progress.add_task("生成 generating days", total=self.days)
        case_task = self.progress.add_task("写入 writing cases", total=None)
        return self.progress, day_task, case_task

    def __exit__(self, *exc: object) -> None:
        self.progress.__exit__(None, None, None)


def _print_summary(report: LoadReport, key: str, host: str, port: int) -> None:
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    base = f"http://{shown}:{port}"
    if report.already_loaded:
        console.print(f"Demo City (seed {report.seed}) already loaded: {report.cases} cases. Use --reset to reload.")
    else:
        console.print(
            f"Demo City 示例市 loaded (seed {report.seed}): {report.cases} cases, {report.events} events, "
            f"{report.callbacks} callbacks, {report.start} – {report.end}."
        )
        for p in report.planted:
            kinds = ", ".join(p.categories)
            console.print(f"  planted pattern 埋设模式: cell {p.cell_id}, {p.start} – {p.end}: {kinds}")
    console.print(f"首页 Landing page:      {base}/")
    console.print(f"市民门户 Citizens' portal: {base}/portal")
    console.print(f"工作台 Case desk:         {base}/desk  (sign in with the key below)")
    console.print(f"接口文档 API docs:       {base}/docs")
    console.print(f"Open311 discovery:      {base}/open311/v2/discovery.json")
    console.print("Operator API key (header X-API-Key), shown once:")
    print(key)
