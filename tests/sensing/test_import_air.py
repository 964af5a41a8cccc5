"""``citybrain import air``: Beijing multi-site files into SensorThings, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from citybrain.core.db import Database
from citybrain.core.settings import Settings
from citybrain.models import Datastream, ImportBatch, Observation, ObservedProperty, Thing
from citybrain.web.app import create_app
from tests.conftest import shared_path
from tests.intake.import_support import cli_db, report_rows
from tests.sensing.import_support import (
    BEIJING_HEADER,
    air_row,
    numbers,
    observations,
    sensor_import,
    table_counts,
    write_text,
)

__all__ = ["cli_db"]


def _small(path: Path, station: str = "Teststation", hours: int = 3) -> Path:
    rows = [air_row(1, "2017,1,1,0", "10,20,3,40,1200,50", station)]
    rows += [air_row(2, "2017,1,1,1", "NA,21,4,41,1300,51", station)]
    rows += [air_row(3, "2017,1,1,2", "12,22,5,42,1400,NA", station)]
    rows += [air_row(3 + h, f"2017,1,1,{2 + h}", "13,23,6,43,1500,53", station) for h in range(1, hours - 2)]
    return write_text(path, [BEIJING_HEADER, *rows])


def test_a_small_file_end_to_end(cli_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CITYBRAIN_TIMEZONE", "America/New_York")  # the file is Beijing time whatever the city's zone
    result = sensor_import("air", str(_small(tmp_path / "air.csv.gz")))
    assert result.exit_code == 0, result.output
    assert numbers(result.output) | {} == {
        "read": 3, "imported": 16, "present": 0, "rejected": 0, "things": 1, "datastreams": 6,
    }  # fmt: skip
    with cli_db.transaction() as session:
        thing = session.scalars(select(Thing)).one()
        assert thing.name == "Teststation"
        streams = {d.name: d for d in session.scalars(select(Datastream))}
        assert sorted(streams) == sorted(f"{p} at Teststation" for p in ("PM2.5", "PM10", "SO2", "NO2", "CO", "O3"))
        assert {d.unit_of_measurement["symbol"] for d in streams.values()} == {"µg/m³"}  # CO too, as measured
        co = streams["CO at Teststation"]
        assert co.phenomenon_time_start == datetime(2016, 12, 31, 16, tzinfo=UTC)
        assert co.phenomenon_time_end == datetime(2016, 12, 31, 18, tzinfo=UTC)
        assert sorted(p.name for p in session.scalars(select(ObservedProperty))) == sorted(
            ("PM2.5", "PM10", "SO2", "NO2", "CO", "O3")
        )
    co_readings = observations(cli_db, "CO at Teststation")
    assert [(o.phenomenon_time_start, o.result_number) for o in co_readings] == [
        (datetime(2016, 12, 31, 16, tzinfo=UTC), 1200.0),  # 00:00 in Beijing is 16:00 UTC the day before
        (datetime(2016, 12, 31, 17, tzinfo=UTC), 1300.0),
        (datetime(2016, 12, 31, 18, tzinfo=UTC), 1400.0),
    ]
    assert [o.result_number for o in observations(cli_db, "PM2.5 at Teststation")] == [10.0, 12.0]  # NA: none
    assert len(observations(cli_db, "O3 at Teststation")) == 2


def test_importing_again_adds_nothing(cli_db: Database, tmp_path: Path) -> None:
    path = _small(tmp_path / "air.csv")
    assert sensor_import("air", str(path)).exit_code == 0
    before = table_counts(cli_db)
    again = sensor_import("air", str(path))
    assert again.exit_code == 0, again.output
    assert "already imported" in again.output
    assert table_counts(cli_db) == before
    # a different file that overlaps: only the new hours are added, the stations and series are found again
    longer = sensor_import("air", str(_small(tmp_path / "longer.csv", hours=4)))
    assert longer.exit_code == 0, longer.output
    assert numbers(longer.output) | {} == {
        "read": 4, "imported": 6, "present": 16, "rejected": 0, "things": 0, "datastreams": 0,
    }  # fmt: skip
    after = table_counts(cli_db)
    assert after["Observation"] == before["Observation"] + 6
    assert (after["Thing"], after["Datastream"]) == (1, 6)


def test_a_bad_file_among_good_ones(cli_db: Database, tmp_path: Path) -> None:
    good = _small(tmp_path / "a.csv", station="Alpha")
    bad = write_text(tmp_path / "b.csv", [BEIJING_HEADER, air_row(1, "2017,1,1,0", "1,2,3,4,5,6", "Beta"), "1,2,3"])
    other = _small(tmp_path / "c.csv", station="Gamma")
    result = sensor_import("air", str(good), str(bad), str(other))
    assert result.exit_code == 2, result.output
    assert "b.csv" in result.output
    with cli_db.transaction() as session:
        assert sorted(session.scalars(select(Thing.name))) == ["Alpha", "Gamma"]
        assert sorted(session.scalars(select(ImportBatch.file_name))) == ["a.csv", "c.csv"]
    assert table_counts(cli_db)["Observation"] == 32


def test_a_missing_column_writes_nothing(cli_db: Database, tmp_path: Path) -> None:
    header = BEIJING_HEADER.replace(",O3", "").replace("station", "site")
    path = write_text(tmp_path / "noO3.csv", [header, "1,2017,1,1,0,10,20,3,40,1200,-1,1020,-20,0,NW,2,X"])
    result = sensor_import("air", str(path))
    assert result.exit_code == 2, result.output
    flat = " ".join(result.output.split())
    assert "noO3.csv: missing column(s) O3, station" in flat
    assert table_counts(cli_db) == dict.fromkeys(("Thing", "Datastream", "Observation", "Location", "ImportBatch"), 0)


def test_bad_rows_are_reported_with_their_line(cli_db: Database, tmp_path: Path) -> None:
    rows = [air_row(1, "2017,1,1,0", "10,20,3,40,1200,50"), air_row(2, "2017,2,30,1", "1,2,3,4,5,6")]
    rows += [air_row(3, "2017,1,1,2", "abc,22,5,42,1400,60"), air_row(4, "2017,1,1,3", "1,2,3,4,5,6")]
    result = sensor_import("air", str(write_text(tmp_path / "rows.csv", [BEIJING_HEADER, *rows])))
    assert result.exit_code == 0, result.output
    report = report_rows(result.output)
    assert [(r["row"], r["reason"].split(":")[0]) for r in report] == [("3", "year/month/day/hour"), ("4", "PM2.5")]
    assert numbers(result.output)["imported"] == 6 + 5 + 6


@pytest.mark.parametrize("path", ["dialect", "core"])
def test_the_observations_are_typed_on_both_databases(cli_db: Database, path: str) -> None:
    """The dialect's own insert (SQLite's driver executemany, PostgreSQL's COPY) and the portable Core multi-row
    INSERT store what the ORM reads back: an aware UTC time, a number, a JSON quality."""
    from citybrain.sensing.bulk import repository

    def insert(session: Session, rows: list[tuple[Any, ...]]) -> None:
        if path == "core":
            repository.core_insert_observations(session.connection(), rows)
        else:
            repository.insert_observations(session, rows)

    with cli_db.transaction() as session:
        thing, _ = repository.thing(session, "T", "", {})
        sensor = repository.sensor(session, "S", "", "")
        prop = repository.observed_property(session, "P", "urn:p", "")
        stream, _ = repository.datastream(
            session,
            {"name": "D", "unit_of_measurement": {}, "observation_type": "x", "thing_id": thing.id,
             "sensor_id": sensor.id, "observed_property_id": prop.id},
        )  # fmt: skip
        feature = repository.feature(session, thing.id, "T")
        at = datetime(2020, 1, 2, 3, 4, 5, tzinfo=UTC)
        insert(session, [(stream.id, feature, at, 2, 7.0, {"flag": "fail"})])
        row = session.scalars(select(Observation)).one()
        assert (row.phenomenon_time_start, row.result_number, row.result_quality) == (at, 7.0, {"flag": "fail"})


@pytest.mark.slow
def test_a_real_file(cli_db: Database) -> None:
    path = shared_path("data", "beijing_multisite_air", "PRSA_Data_Aotizhongxin_20130301-20170228.csv.gz")
    result = sensor_import("air", str(path))
    assert result.exit_code == 0, result.output
    missing = 925 + 718 + 935 + 1023 + 1776 + 1719  # PROVENANCE's NA counts
    assert numbers(result.output)["imported"] == 35064 * 6 - missing


def test_imported_readings_are_served_by_the_api(cli_db: Database, tmp_path: Path, settings: Settings) -> None:
    """What the importer writes is what a SensorThings client reads: times in UTC, the unit, a station without a
    Location whose FeatureOfInterest has no geometry."""
    assert sensor_import("air", str(_small(tmp_path / "air.csv"))).exit_code == 0
    with TestClient(create_app(settings, database=cli_db)) as client:
        streams = client.get("/sta/v1.1/Datastreams", params={"$filter": "name eq 'CO at Teststation'"}).json()
        (stream,) = streams["value"]
        assert stream["unitOfMeasurement"]["symbol"] == "µg/m³"
        path = f"/sta/v1.1/Datastreams({stream['@iot.id']})/Observations"
        query = {"$orderby": "phenomenonTime", "$top": "1", "$expand": "FeatureOfInterest"}
        response = client.get(path, params=query)
        assert response.status_code == 200, response.text
        (first,) = response.json()["value"]
    assert first["result"] == 1200.0
    assert first["phenomenonTime"].startswith("2016-12-31T16:00:00")
    assert first["FeatureOfInterest"]["name"] == "Teststation"
