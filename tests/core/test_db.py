from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from citybrain.core.db import Database
from citybrain.models import Department


def test_reading_sees_committed_data_and_refuses_writes(db: Database) -> None:
    with db.reading() as session:
        count = session.scalar(select(func.count()).select_from(Department))
    assert count
    with db.reading() as session:
        session.add(Department(code="x", name_zh="x", name_en="x", phone="", active=True))
        with pytest.raises(RuntimeError, match="read-only"):
            session.flush()
    with db.reading() as session:
        assert session.scalar(select(Department).where(Department.code == "x")) is None


def test_a_long_read_does_not_block_a_write(db: Database) -> None:
    """A report (read) open in one thread must not stall intake (a write) in another."""
    written = threading.Event()

    def write() -> None:
        with db.transaction() as session:
            session.add(Department(code="new", name_zh="新", name_en="new", phone="", active=True))
        written.set()

    with db.reading() as session:
        session.scalar(select(func.count()).select_from(Department))
        writer = threading.Thread(target=write)
        writer.start()
        assert written.wait(10), "the write waited for the read transaction"
    writer.join()
    with db.reading() as session:
        assert session.scalar(select(Department).where(Department.code == "new")) is not None


def test_transaction_rolls_back_on_error(db: Database) -> None:
    def add_then_fail() -> None:
        with db.transaction() as session:
            session.add(Department(code="gone", name_zh="x", name_en="x", phone="", active=True))
            session.flush()
            raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        add_then_fail()
    with db.reading() as session:
        assert session.scalar(select(Department).where(Department.code == "gone")) is None
