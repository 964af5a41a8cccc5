"""The intake writer (group commit): many requests per transaction, each answered only after its COMMIT.

Writers here are built with ``autostart=False`` and fed before they start, so a batch's membership is known.
"""

from __future__ import annotations

from concurrent.futures import Future
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from citybrain.auth import repository as auth_repository
from citybrain.auth import service as auth_service
from citybrain.cases import service as cases_service
from citybrain.cases.schemas import ContactIn, NewCase
from citybrain.core import clock
from citybrain.core.db import Database
from citybrain.core.errors import Forbidden
from citybrain.core.ids import hash_secret
from citybrain.core.settings import Settings
from citybrain.directory.cache import directory_cache
from citybrain.directory.snapshot import DirectorySnapshot
from citybrain.intake.open311.service import authorize_key
from citybrain.intake.writer import Accepted, Intake, IntakeWriter, Submission
from citybrain.models import ApiKey, Case, CaseContact, CaseEvent, Category, Department, District, RoutingRule
from tests.conftest import make_key

AT = datetime(2026, 4, 1, 2, 0, tzinfo=UTC)


def new_case(text: str, category: str | None = "noise.residential", **extra: Any) -> NewCase:
    contact = ContactIn(name="王", phone="13800000000") if "no_contact" not in extra else ContactIn()
    extra.pop("no_contact", None)
    return NewCase(
        channel="open311",
        source="open311",
        title=text[:20],
        text=text,
        category_code=category,
        contact=contact,
        **extra,
    )


def submission(api_key: str | None, case: NewCase) -> Submission:
    def prepare(_directory: DirectorySnapshot, key: ApiKey | None) -> Intake:
        principal = authorize_key(api_key, key)
        return Intake(case=case, actor=f"open311:{principal.name}")

    return Submission(api_key, clock.utcnow(), prepare)


def writer_for(db: Database, settings: Settings, refresh: float = 3600) -> IntakeWriter:
    tuned = settings.model_copy(update={"directory_refresh_seconds": refresh})
    return IntakeWriter(db, tuned, autostart=False)


def results(futures: list[Future[Accepted]]) -> list[Accepted]:
    return [f.result(timeout=60) for f in futures]


def count(db: Database, model: Any) -> int:
    with db.reading() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


class TestBatching:
    def test_queued_requests_are_committed_together_with_their_own_ids(self, db: Database, settings: Settings) -> None:
        key = make_key(db, "app")
        writer = writer_for(db, settings)
        futures = [writer.submit(submission(key, new_case(f"投诉 {i}"))) for i in range(40)]
        writer.start()
        accepted = results(futures)
        writer.stop()
        ids = [a.case_id for a in accepted]
        assert len(set(ids)) == 40
        with db.reading() as s:
            texts = {row.id: row.text for row in s.execute(select(Case.id, Case.text))}
            events = s.scalar(select(func.count()).select_from(CaseEvent).where(CaseEvent.case_id.in_(ids)))
        assert [texts[i] for i in ids] == [f"投诉 {i}" for i in range(40)]  # each answer names its own case
        assert events == 80  # receive + dispatch (routing) for each
        assert count(db, CaseContact) == 40
        assert writer.stats.largest_batch > 1
        assert writer.stats.batches < 40

    def test_refused_members_get_403_and_the_rest_commit(self, db: Database, settings: Settings) -> None:
        key, supervisor = make_key(db, "app"), make_key(db, "supervisor")
        writer = writer_for(db, settings)
        given = [key, None, "cb_unknown", supervisor, key]
        futures = [writer.submit(submission(k, new_case(f"第{i}件"))) for i, k in enumerate(given)]
        writer.start()
        outcomes = [f.exception(timeout=60) for f in futures]
        writer.stop()
        assert (outcomes[0], outcomes[4]) == (None, None)
        assert [type(o) for o in outcomes[1:4]] == [Forbidden] * 3
        assert "may not submit" in str(outcomes[3])
        assert count(db, Case) == 2

    def test_a_key_revoked_while_the_batch_is_read_refuses_its_requests(
        self, db: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The batch is read (triage) outside the write transaction; the keys are read again inside it, so a
        revocation committed in between refuses the key's requests and lets the others through."""
        revoked, kept = make_key(db, "app"), make_key(db, "app")
        writer = writer_for(db, settings)
        read = writer.triager.read

        def read_then_revoke(session: Any, drafts: Any, directory: Any) -> Any:
            readings = read(session, drafts, directory)
            with db.transaction() as s:
                key = auth_repository.by_hash(s, hash_secret(revoked))
                assert key is not None
                auth_service.revoke(session=s, key_id=key.id)
            return readings

        monkeypatch.setattr(writer.triager, "read", read_then_revoke)
        futures = [writer.submit(submission(k, new_case(f"撤销测试 {i}"))) for i, k in enumerate([revoked, kept])]
        writer.start()
        outcomes = [f.exception(timeout=60) for f in futures]
        writer.stop()
        assert type(outcomes[0]) is Forbidden
        assert outcomes[1] is None
        with db.reading() as s:
            assert list(s.scalars(select(Case.text).where(Case.text.like("撤销测试%")))) == ["撤销测试 1"]

    def test_a_failing_member_does_not_fail_the_innocent(self, db: Database, settings: Settings) -> None:
        """A service retired between snapshot and write: only its request fails; the others are retried alone."""
        with db.transaction() as s:
            s.add(Category(code="wtest", level=1, name_zh="测试", name_en="test"))
        key = make_key(db, "app")
        writer = writer_for(db, settings)
        writer.directory.current()  # the snapshot now knows "wtest"
        with db.transaction() as s:
            s.execute(delete(Category).where(Category.code == "wtest"))
        cases = [new_case(f"好 {i}") for i in range(5)]
        cases.insert(2, new_case("坏", category="wtest"))
        futures = [writer.submit(submission(key, c)) for c in cases]
        writer.start()
        errors = [f.exception(timeout=60) for f in futures]
        writer.stop()
        assert isinstance(errors[2], IntegrityError)
        assert [e for i, e in enumerate(errors) if i != 2] == [None] * 5
        assert count(db, Case) == 5
        assert writer.stats.retried_batches == 1

    def test_stop_drains_the_queue_then_refuses(self, db: Database, settings: Settings) -> None:
        key = make_key(db, "app")
        writer = writer_for(db, settings)
        futures = [writer.submit(submission(key, new_case(f"停 {i}"))) for i in range(30)]
        writer.start()
        writer.stop()
        assert all(f.done() for f in futures)
        assert len({a.case_id for a in results(futures)}) == 30
        assert count(db, Case) == 30
        with pytest.raises(RuntimeError, match="shutting down"):
            writer.submit(submission(key, new_case("太晚")))


def _row(model: Any, skip: set[str]) -> dict[str, Any]:
    return {c.key: getattr(model, c.key) for c in model.__table__.columns if c.key not in skip}


def _stored(db: Database, case_id: int) -> tuple[dict[str, Any], dict[str, Any] | None, list[dict[str, Any]]]:
    with db.reading() as s:
        case = s.get(Case, case_id)
        assert case is not None
        contact = s.get(CaseContact, case_id)
        events = s.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)).all()
        return (
            _row(case, {"id", "triage"}),  # the writer's reading differs: the second case repeats the first
            _row(contact, {"case_id"}) if contact else None,
            [_row(e, {"id", "case_id"}) for e in events],
        )


