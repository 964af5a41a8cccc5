"""Units outside government (社会协同单位) in the directory: kind and supervising department (主管部门) through the
API (POST/GET /api/v1/departments) and the CLI (add-department --kind, import-units), refusals writing nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from citybrain.cli.main import app
from citybrain.core.db import Database
from citybrain.core.settings import Settings
from citybrain.directory import repository
from tests.conftest import make_key

runner = CliRunner()


@pytest.fixture
def cli_db(db: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Database:
    monkeypatch.setenv("CITYBRAIN_DATABASE_URL", settings.resolved_database_url())
    monkeypatch.setenv("CITYBRAIN_DATA_DIR", str(settings.data_dir))
    return db


def _codes(db: Database) -> dict[str, tuple[str, str | None]]:
    """code → (kind, supervisor's code) of every department and unit."""
    with db.reading() as s:
        rows = repository.departments(s)
        ids = {d.id: d.code for d in rows}
        return {d.code: (d.kind, ids.get(d.supervisor_id) if d.supervisor_id else None) for d in rows}


class TestApi:
    def test_an_admin_adds_a_unit_under_a_government_department_and_lists_by_kind(
        self, db: Database, app_client: TestClient
    ) -> None:
        admin = {"X-API-Key": make_key(db, "admin")}
        body = {"code": "lakeside_pm", "name_zh": "湖畔物业", "kind": "property", "supervisor_code": "housing"}
        added = app_client.post("/api/v1/departments", json=body, headers=admin)
        assert added.status_code == 201, added.text
        housing = next(d for d in app_client.get("/api/v1/departments", headers=admin).json() if d["code"] == "housing")
        assert (added.json()["kind"], added.json()["supervisor_id"]) == ("property", housing["id"])
        assert housing["kind"] == "government"
        assert housing["supervisor_id"] is None
        listed = app_client.get("/api/v1/departments", params={"kind": "property"}, headers=admin)
        assert [d["code"] for d in listed.json()] == ["lakeside_pm"]
        assert app_client.get("/api/v1/departments", params={"kind": "pirate"}, headers=admin).status_code == 400

    @pytest.mark.parametrize(
        ("body", "status", "message"),
        [
            ({"kind": "property"}, 400, "needs its supervising government department"),
            ({"kind": "property", "supervisor_code": "nobody"}, 404, "no department 'nobody'"),
            ({"kind": "pirate", "supervisor_code": "housing"}, 400, "unknown unit kind"),
            ({"kind": "government", "supervisor_code": "housing"}, 400, "has no supervising department"),
        ],
    )
    def test_bad_units_are_refused_and_nothing_is_written(
        self, db: Database, app_client: TestClient, body: dict[str, str], status: int, message: str
    ) -> None:
        admin = {"X-API-Key": make_key(db, "admin")}
        before = _codes(db)
        answer = app_client.post("/api/v1/departments", json={"code": "x_unit", "name_zh": "某单位"} | body,
                                 headers=admin)  # fmt: skip
        assert answer.status_code == status, answer.text
        assert message in answer.json()["error"]["message"]
        assert _codes(db) == before

    def test_a_unit_does_not_supervise_another(self, db: Database, app_client: TestClient) -> None:
        admin = {"X-API-Key": make_key(db, "admin")}
        first = {"code": "pm_one", "name_zh": "物业一", "kind": "property", "supervisor_code": "housing"}
        assert app_client.post("/api/v1/departments", json=first, headers=admin).status_code == 201
        second = {"code": "pm_two", "name_zh": "物业二", "kind": "property", "supervisor_code": "pm_one"}
        refused = app_client.post("/api/v1/departments", json=second, headers=admin)
        assert refused.status_code == 400
        assert "a supervisor is a government department" in refused.json()["error"]["message"]

    def test_an_admin_moves_a_unit_to_another_supervisor(self, db: Database, app_client: TestClient) -> None:
        admin = {"X-API-Key": make_key(db, "admin")}
        body = {"code": "lakeside_pm", "name_zh": "湖畔物业", "kind": "property", "supervisor_code": "housing"}
        assert app_client.post("/api/v1/departments", json=body, headers=admin).status_code == 201
        moved = app_client.patch(
            "/api/v1/departments/lakeside_pm", json={"supervisor_code": "urban_mgmt", "phone": "0731-88880002"},
            headers=admin,
        )  # fmt: skip
        assert moved.status_code == 200, moved.text
        assert _codes(db)["lakeside_pm"] == ("property", "urban_mgmt")
        assert moved.json()["phone"] == "0731-88880002"
        before = _codes(db)
        for code, change, status in (
            ("housing", {"supervisor_code": "urban_mgmt"}, 400),  # a government department has no supervisor
            ("lakeside_pm", {"supervisor_code": "nobody"}, 404),
            ("nobody", {"name_zh": "某"}, 404),
        ):
            answer = app_client.patch(f"/api/v1/departments/{code}", json=change, headers=admin)
            assert answer.status_code == status, (code, answer.text)
        assert _codes(db) == before
        operator = {"X-API-Key": make_key(db, "operator")}
        assert app_client.patch("/api/v1/departments/lakeside_pm", json={}, headers=operator).status_code == 403


class TestCli:
    def test_add_department_with_a_kind_and_show_it(self, cli_db: Database) -> None:
        added = runner.invoke(
            app, ["directory", "add-department", "city_gas_co", "城市燃气公司", "--kind", "utility",
                  "--supervisor", "gas"],
        )  # fmt: skip
        assert added.exit_code == 0, added.output
        assert _codes(cli_db)["city_gas_co"] == ("utility", "gas")
        shown = runner.invoke(app, ["directory", "show", "-s", "departments"], terminal_width=200)
        assert "city_gas_co" in shown.output
        assert "utility" in shown.output
        orphan = runner.invoke(app, ["directory", "add-department", "orphan_co", "孤儿公司", "--kind", "enterprise"])
        assert orphan.exit_code == 2
        assert "supervising government department" in orphan.output
        assert "orphan_co" not in _codes(cli_db)

    def test_import_units_adds_every_row_or_none(self, cli_db: Database, tmp_path: Path) -> None:
        good = tmp_path / "units.csv"
        good.write_text(
            "code,name_zh,kind,supervisor,phone\n"
            "pm_lake,湖畔物业,property,housing,0731-88880001\n"
            "road_fix,道路养护公司,contractor,transport,\n",
            encoding="utf-8",
        )
        bad = tmp_path / "bad.csv"
        bad.write_text(
            "code,name_zh,kind,supervisor\nngo_help,邻里互助会,social,civil_affairs\nbad_row,坏行,pirate,housing\n",
            encoding="utf-8",
        )
        refused = runner.invoke(app, ["directory", "import-units", str(bad)])
        assert refused.exit_code == 2
        assert "row 3" in refused.output
        assert "unknown unit kind" in refused.output
        assert "ngo_help" not in _codes(cli_db)  # the good row of a bad file is not written either
        result = runner.invoke(app, ["directory", "import-units", str(good)])
        assert result.exit_code == 0, result.output
        assert "added 2 units" in result.output
        codes = _codes(cli_db)
        assert (codes["pm_lake"], codes["road_fix"]) == (("property", "housing"), ("contractor", "transport"))
        again = runner.invoke(app, ["directory", "import-units", str(good)])
        assert again.exit_code == 2
        assert "exists already" in again.output

    def test_import_units_refuses_a_file_without_the_columns(self, cli_db: Database, tmp_path: Path) -> None:
        wrong = tmp_path / "wrong.csv"
        wrong.write_text("code,name\nx,y\n", encoding="utf-8")
        result = runner.invoke(app, ["directory", "import-units", str(wrong)])
        assert result.exit_code == 2
        assert "missing column(s) name_zh, kind, supervisor" in result.output
