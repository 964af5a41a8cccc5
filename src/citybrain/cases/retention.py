"""个人信息保存期限 (PIPL art. 19, 47): when a closed case has kept the citizen's personal data long enough, remove it
and keep the statistics.

What goes: the contact's name, phone, e-mail, ID number and account; the door of the address (``桃子湖路**号*栋``);
the personal data written in the title, text, reply, notes, callback notes and portal comments (``core.privacy``'s
detectors: names, phones, ID cards, e-mail, plates, doors), the exact point (moved to the centre of its public
cell, ``CITYBRAIN_PUBLIC_LOCATION_M``). What stays: every time, status, category, district, grid, department,
channel, request type, rating and count — so every KPI is the same before and after. The city's own phone numbers
stay readable in its replies. A purged case is marked (``pii_purged_at``) and never purged twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from citybrain.cases import retention_repository as repo
from citybrain.core.errors import InvalidInput
from citybrain.core.privacy import coarsen_point, mask_address, mask_text, mask_tree
from citybrain.directory.service import city_phone_numbers
from citybrain.models import Callback, Case, CaseComment, CaseEvent

BATCH = 500


@dataclass(frozen=True)
class Purge:
    """What a purge did (or, dry, would do)."""

    closed_before: datetime
    cases: int
    applied: bool


def cutoff(now: datetime, days: int | None, setting_days: int) -> datetime:
    """Cases closed before this lose their personal data: ``days`` given, else the setting; 0 and none is an error."""
    chosen = days if days is not None else setting_days
    if chosen <= 0:
        raise InvalidInput(
            "no retention period: give --days N or set CITYBRAIN_PII_RETENTION_DAYS (days after a case is closed)"
        )
    return now - timedelta(days=chosen)


def purge(
    session: Session,
    *,
    closed_before: datetime,
    now: datetime,
    public_location_m: float,
    apply: bool,
    on_batch: Callable[[int], None] | None = None,
) -> Purge:
    """Remove the personal data of cases closed before ``closed_before`` (``apply``), or only count them (dry)."""
    if not apply:
        return Purge(closed_before, repo.count_due(session, closed_before=closed_before), applied=False)
    keep = city_phone_numbers(session)
    done = 0
    while ids := repo.due_case_ids(session, closed_before=closed_before, limit=BATCH):
        _purge_batch(session, ids, keep=keep, now=now, metres=public_location_m)
        done += len(ids)
        if on_batch:
            on_batch(len(ids))
    return Purge(closed_before, done, applied=True)


def _purge_batch(session: Session, ids: list[int], *, keep: frozenset[str], now: datetime, metres: float) -> None:
    repo.update_rows(session, Case, [_case_row(row, keep, metres) for row in repo.texts(session, ids)])
    events = [{"id": e.id, "note": mask_text(e.note, keep), "data": mask_tree(e.data, keep)}
              for e in repo.event_notes(session, ids)]  # fmt: skip
    repo.update_rows(session, CaseEvent, events)
    callbacks = [{"id": c.id, "note": mask_text(c.note)} for c in repo.callback_notes(session, ids)]
    repo.update_rows(session, Callback, callbacks)
    comments = [{"id": c.id, "text": mask_text(c.text) or ""} for c in repo.comment_texts(session, ids)]
    repo.update_rows(session, CaseComment, comments)
    repo.clear_contacts(session, ids)
    repo.mark_purged(session, ids, now)


def _case_row(row: Any, keep: frozenset[str], metres: float) -> dict[str, Any]:
    lat, lon = coarsen_point(row.lat, row.lon, metres)
    return {
        "id": row.id, "title": mask_text(row.title) or "", "text": mask_text(row.text) or "",
        "address": mask_address(row.address), "reply": mask_text(row.reply, keep),
        "status_notes": mask_text(row.status_notes, keep), "lat": lat, "lon": lon,
    }  # fmt: skip
