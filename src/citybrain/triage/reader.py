"""The triage that intake runs: one per server process (held by the intake writer), also used by the staff API.

It implements ``cases.plan.Reader``: ``read`` decides a batch of drafts (one batch prediction of the model for
all drafts without a category, then :func:`citybrain.triage.service.triage` per draft); ``record`` writes each
case's suggestions once it has an id, in the same transaction.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence

from sqlalchemy.orm import Session

from citybrain.cases.plan import PlannedCase, Reading
from citybrain.cases.schemas import NewCase
from citybrain.core import clock
from citybrain.core.db import Database
from citybrain.core.settings import Settings
from citybrain.directory.cache import DirectoryCache, directory_cache
from citybrain.directory.snapshot import DirectorySnapshot
from citybrain.triage import repository
from citybrain.triage.model_cache import LoadedModel, intake_model
from citybrain.triage.places import GazetteerCache
from citybrain.triage.ports import Locator
from citybrain.triage.repeats import RepeatIndex, still_open
from citybrain.triage.service import Guess, message_text, triage

log = logging.getLogger(__name__)


class Triager:
    """Reads new cases for intake; thread-safe (the model and directory are immutable, the index locks)."""

    def __init__(
        self,
        db: Database,
        settings: Settings,
        directory: DirectoryCache | None = None,
        *,
        locate: Locator | None = None,
    ) -> None:
        self.settings = settings
        self.directory = directory or directory_cache(db, settings.directory_refresh_seconds)
        self.repeats = RepeatIndex(settings)
        self.places = GazetteerCache(db)
        self._locate = locate
        self._lock = threading.Lock()

    def warm(self, db: Database) -> None:
        """Load the model and fill the repeat index before the first request pays for it."""
        self.model()
        self.places.current()
        with db.reading() as session:
            self.repeats.sync(session)

    def model(self) -> LoadedModel:
        return intake_model(self.settings)

    def guesses(self, model: LoadedModel, drafts: Sequence[NewCase]) -> list[Guess | None]:
        """One batch prediction for the drafts that have no category (the others need none)."""
        wanted = [i for i, d in enumerate(drafts) if not d.category_code]
        out: list[Guess | None] = [None] * len(drafts)
        if model.model is None or not wanted:
            return out
        prediction = model.model.predict([message_text(drafts[i]) for i in wanted])
        for i, label, confidence in zip(wanted, prediction.labels, prediction.confidence.tolist(), strict=True):
            out[i] = Guess(label, float(confidence))
        return out

    def read(self, session: Session, drafts: Sequence[NewCase], directory: DirectorySnapshot | None) -> list[Reading]:
        directory = directory or self.directory.current()
        model = self.model()
        try:
            guesses = self.guesses(model, drafts)
        except Exception as exc:  # noqa: BLE001 - a broken model must not stop intake: people decide instead
            log.exception("the intake classifier failed; these cases go to the human dispatch queue")
            model = LoadedModel(None, model.path, 1.0, f"the model failed on this batch ({exc!r})")
            guesses = [None] * len(drafts)
        self.repeats.sync(session)
        finder = self.repeats.bound(session)
        now = clock.utcnow()
        locate = self._locate or self.places.locator()
        readings = [
            triage(draft, directory, model, guess=guess, locate=locate, repeats=finder, now=now).reading
            for draft, guess in zip(drafts, guesses, strict=True)
        ]
        return still_open(self.repeats, session, readings)

    def record(self, session: Session, case_ids: Sequence[int], planned: Sequence[PlannedCase]) -> None:
        now = clock.utcnow()
        rows = [
            {**s, "case_id": case_id, "status": "open", "created_at": now, "decided_by": None, "decided_at": None}
            for case_id, p in zip(case_ids, planned, strict=True)
            if p.reading is not None
            for s in p.reading.suggestions
        ]
        repository.insert_suggestions(session, rows)
        self.repeats.add_written(case_ids, planned)
