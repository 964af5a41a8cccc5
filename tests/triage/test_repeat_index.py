"""The repeat index follows the database and keeps only the window: a server running for months stays small."""

from __future__ import annotations

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
