"""Learning from the desk (人工派单): every category a dispatcher decides on a queued case — confirming the
model's guess or changing it — is kept as a labelled example for ``citybrain classify retrain``.

Recorded in the same transaction as the decision (a rolled-back decision teaches nothing). Services flush, never
commit. Which decisions still teach, and why some do not, is :func:`repository.standing_desk_decisions`.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from citybrain.core import clock
from citybrain.models import Case
from citybrain.models.triage import DeskDecision
from citybrain.nlp.retraining import Example
from citybrain.triage import repository
from citybrain.triage.queue import Correction


def record(session: Session, case: Case, correction: Correction | None, actor: str) -> bool:
    """Keep the decision on ``case`` as an example; False when there is nothing to learn (no text, no category)."""
    if correction is None or not case.category_code:
        return False
    guess = (case.triage or {}).get("category") or {}
    confidence = guess.get("confidence")
    repository.add_desk_decision(
        session,
        DeskDecision(
            case_id=case.id,
            category_code=case.category_code,
            label=correction.label,
            suggested_label=guess.get("label") or None,
            confidence=float(confidence) if isinstance(confidence, int | float) else None,
            decided_by=actor,
            decided_at=clock.utcnow(),
            reject_count=case.reject_count or 0,
        ),
    )
    return True


def examples(session: Session) -> list[Example]:
    """The standing desk decisions as training examples, oldest first."""
    return [
        Example(
            text=repository.indexed_text(row.title, row.text),
            label=row.label,
            decided_by=row.decided_by,
            decided_at=clock.iso(row.decided_at) or "",
            case_id=row.case_id,
        )
        for row in repository.standing_desk_decisions(session)
    ]
