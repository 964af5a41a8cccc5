"""Sensors joined to complaints as a job: open the cases and the sensor readings — a sensor file, or the stored
SensorThings Datastreams of every Thing that names its district (``sensing.district_readings``) — count both per
district and local day (``analytics.counting``), judge the links (``analytics.sensor_links``), and keep them as a
run of kind ``sensor_links``."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path

import duckdb

from citybrain.analytics import io
from citybrain.analytics.counting import sensors as sensor_days
from citybrain.analytics.counting.series import daily_counts
from citybrain.analytics.sensor_links.analysis import LinkParams, LinkResult, find_links
from citybrain.core import clock
from citybrain.core.db import Database
from citybrain.core.errors import InvalidInput
from citybrain.insight.service import ResultItem, RunRecord
from citybrain.insight.source import open_database
from citybrain.sensing.district_readings import district_readings

KIND = "sensor_links"
STORED = "stored SensorThings Datastreams"
#: odour, dust, smoke, noise, air: the complaints a sensor could hear (category code prefixes)
SENSED_CATEGORIES = ("environment.air", "construction.site.dust", "noise")


class NoStoredSensors(InvalidInput):
    """No stored reading of a Thing that names its district: nothing to join the complaints to."""


@dataclass(frozen=True)
class SensorJob:
    sensors: Path | None  # None: the stored Datastreams
    params: LinkParams
    timezone: str
    since: date | None = None
    until: date | None = None
    categories: tuple[str, ...] = SENSED_CATEGORIES

    @property
    def sensor_source(self) -> str:
        return STORED if self.sensors is None else str(self.sensors)


def from_file(cases: Path, job: SensorJob, database: Database | None = None) -> tuple[LinkResult, str]:
    """The links of a case file's complaints; the sensors from ``job.sensors`` or, without it, ``database``.

    Always on DuckDB: the sensors' readings are read and joined there (CITYBRAIN_ENGINE covers the case counts)."""
    con = io.connect(engine="duckdb")
    try:
        source = io.open_file(con, cases, timezone=job.timezone).source
        return _judge(con, job, _readings(con, job, database)), source
    finally:
        con.close()


def from_database(database: Database, job: SensorJob) -> tuple[LinkResult, str]:
    """The links of the live database's complaints; the sensors from ``job.sensors`` or the stored Datastreams (on
    DuckDB, as :func:`from_file`)."""
    con = io.connect(engine="duckdb")
    try:
        source = open_database(con, database).source
        return _judge(con, job, _readings(con, job, database)), source
    finally:
        con.close()


@dataclass(frozen=True)
class _Readings:
    days: sensor_days.DistrictDays
    stored: bool


def _readings(con: duckdb.DuckDBPyConnection, job: SensorJob, database: Database | None) -> _Readings:
    if job.sensors is not None:
        return _Readings(sensor_days.district_days(con, job.sensors, timezone=job.timezone), stored=False)
    if database is None:
        raise InvalidInput("no sensor file given and no database to read stored sensors from")
    start = None if job.since is None else clock.local_midnight_utc(job.since, job.timezone)
    end = None if job.until is None else clock.local_midnight_utc(job.until + timedelta(days=1), job.timezone)
    with database.reading() as session:
        stored = district_readings(session, start=start, end=end)
    if stored.table.num_rows == 0:
        raise NoStoredSensors(
            f"no stored sensor reading of a Thing that names its district ({stored.datastreams} such Datastream(s)"
            f"{', every reading flagged' if stored.left_out else ''}); give --sensors FILE, or load readings "
            "(citybrain demo)"
        )
    return _Readings(sensor_days.table_district_days(con, stored.table, timezone=job.timezone, label=STORED), True)


def _judge(con: duckdb.DuckDBPyConnection, job: SensorJob, found: _Readings) -> LinkResult:
    readings, label = found.days, job.sensor_source
    first = max(job.since or readings.first_day, readings.first_day)
    last = min(job.until or sensor_days.last_day(readings), sensor_days.last_day(readings))
    if first > last:
        raise InvalidInput(f"{label}: no reading between {job.since} and {job.until}")
    series = daily_counts(con, by=("district", "category"), timezone=job.timezone, as_of=last, since=first)
    if series.first_day > last or series.counts.shape[1] < 2:
        raise InvalidInput(f"no case on the sensors' days ({first} … {last})")
    districts = {k[0] for k in series.keys}
    unknown = sorted({d for d, _ in readings.keys} - districts)
    if unknown and not found.stored:
        raise InvalidInput(
            f"{label}: district(s) {', '.join(unknown)} have no case; sensors and cases must share districts"
        )
    wanted = [i for i, (_, c) in enumerate(series.keys) if any(c == p or c.startswith(p + ".") for p in job.categories)]
    if not wanted:
        raise InvalidInput(f"no case of the sensed categories ({', '.join(job.categories)}) between {first} and {last}")
    counts = series.counts[wanted]
    keys = [(series.keys[i][0], series.keys[i][1]) for i in wanted]
    shared = [j for j, (d, _) in enumerate(readings.keys) if d in districts]  # stored: districts without cases wait
    values = sensor_days.window(readings, series.first_day, counts.shape[1])[shared]
    result = find_links(counts, keys, values, [readings.keys[j] for j in shared], series.first_day, job.params)
    if unknown:
        return replace(result, skipped=result.skipped | {"sensor_districts_without_cases": len(unknown)})
    return result


def links_record(result: LinkResult, source: str, job: SensorJob) -> RunRecord:
    """The links as a run (kind ``sensor_links``): one item per link, most significant first, scored by its rate
    ratio; the summary says how many tests ran over how many days, and what was skipped."""
    document = result.to_json()
    items = [
        ResultItem(key=f"{link['district']} {link['category']} ~ {link['quantity']} lag {link['lag']}",
                   score=link["rate_ratio"], payload=link)
        for link in document["links"]
    ]  # fmt: skip
    params = document["params"] | {"sensors": job.sensor_source, "categories": list(job.categories)}
    summary = {k: document[k] for k in ("first_day", "days", "tests", "skipped")} | {"links": len(items)}
    return RunRecord(kind=KIND, source=source, params=params, summary=summary, items=items)
