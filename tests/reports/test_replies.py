"""Reply quality over the live database and files: the API (score, one case, ranking) and ``citybrain analyze
replies``, on both databases."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from typer.testing import CliRunner

from citybrain.cli.main import app
from citybrain.core.db import Database
from citybrain.core.settings import Settings
from citybrain.insight import service as insight
from tests.cases.kpi_factories import H, at, make_case
from tests.conftest import make_key
from tests.nlp.reply_samples import BAD, GENERIC, GOOD, MESSAGE

runner = CliRunner()


def _answered(db: Database, department: str, reply: str | None, day: int) -> int:
    t = at(f"2026-02-{day:02d}T02:00")
    with db.transaction() as session:
        case = make_case(session, created=t, department=department, dispatched=t, accept_due=t + 2 * H,
                         accepted=t + H, due=t + 168 * H, resolved_at=t + 48 * H)  # fmt: skip
        case.title, case.text, case.reply = "停车收费", MESSAGE, reply
        session.flush()
        return case.id


@pytest.fixture
def answered(db: Database) -> dict[str, int]:
    """water answered well three times, power badly three times; one power case has no reply yet."""
    ids = {f"water{i}": _answered(db, "water", GOOD, 3 + i) for i in range(3)}
    ids |= {f"power{i}": _answered(db, "power", reply, 3 + i) for i, reply in enumerate((BAD, GENERIC, BAD))}
    ids["unanswered"] = _answered(db, "power", None, 9)
    return ids


@pytest.fixture
def supervisor(db: Database) -> dict[str, str]:
    return {"X-API-Key": make_key(db, "supervisor")}


class TestScore:
    def test_good_above_bad(self, app_client: TestClient, operator_headers: dict[str, str]) -> None:
        scores = {}
        for name, reply in (("good", GOOD), ("bad", BAD)):
            body = {"message": MESSAGE, "reply": reply, "message_at": "2019-05-01T09:00:00+08:00",
                    "reply_at": "2019-05-06T09:00:00+08:00"}  # fmt: skip
            response = app_client.post("/api/v1/replies/score", json=body, headers=operator_headers)
            assert response.status_code == 200, response.text
            scores[name] = response.json()
        assert scores["good"]["overall"] > 0.7 > scores["bad"]["overall"]
        assert scores["good"]["timeliness"]["score"] == 1.0
        assert scores["good"]["method"]["sla_hours"] == 168.0
        assert scores["good"]["explanation"]["reasons"]

    def test_bad_input(self, app_client: TestClient, operator_headers: dict[str, str]) -> None:
        url = "/api/v1/replies/score"
        empty = app_client.post(url, json={"message": " ", "reply": GOOD}, headers=operator_headers)
        assert empty.status_code == 400
        assert "message is empty" in empty.json()["error"]["message"]
        assert app_client.post(url, json={"reply": GOOD}, headers=operator_headers).status_code == 422
        assert app_client.post(url, json={"message": MESSAGE, "reply": GOOD}).status_code == 401


class TestCaseQuality:
    def test_one_case(self, app_client: TestClient, answered: dict[str, int], supervisor: dict[str, str]) -> None:
        response = app_client.get("/api/v1/replies/quality", params={"case_id": answered["water0"]}, headers=supervisor)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["case_id"] == answered["water0"]
        assert body["overall"] > 0.7
        assert body["timeliness"]["score"] == 1.0  # answered in 48 h, the general class allows 168 h

    def test_not_found_no_reply_and_other_departments(
        self, db: Database, app_client: TestClient, answered: dict[str, int], supervisor: dict[str, str]
    ) -> None:
        url = "/api/v1/replies/quality"
        assert app_client.get(url, params={"case_id": 10**9}, headers=supervisor).status_code == 404
        pending = app_client.get(url, params={"case_id": answered["unanswered"]}, headers=supervisor)
        assert pending.status_code == 409
        water = {"X-API-Key": make_key(db, "department", "water")}
        assert app_client.get(url, params={"case_id": answered["water0"]}, headers=water).status_code == 200
        assert app_client.get(url, params={"case_id": answered["power0"]}, headers=water).status_code == 403


class TestRanking:
    def test_departments_ranked(
        self, app_client: TestClient, answered: dict[str, int], supervisor: dict[str, str]
    ) -> None:
        params = {"from": "2026-02-01", "to": "2026-02-28", "min_replies": 2, "top": 2}
        response = app_client.get("/api/v1/replies/ranking", params=params, headers=supervisor)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["replies"] == 6
        assert body["ranking"]["by"] == "department"
        rows = body["ranking"]["rows"]
        assert [(r["group"].split()[0], r["rank"], r["replies"]) for r in rows] == [("water", 1, 3), ("power", 2, 3)]
        assert body["bottom"][0]["overall"] < body["top"][0]["overall"]
        assert all("reply_excerpt" in e for e in body["top"])

    def test_window_and_permissions(self, db: Database, app_client: TestClient, answered: dict[str, int]) -> None:
        url = "/api/v1/replies/ranking"
        supervisor = {"X-API-Key": make_key(db, "supervisor")}
        march = app_client.get(url, params={"from": "2026-03-01", "to": "2026-03-31"}, headers=supervisor)
        assert (march.status_code, march.json()["replies"]) == (200, 0)
        bad = app_client.get(url, params={"from": "March"}, headers=supervisor)
        assert bad.status_code == 400
        department = {"X-API-Key": make_key(db, "department", "water")}
        assert app_client.get(url, headers=department).status_code == 403


@pytest.fixture
def cli_env(db: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Database:
    monkeypatch.setenv("CITYBRAIN_DATABASE_URL", settings.resolved_database_url())
    monkeypatch.setenv("CITYBRAIN_DATA_DIR", str(settings.data_dir))
    return db


class TestCli:
    def test_from_the_database_ranked_and_stored(
        self, cli_env: Database, answered: dict[str, int], tmp_path: Path
    ) -> None:
        out, book = tmp_path / "r.json", tmp_path / "r.xlsx"
        result = runner.invoke(
            app, ["analyze", "replies", "--json", str(out), "--xlsx", str(book), "--min-replies", "2"]
        )
        assert result.exit_code == 0, result.output
        body = json.loads(out.read_text(encoding="utf-8"))
        assert [r["group"].split()[0] for r in body["ranking"]["rows"]] == ["water", "power"]
        assert load_workbook(book).sheetnames == ["概况 Summary", "排名 Ranking", "最佳 Best", "最差 Worst"]
        assert "stored as insight run" in result.stderr
        with cli_env.reading() as session:
            latest = insight.latest(session, "replies")
        assert latest["results"][0]["key"].startswith("department:water")

    def test_a_file_without_departments_is_ranked_by_signature(self, cli_env: Database, tmp_path: Path) -> None:
        path = tmp_path / "replies.csv"
        signed = GOOD + " 泉塘街道办事处 2019年5月9日"
        lines = ["留言编号,留言主题,留言详情,答复意见,留言时间,答复时间"]
        lines += [
            f"{i},停车收费,{MESSAGE},{signed if i < 3 else BAD},2019/5/1 9:00:00,2019/5/6 9:00:00" for i in range(5)
        ]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        result = runner.invoke(app, ["analyze", "replies", "--input", str(path), "--top", "2", "--min-replies", "3"])
        assert result.exit_code == 0, result.output
        body = json.loads(result.stdout)
        assert body["replies"] == 5
        assert body["ranking"]["by"] == "signed_by"
        assert body["ranking"]["rows"][0]["group"] == "泉塘街道办事处"
        assert [e["id"] for e in body["bottom"]] == ["3", "4"] or [e["id"] for e in body["bottom"]] == ["4", "3"]
        assert "stored as insight run" not in result.stderr  # a file is not stored unless --save

    @pytest.mark.parametrize(
        ("args", "message"),
        [
            (["--input", "nothing.xlsx"], "no such file"),
            (["--sla-hours", "0"], "--sla-hours must be positive"),
            (["--from", "yesterday"], "must be a date"),
            (["--top", "0"], "top must be between"),
        ],
    )
    def test_bad_input_exit_2(self, cli_env: Database, answered: dict[str, int], args: list[str], message: str) -> None:
        result = runner.invoke(app, ["analyze", "replies", *args])
        assert result.exit_code == 2, result.output
        assert message in result.stderr
