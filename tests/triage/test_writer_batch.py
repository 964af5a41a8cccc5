"""The Open311 writer reads a whole group-commit batch at once: one prediction, each request its own answer."""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy import select

from citybrain.cases.schemas import NewCase
from citybrain.core import clock
from citybrain.core.db import Database
from citybrain.core.errors import Forbidden
from citybrain.core.settings import Settings
from citybrain.directory.snapshot import DirectorySnapshot
from citybrain.intake.open311.service import authorize_key
from citybrain.intake.writer import Intake, IntakeWriter, Submission
from citybrain.models import ApiKey, Case
from citybrain.nlp import persistence
from citybrain.triage.model_cache import MODELS
from tests.conftest import make_key
from tests.nlp.test_persistence import _rewrite_header
from tests.triage.conftest import SCHOOL, VAGUE, WAGES


def submission(api_key: str | None, text: str, category: str | None = None) -> Submission:
    case = NewCase(channel="open311", source="open311", title=text[:20], text=text, category_code=category)

    def prepare(_directory: DirectorySnapshot, key: ApiKey | None) -> Intake:
        principal = authorize_key(api_key, key)
        return Intake(case=case, actor=f"open311:{principal.name}")

    return Submission(api_key, clock.utcnow(), prepare)


def test_a_batch_is_read_together_and_a_refused_member_does_not_shift_the_others(
    db: Database, settings: Settings, model_file: Path
) -> None:
    key = make_key(db, "app")
    tuned = settings.model_copy(update={"classify_model_path": model_file, "triage_confidence_threshold": 0.8})
    writer = IntakeWriter(db, tuned, autostart=False)
    futures = [
        writer.submit(submission(key, WAGES)),
        writer.submit(submission("cb_wrong", SCHOOL)),
        writer.submit(submission(key, SCHOOL)),
        writer.submit(submission(key, VAGUE)),
        writer.submit(submission(key, WAGES, category="roads.damage")),
    ]
    writer.start()
    outcomes = [f.exception(timeout=60) or f.result() for f in futures]
    writer.stop()
    MODELS.clear()
    assert isinstance(outcomes[1], Forbidden)
    assert writer.stats.batches == 1
    with db.reading() as s:
        codes = sorted((c.category_code or "-", c.needs_review) for c in s.scalars(select(Case)))
    assert codes == [("-", True), ("education", False), ("labor", False), ("roads.damage", False)]


def test_a_model_of_another_format_version_is_named_in_the_reasons(
    db: Database, settings: Settings, model_file: Path, tmp_path: Path
) -> None:
    old = shutil.copy(model_file, tmp_path / "old.npz")
    _rewrite_header(Path(old), format_version=persistence.FORMAT_VERSION + 1)
    key = make_key(db, "app")
    writer = IntakeWriter(db, settings.model_copy(update={"classify_model_path": Path(old)}), autostart=False)
    future = writer.submit(submission(key, WAGES))
    writer.start()
    case_id = future.result(timeout=60).case_id
    writer.stop()
    MODELS.clear()
    with db.reading() as s:
        case = s.get(Case, case_id)
        assert case is not None
        assert case.needs_review is True
        assert case.triage is not None
        assert "format version" in case.triage["category"]["problem"]
