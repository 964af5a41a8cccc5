"""The report as files an officer can forward: an Excel workbook (openpyxl) or a zip of CSV files.

Both are built from the report dict of ``reports.service`` with one column list per section, so the two formats
always carry the same columns. Headers are Chinese with the English beside (``响应率 response rate``); rates are
percentages in Excel and plain 0..1 numbers in CSV (for machines). The CSV files start with a UTF-8 byte-order mark
so that Excel on Windows opens the Chinese text correctly.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from citybrain.cases.joint_kpis import JOINT_KPIS
from citybrain.cases.kpis import KPIS


@dataclass(frozen=True)
class Column:
    key: str
    zh: str
    en: str
    kind: str = "count"  # count, rate, score, hours, text, p, ratio

    @property
    def head(self) -> str:
        return f"{self.zh} {self.en}"


_FORMATS = {"rate": "0.0%", "score": "0.0000", "hours": "0.0", "p": "0.0000", "ratio": "0.00", "count": "0"}
_WIDTHS = {"text": 28, "rate": 14, "score": 14, "p": 12, "ratio": 12, "hours": 14, "count": 12}

_KPI_NAMES = {k.name: (k.name_zh, k.name_en) for k in KPIS}


def _kpi(name: str, kind: str = "count") -> Column:
    """A KPI's column, headed with the registry's names (cases.kpis.KPIS)."""
    return Column(name, *_KPI_NAMES[name], kind)


_UNIT_KPIS = (
    _kpi("received"),
    _kpi("dispatched"),
    _kpi("response_rate", "rate"),
    _kpi("resolution_rate", "rate"),
    _kpi("satisfaction_rate", "rate"),
    _kpi("satisfaction_mean", "ratio"),
    _kpi("overdue"),
    Column("overdue_open", "在办超期", "overdue, open"),  # shorter than the registry's name; a CSV header, kept
    _kpi("rejected"),
    _kpi("reopened"),
    _kpi("median_hours_to_resolve", "hours"),
    Column("score", "三率综合得分", "composite score", "score"),  # the ranking's score, not a KPI
)
DEPARTMENTS = (
    Column("rank", "排名", "rank"),
    Column("department", "单位代码", "department code", "text"),
    Column("department_name", "承办单位", "department", "text"),
    *_UNIT_KPIS,
)
DISTRICTS = (
    Column("rank", "排名", "rank"),
    Column("district", "区代码", "district code", "text"),
    Column("district_name", "区", "district", "text"),
    *_UNIT_KPIS,
)
PROBLEMS = (
    Column("rank", "排名", "rank"),
    Column("category", "类别代码", "category code", "text"),
    Column("category_name", "类别", "category", "text"),
    Column("current", "本期件数", "cases this period"),
    Column("previous", "上期件数", "cases previous period"),
    Column("rate_ratio", "日均增幅倍数", "daily-rate ratio", "ratio"),
    Column("p_value", "上升p值", "rise p-value", "p"),
    Column("q_value", "校正q值", "BH q-value", "p"),
    Column("rising", "显著上升", "significant rise", "text"),
    Column("scored", "评价数", "scored callbacks"),
    _kpi("satisfaction_rate", "rate"),
    Column("satisfaction_shrunk", "收缩满意率", "shrunk satisfaction", "rate"),
    Column("volume_score", "量分", "volume score", "score"),
    Column("growth_score", "升分", "growth score", "score"),
    Column("dissatisfaction_score", "不满意分", "dissatisfaction score", "score"),
    Column("score", "候选得分", "candidate score", "score"),
    Column("reasons", "理由", "reasons", "text"),
)
_JOINT_KPIS = tuple(Column(k.name, k.name_zh, k.name_en, k.kind) for k in JOINT_KPIS)
JOINT = (
    Column("department", "单位代码", "department code", "text"),
    Column("department_name", "参与单位", "participating department", "text"),
    *_JOINT_KPIS,
)
SECTIONS = (
    ("departments", "承办单位 Departments", DEPARTMENTS),
    ("districts", "区 Districts", DISTRICTS),
    ("problems", "每月一题 Top problems", PROBLEMS),
    ("joint_departments", "联合办理 Joint handling", JOINT),
)


def _value(row: dict[str, Any], column: Column) -> Any:
    value = row.get(column.key)
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    if isinstance(value, bool):
        return "是 yes" if value else "否 no"
    return value


def header_rows(report: dict[str, Any]) -> list[tuple[str, str]]:
    """The header section as (label, value) pairs: title, period, times, totals, then the definitions."""
    head = report["header"]
    period = head["period"]
    rows = [
        ("报告 report", f"{head['title_zh']} {head['title_en']}"),
        ("期间 period", f"{period['from']} – {period['to']} ({period['days']} 天 days, {head['timezone']})"),
        ("对比期 previous period", f"{period['previous_from']} – {period['previous_to']}"),
        ("生成时间 generated at", head["generated_at"]),
        ("超期判定时点 as of", head["as_of"]),
        ("类别层级 category level", str(head["category_level"])),
    ]
    for column in _UNIT_KPIS[:-1]:
        value = report["total"].get(column.key)
        rows.append((f"全市 city: {column.head}", "—" if value is None else str(value)))
    for column in _JOINT_KPIS:
        value = report["joint_total"].get(column.key)
        rows.append((f"全市联办 city, joint: {column.head}", "—" if value is None else str(value)))
    for item in head["definitions"]:
        rows.append((f"定义 {item['name_zh']} {item['name_en']}", item["definition"]))
    for kpi in JOINT_KPIS:
        rows.append((f"定义 {kpi.name_zh} {kpi.name_en}", kpi.definition))
    return rows


def to_xlsx(report: dict[str, Any]) -> bytes:
    """The workbook: 说明 (header) first, then one sheet per section with a frozen, bold header row."""
    book = Workbook()
    sheet = book.active
    sheet.title = "说明 About"
    sheet.append(["项目 item", "内容 value"])
    for label, value in header_rows(report):
        sheet.append([label, value])
    sheet.column_dimensions["A"].width = 42
    sheet.column_dimensions["B"].width = 100
    for cell in sheet["B"]:
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    _style_head(sheet, 2)
    for key, title, columns in SECTIONS:
        _section_sheet(book.create_sheet(title), report[key], columns)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _section_sheet(sheet: Any, rows: Sequence[dict[str, Any]], columns: Sequence[Column]) -> None:
    sheet.append([c.head for c in columns])
    for row in rows:
        sheet.append([_value(row, c) for c in columns])
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = (
            60 if column.key == "reasons" else max(_WIDTHS[column.kind], len(column.head) + 2)
        )
        if column.kind in _FORMATS:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = _FORMATS[column.kind]
    _style_head(sheet, len(columns))


def _style_head(sheet: Any, width: int) -> None:
    fill = PatternFill("solid", fgColor="DDEBF7")
    for cell in sheet[1][:width]:
        cell.font = Font(bold=True)
        cell.fill = fill
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    sheet.freeze_panes = "A2"


def to_csv_zip(report: dict[str, Any]) -> bytes:
    """A zip of ``header.csv``, ``departments.csv``, ``districts.csv``, ``problems.csv`` and
    ``joint_departments.csv`` (UTF-8 with BOM)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("header.csv", _csv([("项目 item", "内容 value"), *header_rows(report)]))
        for key, _title, columns in SECTIONS:
            lines: list[Sequence[Any]] = [[c.head for c in columns]]
            lines += [[_cell(_value(row, c)) for c in columns] for row in report[key]]
            archive.writestr(f"{key}.csv", _csv(lines))
    return buffer.getvalue()


