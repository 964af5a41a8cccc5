"""``citybrain import nyc311``: the mapping tables, New York time, anomalies kept, and the real sample."""

from __future__ import annotations

import gzip
import io
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select

from citybrain.core.db import Database
from citybrain.models import Case, Department
from tests.conftest import shared_path
from tests.intake.import_support import case_by_key, cli_db, counts, report_rows, run_import, summary_numbers, write_csv

__all__ = ["cli_db"]

HEADER = [
    "unique_key", "created_date", "closed_date", "agency", "complaint_type", "descriptor", "incident_zip",
    "incident_address", "status", "resolution_description", "borough", "open_data_channel_type", "latitude",
    "longitude",
]  # fmt: skip


def _gz(tmp_path: Path, rows: list[list[str]]) -> Path:
    plain = write_csv(tmp_path / "sample.csv", HEADER, rows)
    path = tmp_path / "sample.csv.gz"
    path.write_bytes(gzip.compress(plain.read_bytes()))
    return path


def _department_code(db: Database, department_id: int | None) -> str | None:
    with db.transaction() as session:
        return session.scalar(select(Department.code).where(Department.id == department_id))


def test_mapping_times_and_anomalies(cli_db: Database, tmp_path: Path) -> None:
    rows = [
        ["1", "2024-01-15T23:10:00", "2024-01-16T01:00:00", "DEP", "Noise",
         "Noise: Construction Before/After Hours (NM1)", "10027", "364 WEST 127 STREET", "Closed",
         "The Department of Environmental Protection issued a summons.", "MANHATTAN", "PHONE", "40.81", "-73.95"],
        ["2", "2024-07-01T12:00:00", "", "NYPD", "Illegal Parking", "Blocked Hydrant", "", "", "In Progress", "",
         "BRONX", "MOBILE", "", ""],
        ["3", "2024-07-01T12:05:00", "2024-07-01T11:00:00", "HPD", "HEAT/HOT WATER", "ENTIRE BUILDING", "", "",
         "Closed", "", "QUEENS", "ONLINE", "95.0", "-73.9"],
        ["4", "2024-07-01T12:06:00", "", "XYZ", "Something New", "", "", "", "Assigned", "", "Unspecified",
         "UNKNOWN", "", ""],
    ]  # fmt: skip
    result = run_import("nyc311", _gz(tmp_path, rows))
    assert result.exit_code == 0, result.output
    assert summary_numbers(result.output) == {"read": 4, "imported": 4, "skipped": 0, "rejected": 0}

    night = case_by_key(cli_db, "nyc311", "1")
    assert night.category_code == "noise.construction.night"
    assert night.created_at == datetime(2024, 1, 16, 4, 10, tzinfo=UTC)  # EST = UTC-5
    assert night.closed_at == night.resolved_at == datetime(2024, 1, 16, 6, 0, tzinfo=UTC)
    assert (night.status, night.channel, night.district_code) == ("closed", "phone", "MANHATTAN")
    assert night.reply is not None
    assert night.reply.startswith("The Department of Environmental Protection")
    assert _department_code(cli_db, night.department_id) == "ecology"

    parking = case_by_key(cli_db, "nyc311", "2")
    assert parking.created_at == datetime(2024, 7, 1, 16, 0, tzinfo=UTC)  # EDT = UTC-4
    assert (parking.category_code, parking.status, parking.channel) == ("parking.illegal", "in_progress", "app")
    assert _department_code(cli_db, parking.department_id) == "public_security"

    heat = case_by_key(cli_db, "nyc311", "3")  # closed an hour before it was created: kept, times dropped
    assert (heat.status, heat.closed_at, heat.resolved_at, heat.lat) == ("closed", None, None, None)
    assert heat.attributes is not None
    assert heat.attributes["closed_at_as_given"] == "2024-07-01T11:00:00"

    unknown = case_by_key(cli_db, "nyc311", "4")  # unmapped type and agency: kept, not rejected
    assert (unknown.category_code, unknown.department_id, unknown.status) == (None, None, "dispatched")
    assert unknown.source_category == "Something New"

    notes = {(r["source_key"], r["action"]) for r in report_rows(result.output)}
    assert notes == {("3", "kept")}


def test_socrata_ui_export_headers_and_dates(cli_db: Database, tmp_path: Path) -> None:
    text = io.StringIO()
    text.write("Unique Key,Created Date,Closed Date,Agency,Complaint Type,Descriptor,Status\n")
    text.write("99,05/01/2022 12:00:03 AM,05/01/2022 12:07:46 AM,DOT,Street Condition,Pothole,Closed\n")
    path = tmp_path / "ui.csv"
    path.write_text(text.getvalue(), encoding="utf-8")
    result = run_import("nyc311", path)
    assert result.exit_code == 0, result.output
    case = case_by_key(cli_db, "nyc311", "99")
    assert case.created_at == datetime(2022, 5, 1, 4, 0, 3, tzinfo=UTC)
    assert case.category_code == "roads.damage"


def test_real_sample_imports_every_row_once(cli_db: Database) -> None:
    path = shared_path("data", "nyc311", "nyc311_combined_real_sample.csv.gz")
    result = run_import("nyc311", path)
    assert result.exit_code == 0, result.output
    assert summary_numbers(result.output) == {"read": 7023, "imported": 7023, "skipped": 0, "rejected": 0}
    notes = report_rows(result.output)
    assert len(notes) == 7  # the 7 rows closed before they were created (PROVENANCE.md)
    assert {n["action"] for n in notes} == {"kept"}
    with cli_db.transaction() as session:
        closed = session.scalar(select(func.count()).select_from(Case).where(Case.status == "closed"))
        night = session.scalar(
            select(func.count()).select_from(Case).where(Case.category_code == "noise.construction.night")
        )
    assert closed == 5284
    assert night == 47  # 41 NM1 + 6 ERT after-hours work
    again = run_import("nyc311", path)
    assert again.exit_code == 0
    assert "7023 rows skipped" in " ".join(again.output.split())
    assert counts(cli_db)[0] == 7023
