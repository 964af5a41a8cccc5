"""``citybrain import teddy``: the four files recognised by their columns, replies, contacts, real files."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import openpyxl
from sqlalchemy import select

from citybrain.core.db import Database
from citybrain.models import CaseContact
from tests.conftest import shared_path
from tests.intake.import_support import case_by_key, cli_db, counts, report_rows, run_import, summary_numbers, write_csv

__all__ = ["cli_db"]

MESSAGE = ["留言编号", "留言用户", "留言主题", "留言时间", "留言详情"]


def _xlsx(path: Path, header: list[str], rows: list[list[Any]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def _account(db: Database, case_id: int) -> str | None:
    with db.transaction() as session:
        return session.scalar(select(CaseContact.account_id).where(CaseContact.case_id == case_id))


def test_replies_become_resolved_cases_with_the_reply(cli_db: Database, tmp_path: Path) -> None:
    rows = [
        [2549, "A00045581", "A2区景蓉华苑物业管理有问题", "2019/4/25 9:32:09", "\n\t\t物业\n\t乱收费\n",
         "\n\t已转物业公司整改。", "2019/5/10 14:56:53"],
        [2550, "A00045582", "噪音", datetime(2019, 4, 26, 8, 0), "夜间施工", "已处理", "2019/4/1 10:00:00"],
    ]  # fmt: skip
    path = _xlsx(tmp_path / "replies.xlsx", [*MESSAGE, "答复意见", "答复时间"], rows)
    result = run_import("teddy", path)
    assert result.exit_code == 0, result.output
    case = case_by_key(cli_db, "teddy", "2549")
    assert (case.status, case.channel, case.text, case.reply) == (
        "resolved",
        "web",
        "物业 乱收费",
        "已转物业公司整改。",
    )
    assert case.created_at == datetime(2019, 4, 25, 1, 32, 9, tzinfo=UTC)  # Asia/Shanghai = UTC+8
    assert case.resolved_at == datetime(2019, 5, 10, 6, 56, 53, tzinfo=UTC)
    assert _account(cli_db, case.id) == "A00045581"
    early = case_by_key(cli_db, "teddy", "2550")  # replied before it was written: kept, reply time dropped
    assert early.resolved_at is None
    assert early.created_at == datetime(2019, 4, 26, 0, 0, tzinfo=UTC)
    assert [r["source_key"] for r in report_rows(result.output)] == ["2550"]


def test_hot_issues_keep_likes_under_their_own_keys(cli_db: Database, tmp_path: Path) -> None:
    rows = [[188006, "A000102948", "婚纱摄影是否合法纳税", "2019/2/28 11:25:05", "详情", 2, 15]]
    path = _xlsx(tmp_path / "hot.xlsx", [*MESSAGE, "反对数", "点赞数"], rows)
    result = run_import("teddy", path)
    assert result.exit_code == 0, result.output
    case = case_by_key(cli_db, "teddy", "hot-188006")
    assert (case.likes, case.dislikes, case.status) == (15, 2, "received")


def test_labelled_messages_map_labels_and_keep_rows_without_time(cli_db: Database, tmp_path: Path) -> None:
    header = ["id", "message_id", "user", "time", "title", "detail", "text", "label"]
    rows = [
        ["M1", "137791", "U0002445", "2017/12/27 8:50:41", "7路公交车缺席", "详情", "7路公交车缺席详情", "交通运输"],
        ["M2", "", "", "", "", "", "只保留了合并文本的留言", "城乡建设"],
        ["M3", "137792", "U0002446", "2018/1/2 9:00:00", "标题", "详情", "", "政法"],
    ]
    result = run_import("teddy", write_csv(tmp_path / "labelled.csv", header, rows))
    assert result.exit_code == 0, result.output
    bus = case_by_key(cli_db, "teddy", "137791")
    assert (bus.category_code, bus.source_category, bus.title) == ("transit", "交通运输", "7路公交车缺席")
    merged = case_by_key(cli_db, "teddy", "M2")
    assert (merged.category_code, merged.text) == ("construction", "只保留了合并文本的留言")
    assert merged.attributes is not None
    assert merged.attributes["time_unknown"] is True
    politics = case_by_key(cli_db, "teddy", "137792")  # a label with no counterpart: kept as source_category
    assert (politics.category_code, politics.source_category) == (None, "政法")
    assert [(r["source_key"], r["action"]) for r in report_rows(result.output)] == [("M2", "kept")]


def test_unknown_layout_lists_what_it_expects(cli_db: Database, tmp_path: Path) -> None:
    path = _xlsx(
        tmp_path / "taxonomy.xlsx", ["一级分类", "二级分类", "三级分类"], [["城乡建设", "安全生产", "事故处理"]]
    )
    result = run_import("teddy", path)
    assert result.exit_code == 2
    assert "not a Teddy message file" in result.output
    assert "答复意见" in result.output
    assert counts(cli_db) == (0, 0, 0)


def test_real_labelled_messages_and_replies(cli_db: Database) -> None:
    labelled = run_import("teddy", shared_path("data", "teddy2020c", "messages_labelled.csv"))
    assert labelled.exit_code == 0, labelled.output
    numbers = summary_numbers(labelled.output)
    assert numbers["read"] == 2600
    assert numbers["imported"] + numbers["rejected"] == 2600
    assert numbers["rejected"] <= 1  # one 留言编号 appears twice in the file
    replies = run_import("teddy", shared_path("data", "teddy2020c", "replies_附件4.xlsx"))
    assert replies.exit_code == 0, replies.output
    again = summary_numbers(replies.output)
    assert again["read"] == 2816
    assert again["skipped"] == 9  # messages already imported from messages_labelled.csv
    assert again["imported"] == 2807
    cases, contacts, batches = counts(cli_db)
    assert (cases, batches) == (numbers["imported"] + 2807, 2)
    assert contacts > 2807  # every reply message has its (anonymised) user
