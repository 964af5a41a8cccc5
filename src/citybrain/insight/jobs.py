"""The registry of analyses: every stored insight is one :class:`Analysis`, run as open → count → judge → store.

- **open**: the cases as the DuckDB view ``cases`` — a file (``analytics.io.open_file``) or the live database
  (``cases.repository.case_table`` → ``analytics.io.register``, in ``insight.source``);
- **count**: ``analytics.counting`` (portable SQL over that view);
- **judge**: the pure statistics of ``analytics``;
- **store**: one transaction opened here (a run through ``insight.service.save``, or alerts through
  ``alerts.service.record_day``), with notifications sent after its commit (``alerts.tasks.deliver``).

``citybrain analyze daily``, ``citybrain demo`` and the ``analyze`` commands loop over :data:`ANALYSES` or call
its steps. Reply quality is registered on the reports side (``reports.jobs.REPLIES``): it reads replies with the
reports domain's SQL and dates, and insight stays below reports (reports may import insight, never the reverse).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from citybrain.core import clock
from citybrain.core.db import Database
from citybrain.insight.service import RunRecord, save

Note = Callable[[str], None]


@dataclass(frozen=True)
class Night:
    """What one night's run is told: the day the warnings judge and how far back the other analyses look."""

    day: date
    association_days: int = 180
    hot_days: int = 30
    link_days: int = 365
    topic_days: int = 730


@dataclass(frozen=True)
class Analysis:
    """One analysis: its command name (``citybrain analyze NAME``, ``--only NAME``), what it stores, and how it
    runs on the live database at night (``None``: only on demand). ``nightly`` returns what was stored, as lines
    for the operator, the last one the summary; it may tell ``note`` about what it left out (stderr)."""

    name: str
    stores: str  # the run kind it stores, or "alerts"
    title: str
    nightly: Callable[[Database, Night, Note], list[str]] | None = None


def store(database: Database, record: RunRecord) -> int:
    """Store a finished analysis as a run in one transaction of its own; returns the run id."""
    with database.transaction() as session:
        return save(session, record)


def _associations(database: Database, night: Night, note: Note) -> list[str]:
    from citybrain.analytics.associations.analysis import AssociationParams
    from citybrain.insight import associations

    since = clock.utcnow() - timedelta(days=night.association_days)
    result, source = associations.from_database(
        database, AssociationParams(timezone=database.settings.timezone), since=since
    )
    run_id = store(database, associations.rules_record(result, f"{source} (last {night.association_days} days)"))
    return [f"associations: {len(result.rules)} rule(s) stored as run {run_id}"]


def _hot_issues(database: Database, night: Night, note: Note) -> list[str]:
    from citybrain.insight.hot_issues import run_hot_issues

    board, run_id = run_hot_issues(database, days=night.hot_days, timezone=database.settings.timezone)
    return [f"hot issues: {len(board.issues)} issue(s) from {board.n_messages} message(s) stored as run {run_id}"]


def _topics(database: Database, night: Night, note: Note) -> list[str]:
    from citybrain.insight.topics import run_topics

    document, run_id = run_topics(database, days=night.topic_days, timezone=database.settings.timezone)
    found, rising = len(document["topics"]), len(document["rising"])
    return [f"topics: {found} topic(s), {rising} rising in {document['month']}, stored as run {run_id}"]


def _warnings(database: Database, night: Night, note: Note) -> list[str]:
    from citybrain.analytics.warning_options import WarningOptions
    from citybrain.insight import warnings

    found, lines = warnings.judge_and_store(database, day=night.day, options=WarningOptions(), note=note)
    return [*lines, f"warnings for {found.as_of}: {len(warnings.signals(found))} signal(s)"]


def _sensors(database: Database, night: Night, note: Note) -> list[str]:
    from citybrain.insight import sensors

    _, lines = sensors.judge_and_store(database, day=night.day)
    return lines


def _sensor_links(database: Database, night: Night, note: Note) -> list[str]:
    from citybrain.analytics.sensor_links.analysis import LinkParams
    from citybrain.insight import sensor_links

    timezone = database.settings.timezone
    since = night.day - timedelta(days=night.link_days - 1)
    job = sensor_links.SensorJob(None, LinkParams(), timezone, since=since, until=night.day)
    try:
        result, source = sensor_links.from_database(database, job)
    except sensor_links.NoStoredSensors as exc:
        return [f"sensors-vs-cases: nothing stored — {exc}"]
    run_id = store(database, sensor_links.links_record(result, f"{source} (last {night.link_days} days)", job))
    return [f"sensors-vs-cases: {len(result.links)} link(s) from {result.tests:,} tests stored as run {run_id}"]


# The steps import the statistics when they run: `citybrain --help` and the web app's start-up stay light.
ANALYSES = (
    Analysis("associations", "associations", "categories reported together in one place and week", _associations),
    Analysis("hot-issues", "hot_issues", "one problem at one place, ranked by heat", _hot_issues),
    Analysis("topics", "topics", "what citizens write about, month by month, and which topics rose", _topics),
    Analysis("warnings", "alerts", "temporal detectors and the space-time scan for one day", _warnings),
    Analysis(
        "sensors", "alerts", "air levels, temporal detectors on daily means and sensor faults for one day", _sensors
    ),
    Analysis(
        "sensors-vs-cases",
        "sensor_links",
        "complaints that follow the stored sensors in their district",
        _sensor_links,
    ),  # fmt: skip
    # On demand only (`citybrain analyze blind-zones` over the stored collision records): the step lives in
    # scenarios.traffic_safety, above insight, which stores its run as kind blind_zones through ``store``.
    Analysis("blind-zones", "blind_zones", "intersections where large vehicles turning hurt people (右转盲区)"),
)
NIGHTLY = tuple(a.name for a in ANALYSES if a.nightly is not None)


def get(name: str) -> Analysis:
    return next(a for a in ANALYSES if a.name == name)


def run_nightly(name: str, database: Database, night: Night, note: Note) -> list[str]:
    """Run one nightly analysis on the live database and store its result; what was stored, as lines."""
    nightly = get(name).nightly
    assert nightly is not None
    return nightly(database, night, note)
