"""All SQL of the sensor-file importers: the import record, find-or-create of the entities a file names, the
readings already stored, and the fast insert of Observations.

Dialect-neutral except the two fast inserts of Observations, each in its named function: SQLite's driver
``executemany`` (:func:`_sqlite_insert_observations`) and PostgreSQL's ``COPY``
(:func:`_postgresql_copy_observations`), on the import's own connection and transaction;
:func:`core_insert_observations` is the portable path. Aggregates over stored readings skip flagged ones
(:func:`usable`, :func:`mean_result`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Table, func, insert, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from citybrain.models import (
    Datastream,
    FeatureOfInterest,
    ImportBatch,
    Location,
    Observation,
    ObservedProperty,
    Sensor,
    Thing,
)
from citybrain.sensing import repository as sta

_OBSERVATIONS: Table = Observation.__table__  # type: ignore[assignment]
#: The columns an imported Observation fills, in the order of every parameter tuple.
OBSERVATION_COLUMNS = (
    "datastream_id",
    "feature_of_interest_id",
    "phenomenon_time_start",
    "result_type",
    "result_number",
    "result_quality",
)
_SQLITE_INSERT = (
    f"INSERT INTO sta_observations ({', '.join(OBSERVATION_COLUMNS)}) "  # noqa: S608 - fixed names
    f"VALUES ({', '.join('?' * len(OBSERVATION_COLUMNS))})"
)
_CORE_ROWS_PER_STATEMENT = 1000


@contextmanager
def sqlite_cache(session: Session) -> Iterator[None]:
    """SQLite only: a 64 MiB page cache while one file is written (the (datastream, time) index of millions of
    readings no longer fits the default 2 MiB), restored afterwards. Durability settings are not touched."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        yield
        return
    previous = connection.exec_driver_sql("PRAGMA cache_size").scalar()
    connection.exec_driver_sql("PRAGMA cache_size=-65536")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA cache_size={int(previous or -2000)}")


def find_batch(session: Session, *, kind: str, sha256: str) -> ImportBatch | None:
    statement = select(ImportBatch).where(ImportBatch.kind == kind, ImportBatch.file_sha256 == sha256)
    return session.scalars(statement).first()


def create_batch(session: Session, *, kind: str, file_name: str, sha256: str, started_at: datetime) -> ImportBatch:
    batch = ImportBatch(kind=kind, file_name=file_name[:500], file_sha256=sha256, started_at=started_at)
    session.add(batch)
    session.flush()
    return batch


def _first(session: Session, statement: Any) -> Any:
    return session.scalars(statement.limit(1)).first()


def thing(session: Session, name: str, description: str, properties: dict[str, Any]) -> tuple[Thing, bool]:
    """The Thing of that name (the oldest if several), or a new one; and whether it was created."""
    found = _first(session, select(Thing).where(Thing.name == name).order_by(Thing.id))
    if found is not None:
        return found, False
    return sta.add(session, Thing(name=name, description=description, properties=properties)), True


def sensor(session: Session, name: str, description: str, metadata: str) -> Sensor:
    found = _first(session, select(Sensor).where(Sensor.name == name).order_by(Sensor.id))
    if found is not None:
        return found  # type: ignore[no-any-return]
    row = Sensor(name=name, description=description, encoding_type="text/html", sensor_metadata=metadata)
    return sta.add(session, row)  # type: ignore[no-any-return]


def observed_property(session: Session, name: str, definition: str, description: str) -> ObservedProperty:
    statement = select(ObservedProperty).where(ObservedProperty.name == name, ObservedProperty.definition == definition)
    found = _first(session, statement.order_by(ObservedProperty.id))
    if found is not None:
        return found  # type: ignore[no-any-return]
    return sta.add(session, ObservedProperty(name=name, definition=definition, description=description))  # type: ignore[no-any-return]


def datastream(session: Session, values: dict[str, Any]) -> tuple[Datastream, bool]:
    """The Thing's Datastream of that name, or a new one from ``values``; and whether it was created."""
    statement = select(Datastream).where(Datastream.thing_id == values["thing_id"], Datastream.name == values["name"])
    found = _first(session, statement.order_by(Datastream.id))
    if found is not None:
        return found, False
    return sta.add(session, Datastream(**values)), True


def place(session: Session, thing_id: int, name: str, lon: float, lat: float, now: datetime) -> int:
    """The Thing's Location at (lon, lat), set when it has none or another; its id."""
    current = sta.first_location(session, thing_id)
    if current is not None and current.lon == lon and current.lat == lat:
        return int(current.id)
    point = {"type": "Point", "coordinates": [lon, lat]}
    location = Location(
        name=name, description="", encoding_type="application/geo+json", location=point, lat=lat, lon=lon
    )
    sta.add(session, location)
    sta.set_thing_locations(session, thing_id, [location.id], now)
    return int(location.id)