def _cell(value: Any) -> Any:
    return "" if value is None else value


def _csv(lines: Sequence[Sequence[Any]]) -> str:
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows(lines)
    return out.getvalue()


# --- reply quality ------------------------------------------------------------------------------------------------

_ASPECT_COLUMNS = (
    Column("overall", "总分", "overall", "score"),
    Column("relevance", "相关性", "relevance", "score"),
    Column("completeness", "完整性", "completeness", "score"),
    Column("timeliness", "及时性", "timeliness", "score"),
    Column("explanation", "可解释性", "explanation", "score"),
)
REPLY_GROUPS = (
    Column("rank", "排名", "rank"),
    Column("group", "单位", "department", "text"),
    Column("replies", "答复数", "replies"),
    *_ASPECT_COLUMNS,
    Column("low_share", "低分占比(<0.4)", "share below 0.4", "rate"),
    Column("overall_ci95", "总分95%区间半宽", "overall ±95 % CI", "score"),
)
REPLY_EXAMPLES = (
    Column("id", "编号", "id", "text"),
    Column("department", "单位", "department", "text"),
    Column("title", "留言主题", "message title", "text"),
    *_ASPECT_COLUMNS,
    Column("reasons", "理由", "reasons", "text"),
    Column("reply_excerpt", "答复摘录(已脱敏)", "reply excerpt (masked)", "text"),
)
REPLY_DISTRIBUTION = (
    Column("aspect", "维度", "aspect", "text"),
    Column("n", "数量", "n"),
    Column("mean", "均值", "mean", "score"),
    Column("p25", "下四分位", "25th percentile", "score"),
    Column("median", "中位数", "median", "score"),
    Column("p75", "上四分位", "75th percentile", "score"),
    Column("histogram", "分布(0-1 十档)", "histogram (10 bins over 0-1)", "text"),
)


def _flat_example(example: dict[str, Any]) -> dict[str, Any]:
    """Scores as plain numbers and every aspect's reasons in one cell."""
    row = dict(example)
    reasons: list[str] = []
    for column in _ASPECT_COLUMNS[1:]:
        aspect = example.get(column.key)
        row[column.key] = None if aspect is None else aspect["score"]
        if aspect is not None:
            reasons += [f"[{column.zh}] {r}" for r in aspect["reasons"]]
    row["reasons"] = reasons
    return row


def replies_xlsx(result: dict[str, Any]) -> bytes:
    """概况 (distribution and method), 排名 (groups), 最佳 / 最差 (examples) — one workbook."""
    book = Workbook()
    summary = book.active
    summary.title = "概况 Summary"
    rows = [{"aspect": k, **v} for k, v in result["distribution"].items()]
    _section_sheet(summary, rows, REPLY_DISTRIBUTION)
    summary.append([])
    summary.append(["来源 source", result["source"]])
    summary.append(["答复数 replies", result["replies"]])
    for key, value in result["method"].items():
        summary.append([f"参数 {key}", value])
    _section_sheet(book.create_sheet("排名 Ranking"), result["ranking"]["rows"], REPLY_GROUPS)
    _section_sheet(book.create_sheet("最佳 Best"), [_flat_example(e) for e in result["top"]], REPLY_EXAMPLES)
    _section_sheet(book.create_sheet("最差 Worst"), [_flat_example(e) for e in result["bottom"]], REPLY_EXAMPLES)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
