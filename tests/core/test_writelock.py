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