def feature(session: Session, thing_id: int, name: str) -> int:
    """The FeatureOfInterest of the Thing's readings: its Location's (made on first use, as the API makes it), or
    — for a Thing without a Location — one named after the Thing with no geometry, found again by that name."""
    location = sta.first_location(session, thing_id)
    if location is not None:
        found = sta.feature_for_location(session, location.id)
        if found is not None:
            return found
        row = FeatureOfInterest(
            name=location.name,
            description=location.description,
            encoding_type=location.encoding_type,
            feature=location.location,
            lat=location.lat,
            lon=location.lon,
            location_id=location.id,
        )
        return int(sta.add(session, row).id)
    statement = select(FeatureOfInterest.id).where(
        FeatureOfInterest.name == name, FeatureOfInterest.location_id.is_(None), FeatureOfInterest.feature.is_(None)
    )
    found_id = session.scalar(statement.order_by(FeatureOfInterest.id).limit(1))
    if found_id is not None:
        return int(found_id)
    row = FeatureOfInterest(
        name=name,
        description=f"the place of {name} (the file gives no coordinates)",
        encoding_type="application/geo+json",
        feature=None,
    )
    return int(sta.add(session, row).id)


def stored_times(session: Session, datastream_id: int, first: datetime, last: datetime, before_id: int) -> set[int]:
    """Seconds since 1970 of the Datastream's Observations between ``first`` and ``last`` with an id up to
    ``before_id`` (one range scan of the (datastream, time) index): readings stored before this import began."""
    statement = select(Observation.phenomenon_time_start).where(
        Observation.datastream_id == datastream_id,
        Observation.id <= before_id,
        Observation.phenomenon_time_start >= first,
        Observation.phenomenon_time_start <= last,
    )
    return {int(t.timestamp()) for t in session.scalars(statement)}


def insert_observations(session: Session, rows: Sequence[tuple[Any, ...]]) -> None:
    """Observations as parameter tuples in ``OBSERVATION_COLUMNS`` order, times aware UTC, quality a dict or None.

    SQLite: :func:`_sqlite_insert_observations`; PostgreSQL: :func:`_postgresql_copy_observations`; any other
    database: Core multi-row ``INSERT … VALUES (…), (…)`` statements.
    """
    if not rows:
        return
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        _sqlite_insert_observations(connection, rows)
        return
    if connection.dialect.name == "postgresql" and connection.dialect.driver == "psycopg":
        _postgresql_copy_observations(connection, rows)
        return
    core_insert_observations(connection, rows)


def core_insert_observations(connection: Connection, rows: Sequence[tuple[Any, ...]]) -> None:
    """Any database: Core multi-row ``INSERT … VALUES (…), (…)`` of 1,000 rows each."""
    for start in range(0, len(rows), _CORE_ROWS_PER_STATEMENT):
        chunk = rows[start : start + _CORE_ROWS_PER_STATEMENT]
        values = [dict(zip(OBSERVATION_COLUMNS, row, strict=True)) for row in chunk]
        connection.execute(insert(_OBSERVATIONS).values(values))


def _sqlite_insert_observations(connection: Connection, rows: Sequence[tuple[Any, ...]]) -> None:
    """SQLite only: the driver's executemany on the raw connection of the same transaction, with the values in the
    form the column types store (UTC times as naive ``YYYY-MM-DD HH:MM:SS.ffffff`` text, JSON as text)."""
    params = [
        (
            d,
            f,
            _sqlite_time(t),
            kind,
            number,
            None if quality is None else json.dumps(quality, ensure_ascii=False),
        )
        for d, f, t, kind, number, quality in rows
    ]
    connection.exec_driver_sql(_SQLITE_INSERT, params)


def _postgresql_copy_observations(connection: Connection, rows: Sequence[tuple[Any, ...]]) -> None:
    """PostgreSQL (psycopg 3) only: ``COPY … FROM STDIN`` on the import's own connection and transaction.

    A 1,000-row ``INSERT … VALUES`` costs SQLAlchemy more to build than the server to run (under 10,000 rows/s);
    COPY streams the rows as they are. Times go as ISO 8601 text with their offset, quality as JSON text."""
    columns = ", ".join(OBSERVATION_COLUMNS)
    cursor: Any = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        with cursor.copy(f"COPY sta_observations ({columns}) FROM STDIN") as copy:
            for d, f, t, kind, number, quality in rows:
                text = None if quality is None else json.dumps(quality, ensure_ascii=False)
                copy.write_row((d, f, _postgresql_time(t), kind, number, text))
    finally:
        cursor.close()


@lru_cache(maxsize=1 << 16)
def _postgresql_time(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


@lru_cache(maxsize=1 << 16)  # readings share their times (six pollutants an hour, many stations)
def _sqlite_time(value: datetime) -> str:
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def usable() -> ColumnElement[bool]:
    """Readings an aggregate may use: never judged (no ``resultQuality`` flag) or judged ``pass``.

    Readings flagged suspect, fail or missing (QARTOD 3, 4, 9 — a duplicate, a count above capacity or below zero,
    a stuck value …) stay stored and visible, but no mean, sum or count of values computed from stored
    Observations may include them.
    """
    flag = Observation.result_quality["flag"].as_string()
    return or_(flag.is_(None), flag == "pass")


def mean_result(session: Session, datastream_id: int, first: datetime, last: datetime) -> tuple[float | None, int]:
    """The mean of a Datastream's usable numeric results in [first, last), and how many readings it is over."""
    statement = select(func.avg(Observation.result_number), func.count(Observation.result_number)).where(
        Observation.datastream_id == datastream_id,
        Observation.phenomenon_time_start >= first,
        Observation.phenomenon_time_start < last,
        usable(),
    )
    mean, n = session.execute(statement).one()
    return (None if mean is None else float(mean)), int(n)
