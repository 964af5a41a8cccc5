"""``citybrain knowledge``: seeding drafts from replies and resolved cases, expiring items — what lands in the DB."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from citybrain.cli.main import app
from citybrain.core.clock import city_today, utcnow
from citybrain.core.db import Database
from citybrain.core.settings import Settings
from citybrain.knowledge import service
from citybrain.knowledge.schemas import ItemIn
from citybrain.models import Case, KnowledgeItem, KnowledgeVersion
from tests.directory.conftest import write_xlsx

runner = CliRunner()
HEAD = ("留言编号", "留言用户", "留言主题", "留言时间", "留言详情", "答复意见", "答复时间")


@pytest.fixture
def cli_db(db: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Database:
    monkeypatch.setenv("CITYBRAIN_DATABASE_URL", settings.resolved_database_url())
    monkeypatch.setenv("CITYBRAIN_DATA_DIR", str(settings.data_dir))
    return db


def counts(db: Database) -> tuple[int, list[str]]:
    with db.reading() as s:
        items = int(s.scalar(select(func.count()).select_from(KnowledgeItem)) or 0)
        return items, sorted(set(s.scalars(select(KnowledgeVersion.status))))


def test_seed_replies_makes_drafts_once_and_reports_rows_without_a_reply(cli_db: Database, tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "replies.xlsx", [
        HEAD,
        (2549, "A00045581", "小区路灯不亮", "2019/4/25 9:32:09", "路灯坏了一个月",
         "经核实已修复。市城管局 2019年5月9日", "2019/5/9 9:49:10"),
        (2554, "A00023583", "噪音扰民", "2019/4/24 16:03:40", "夜间施工", "", "2019/5/9 9:49:14"),
    ])  # fmt: skip
    first = runner.invoke(app, ["knowledge", "seed-replies", "--input", str(path)], terminal_width=200)
    assert first.exit_code == 0, first.output
    assert "1 drafts added, 0 already seeded, 1 rejected" in first.output
    report = next((cli_db.settings.data_dir / "import-reports").glob("knowledge-replies-*.csv"))
    assert "2554" in report.read_text(encoding="utf-8")
    assert counts(cli_db) == (1, ["draft"])
    with cli_db.reading() as s:
        version = s.scalars(select(KnowledgeVersion)).one()
        item = s.scalars(select(KnowledgeItem)).one()
        assert (item.source_kind, item.source_ref, item.source_name) == ("reply", "2549", "replies.xlsx")
        assert (version.department, str(version.valid_from)) == ("市城管局", "2019-05-09")
    again = runner.invoke(app, ["knowledge", "seed-replies", "--input", str(path)], terminal_width=200)
    assert "0 drafts added, 1 already seeded" in again.output
    assert counts(cli_db)[0] == 1


def test_seed_replies_refuses_a_missing_or_wrong_file(cli_db: Database, tmp_path: Path) -> None:
    missing = runner.invoke(app, ["knowledge", "seed-replies", "--input", str(tmp_path / "nope.xlsx")])
    assert missing.exit_code == 2
    wrong = write_xlsx(tmp_path / "wrong.xlsx", [("a", "b"), (1, 2)])
    result = runner.invoke(app, ["knowledge", "seed-replies", "--input", str(wrong)], terminal_width=200)
    assert result.exit_code == 2
    assert "no reply column" in result.output
    assert counts(cli_db)[0] == 0


def test_seed_cases_takes_resolved_cases_with_a_reply_only(cli_db: Database) -> None:
    now = utcnow()
    with cli_db.transaction() as s:
        for n, (status, reply) in enumerate([("resolved", "已修复路灯"), ("received", None), ("closed", "")]):
            s.add(Case(title=f"路灯{n}", text="路灯不亮", status=status, reply=reply, created_at=now, updated_at=now,
                       category_code=None, district_code="D1"))  # fmt: skip
    result = runner.invoke(app, ["knowledge", "seed-cases"], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "1 drafts added" in result.output
    with cli_db.reading() as s:
        version = s.scalars(select(KnowledgeVersion)).one()
        assert (version.status, version.answer, version.region) == ("draft", "已修复路灯", "D1")
    again = runner.invoke(app, ["knowledge", "seed-cases"]).output
    assert "0 drafts added from resolved cases, 1 already seeded" in again


def test_expiring_lists_and_expire_ends_items_past_their_validity(cli_db: Database) -> None:
    today = city_today(cli_db.settings.timezone)
    with cli_db.transaction() as s:
        for n, days in enumerate((-1, 10, 60)):
            data = ItemIn(question=f"问题{n}", answer="答案", valid_to=today + timedelta(days=days))
            item, _ = service.create(session=s, data=data, actor="a")
            service.review(session=s, item_id=item.id, actor="b")
            version = service.get(session=s, item_id=item.id)[1]
            version.status = "published"  # published while it was still valid
    listed = runner.invoke(app, ["knowledge", "expiring", "--days", "30"], terminal_width=200)
    assert listed.exit_code == 0, listed.output
    assert "问题0" in listed.output
    assert "问题1" in listed.output
    assert "问题2" not in listed.output
    done = runner.invoke(app, ["knowledge", "expire"])
    assert "1 items expired" in done.output
    with cli_db.reading() as s:
        statuses = {r[0]: r[1] for r in s.execute(select(KnowledgeVersion.question, KnowledgeVersion.status))}
    assert statuses == {"问题0": "expired", "问题1": "published", "问题2": "published"}
