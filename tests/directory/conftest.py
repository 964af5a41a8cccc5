"""Directory fixtures: two districts, keys per role, and small spreadsheets (good and bad) written on the fly."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from citybrain.core.db import Database
from citybrain.models import Category, District
from tests.conftest import make_key

TAXONOMY_HEADER = ("一级分类", "二级分类", "三级分类")


@pytest.fixture
def districts(db: Database) -> tuple[str, str]:
    with db.transaction() as s:
        s.add_all(
            [District(code="A1", name_zh="A1区", name_en="A1"), District(code="A2", name_zh="A2区", name_en="A2")]
        )
    return "A1", "A2"


@pytest.fixture
def admin_headers(db: Database) -> dict[str, str]:
    return {"X-API-Key": make_key(db, "admin")}


@pytest.fixture
def supervisor_headers(db: Database) -> dict[str, str]:
    return {"X-API-Key": make_key(db, "supervisor")}


def write_xlsx(path: Path, rows: Sequence[Sequence[Any]]) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(list(row))
    workbook.save(path)
    return path


def category_count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(Category)) or 0)
