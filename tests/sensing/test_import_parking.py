"""``citybrain import parking``: Birmingham car parks into SensorThings, every reading kept and its quality marked,
flagged readings out of means — on both databases."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select

from citybrain.core.db import Database
from citybrain.models import Datastream, Location, Observation, Thing
from citybrain.sensing.bulk import repository
from tests.conftest import shared_path
from tests.intake.import_support import cli_db
from tests.sensing.import_support import PARKING_HEADER, numbers, observations, sensor_import, table_counts, write_text

__all__ = ["cli_db"]

SNAPSHOT = (
    "SystemCodeNumber, Capacity, ShortDescription, Easting, geom\n"
    'PARK1,100, Test Multistorey,1.0,"{""type"":""Point"",""coordinates"":[-1.9,52.48]}"\n'
)


def _small(path: Path) -> Path:
    lines = [
        PARKING_HEADER,
        "PARK1,100,40,2016-10-04 08:00:00",  # BST: 07:00 UTC
        "PARK1,100,50,2016-10-04 08:30:00",
        "PARK1,100,50,2016-10-04 08:30:00",  # an exact duplicate: kept, fails
        "PARK1,100,130,2016-10-04 09:00:00",  # above capacity: kept, suspect
        "PARK1,100,-5,2016-10-04 09:30:00",  # below zero: kept, fails
        "PARK1,100,60,2016-12-01 08:00:00",  # GMT: 08:00 UTC
    ]
    return write_text(path, lines)


def test_a_small_file_end_to_end(cli_db: Database, tmp_path: Path) -> None:
    snapshot = tmp_path / "snapshot.csv"
    snapshot.write_text(SNAPSHOT, encoding="utf-8")
    result = sensor_import("parking", str(_small(tmp_path / "p.csv")), "--metadata", str(snapshot))
    assert result.exit_code == 0, result.output
    assert numbers(result.output) | {} == {
        "read": 6, "imported": 6, "present": 0, "rejected": 0, "things": 1, "datastreams": 1,
    }  # fmt: skip
    with cli_db.transaction() as session:
        assert session.scalars(select(Thing.name)).one() == "PARK1"
        stream = session.scalars(select(Datastream)).one()
        assert stream.name == "occupancy"
        assert stream.properties == {"capacity": 100, "code": "PARK1"}
        assert stream.unit_of_measurement["name"] == "vehicle"
        assert stream.observation_type.endswith("OM_CountObservation")
        location = session.scalars(select(Location)).one()
        assert (location.name, location.lon, location.lat) == ("Test Multistorey", -1.9, 52.48)
    readings = observations(cli_db, "occupancy")
    assert [o.phenomenon_time_start for o in readings][::5] == [
        datetime(2016, 10, 4, 7, tzinfo=UTC),
        datetime(2016, 12, 1, 8, tzinfo=UTC),
    ]
    flags = [(o.result_number, o.result_quality["flag"], o.result_quality.get("fault")) for o in readings]
    assert flags == [
        (40.0, "pass", None),
        (50.0, "pass", None),
        (50.0, "fail", "duplicate"),
        (130.0, "suspect", "over_capacity"),
        (-5.0, "fail", "negative"),
        (60.0, "pass", None),
    ]


def test_flagged_readings_stay_out_of_the_mean(cli_db: Database, tmp_path: Path) -> None:
    assert sensor_import("parking", str(_small(tmp_path / "p.csv"))).exit_code == 0
    with cli_db.transaction() as session:
        stream_id = session.scalars(select(Datastream.id)).one()
        everything = session.scalar(select(func.avg(Observation.result_number)))
        mean, n = repository.mean_result(
            session, stream_id, datetime(2016, 10, 1, tzinfo=UTC), datetime(2017, 1, 1, tzinfo=UTC)
        )
    assert (mean, n) == (50.0, 3)  # 40, 50, 60 — not the copy, not 130, not −5
    assert everything is not None
    assert abs(float(everything) - 325 / 6) < 1e-9


def test_importing_again_adds_nothing(cli_db: Database, tmp_path: Path) -> None:
    path = _small(tmp_path / "p.csv")
    assert sensor_import("parking", str(path)).exit_code == 0
    before = table_counts(cli_db)
    again = sensor_import("parking", str(path))
    assert again.exit_code == 0, again.output
    assert "already imported" in again.output
    assert table_counts(cli_db) == before


def test_a_missing_column_writes_nothing(cli_db: Database, tmp_path: Path) -> None:
    path = write_text(tmp_path / "p.csv", ["SystemCodeNumber,Occupancy,LastUpdated", "PARK1,40,2016-10-04 08:00:00"])
    result = sensor_import("parking", str(path))
    assert result.exit_code == 2, result.output
    assert "p.csv: missing column(s) Capacity" in " ".join(result.output.split())
    assert set(table_counts(cli_db).values()) == {0}


def test_the_real_file_s_faults_are_marked(cli_db: Database) -> None:
    folder = ("data", "birmingham_parking")
    path = shared_path(*folder, "parking_birmingham_uci_dataset.csv.gz")
    snapshot = shared_path(*folder, "carpark_metadata_snapshot_2017-04-28.csv")
    result = sensor_import("parking", str(path), "--metadata", str(snapshot))
    assert result.exit_code == 0, result.output
    assert numbers(result.output) | {} == {
        "read": 35717, "imported": 35717, "present": 0, "rejected": 0, "things": 30, "datastreams": 30,
    }  # fmt: skip
    with cli_db.transaction() as session:
        qualities = list(session.scalars(select(Observation.result_quality)))
        usable = session.scalar(select(func.count()).select_from(Observation).where(repository.usable()))
        assert session.scalar(select(func.count()).select_from(Location)) == 30
    kinds = Counter(kind for q in qualities for kind in q.get("faults", []))
    assert (kinds["duplicate"], kinds["over_capacity"], kinds["negative"]) == (216, 373, 12)  # as PROVENANCE says
    flagged = sum(q["flag"] != "pass" for q in qualities)
    assert usable == 35717 - flagged
    assert flagged >= 216 + 12


def test_a_truncated_file_among_good_ones(cli_db: Database, tmp_path: Path) -> None:
    good = _small(tmp_path / "good.csv.gz")
    whole = _small(tmp_path / "whole.csv.gz").read_bytes()
    bad = tmp_path / "bad.csv.gz"
    bad.write_bytes(whole[: len(whole) - 12])  # a gzip stream cut short
    result = sensor_import("parking", str(bad), str(good))
    assert result.exit_code == 2, result.output
    assert "bad.csv.gz" in result.output
    counts = table_counts(cli_db)
    assert (counts["ImportBatch"], counts["Observation"]) == (1, 6)
