from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from citybrain.core.writelock import SqliteWriteLock, WriteLockTimeout


def test_a_second_holder_waits_and_times_out_clearly(tmp_path: Path) -> None:
    """Two lock objects on one file behave like two processes (flock is per open file)."""
    first = SqliteWriteLock(tmp_path / "city.db")
    second = SqliteWriteLock(tmp_path / "city.db", timeout=0.2)
    with first.held(), pytest.raises(WriteLockTimeout, match="busy"), second.held():
        pass
    with second.held():  # free again once the first let go
        pass


def test_waiter_gets_the_lock_as_soon_as_it_is_released(tmp_path: Path) -> None:
    first = SqliteWriteLock(tmp_path / "city.db")
    second = SqliteWriteLock(tmp_path / "city.db", timeout=5)
    got_it = threading.Event()

    def wait_for_it() -> None:
        with second.held():
            got_it.set()

    with first.held():
        waiter = threading.Thread(target=wait_for_it)
        waiter.start()
        time.sleep(0.05)
        assert not got_it.is_set()
    assert got_it.wait(1)
    waiter.join()


def test_reentrant_within_a_thread(tmp_path: Path) -> None:
    lock = SqliteWriteLock(tmp_path / "city.db")
    other = SqliteWriteLock(tmp_path / "city.db", timeout=0.1)
    with lock.held():
        with lock.held():
            pass
        with pytest.raises(WriteLockTimeout), other.held():  # the outer hold still stands
            pass


def test_the_rollup_lock_is_its_own_not_the_writers(tmp_path: Path) -> None:
    """Two server processes refresh the KPI roll-up one at a time (a lock file of its own), while a writer of
    either goes on: holding the roll-up's lock never holds the database's writer."""
    from citybrain.core.db import Database
    from citybrain.core.settings import load_settings

    settings = load_settings(database_url=f"sqlite:///{tmp_path / 'city.db'}", data_dir=tmp_path)
    one, other = Database(settings), Database(settings)  # two processes' worth: each opens its own lock files
    try:
        with one.one_rollup_refresh():
            with other.transaction():  # the writer is free
                pass
            blocked = SqliteWriteLock(tmp_path / "city.db", timeout=0.2, suffix=".rolluplock")
            with pytest.raises(WriteLockTimeout), blocked.held():
                pass
        with other.one_rollup_refresh():  # free again once the first let go
            pass
    finally:
        one.dispose()
        other.dispose()
