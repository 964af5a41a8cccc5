"""Every state and transition of an application, its clock in working days across holidays, weekends and make-up
days, and 补正 stopping it — on SQLite and PostgreSQL, dates counted by hand on the 2025/2026 calendars."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from citybrain.core.db import Database
from citybrain.core.errors import Conflict, InvalidInput
from citybrain.core.working_days import national
from citybrain.models import ServiceApplication, ServiceApplicationEvent
from citybrain.services import repository as repo
from citybrain.services import service
from citybrain.services.lifecycle import TRANSITIONS, State
from tests.services.factories import apply, catalogue, step

D = date.fromisoformat


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path


def test_the_whole_way_approved_and_delivered(db: Database, data_dir: Path) -> None:
    with db.transaction() as s:
        catalogue(s)
        app = apply(s, data_dir, D("2025-09-26"))
        assert app.state == "submitted"
        assert app.code.startswith("SQ20250926")
        step(s, app, "accept", D("2025-09-26"))  # Friday; 5 working days: 28 Sep (make-up), 29, 30, 9 Oct, 10 Oct
        assert app.state == "accepted"
        assert app.due_on == D("2025-10-10")
        step(s, app, "review", D("2025-09-29"))
        step(s, app, "approve", D("2025-10-09"), note="符合设置规范")
        assert (app.state, app.decision, app.days_used, app.on_time) == ("approved", "approved", 4, True)
        step(s, app, "deliver", D("2025-10-10"), method="online")
        assert app.state == "delivered"
        assert app.delivery_method == "online"
        app_id = app.id
    with db.reading() as s:
        trail = [(e.action, e.from_state, e.to_state) for e in repo.events(s, app_id)]
    assert trail == [("submit", None, "submitted"), ("accept", "submitted", "accepted"),
                     ("review", "accepted", "reviewing"), ("approve", "reviewing", "approved"),
                     ("deliver", "approved", "delivered")]  # fmt: skip


def test_refused_late_with_reasons(db: Database, data_dir: Path) -> None:
    with db.transaction() as s:
        catalogue(s)
        app = apply(s, data_dir, D("2025-01-24"))
        step(s, app, "accept", D("2025-01-24"))  # Friday: 26 Jan (Sun, make-up), 27, 5, 6, 7 Feb
        assert app.due_on == D("2025-02-07")
        step(s, app, "review", D("2025-01-26"))
        with pytest.raises(InvalidInput, match="refuse .* needs reason"):
            step(s, app, "refuse", D("2025-02-10"))
        step(s, app, "refuse", D("2025-02-10"), reason="招牌尺寸超出规定")  # Monday; 8 Feb (Sat) was a make-up day
        assert (app.state, app.decision_reason) == ("refused", "招牌尺寸超出规定")
        assert (app.days_used, app.on_time) == (7, False)  # 26, 27 Jan, 5, 6, 7, 8, 10 Feb


def test_supplement_stops_the_clock_and_supply_moves_the_deadline(db: Database, data_dir: Path) -> None:
    with db.transaction() as s:
        catalogue(s)
        app = apply(s, data_dir, D("2026-02-09"))
        step(s, app, "accept", D("2026-02-09"))  # Monday: 10, 11, 12, 13, 14 (Sat, make-up)
        assert app.due_on == D("2026-02-14")
        step(s, app, "review", D("2026-02-10"))
        step(s, app, "supplement", D("2026-02-11"), reason="缺少业主同意书")
        assert (app.state, app.paused_on, app.supplement_request) == ("awaiting_materials", D("2026-02-11"),
                                                                      "缺少业主同意书")  # fmt: skip
        clock = service.clock_of(app, D("2026-02-26"), national())
        assert (clock.running, clock.stopped_for_materials, clock.days_used) == (False, True, 2)
        # supplied on Wednesday 25 Feb: stopped 12, 13, 14 (make-up), 24, 25 = 5 working days (15-23 Feb off)
        step(s, app, "supply", D("2026-02-25"))
        assert (app.state, app.paused_days, app.paused_on) == ("reviewing", 5, None)
        assert app.due_on == D("2026-02-28")  # 10 working days after 9 Feb: …, 25, 26, 27, 28 Feb (Sat, make-up)
        clock = service.clock_of(app, D("2026-02-26"), national())
        assert (clock.running, clock.days_used, clock.days_left, clock.overdue) == (True, 3, 2, False)
        step(s, app, "approve", D("2026-03-02"))
        assert (app.days_used, app.on_time) == (6, False)  # 10, 11, 26, 27, 28 Feb, 2 Mar


def test_supplement_before_acceptance_accepts_on_supply(db: Database, data_dir: Path) -> None:
    with db.transaction() as s:
        catalogue(s)
        app = apply(s, data_dir, D("2025-04-30"))
        step(s, app, "supplement", D("2025-04-30"), reason="设计图不清晰")
        assert app.paused_on is None
        assert app.accepted_on is None
        supplied = step(s, app, "supply", D("2025-05-06"))
        # accepted 6 May (Tue), due 5 working days later: 7, 8, 9, 12, 13 May
        assert (supplied.state, supplied.accepted_on, supplied.due_on) == ("accepted", D("2025-05-06"), D("2025-05-13"))


def test_declined_never_starts_the_clock(db: Database, data_dir: Path) -> None:
    with db.transaction() as s:
        catalogue(s)
        app = apply(s, data_dir, D("2025-10-09"))
        step(s, app, "decline", D("2025-10-09"), reason="不属于本部门职权范围")
        assert (app.state, app.decision, app.days_used, app.on_time) == ("declined", "declined", None, None)


@pytest.mark.parametrize("action", sorted(TRANSITIONS))
def test_each_action_from_a_wrong_state_is_409_and_writes_nothing(db: Database, data_dir: Path, action: str) -> None:
    with db.transaction() as s:
        catalogue(s)
        app = apply(s, data_dir, D("2025-10-09"))
        step(s, app, "decline", D("2025-10-09"), reason="x")  # a final state: nothing may follow
        app_id = app.id
    with db.transaction() as s:
        app = service.get_application(s, app_id)
        with pytest.raises(Conflict, match=f"cannot {action}"):
            step(s, app, action, D("2025-10-10"), reason="r", method="post")
    with db.reading() as s:
        assert s.scalar(select(func.count()).select_from(ServiceApplicationEvent)) == 2
        assert s.get(ServiceApplication, app_id).state == State.DECLINED  # type: ignore[union-attr]


def test_a_stale_version_is_409(db: Database, data_dir: Path) -> None:
    with db.transaction() as s:
        catalogue(s)
        app = apply(s, data_dir, D("2025-10-09"))
        with pytest.raises(Conflict, match="version"):
            step(s, app, "accept", D("2025-10-09"), version=app.version + 1)


def test_deliver_needs_a_known_method(db: Database, data_dir: Path) -> None:
    with db.transaction() as s:
        catalogue(s)
        app = apply(s, data_dir, D("2025-10-09"))
        for action in ("accept", "review"):
            step(s, app, action, D("2025-10-09"))
        step(s, app, "approve", D("2025-10-10"))
        with pytest.raises(InvalidInput, match="method must be one of"):
            step(s, app, "deliver", D("2025-10-10"), method="pigeon")
