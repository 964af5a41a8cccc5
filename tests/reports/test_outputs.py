"""``citybrain report monthly`` and GET /api/v1/reports/monthly: JSON, the Excel workbook, the CSV zip, bad input."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from typer.testing import CliRunner

from citybrain.cli.main import app
from citybrain.core.db import Database
from citybrain.core.settings import Settings
from tests.conftest import make_key
from tests.reports.factories import AS_OF, city

runner = CliRunner()
MONTH = ["--month", "2026-02", "--as-of", AS_OF]


@pytest.fixture
def cli_city(db: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Database:
    monkeypatch.setenv("CITYBRAIN_DATABASE_URL", settings.resolved_database_url())
    monkeypatch.setenv("CITYBRAIN_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("CITYBRAIN_TIMEZONE", "Asia/Shanghai")
    with db.transaction() as session:
        city(session)
    return db


def test_cli_json_to_stdout_and_stored(cli_city: Database) -> None:
    result = runner.invoke(app, ["report", "monthly", *MONTH])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["departments"][0]["department"] == "power"
    assert body["problems"][0]["category"] == "noise.residential"
    assert "stored as insight run" in result.stderr


def test_cli_xlsx_for_an_officer(cli_city: Database, tmp_path: Path) -> None:
    out = tmp_path / "report.xlsx"
    result = runner.invoke(app, ["report", "monthly", *MONTH, "--format", "xlsx", "--out", str(out), "--no-save"])
    assert result.exit_code == 0, result.output
    book = load_workbook(out)
    assert book.sheetnames == [
        "说明 About", "承办单位 Departments", "区 Districts", "每月一题 Top problems", "联合办理 Joint handling",
    ]  # fmt: skip
    departments = book["承办单位 Departments"]
    heads = [c.value for c in departments[1]]
    assert "响应率 response rate" in heads
    assert "退单次数 rejections" in heads
    assert departments.freeze_panes == "A2"
    rate = departments.cell(row=2, column=heads.index("满意率 satisfaction rate") + 1)
    assert (rate.value, rate.number_format) == (1.0, "0.0%")
    assert departments.cell(row=2, column=heads.index("单位代码 department code") + 1).value == "power"
    assert departments.column_dimensions["C"].width >= 14
    about = {row[0]: row[1] for row in book["说明 About"].iter_rows(min_row=2, values_only=True)}
    assert about["期间 period"].startswith("2026-02-01 – 2026-02-28")
    problems = book["每月一题 Top problems"]
    assert problems.cell(row=2, column=2).value == "noise.residential"


def test_cli_csv_zip(cli_city: Database, tmp_path: Path) -> None:
    out = tmp_path / "report.zip"
    result = runner.invoke(app, ["report", "monthly", *MONTH, "-f", "csv", "-o", str(out), "--no-save"])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out) as archive:
        assert sorted(archive.namelist()) == [
            "departments.csv", "districts.csv", "header.csv", "joint_departments.csv", "problems.csv",
        ]  # fmt: skip
        text = archive.read("districts.csv").decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["区代码 district code"] for r in rows[:2]] == ["kd2", "kd1"]
    assert rows[0]["三率综合得分 composite score"] == "0.6625"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--month", "2026-13"], "month must look like"),
        (["--month", "2026-02", "--format", "pdf"], "unknown format"),
        (["--month", "2026-02", "--format", "xlsx"], "give --out"),
    ],
)
def test_cli_bad_input_exit_2_and_nothing_written(
    cli_city: Database, tmp_path: Path, args: list[str], message: str
) -> None:
    result = runner.invoke(app, ["report", "monthly", *args])
    assert result.exit_code == 2
    assert message in result.stderr
    assert list(tmp_path.iterdir()) == []


class TestApi:
    def test_json(self, cli_city: Database, app_client: TestClient) -> None:
        headers = {"X-API-Key": make_key(cli_city, "supervisor")}
        response = app_client.get(
            "/api/v1/reports/monthly", params={"month": "2026-02", "as_of": AS_OF}, headers=headers
        )
        assert response.status_code == 200, response.text
        assert response.json()["districts"][0]["district"] == "kd2"

    def test_xlsx_download(self, cli_city: Database, app_client: TestClient) -> None:
        headers = {"X-API-Key": make_key(cli_city, "operator")}
        params = {"from": "2026-02-01", "to": "2026-02-28", "format": "xlsx"}
        response = app_client.get("/api/v1/reports/monthly", params=params, headers=headers)
        assert response.status_code == 200, response.text
        assert "attachment" in response.headers["content-disposition"]
        assert load_workbook(io.BytesIO(response.content)).sheetnames[0] == "说明 About"

    def test_bad_month_is_400(self, cli_city: Database, app_client: TestClient) -> None:
        headers = {"X-API-Key": make_key(cli_city, "supervisor")}
        response = app_client.get("/api/v1/reports/monthly", params={"month": "x"}, headers=headers)
        assert response.status_code == 400
        assert "month must look like" in response.json()["error"]["message"]

    def test_who_may_read_it(self, cli_city: Database, app_client: TestClient) -> None:
        url, params = "/api/v1/reports/monthly", {"month": "2026-02"}
        assert app_client.get(url, params=params).status_code == 401
        app_key = {"X-API-Key": make_key(cli_city, "app")}
        assert app_client.get(url, params=params, headers=app_key).status_code == 403
        department = {"X-API-Key": make_key(cli_city, "department", "water")}
        assert app_client.get(url, params=params, headers=department).status_code == 403
