"""A bad file, for every importer and both databases: exit 2, a message naming the problem, nothing written."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest

from citybrain.core.db import Database
from tests.intake.import_support import CANONICAL_HEADER, canonical_row, cli_db, counts, run_import, write_csv

__all__ = ["cli_db"]

NYC_HEADER = ["unique_key", "created_date", "closed_date", "agency", "complaint_type", "descriptor", "status"]
TEDDY_HEADER = ["id", "message_id", "user", "time", "title", "detail", "text", "label"]

#: kind → (header, a valid row) used to build each bad file.
GOOD = {
    "canonical": (CANONICAL_HEADER, canonical_row("X1", title="噪音扰民")),
    "nyc311": (NYC_HEADER, ["1", "2024-04-15T22:51:00", "", "NYPD", "Noise - Residential", "Loud Music/Party", "Open"]),
    "teddy": (TEDDY_HEADER, ["M1", "101", "U1", "2019/4/25 9:32:09", "小区噪音", "晚上施工噪音扰民", "", "城乡建设"]),
}
KINDS = sorted(GOOD)


def _rows(kind: str, n: int = 20) -> list[list[str]]:
    header, row = GOOD[kind]
    key = header.index({"canonical": "id", "nyc311": "unique_key", "teddy": "message_id"}[kind])
    return [[f"{i + 1}" if j == key else v for j, v in enumerate(row)] for i in range(n)]


def _assert_refused(db: Database, result_output: str, exit_code: int, *words: str) -> None:
    assert exit_code == 2, result_output
    for word in words:
        assert word.lower() in result_output.lower(), result_output
    assert counts(db) == (0, 0, 0)


@pytest.mark.parametrize("kind", KINDS)
def test_wrong_columns(cli_db: Database, tmp_path: Path, kind: str) -> None:
    path = write_csv(tmp_path / "other.csv", ["name", "when", "what"], [["a", "b", "c"]])
    result = run_import(kind, path)
    _assert_refused(cli_db, result.output, result.exit_code, "other.csv", "column")


@pytest.mark.parametrize("kind", KINDS)
def test_gbk_file_read_as_utf8_names_the_encoding_and_gb18030_works(
    cli_db: Database, tmp_path: Path, kind: str
) -> None:
    header, _ = GOOD[kind]
    rows = _rows(kind)
    for row in rows:  # Chinese text in a free-text column, so the bytes are not valid UTF-8
        row[header.index("title" if kind != "nyc311" else "descriptor")] = "夜间施工噪音扰民"
    path = write_csv(tmp_path / "gbk.csv", header, rows, encoding="gbk")
    result = run_import(kind, path)
    _assert_refused(cli_db, result.output, result.exit_code, "utf-8", "--encoding")
    assert run_import(kind, path, "--encoding", "gb18030").exit_code == 0
    assert counts(cli_db)[0] == 20


@pytest.mark.parametrize("kind", KINDS)
def test_truncated_gzip(cli_db: Database, tmp_path: Path, kind: str) -> None:
    header, _ = GOOD[kind]
    plain = write_csv(tmp_path / "all.csv", header, _rows(kind, 3000))
    data = gzip.compress(plain.read_bytes())
    path = tmp_path / "cut.csv.gz"
    path.write_bytes(data[: len(data) * 2 // 3])
    result = run_import(kind, path, "--batch-size", "100")  # batches were inserted before the end was reached
    _assert_refused(cli_db, result.output, result.exit_code, "truncated")


@pytest.mark.parametrize("kind", KINDS)
def test_empty_file_and_header_only(cli_db: Database, tmp_path: Path, kind: str) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    result = run_import(kind, empty)
    _assert_refused(cli_db, result.output, result.exit_code, "empty")
    header_only = write_csv(tmp_path / "header.csv", GOOD[kind][0], [])
    result = run_import(kind, header_only)
    _assert_refused(cli_db, result.output, result.exit_code, "no data rows")


def _xlsx(path: Path) -> Path:
    book = openpyxl.Workbook()
    book.active.append(["a", "b"])
    book.save(path)
    return path


MISNAMED: dict[str, Callable[[Path], Path]] = {
    "xlsx named .csv": lambda tmp: _xlsx(tmp / "book.csv"),
    "csv named .parquet": lambda tmp: write_csv(tmp / "table.parquet", ["id"], [["1"]]),
    "csv named .xlsx": lambda tmp: write_csv(tmp / "sheet.xlsx", ["id"], [["1"]]),
    "text named .gz": lambda tmp: write_csv(tmp / "plain.csv.gz", ["id"], [["1"]]),
}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("case", sorted(MISNAMED))
def test_file_that_is_not_what_its_name_says(cli_db: Database, tmp_path: Path, kind: str, case: str) -> None:
    path = MISNAMED[case](tmp_path)
    result = run_import(kind, path)
    _assert_refused(cli_db, result.output, result.exit_code, path.name, "not")


@pytest.mark.parametrize("kind", KINDS)
def test_mostly_bad_dates_refuse_the_file(cli_db: Database, tmp_path: Path, kind: str) -> None:
    header, _ = GOOD[kind]
    rows = _rows(kind, 10)
    column = header.index({"canonical": "created_at", "nyc311": "created_date", "teddy": "time"}[kind])
    for row in rows[:8]:
        row[column] = "31/31/2024 25:61"
    result = run_import(kind, write_csv(tmp_path / "dates.csv", header, rows))
    _assert_refused(cli_db, result.output, result.exit_code, "8 of 10 rows are invalid", "not a date")


@pytest.mark.parametrize("kind", KINDS)
def test_one_bad_date_is_a_row_rejection(cli_db: Database, tmp_path: Path, kind: str) -> None:
    header, _ = GOOD[kind]
    rows = _rows(kind, 10)
    column = header.index({"canonical": "created_at", "nyc311": "created_date", "teddy": "time"}[kind])
    rows[3][column] = "2024-13-45"
    result = run_import(kind, write_csv(tmp_path / "one.csv", header, rows))
    assert result.exit_code == 0, result.output
    assert counts(cli_db)[0] == 9
    assert "rejected 1" in " ".join(result.output.split())


def test_truncated_xlsx(cli_db: Database, tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["留言编号", "留言用户", "留言主题", "留言时间", "留言详情", "答复意见", "答复时间"])
    for i in range(200):
        sheet.append([i, f"U{i}", "噪音", "2019/4/25 9:32:09", "夜间施工" * 20, "已处理" * 20, "2019/5/10 14:56:53"])
    full = tmp_path / "full.xlsx"
    book.save(full)
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(full.read_bytes()[: full.stat().st_size // 2])
    result = run_import("teddy", cut)
    _assert_refused(cli_db, result.output, result.exit_code, "cut.xlsx", "xlsx")


def test_missing_file(cli_db: Database, tmp_path: Path) -> None:
    result = run_import("canonical", tmp_path / "nowhere.csv")
    _assert_refused(cli_db, result.output, result.exit_code, "no such file")


def _report_of(output: str) -> Path:
    return Path(output.split("Report: ", 1)[1].split()[0].strip())


@pytest.mark.parametrize("kind", KINDS)
def test_a_file_cut_in_half_then_nul_bytes_and_an_open_quote_is_refused(
    cli_db: Database, tmp_path: Path, kind: str
) -> None:
    """The probe's file: half of a good file (ending inside a row), NUL bytes, an unterminated quote."""
    header, _ = GOOD[kind]
    whole = write_csv(tmp_path / "all.csv", header, _rows(kind, 400)).read_bytes()
    path = tmp_path / "damaged.csv"
    path.write_bytes(whole[: len(whole) // 2] + b"\0" * 512 + b'\n77,"an open quote, 2024-01-01\n')
    result = run_import(kind, path, "--batch-size", "100")
    _assert_refused(cli_db, result.output, result.exit_code, "damaged.csv")
    assert ("Report: " in result.output) == (kind == "nyc311")  # the others' readers stop at the NUL bytes
    if "Report: " in result.output:  # read up to the damage: refused as truncated, with the rows it rejected
        assert "truncated" in result.output
        report = _report_of(result.output).read_text(encoding="utf-8")
        assert "refused" in report
        assert "fields where the header has" in report


@pytest.mark.parametrize("kind", KINDS)
def test_nul_bytes_inside_a_value_refuse_the_file(cli_db: Database, tmp_path: Path, kind: str) -> None:
    header, _ = GOOD[kind]
    rows = _rows(kind, 50)
    rows[30][header.index("title" if kind != "nyc311" else "descriptor")] = "噪音\0\0\0扰民"
    path = write_csv(tmp_path / "nul.csv", header, rows)
    result = run_import(kind, path)
    _assert_refused(cli_db, result.output, result.exit_code, "NUL", "row 32")


def test_a_killed_imports_leftover_part_report_is_removed(cli_db: Database, tmp_path: Path) -> None:
    import os
    import time

    from citybrain.core.reject_report import STALE_PART_SECONDS

    folder = Path(os.environ["CITYBRAIN_DATA_DIR"]) / "import-reports"
    folder.mkdir(parents=True, exist_ok=True)
    leftover = folder / "canonical-old.csv-20260101T000000000000Z.csv.part"
    leftover.write_bytes(b"")
    old = time.time() - STALE_PART_SECONDS - 1
    os.utime(leftover, (old, old))
    rows = _rows("canonical", 5)
    rows.append(canonical_row("bad", created_at="not a date"))
    result = run_import("canonical", write_csv(tmp_path / "ok.csv", CANONICAL_HEADER, rows))
    assert result.exit_code == 0, result.output
    assert not leftover.exists()
    assert list(folder.glob("*.part")) == []


def test_the_probes_file_half_the_nyc_sample_is_refused(cli_db: Database, tmp_path: Path) -> None:
    from tests.conftest import shared_path

    whole = gzip.decompress(shared_path("data", "nyc311", "nyc311_combined_real_sample.csv.gz").read_bytes())
    path = tmp_path / "half.csv"
    path.write_bytes(whole[: len(whole) // 2] + b"\0" * 4096 + b'\n12345,"unterminated quote, 2024-01-01\n')
    result = run_import("nyc311", path)
    _assert_refused(cli_db, result.output, result.exit_code, "half.csv", "truncated", "nothing was written")
