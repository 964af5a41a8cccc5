"""The bigram search index (migration 0021, ``cases.search_index``): the staff search by words finds exactly what
the LIKE scan finds, and the index keeps in step with every way a case's texts are written.

Real citizen messages (Teddy Cup 2020, ../shared/data/teddy2020c, read at test time) are the cases; the queries
are cut from them (1 to 8 characters) and written by hand (ASCII, mixed, punctuation, ``%`` and ``_``).
"""

from __future__ import annotations

import csv
import sqlite3
from pathlib import Path

import pytest
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import ColumnElement, Engine, delete, func, inspect, select, text

from citybrain.cases import repository, search_index
from citybrain.cases.retention_repository import update_rows
from citybrain.core import clock, migrate
from citybrain.core.db import Database
from citybrain.models import Case, CaseContact, CaseEvent
from citybrain.nlp.bigrams import document_terms, pairs, runs
from tests.cases.conftest import Keys
from tests.conftest import downgrade, shared_path
from tests.intake.import_support import CANONICAL_HEADER, canonical_row, cli_db, run_import, write_csv

__all__ = ["cli_db"]

HAND_QUERIES = [
    "噪音", "路灯", "供暖", "供暖费", "小区", "物业", "A市", "a市", "A1区", "M市7路", "7路", "公交车", "Water",
    "water leak", "LEAK", "ea", "50%", "50%_", "%", "_", "%_", "0%", "x_y", "灯", "市", "3 号", "号楼", "，",
    "“缺席”", "缺席”", "。",
    "高峰期却总是", "上下班 高峰", "road", "oa", "U0", "2017年", "17/12", " ", "--", "物业管理方面存在很多的问题",
]  # fmt: skip


def _messages() -> list[dict[str, str]]:
    path = shared_path("data", "teddy2020c", "messages_labelled.csv")
    with path.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))[:300]


def _cut_queries(messages: list[dict[str, str]]) -> list[str]:
    """Substrings of the messages, 1 to 8 characters, from fixed places (the same queries every run)."""
    found: list[str] = []
    for n, message in enumerate(messages[:60]):
        body = message["detail"] or message["text"]
        start = (n * 7) % max(len(body) - 10, 1)
        found.append(body[start : start + 1 + n % 8])
    return found


@pytest.fixture
def real_cases(db: Database) -> list[int]:
    """300 real messages as cases: title, text, and an address cut from the text (every third without one)."""
    now = clock.utcnow()
    with db.transaction() as session:
        cases = [
            Case(
                title=m["title"] or m["text"][:20],
                text=(m["detail"] or m["text"]) + " Water LEAK 50%_活动 x_y",
                address=None if n % 3 == 0 else (m["text"][2:12] + f" {n}号楼"),
                created_at=now,
                updated_at=now,
            )
            for n, m in enumerate(_messages())
        ]
        session.add_all(cases)
        session.flush()
        return [c.id for c in cases]


def _like(words: str) -> ColumnElement[bool]:
    """The search as it was before the index: the LIKE alone (what ``words_clause`` must keep answering)."""
    columns = (Case.title, Case.text, Case.address)
    if words.lower() == words.upper():
        return (
            columns[0].contains(words, autoescape=True)
            | columns[1].contains(words, autoescape=True)
            | columns[2].contains(words, autoescape=True)
        )
    return (
        columns[0].icontains(words, autoescape=True)
        | columns[1].icontains(words, autoescape=True)
        | columns[2].icontains(words, autoescape=True)
    )


def _ids(db: Database, clause: ColumnElement[bool]) -> set[int]:
    with db.reading() as session:
        return set(session.scalars(select(Case.id).where(clause)))


def _index_agrees(db: Database) -> None:
    """Every case's indexed terms are those of its texts now (and nothing is left marked stale)."""
    with db.reading() as session:
        cases = session.execute(select(Case.id, Case.title, Case.text, Case.address)).all()
        if db.engine.dialect.name == "sqlite":
            indexed = {r[0]: r[1] for r in session.execute(text("SELECT rowid, terms FROM case_search"))}
            assert session.execute(text("SELECT count(*) FROM case_search_stale")).scalar_one() == 0
            assert indexed == {c.id: document_terms(c.title, c.text, c.address) for c in cases}
        else:
            stored = text("SELECT id, citybrain_case_terms(title, text, address) FROM cases")
            indexed = {r[0]: set(r[1]) for r in session.execute(stored)}
            expected = {c.id: set(document_terms(c.title, c.text, c.address).split()) for c in cases}
            assert indexed == expected


class TestSameAsLike:
    def test_every_query_finds_what_the_like_finds(self, db: Database, real_cases: list[int]) -> None:
        queries = HAND_QUERIES + _cut_queries(_messages())
        indexed_queries = 0
        for words in queries:
            if words.removeprefix("#").isascii() and words.removeprefix("#").isdigit():
                continue  # a case number, not words
            expected = _ids(db, _like(words))
            assert _ids(db, repository.words_clause(words)) == expected, words
            found = search_index.candidates(words)
            if found is not None:
                indexed_queries += 1
                assert _ids(db, found) >= expected, words  # the index never misses a case the LIKE finds
        assert indexed_queries > 50  # most queries are answered from the index, not by the scan
        assert 0 < len(_ids(db, _like("物业"))) < len(real_cases)

    def test_the_index_narrows_the_cases(self, db: Database, real_cases: list[int]) -> None:
        found = search_index.candidates("公交车")
        assert found is not None
        narrowed = _ids(db, found)
        assert 0 < len(narrowed) < len(real_cases) // 2
        assert search_index.candidates("灯") is None  # scanned

    def test_the_index_holds_the_terms_of_every_case(self, db: Database, real_cases: list[int]) -> None:
        _index_agrees(db)


