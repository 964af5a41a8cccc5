"""``citybrain import canonical``: mapping, the rejected-rows report, idempotency, dry run, Parquet."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from citybrain.core.db import Database
from tests.intake.import_support import (
    CANONICAL_HEADER,
    canonical_row,
    case_by_key,
    cli_db,
    counts,
    report_rows,
    run_import,
    summary_numbers,
    write_csv,
)

__all__ = ["cli_db"]


def test_rows_map_to_cases_with_codes_times_and_status(cli_db: Database, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "cases.csv",
        CANONICAL_HEADER,
        [
            canonical_row(
                "A1",
                created_at="2025-03-01T08:00:00",  # naive = settings.timezone (Asia/Shanghai)
                channel="phone",
                request_type="投诉",
                category="noise.construction.night",
                department="urban_mgmt",
                status="closed",
                accepted_at="2025-03-01T09:00:00+08:00",
                resolved_at="2025-03-02T01:00:00Z",
                closed_at="2025-03-02T10:00:00+08:00",
                satisfaction="4",
                resolved="true",
                lat="39.9",
                lon="116.4",
                district="chaoyang",
                likes="3",
            ),
            canonical_row("A2", category="", status=""),
        ],
    )
    result = run_import("canonical", path)
    assert result.exit_code == 0, result.output
    assert summary_numbers(result.output) == {"read": 2, "imported": 2, "skipped": 0, "rejected": 0}
    case = case_by_key(cli_db, "canonical", "A1")
    assert case.created_at == datetime(2025, 3, 1, 0, 0, tzinfo=UTC)
    assert case.closed_at == datetime(2025, 3, 2, 2, 0, tzinfo=UTC)
    assert (case.status, case.channel, case.request_type) == ("closed", "phone", "complaint")
    assert (case.category_code, case.satisfaction, case.resolved, case.likes) == (
        "noise.construction.night",
        4,
        True,
        3,
    )
    assert case.department_id is not None
    assert case.import_batch_id is not None
    assert case.sla_code is not None  # taken from the category
    plain = case_by_key(cli_db, "canonical", "A2")
    assert (plain.status, plain.category_code, plain.channel) == ("received", None, "web")


def test_invalid_rows_are_reported_and_the_valid_ones_imported(cli_db: Database, tmp_path: Path) -> None:
    rows = [canonical_row(f"G{i}") for i in range(6)]
    rows += [
        canonical_row("B1", category="no.such.code"),
        canonical_row("B2", created_at="yesterday"),
        canonical_row("B3", department="ministry_of_magic"),
        canonical_row("B4", status="lost"),
        canonical_row("G0"),  # repeated within the file
    ]
    path = write_csv(tmp_path / "mixed.csv", CANONICAL_HEADER, rows)
    result = run_import("canonical", path)
    assert result.exit_code == 0, result.output
    assert summary_numbers(result.output) == {"read": 11, "imported": 6, "skipped": 0, "rejected": 5}
    assert counts(cli_db)[0] == 6
    report = {r["source_key"] + "@" + r["row"]: r for r in report_rows(result.output)}
    assert "unknown code 'no.such.code'" in report["B1@8"]["reason"]
    assert "created_at: not a date" in report["B2@9"]["reason"]
    assert "department: unknown code" in report["B3@10"]["reason"]
    assert "status: unknown" in report["B4@11"]["reason"]
    assert "repeated within this file" in report["G0@12"]["reason"]
    assert {r["action"] for r in report.values()} == {"rejected"}


def test_same_file_twice_adds_nothing_and_overlap_is_skipped(cli_db: Database, tmp_path: Path) -> None:
    first = write_csv(tmp_path / "one.csv", CANONICAL_HEADER, [canonical_row(f"K{i}") for i in range(5)])
    assert run_import("canonical", first).exit_code == 0
    again = run_import("canonical", first)
    assert again.exit_code == 0, again.output
    assert "already imported" in again.output
    assert "5 rows skipped" in " ".join(again.output.split())
    assert counts(cli_db) == (5, 0, 1)
    overlap = write_csv(tmp_path / "two.csv", CANONICAL_HEADER, [canonical_row(f"K{i}") for i in range(3, 8)])
    result = run_import("canonical", overlap)
    assert result.exit_code == 0, result.output
    assert summary_numbers(result.output) == {"read": 5, "imported": 3, "skipped": 2, "rejected": 0}
    assert counts(cli_db) == (8, 0, 2)


def test_dry_run_validates_and_writes_nothing(cli_db: Database, tmp_path: Path) -> None:
    rows = [canonical_row("D1"), canonical_row("D2", category="nope"), canonical_row("D3")]
    path = write_csv(tmp_path / "dry.csv", CANONICAL_HEADER, rows)
    result = run_import("canonical", path, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "dry run" in result.output
    assert summary_numbers(result.output)["rejected"] == 1
    assert report_rows(result.output)[0]["source_key"] == "D2"
    assert counts(cli_db) == (0, 0, 0)
    assert run_import("canonical", path).exit_code == 0  # a dry run does not mark the file as imported
    assert counts(cli_db)[0] == 2


def test_many_batches_and_duplicate_of_pointing_forward(cli_db: Database, tmp_path: Path) -> None:
    rows = [canonical_row(f"M{i:03d}") for i in range(250)]
    rows[5] = canonical_row("M005", status="merged", duplicate_of="M240")  # target comes in a later batch
    rows[6] = canonical_row("M006", duplicate_of="nowhere")
    path = write_csv(tmp_path / "many.csv", CANONICAL_HEADER, rows)
    result = run_import("canonical", path, "--batch-size", "100")
    assert result.exit_code == 0, result.output
    assert counts(cli_db)[0] == 250
    assert case_by_key(cli_db, "canonical", "M005").duplicate_of == case_by_key(cli_db, "canonical", "M240").id
    assert case_by_key(cli_db, "canonical", "M006").duplicate_of is None
    notes = report_rows(result.output)
    assert [(n["source_key"], n["action"]) for n in notes] == [("M006", "kept")]


def test_end_before_start_is_kept_without_the_impossible_time(cli_db: Database, tmp_path: Path) -> None:
    row = canonical_row("E1", status="closed", closed_at="2025-02-01T00:00:00")
    result = run_import("canonical", write_csv(tmp_path / "e.csv", CANONICAL_HEADER, [row]))
    assert result.exit_code == 0, result.output
    case = case_by_key(cli_db, "canonical", "E1")
    assert case.closed_at is None
    assert case.status == "closed"
    assert case.attributes == {"closed_at_as_given": "2025-02-01T00:00:00"}


def _parquet(path: Path, keys: list[str]) -> Path:
    table = pa.table(
        {
            "id": keys,
            "created_at": pa.array([datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)] * len(keys), pa.timestamp("us", "UTC")),
            "category": ["sanitation.garbage"] * len(keys),
            "lat": pa.array([31.2] * len(keys), pa.float64()),
            "likes": pa.array([7] * len(keys), pa.int64()),
            "resolved": pa.array([False] * len(keys), pa.bool_()),
        }
    )
    pq.write_table(table, path, row_group_size=2)
    return path


def test_parquet_streams_typed_columns(cli_db: Database, tmp_path: Path) -> None:
    path = _parquet(tmp_path / "cases.parquet", [f"P{i}" for i in range(5)])
    result = run_import("canonical", path)
    assert result.exit_code == 0, result.output
    case = case_by_key(cli_db, "canonical", "P3")
    assert case.created_at == datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert (case.category_code, case.lat, case.likes, case.resolved) == ("sanitation.garbage", 31.2, 7, False)


@pytest.mark.parametrize("cut", [0.5, 0.98])
def test_truncated_parquet_is_refused_whole(cli_db: Database, tmp_path: Path, cut: float) -> None:
    good = _parquet(tmp_path / "full.parquet", [f"T{i}" for i in range(40)])
    data = good.read_bytes()
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(data[: int(len(data) * cut)])
    result = run_import("canonical", broken)
    assert result.exit_code == 2, result.output
    assert "broken.parquet" in result.output
    assert "Parquet" in result.output
    assert counts(cli_db) == (0, 0, 0)


SECRETS = ("13812345678", "430102199001011238", "zhangsan@example.com", "桃子湖路12号3栋")


def _shifted_rows() -> list[list[object]]:
    return [
        canonical_row("P1", created_at=f"电话{SECRETS[0]}"),
        canonical_row("P2", status=f"身份证{SECRETS[1]}"),
        canonical_row("P3", request_type=SECRETS[2]),
        canonical_row("P4", department=SECRETS[3]),
    ]


def test_the_report_masks_a_citizens_data_in_the_values_it_quotes(cli_db: Database, tmp_path: Path) -> None:
    """A shifted row puts the citizen's contact where a date or a code belongs: the report says which row, which
    field and why, without the phone, ID number, e-mail or door it quotes."""
    rows = [canonical_row(f"G{i}") for i in range(5)] + _shifted_rows()
    result = run_import("canonical", write_csv(tmp_path / "shifted.csv", CANONICAL_HEADER, rows))
    assert result.exit_code == 0, result.output
    report = report_rows(result.output)
    assert [(r["row"], r["source_key"], r["reason"].split(":")[0]) for r in report] == [
        ("7", "P1", "created_at"),
        ("8", "P2", "status"),
        ("9", "P3", "request_type"),
        ("10", "P4", "department"),
    ]
    assert [s for s in SECRETS if any(s in r["reason"] for r in report) or s in result.output] == []
    assert "138****5678" in report[0]["reason"]


def test_a_refused_file_names_its_problems_masked(cli_db: Database, tmp_path: Path) -> None:
    result = run_import("canonical", write_csv(tmp_path / "shifted.csv", CANONICAL_HEADER, _shifted_rows()))
    assert result.exit_code == 2
    assert "status: unknown '身份证430102********1238'" in result.output
    assert [s for s in SECRETS if s in result.output] == []
