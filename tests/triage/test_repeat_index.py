"""The repeat index follows the database and keeps only the window: a server running for months stays small."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from citybrain.cases import repository as cases_repository
from citybrain.cases.plan import plan_case
from citybrain.cases.schemas import NewCase
from citybrain.core.db import Database
from citybrain.core.settings import Settings
from citybrain.directory.snapshot import load_snapshot
from citybrain.triage.repeats import RepeatIndex

T0 = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)


def add_cases(db: Database, texts: list[str], at: datetime) -> None:
    with db.transaction() as s:
        directory = load_snapshot(s)
        drafts = [NewCase(text=t, category_code="roads.lighting", created_at=at, lat=28.2, lon=112.9) for t in texts]
        cases_repository.insert_planned(s, [plan_case(d, directory, at, "test") for d in drafts])


def test_the_index_adds_new_cases_and_is_rebuilt_to_the_window(db: Database, settings: Settings) -> None:
    index = RepeatIndex(settings.model_copy(update={"dedup_window_days": 7}))
    index.sync_seconds = 0  # look at the database at every call (intake looks at most once a second)
    add_cases(db, ["幸福路88号路灯坏了三天", "人民路12号路灯不亮"], T0)
    with db.reading() as s:
        assert index.sync(s, now=T0) == 2
        assert index.sync(s, now=T0 + timedelta(hours=1)) == 0  # nothing new
    add_cases(db, ["解放路3号路灯闪烁"], T0 + timedelta(days=8))
    with db.reading() as s:
        index.sync(s, now=T0 + timedelta(days=8))
        assert len(index) == 1  # rebuilt: the first two are older than the window
        matches = index.query("解放路3号路灯闪烁！", T0 + timedelta(days=8), 28.2, 112.9)
    assert len(matches) == 1


def test_cases_this_process_writes_are_found_at_once_and_others_within_the_sync_interval(
    db: Database, settings: Settings
) -> None:
    index = RepeatIndex(settings.model_copy(update={"dedup_window_days": 7}))
    index.sync_seconds = 3600
    with db.reading() as s:
        index.sync(s, now=T0)  # the first look always reads the database
    with db.transaction() as s:
        directory = load_snapshot(s)
        draft = NewCase(
            text="幸福路88号路灯坏了三天", category_code="roads.lighting", created_at=T0, lat=28.2, lon=112.9
        )
        planned = [plan_case(draft, directory, T0, "test")]
        ids = cases_repository.insert_planned(s, planned)
        index.add_written(ids, planned)  # what intake does right after writing
    assert [m.key for m in index.query("幸福路88号的路灯坏了三天了", T0, 28.2, 112.9)] == [str(ids[0])]
    add_cases(db, ["人民路12号路灯不亮"], T0)  # written by another process
    with db.reading() as s:
        assert index.sync(s, now=T0) == 0  # not looked again within the interval
        index.sync_seconds = 0
        assert index.sync(s, now=T0) == 1  # the other process's case; ours is not indexed twice
    assert len(index) == 2


def _texts(count: int) -> list[str]:
    """Texts of 12 random CJK characters: no two alike, so each finds only itself."""
    rng = random.Random(7)
    return ["".join(chr(rng.randint(0x4E00, 0x9FA5)) for _ in range(12)) for _ in range(count)]


def test_the_index_holds_at_most_its_bound_dropping_the_oldest(db: Database, settings: Settings) -> None:
    index = RepeatIndex(settings.model_copy(update={"dedup_window_days": 7, "dedup_index_max_cases": 100}))
    index.sync_seconds = 0
    texts = _texts(130)
    add_cases(db, texts[:60], T0)
    with db.reading() as s:
        assert index.sync(s, now=T0) == 60
    add_cases(db, texts[60:], T0 + timedelta(minutes=1))
    with db.reading() as s:
        assert index.sync(s, now=T0 + timedelta(minutes=1)) == 70
    # 130 cases through an index bounded at 100 (two generations of 50): 0…49 filled the first, at 50 it became
    # the old one, at 100 it was dropped and 50…99 became old; 100…129 are in the young one
    assert len(index) == 80
    at = T0 + timedelta(minutes=2)
    assert index.query(texts[129], at, 28.2, 112.9)  # the newest is found
    assert index.query(texts[50], at, 28.2, 112.9)  # the oldest kept, in the old generation
    assert index.query(texts[49], at, 28.2, 112.9) == []  # the newest dropped one


def test_a_rebuild_indexes_only_the_newest_that_fit(db: Database, settings: Settings) -> None:
    index = RepeatIndex(settings.model_copy(update={"dedup_window_days": 7, "dedup_index_max_cases": 100}))
    texts = _texts(150)
    add_cases(db, texts, T0)
    with db.reading() as s:
        assert index.sync(s, now=T0) == 100
    assert len(index) == 100
    assert index.query(texts[50], T0, 28.2, 112.9)
    assert index.query(texts[49], T0, 28.2, 112.9) == []
