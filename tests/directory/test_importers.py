"""Importing the real three-level taxonomy: exact counts, idempotent, and bad files write nothing."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from openpyxl import load_workbook

from citybrain.core.db import Database
from citybrain.core.errors import ImportRejected
from citybrain.directory import importers, repository, service
from tests.conftest import shared_path
from tests.directory.conftest import TAXONOMY_HEADER, category_count, write_xlsx


@pytest.fixture
def taxonomy_file() -> Path:
    return shared_path("data", "teddy2020c", "taxonomy_附件1.xlsx")


def test_counts_match_the_file(taxonomy_file: Path) -> None:
    """PROVENANCE's 15/103/390 are distinct *names*; as a tree the 517 rows are 15/118/517 nodes.

    '其他' (other) is a second-level name under all 15 first-level labels and '安全生产' under two,
    so 103 names make 118 second-level nodes; every one of the 517 rows is a distinct path.
    """
    workbook = load_workbook(taxonomy_file, read_only=True)
    rows = [r[:3] for r in list(workbook.worksheets[0].iter_rows(values_only=True))[1:]]
    workbook.close()
    parsed = importers.read_taxonomy(taxonomy_file)
    assert parsed.rows_read == len(rows) == 517
    assert parsed.distinct_names_per_level() == (15, 103, 390)
    assert parsed.nodes_per_level() == (15, len({r[:2] for r in rows}), len(set(rows))) == (15, 118, 517)
    second_level_parents = Counter(b for _a, b in {r[:2] for r in rows})
    assert second_level_parents["其他"] == 15


def test_import_builds_the_tree_and_a_second_run_adds_nothing(db: Database, taxonomy_file: Path) -> None:
    with db.transaction() as s:
        before = category_count(s)
        report = importers.import_taxonomy(session=s, path=taxonomy_file)
    assert (report.added, report.already_present) == (650, 0)
    with db.transaction() as s:
        assert category_count(s) == before + 650
        imported = [c for c in repository.categories(s) if c.code.startswith("t.")]
        by_level = Counter(c.level for c in imported)
        assert (by_level[1], by_level[2], by_level[3]) == (15, 118, 517)
        names = {c.code: c.name_zh for c in imported}
        leaf = next(c for c in imported if c.name_zh == "事故处理")
        assert leaf.parent_code is not None
        assert names[leaf.parent_code] == "安全生产"
        parent = repository.category(s, leaf.parent_code)
        assert parent is not None
        assert parent.parent_code is not None
        assert names[parent.parent_code] == "城乡建设"
        assert (
            leaf.code
            == f"t.{importers.segment('城乡建设')}.{importers.segment('安全生产')}.{importers.segment('事故处理')}"
        )
        # an imported branch is routable like any other: one rule on the level-1 code covers all below it
        flat = service.category_tree(session=s, level=1)
        assert sum(1 for n in flat if n.code.startswith("t.")) == 15
    with db.transaction() as s:
        again = importers.import_taxonomy(session=s, path=taxonomy_file)
    assert (again.added, again.already_present) == (0, 650)
    with db.transaction() as s:
        assert category_count(s) == before + 650


def test_a_file_that_is_not_xlsx_is_rejected(db: Database, tmp_path: Path) -> None:
    bogus = tmp_path / "taxonomy.xlsx"
    bogus.write_text("一级分类,二级分类,三级分类\n城乡建设,安全生产,事故处理\n", encoding="utf-8")
    _assert_rejected(db, bogus, "not a readable .xlsx")


def test_a_truncated_xlsx_is_rejected(db: Database, taxonomy_file: Path, tmp_path: Path) -> None:
    cut = tmp_path / "cut.xlsx"
    data = taxonomy_file.read_bytes()
    cut.write_bytes(data[: len(data) // 2])
    _assert_rejected(db, cut, "xlsx")


def test_wrong_columns_are_rejected_with_what_was_found(db: Database, tmp_path: Path) -> None:
    wrong = write_xlsx(tmp_path / "wrong.xlsx", [("分类", "子类"), ("城乡建设", "安全生产")])
    _assert_rejected(db, wrong, "missing column(s) 一级分类, 二级分类, 三级分类; the first row has: 分类, 子类")


def test_one_bad_row_rejects_the_whole_file(db: Database, tmp_path: Path) -> None:
    rows = [TAXONOMY_HEADER, ("城乡建设", "安全生产", "事故处理"), ("交通运输", None, "出租车"), ("民政", "养老", "")]
    bad = write_xlsx(tmp_path / "gap.xlsx", rows)
    _assert_rejected(db, bad, "row 3: a level is empty above a filled one")


def test_a_header_only_file_and_a_missing_file_are_rejected(db: Database, tmp_path: Path) -> None:
    _assert_rejected(db, write_xlsx(tmp_path / "empty.xlsx", [TAXONOMY_HEADER]), "no taxonomy rows")
    _assert_rejected(db, tmp_path / "absent.xlsx", "no such file")


def test_a_small_file_with_partial_paths_and_extra_columns(db: Database, tmp_path: Path) -> None:
    rows = [("备注", *TAXONOMY_HEADER), ("x", " 城乡建设 ", "安全生产", "事故处理"), ("y", "民政", "养老", None)]
    good = write_xlsx(tmp_path / "small.xlsx", rows)
    with db.transaction() as s:
        report = importers.import_taxonomy(session=s, path=good)
    assert report.parsed.nodes_per_level() == (2, 2, 1)
    with db.transaction() as s:
        assert repository.category(s, f"t.{importers.segment('城乡建设')}") is not None


def _assert_rejected(db: Database, path: Path, message: str) -> None:
    with db.transaction() as s:
        before = category_count(s)
    with pytest.raises(ImportRejected) as caught, db.transaction() as s:
        importers.import_taxonomy(session=s, path=path)
    assert message in caught.value.message
    assert caught.value.status_code == 400
    with db.transaction() as s:
        assert category_count(s) == before
