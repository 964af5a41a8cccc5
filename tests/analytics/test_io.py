"""Opening cases for analysis: files and the live database give the same canonical view; bad files are refused."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from citybrain.analytics import io
from citybrain.analytics.counting.grid import grid_for
from citybrain.core.db import Database
from citybrain.core.errors import InvalidInput
from citybrain.insight.source import open_database
from citybrain.models import Case

HEADER = "id,created_at,category,lat,lon,district,text\n"


def _open(path: Path) -> tuple[io.CaseSource, list[tuple[object, ...]]]:
    con = io.connect()
    source = io.open_file(con, path, timezone="Asia/Shanghai")
    rows = con.execute("SELECT id, created_at, category, lat, lon FROM cases ORDER BY id").fetchall()
    return source, rows


def test_csv_times_are_read_in_the_city_zone_unless_they_carry_one(tmp_path: Path) -> None:
    path = tmp_path / "cases.csv"
    path.write_text(
        HEADER + "1,2024-01-02 08:00:00,noise,28.2,112.9,D01,a\n"
        "2,2024-01-02T08:00:00Z,noise,,,D02,b\n"
        "3,2024-01-02T08:00:00+09:00, roads ,28.3,113.0,D03,c\n",
        encoding="utf-8",
    )
    source, rows = _open(path)
    assert source.rows == 3
    assert "district" in source.columns
    assert "text" in source.columns
    assert [row[1] for row in rows] == [datetime(2024, 1, 2, 0), datetime(2024, 1, 2, 8), datetime(2024, 1, 1, 23)]
    assert rows[1][3] is None
    assert rows[1][4] is None
    assert rows[2][2] == "roads"


def test_parquet_with_zone_aware_times(tmp_path: Path) -> None:
    path = tmp_path / "cases.parquet"
    table = pa.table(
        {
            "id": [10, 11],
            "created_at": pa.array([datetime(2024, 5, 1, 12, tzinfo=UTC)] * 2, type=pa.timestamp("us", tz="UTC")),
            "category": ["a", "b"],
            "lat": [28.0, 28.1],
            "lon": [112.0, 112.1],
        }
    )
    pq.write_table(table, path)
    source, rows = _open(path)
    assert source.rows == 2
    assert rows[0] == ("10", datetime(2024, 5, 1, 12), "a", 28.0, 112.0)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("none.csv", None, "no such file"),
        ("cases.txt", "x", "unknown file type"),
        ("cases.csv", "id,created_at,lat,lon\n1,2024-01-01,1,1\n", "missing column"),
        ("cases.csv", HEADER, "no cases"),
        ("cases.csv", HEADER + "1,yesterday,noise,1,1,D,t\n", "no readable created_at"),
        ("cases.parquet", "not parquet at all", "cannot be read"),
    ],
)
def test_bad_files_are_refused_clearly(tmp_path: Path, name: str, content: str | None, message: str) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(InvalidInput, match=message):
        _open(path)


def test_the_database_view_leaves_out_merged_and_invalid_cases(db: Database) -> None:
    now = datetime(2024, 3, 1, 4, tzinfo=UTC)
    with db.transaction() as session:
        keep = Case(category_code="noise", lat=28.2, lon=112.9, district_code="D01", created_at=now, updated_at=now)
        session.add(keep)
        session.flush()
        session.add(Case(category_code="noise", created_at=now, updated_at=now, duplicate_of=keep.id))
        session.add(Case(category_code="noise", created_at=now, updated_at=now, status="invalid"))
        session.add(Case(category_code="roads", created_at=now, updated_at=now, text="路面塌陷"))
    con = io.connect()
    source = open_database(con, db, with_text=True)
    assert source.rows == 2
    rows = con.execute("SELECT id, created_at, category, lat, text FROM cases ORDER BY category").fetchall()
    assert rows[0] == (str(keep.id), datetime(2024, 3, 1, 4), "noise", 28.2, "")
    assert rows[1][2] == "roads"
    assert rows[1][3] is None
    assert rows[1][4] == "路面塌陷"


def test_the_grid_puts_points_a_cell_apart_in_neighbouring_cells(tmp_path: Path) -> None:
    path = tmp_path / "cases.csv"
    # 0.0045° of latitude ≈ 500 m
    path.write_text(HEADER + "1,2024-01-01,a,30.0,120.0,,\n2,2024-01-01,a,30.0045,120.0,,\n", encoding="utf-8")
    con = io.connect()
    io.open_file(con, path, timezone="UTC")
    grid = grid_for(con, 500)
    cells = con.execute(f"SELECT {grid.row_sql()}, {grid.col_sql()} FROM cases ORDER BY id").fetchall()
    assert cells == [(0, 0), (1, 0)]
    lat, lon = grid.cell_center(0, 0)
    assert abs(lat - 30.00225) < 1e-4
    assert abs(lon - (120.0 + grid.dlon / 2)) < 1e-9
    with pytest.raises(InvalidInput):
        grid_for(con, 0)
