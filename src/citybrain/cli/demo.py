"""``citybrain demo``: a synthetic city (示例市 / Demo City) in the configured database, and the server running."""

from __future__ import annotations

import os
import socket
import threading
import time
import urllib.request
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import typer
from rich.cells import cell_len
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from citybrain.cli import ports
from citybrain.cli.common import console, err_console, handle_errors, open_database
from citybrain.cli.demo_keys import DemoKeys, demo_keys
from citybrain.core import clock

if TYPE_CHECKING:
    import uvicorn
    from sqlalchemy.orm import Session

    from citybrain.core.db import Database
    from citybrain.sensing.bulk.occupancy import CarParkSeries, OccupancySummary
    from citybrain.sensing.bulk.readings import Reading, ReadingsSummary
    from citybrain.simulate.city import City
    from citybrain.simulate.load import LoadReport
    from citybrain.simulate.sensors import SensorCity

PORTAL_KEY = "CITYBRAIN_PORTAL_API_KEY"
INSIGHT_LOG = "demo-insight.log"  # in the data dir: what the background analyses said
WARNING_NIGHTS = 2  # the early warnings of the last two days are judged, as the nightly job would have
READY_TIMEOUT = 120.0  # seconds to wait for the server to answer before saying so
#: What the welcome lists, in order (the key comes after them, last).
URLS = (
    ("首页 Landing page", "/"),
    ("市民门户 Citizens' portal", "/portal"),
    ("工作台 Case desk", "/desk"),
    ("驾驶舱 Cockpit", "/cockpit"),
    ("大屏 Cockpit wall (1920×1080)", "/cockpit?wall=1"),
    ("接口文档 API docs", "/docs"),
    ("Open311 discovery", "/open311/v2/discovery.json"),
)


@handle_errors
def demo(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (0.0.0.0 for all)."),
    port: int = typer.Option(8311, "--port", help="TCP port (checked before anything is loaded)."),
    days: int = typer.Option(365, "--days", min=1, max=3660, help="Days of cases, ending today."),
    cases_per_day: int = typer.Option(300, "--cases-per-day", min=1, max=20000, help="Average cases a day."),
    seed: int = typer.Option(1, "--seed", help="Random seed: the same seed gives the same city and cases."),
    reset: bool = typer.Option(False, "--reset", help="Wipe a previously loaded synthetic city first."),
    no_serve: bool = typer.Option(False, "--no-serve", help="Load and print the URLs, but do not start the server."),
    insight: bool = typer.Option(
        True, "--insight/--no-insight", help="While serving, run the nightly analyses of the last days once."
    ),
) -> None:
    """Load Demo City (示例市: 8 districts, ~1 km² grid cells, a year of 12345 cases) and serve it.

    Checks that the port is free, then uses the configured database (CITYBRAIN_DATABASE_URL; default a SQLite
    file in CITYBRAIN_DATA_DIR): creates or upgrades the schema, loads the default directory, loads the city unless
    the same seed is already there, its air stations, trains and installs a classifier on the loaded cases (unless a
    model file is there), lets intake read the messages of the last two days, and serves. Once the server answers
    it prints the URLs, the demo account to sign in with at /signin (user name demo, an administrator) and, last,
    the operator API key — the same on every start (kept in <data dir>/demo-keys.json, 0600). The citizens'
    portal gets an app key of its own for its submit form (unless CITYBRAIN_PORTAL_API_KEY is set). Example:

        citybrain demo --days 90 --cases-per-day 100 --port 8311
    """
    sock = None if no_serve else ports.reserve(host, port)  # a taken port fails here, before any loading
    try:
        with open_database() as db:
            _load(db, seed=seed, days=days, cases_per_day=cases_per_day, reset=reset)
            keys = demo_keys(db, portal=not os.environ.get(PORTAL_KEY))
            log = db.settings.data_dir / INSIGHT_LOG
        if keys.portal:  # the portal's submit form opens with a key of its own
            os.environ[PORTAL_KEY] = keys.portal
        _print_keys(keys)
        if sock is None:
            _print_welcome(host, port, keys, insight=None, serving=False)
            return
        _serve(sock, host, port, keys, log if insight else None)
    finally:
        if sock is not None:
            sock.close()


def _load(db: Database, *, seed: int, days: int, cases_per_day: int, reset: bool) -> None:
    """Schema, directory, the city's cases and air stations, the classifier and the messages just in."""
    from citybrain.cli import demo_content
    from citybrain.core import migrate
    from citybrain.directory.defaults import load_defaults
    from citybrain.simulate.load import load_city

    with console.status("数据库 preparing the database (schema, directory) …"):
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
    _print_loaded(report)
    _load_air(db, report, seed=seed, days=days)
    _load_car_parks(db, report, seed=seed, days=days)
    _load_grid(db, seed=seed, days=min(days, GRID_DAYS))
    demo_content.install_classifier(db, city_loaded=not report.already_loaded)
    demo_content.submit_fresh(db, seed=seed)


#: Days of grid patrols the demo loads (each inspection goes through the intake, so fewer than the cases' days).
GRID_DAYS = 14


