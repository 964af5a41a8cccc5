"""Sensors joined to complaints as a job: open the cases and the sensor file, count both per district and local
day (``analytics.counting``), judge the links (``analytics.sensor_links``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from citybrain.analytics import io
from citybrain.analytics.counting import sensors as sensor_days
from citybrain.analytics.counting.series import daily_counts
from citybrain.analytics.sensor_links.analysis import LinkParams, LinkResult, find_links
from citybrain.core.db import Database
from citybrain.core.errors import InvalidInput
from citybrain.insight.source import open_database

#: odour, dust, smoke, noise, air: the complaints a sensor could hear (category code prefixes)
SENSED_CATEGORIES = ("environment.air", "construction.site.dust", "noise")


@dataclass(frozen=True)
class SensorJob:
    sensors: Path
    params: LinkParams
    timezone: str
    since: date | None = None
    until: date | None = None
    categories: tuple[str, ...] = SENSED_CATEGORIES


def from_file(cases: Path, job: SensorJob) -> tuple[LinkResult, str]:
    con = io.connect()
    try:
        source = io.open_file(con, cases, timezone=job.timezone).source
        return _judge(con, job), source
    finally:
        con.close()


def from_database(database: Database, job: SensorJob) -> tuple[LinkResult, str]:
    con = io.connect()
    try:
        source = open_database(con, database).source
        return _judge(con, job), source
    finally:
        con.close()


def _judge(con: duckdb.DuckDBPyConnection, job: SensorJob) -> LinkResult:
    readings = sensor_days.district_days(con, job.sensors, timezone=job.timezone)
    first = max(job.since or readings.first_day, readings.first_day)
    last = min(job.until or sensor_days.last_day(readings), sensor_days.last_day(readings))
    if first > last:
        raise InvalidInput(f"{job.sensors}: no reading between {job.since} and {job.until}")
    series = daily_counts(con, by=("district", "category"), timezone=job.timezone, as_of=last, since=first)
    if series.first_day > last or series.counts.shape[1] < 2:
        raise InvalidInput(f"no case on the sensor file's days ({first} … {last})")
    districts = {k[0] for k in series.keys}
    unknown = sorted({d for d, _ in readings.keys} - districts)
    if unknown:
        raise InvalidInput(
            f"{job.sensors}: district(s) {', '.join(unknown)} have no case; sensors and cases must share districts"
        )
    wanted = [i for i, (_, c) in enumerate(series.keys) if any(c == p or c.startswith(p + ".") for p in job.categories)]
    if not wanted:
        raise InvalidInput(f"no case of the sensed categories ({', '.join(job.categories)}) between {first} and {last}")
    counts = series.counts[wanted]
    keys = [(series.keys[i][0], series.keys[i][1]) for i in wanted]
    values = sensor_days.window(readings, series.first_day, counts.shape[1])
    return find_links(counts, keys, values, readings.keys, series.first_day, job.params)