class TestSamePlanAsTheStaffPath:
    @pytest.fixture
    def district_rule(self, db: Database) -> None:
        """A district rule that beats the city-wide one for noise.residential in D1."""
        with db.transaction() as s:
            s.add(District(code="D1", name_zh="一区", name_en="D1"))
            water = s.scalars(select(Department).where(Department.code == "water")).one()
            s.add(RoutingRule(category_code="noise", district_code="D1", department_id=water.id))

    @pytest.mark.usefixtures("district_rule")
    @pytest.mark.parametrize(
        "case",
        [
            new_case("夜间噪音", attributes={"floor": 3}),
            new_case("区内噪音", district_code="D1"),
            new_case("咨询政策", category="consultation", no_contact=True),
            new_case("无类别", category=None),
        ],
        ids=["routed", "district-rule", "no-rule", "no-category"],
    )
    def test_orm_and_writer_write_identical_rows(self, db: Database, settings: Settings, case: NewCase) -> None:
        key = make_key(db, "app")
        writer = writer_for(db, settings)
        with clock.frozen(AT):
            with db.transaction() as s:
                orm_id = cases_service.create_case(
                    session=s, data=case, actor="open311:test app", reader=writer.triager
                ).id
            future = writer.submit(submission(key, case))
            writer.start()
            fast_id = future.result(timeout=60).case_id
            writer.stop()
        assert _stored(db, orm_id) == _stored(db, fast_id)


class TestDirectoryRefresh:
    def test_a_change_is_seen_once_the_snapshot_is_older_than_the_setting(self, db: Database) -> None:
        now = [100.0]
        cache = directory_cache(db, max_age=2.0, monotonic=lambda: now[0])
        before = cache.current()
        assert before.route("consultation", None) is None
        with db.transaction() as s:
            hrss = s.scalars(select(Department).where(Department.code == "hrss")).one()
            s.add(RoutingRule(category_code="consultation", department_id=hrss.id))
        now[0] += 1.9
        assert cache.current() is before  # still within the refresh interval
        now[0] += 0.1
        department = cache.current().route("consultation", None)
        assert department is not None
        assert department.code == "hrss"

    def test_the_writer_routes_by_the_refreshed_directory(self, db: Database, settings: Settings) -> None:
        key = make_key(db, "app")
        writer = writer_for(db, settings, refresh=0)
        writer.start()
        first = writer.submit(submission(key, new_case("咨询一", category="consultation"))).result(timeout=60)
        with db.transaction() as s:
            hrss = s.scalars(select(Department).where(Department.code == "hrss")).one()
            s.add(RoutingRule(category_code="consultation", department_id=hrss.id))
        with clock.frozen(AT):
            second = writer.submit(submission(key, new_case("咨询二", category="consultation"))).result(timeout=60)
        writer.stop()
        assert first.planned.status == "received"
        assert second.planned.department is not None
        assert second.planned.department.code == "hrss"
        assert second.planned.due_at is not None
        assert second.planned.due_at - AT >= timedelta(hours=1)
