"""Two clerks at once: the same file uploaded at the same moment is one attachment; two steps on one application
at the same moment — one wins, the other is refused (409), the audit has one event. SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path

from sqlalchemy import func, select

from citybrain.core.db import Database
from citybrain.core.errors import Conflict
from citybrain.core.working_days import national
from citybrain.models import ServiceApplicationEvent, ServiceAttachment
from citybrain.services import attachments, service
from citybrain.services.service import Step
from tests.services.factories import apply, at_city, catalogue

DAY = date(2026, 3, 2)


def _together(work: list[object]) -> list[object]:
    """Run the callables in threads started at once; their results or exceptions, in order."""
    results: list[object] = [None] * len(work)
    start = threading.Barrier(len(work))

    def run(i: int) -> None:
        start.wait()
        try:
            results[i] = work[i]()  # type: ignore[operator]
        except Exception as exc:  # noqa: BLE001 - the result under test
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(work))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def test_one_file_uploaded_twice_at_once_is_one_attachment(db: Database, tmp_path: Path) -> None:
    data = b"%PDF-1.7\n" + b"same bytes" * 50

    def upload() -> str:
        with db.transaction() as s:
            return attachments.store(s, data_dir=tmp_path, data=data, max_bytes=10_000).sha256

    first, second = _together([upload, upload])
    assert isinstance(first, str)
    assert first == second
    with db.reading() as s:
        assert s.scalar(select(func.count()).select_from(ServiceAttachment)) == 1


def test_two_decisions_at_once_one_wins(db: Database, tmp_path: Path) -> None:
    with db.transaction() as s:
        catalogue(s)
        app = apply(s, tmp_path, DAY)
        for action in ("accept", "review"):
            service.act(session=s, application=app, action=action, step=Step(), actor="clerk", now=at_city(DAY),
                        today=DAY, calendar=national())  # fmt: skip
        app_id = app.id

    def decide(action: str, reason: str | None) -> str:
        with db.transaction() as s:
            current = service.get_application(s, app_id, lock=True)
            service.act(session=s, application=current, action=action, step=Step(reason=reason), actor=action,
                        now=at_city(DAY), today=DAY, calendar=national())  # fmt: skip
            return current.state

    results = _together([lambda: decide("approve", None), lambda: decide("refuse", "不符合规划")])
    won = [r for r in results if isinstance(r, str)]
    assert len(won) == 1, results
    assert any(isinstance(r, Conflict) or "changed by someone else" in str(r) for r in results), results
    with db.reading() as s:
        decisions = s.scalars(
            select(ServiceApplicationEvent.action).where(ServiceApplicationEvent.action.in_(("approve", "refuse")))
        ).all()
    assert len(decisions) == 1