class TestInStep:
    def test_an_edit_a_purge_and_a_delete(self, db: Database, real_cases: list[int]) -> None:
        first, second, third = real_cases[:3]
        with db.transaction() as session:
            case = session.get(Case, first)
            assert case is not None
            case.text, case.address = "供暖费太贵了", "暖山路"
        assert first in _ids(db, repository.words_clause("供暖费"))
        assert first in _ids(db, repository.words_clause("暖山"))
        with db.transaction() as session:  # the privacy purge's writer: one executemany UPDATE
            update_rows(session, Case, [{"id": second, "title": "", "text": "已清除", "address": None}])
        assert second in _ids(db, repository.words_clause("清除"))
        with db.transaction() as session:
            for table in (CaseEvent, CaseContact):
                session.execute(delete(table).where(table.case_id == third))
            session.execute(delete(Case).where(Case.id == third))
        _index_agrees(db)

    def test_a_merge_keeps_both_cases_findable(self, db: Database, real_cases: list[int]) -> None:
        with db.transaction() as session:
            case = session.get(Case, real_cases[4])
            assert case is not None
            case.duplicate_of, case.status = real_cases[5], "merged"
            title = case.title
        assert real_cases[4] in _ids(db, repository.words_clause(runs(title)[0]))
        _index_agrees(db)

    @pytest.mark.usefixtures("cli_db")
    def test_a_bulk_import(self, db: Database, tmp_path: Path) -> None:
        rows = [canonical_row(f"S{n}", text=f"第{n}号楼电梯停运 Elevator{n}") for n in range(30)]
        result = run_import("canonical", write_csv(tmp_path / "cases.csv", CANONICAL_HEADER, rows))
        assert result.exit_code == 0, result.output
        assert len(_ids(db, repository.words_clause("电梯停运"))) == 30
        assert len(_ids(db, repository.words_clause("号楼电梯"))) == 30
        assert len(_ids(db, repository.words_clause("elevator2"))) == 11  # Elevator2, Elevator20 … 29
        _index_agrees(db)


class TestApi:
    def test_totals_are_the_like_counts(
        self, app_client: TestClient, keys: Keys, db: Database, real_cases: list[int]
    ) -> None:
        for words in ("物业", "小区", "公交车", "Water", "50%_", "灯"):
            response = app_client.get("/api/v1/cases", params={"q": words, "limit": 5}, headers=keys.operator)
            assert response.status_code == 200, response.text
            with db.reading() as session:
                expected = session.scalar(select(func.count()).select_from(Case).where(_like(words)))
            assert response.json()["total"] == expected, words


@pytest.fixture
def sqlite_path(db: Database) -> Path:
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the sqlite3 shell writes to SQLite only")
    database = db.engine.url.database
    assert database
    return Path(database)


def test_a_write_from_the_sqlite3_shell_works_and_stays_findable(
    db: Database, real_cases: list[int], sqlite_path: Path
) -> None:
    """The triggers call no application function: a plain sqlite3 connection may write; the case is found (it
    waits as stale) and the application's next commit indexes it."""
    shell = sqlite3.connect(sqlite_path)
    try:
        shell.execute("UPDATE cases SET text = '壳里改的字' WHERE id = ?", (real_cases[0],))
        shell.commit()
    finally:
        shell.close()
    assert _ids(db, repository.words_clause("里改的")) == {real_cases[0]}
    with db.transaction() as session:
        session.execute(text("SELECT 1"))
    _index_agrees(db)


def test_the_migration_goes_down_and_up_again_and_backfills(db: Database, real_cases: list[int]) -> None:
    config = migrate.alembic_config()
    with db.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0020")
    try:
        tables = set(inspect(db.engine).get_table_names())
        assert not any(t.startswith("case_search") for t in tables)
        if db.engine.dialect.name == "postgresql":
            assert search_index.POSTGRESQL_INDEX not in {i["name"] for i in inspect(db.engine).get_indexes("cases")}
            with db.engine.connect() as conn:  # this database's schema only: other tests' schemas have their own
                left = conn.execute(
                    text(
                        "SELECT count(*) FROM pg_proc WHERE pronamespace = current_schema()::regnamespace "
                        "AND proname IN ('citybrain_search_terms', 'citybrain_case_terms')"
                    )
                ).scalar()
            assert left == 0
        with db.transaction() as session:  # a write below 0021 works (the commit's refresh finds no index)
            case = session.get(Case, real_cases[0])
            assert case is not None
            case.text = "降级时写的供暖投诉"
    finally:  # the session's shared database goes back to the head whatever failed above
        migrate.upgrade(db.engine)
    assert _ids(db, repository.words_clause("供暖投诉")) == {real_cases[0]}  # exact while every case waits as stale
    with db.transaction() as session:  # the next commit writes the waiting cases' terms (the backfill)
        session.execute(text("SELECT 1"))
    _index_agrees(db)
    assert migrate.current_revision(db.engine) == migrate.head_revisions()[0]


def test_the_migration_round_trip_on_an_empty_database(fresh_engine: Engine) -> None:
    migrate.upgrade(fresh_engine)
    downgrade(fresh_engine, "0020")
    assert not any(t.startswith("case_search") for t in inspect(fresh_engine).get_table_names())
    migrate.upgrade(fresh_engine)
    assert migrate.current_revision(fresh_engine) == migrate.head_revisions()[0]


def test_pairs_of_the_real_messages_are_substrings() -> None:
    for message in _messages()[:50]:
        for run in runs(message["text"]):
            assert all(pair in run for pair in pairs(run))
