"""Importing grid cells from GeoJSON: all or nothing, every problem reported; the Demo City's grid."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from citybrain.cli.main import app
from citybrain.core.db import Database
from citybrain.grid import repository, service
from citybrain.models import GridAssignment, GridCell, GridWorker
from tests.grid.conftest import LAT0, LON0, STEP, collection, feature, four_cells, inside, square

BOW_TIE = {"type": "Polygon", "coordinates": [[[LON0, LAT0], [LON0 + STEP, LAT0 + STEP], [LON0 + STEP, LAT0],
                                               [LON0, LAT0 + STEP], [LON0, LAT0]]]}  # fmt: skip


def _cells(db: Database) -> int:
    with db.reading() as session:
        return int(session.scalar(select(func.count()).select_from(GridCell)) or 0)


def test_a_valid_file_creates_then_updates_cells(db: Database) -> None:
    with db.transaction() as session:
        first = service.import_cells(session=session, document=four_cells())
    assert (first.created, first.updated) == (4, 0)
    changed = four_cells()
    changed["features"][0]["properties"]["name"] = "新一号网格"
    with db.transaction() as session:
        second = service.import_cells(session=session, document=changed)
        cell = repository.cell(session, "G1")
        assert cell is not None
        assert (cell.name, cell.community) == ("新一号网格", "幸福社区")
        assert (cell.min_lat, cell.max_lat, cell.min_lon, cell.max_lon) == pytest.approx(
            (LAT0, LAT0 + STEP, LON0, LON0 + STEP)
        )
    assert (second.created, second.updated) == (0, 4)


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        ({"type": "Feature"}, "not a GeoJSON FeatureCollection"),
        (collection(), "has no features"),
        (collection(feature("G1", square(LAT0, LON0)), feature("B", BOW_TIE)), "feature 2 (B): invalid polygon"),
        (collection(feature("G1", square(LAT0, LON0)), feature("G1", square(LAT0, LON0 + STEP))), "appears twice"),
        (collection(feature("A", square(LAT0, LON0)), feature("B", square(LAT0, LON0 + STEP / 2))), "A and B overlap"),
        (collection(feature("A", {"type": "Point", "coordinates": [LON0, LAT0]})), "Polygon or MultiPolygon"),
        (collection({"type": "Feature", "properties": {}, "geometry": square(LAT0, LON0)}), "properties.code"),
        (collection(feature("A", square(95, LON0))), "outside WGS 84"),
        (collection(feature("A", square(LAT0, LON0), district="nowhere")), "unknown district 'nowhere'"),
    ],
)
def test_a_bad_file_is_refused_whole_with_the_reason(db: Database, document: dict[str, Any], problem: str) -> None:
    with pytest.raises(service.GridImportError) as refused, db.transaction() as session:
        service.import_cells(session=session, document=document)
    assert refused.value.status_code == 400
    assert any(problem in p for p in refused.value.problems), refused.value.problems
    assert _cells(db) == 0


def test_every_problem_is_listed_and_the_good_cells_are_not_kept(db: Database) -> None:
    document = collection(
        feature("G1", square(LAT0, LON0)), feature("B", BOW_TIE), feature("C", {"type": "Polygon", "coordinates": []})
    )
    with pytest.raises(service.GridImportError) as refused, db.transaction() as session:
        service.import_cells(session=session, document=document)
    assert [p.split(":")[0] for p in refused.value.problems] == ["feature 2 (B)", "feature 3 (C)"]
    assert _cells(db) == 0


def test_the_cli_imports_and_refuses_with_a_report_and_exit_2(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CITYBRAIN_DATABASE_URL", db.settings.database_url)
    bad = tmp_path / "bad.geojson"
    bad.write_text(json.dumps(collection(feature("G1", square(LAT0, LON0)), feature("B", BOW_TIE))), encoding="utf-8")
    refused = CliRunner().invoke(app, ["grid", "import", str(bad)])
    assert refused.exit_code == 2
    assert "feature 2 (B): invalid polygon" in refused.output
    assert "nothing written" in refused.output
    assert _cells(db) == 0
    good = tmp_path / "good.geojson"
    good.write_text(json.dumps(four_cells()), encoding="utf-8")
    taken = CliRunner().invoke(app, ["grid", "import", str(good)])
    assert taken.exit_code == 0, taken.output
    assert "4 created, 0 updated" in taken.output
    assert _cells(db) == 4
    broken = tmp_path / "broken.geojson"
    broken.write_text("{not json", encoding="utf-8")
    unreadable = CliRunner().invoke(app, ["grid", "import", str(broken)])
    assert unreadable.exit_code == 2
    assert "cannot read" in unreadable.output


def test_a_point_is_located_in_its_cell_or_none(db: Database) -> None:
    with db.transaction() as session:
        service.import_cells(session=session, document=four_cells())
        for code in ("G1", "G2", "G3", "G4"):
            found = service.locate(session, *inside(code))
            assert found is not None
            assert found.code == code
        assert service.locate(session, LAT0 - 0.001, LON0) is None
        edge = service.locate(session, LAT0 + STEP / 2, LON0 + STEP)  # the edge G1 and G2 share: the first by code
        assert edge is not None
        assert edge.code == "G1"


def test_the_demo_city_grid_tiles_the_city_with_its_workers(db: Database) -> None:
    from citybrain.simulate.city import build_city
    from citybrain.simulate.load import ensure_districts

    city = build_city(1)
    with db.transaction() as session:
        ensure_districts(session, city)
        report, workers = service.load_demo_grid(session=session, seed=1)
    assert (report.created, workers) == (324, 162)
    with db.reading() as session:
        assert session.scalar(select(func.count()).select_from(GridWorker)) == 162
        assert session.scalar(select(func.count()).select_from(GridAssignment)) == 324
        cell = city.cells[40]
        found = service.locate(session, cell.lat, cell.lon)
        assert found is not None
        assert (found.code, found.district_code) == (cell.id, cell.district_code)
