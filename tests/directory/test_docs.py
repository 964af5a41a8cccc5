"""docs/directory.md stays in step with the defaults and the commands (a test fails when one is undocumented)."""

from __future__ import annotations

from pathlib import Path

import pytest

from citybrain.cli.directory import app
from citybrain.directory.defaults import SLA_DEFAULTS, default_data

DOC = Path(__file__).resolve().parents[2] / "docs" / "directory.md"


@pytest.fixture(scope="module")
def doc() -> str:
    return DOC.read_text(encoding="utf-8")


def test_every_default_category_department_and_attribute_is_documented(doc: str) -> None:
    for item in default_data("categories"):
        assert f"| `{item['code']}` | {item['name_zh']} | {item['name_en']} | {item['sla_code']} |" in doc, item["code"]
    for item in default_data("departments"):
        assert f"| `{item['code']}` | {item['name_zh']} | {item['name_en']} |" in doc, item["code"]
    for item in default_data("service_attributes"):
        assert f"| `{item['category']}` | `{item['code']}` | {item['datatype']} |" in doc, item["code"]


def test_sla_table_matches_the_code(doc: str) -> None:
    for code, name_zh, _en, accept, resolve in SLA_DEFAULTS:
        row = next(line for line in doc.splitlines() if line.startswith(f"| `{code}` | {name_zh} |"))
        assert f"| {accept:g} h |" in row, code
        assert f"{resolve:g} h" in row, code


def test_every_command_is_documented(doc: str) -> None:
    for command in app.registered_commands:
        assert f"citybrain directory {command.name}" in doc, command.name