def _load_grid(db: Database, *, seed: int, days: int) -> None:
    """The Demo City's grid, its workers and their patrols (docs/grid.md)."""
    from citybrain.cli.grid import _print_patrols, _simulate

    with console.status("网格 writing the grid, its workers and their patrols …"), db.transaction() as session:
        report = _simulate(session, seed=seed, days=days, now=clock.utcnow(), timezone=db.settings.timezone)
    _print_patrols(report)


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


def _serve(sock: socket.socket, host: str, port: int, key: DemoKeys, insight_log: Path | None) -> None:
    """Serve on the socket reserved at the start; the URLs and the key are printed once the server answers."""
    import uvicorn

    config = uvicorn.Config(
        "citybrain.web.app:create_app", factory=True, host=host, port=port, log_level="warning", access_log=False
    )
    server = uvicorn.Server(config)
    url = _base_url(host, port)
    console.print(f"启动 starting the server on {url}/ …")
    threading.Thread(
        target=_when_ready, args=(url, server, host, port, key, insight_log), name="demo-ready", daemon=True
    ).start()
    server.run(sockets=[sock])


def _when_ready(
    url: str, server: uvicorn.Server, host: str, port: int, key: DemoKeys, insight_log: Path | None
) -> None:
    """Poll the landing page until it answers, then print the welcome (the key last) and start the insight."""
    deadline: float | None = time.monotonic() + READY_TIMEOUT
    while not _answers(url + "/"):
        if server.should_exit:
            return
        if deadline is not None and time.monotonic() > deadline:
            err_console.print(f"the server has not answered {url}/ within {READY_TIMEOUT:.0f} s; still trying")
            deadline = None
        time.sleep(0.2)
    if insight_log is not None:
        threading.Thread(target=insight_jobs, args=(insight_log,), name="demo-insight", daemon=True).start()
    _print_welcome(host, port, key, insight=insight_log, serving=True)


def _answers(url: str) -> bool:
    """Does our own server answer 200? Asked directly, whatever http_proxy says."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=5) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def insight_jobs(log: Path, nights: int = WARNING_NIGHTS) -> None:
    """The nightly analyses (``insight.jobs``) as cron would have run them on the last ``nights`` nights: the
    warnings of each day (oldest first, so an alert of the fresh burst is raised, then grows), then associations and
    hot issues once. What they say goes to ``log`` (the console's last line stays the key); a failure is logged."""
    from citybrain.insight import jobs

    with log.open("a", encoding="utf-8") as out, open_database() as db:
        today = clock.city_today(db.settings.timezone)
        per_day = [j for j in jobs.NIGHTLY if jobs.get(j).stores == "alerts"]
        runs = [(today - timedelta(days=n), j) for n in range(nights, 0, -1) for j in per_day]
        runs += [(today - timedelta(days=1), j) for j in jobs.NIGHTLY if j not in per_day]
        for day, job in runs:
            try:
                for line in jobs.run_nightly(job, db, jobs.Night(day=day), lambda line: _log(out, line)):
                    _log(out, f"{day} {job}: {line}")
            except Exception as exc:  # noqa: BLE001 - the demo serves on whatever happens here
                _log(out, f"{day} {job} failed: {exc!r}")
        _log(out, "done")


def _log(out: TextIO, line: str) -> None:
    out.write(f"{clock.utcnow():%Y-%m-%d %H:%M:%S}Z {line}\n")
    out.flush()


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


def _base_url(host: str, port: int) -> str:
    shown = {"0.0.0.0": "127.0.0.1", "::": "[::1]", "": "127.0.0.1"}.get(host, f"[{host}]" if ":" in host else host)
    return f"http://{shown}:{port}"


def _print_loaded(report: LoadReport) -> None:
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


def _print_keys(keys: DemoKeys) -> None:
    if keys.reused:
        console.print(f"密钥 Keys: the demo's keys of the last start (kept in {keys.path}, owner-only).")
    else:
        revoked = f"; {keys.revoked} older demo key(s) revoked" if keys.revoked else ""
        console.print(f"密钥 Keys: new demo keys, kept in {keys.path} (owner-only) for the next start{revoked}.")


def _print_welcome(host: str, port: int, keys: DemoKeys, *, insight: Path | None, serving: bool) -> None:
    """The URLs, the demo account to sign in with, then the operator key as the very last line (README: "the last
    line printed")."""
    base = _base_url(host, port)
    if insight is not None:
        console.print(
            f"洞察 Insight: the nightly analyses of the last {WARNING_NIGHTS} days run in the background (a minute or "
            f"two; log: {insight}); the landing page's panels and the desk's alerts fill in when they finish."
        )
    for label, path in URLS:
        console.print(f"{label}{' ' * max(1, 26 - cell_len(label))}{base}{path}", highlight=False, soft_wrap=True)
    stop = "Stop the server with Ctrl+C. " if serving else ""
    console.print(f"{stop}Sign in at {base}/signin (desk, cockpit, admin) — 登录账号 account:", highlight=False)
    console.print(f"  用户名 user name: {keys.username}   密码 password: {keys.password}", highlight=False)
    console.print("Operator API key (for scripts and curl: header X-API-Key for /api/v1):")
    print(keys.operator, flush=True)
