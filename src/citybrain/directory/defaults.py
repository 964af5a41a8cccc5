"""The default directory loaded by ``citybrain db init`` (idempotent)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from citybrain.models import SlaPolicy

SLA_DEFAULTS = [
    # code, zh, en, accept_hours (签收时限), resolve_hours (办结时限) — after Beijing's 接诉即办 practice
    ("urgent", "紧急", "urgent", 0.5, 2),
    ("utilities", "水电气热", "utilities", 1, 24),
    ("general", "一般", "general", 2, 24 * 7),
    ("complex", "疑难复杂", "complex", 2, 24 * 15),
]


def load_defaults(session: Session) -> None:
    """Add whatever default rows are missing; never overwrite a city's own edits."""
    for code, zh, en, accept, resolve in SLA_DEFAULTS:
        if session.get(SlaPolicy, code) is None:
            session.add(SlaPolicy(code=code, name_zh=zh, name_en=en, accept_hours=accept, resolve_hours=resolve))
    session.flush()
