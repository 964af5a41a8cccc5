"""The knowledge base's workflow (审核发布): draft → reviewed → published → expired, with versions.

* Anyone who edits (an editor: operator or admin) becomes the version's author; a reviewer (审核人) must be another
  person, and is recorded with the time, as is who published.
* Editing a draft or reviewed version changes it in place (back to draft: it must be reviewed again). Editing a
  published (or expired) item makes a new draft version; the published one stays public until the new one is
  published, then becomes ``superseded``. Every version is kept: the item's history.
* A published version past its ``valid_to`` is never shown (search checks the day) and is set ``expired`` by
  :func:`expire_due` (``citybrain knowledge expire``, a daily job).

Services flush, never commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.orm import Session

from citybrain.core.clock import utcnow
from citybrain.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from citybrain.knowledge import repository
from citybrain.knowledge.schemas import ItemIn
from citybrain.models import KnowledgeItem, KnowledgeVersion
from citybrain.nlp.replies_data import ReplyRecord, signed_by

FIELDS = ("question", "answer", "policy_basis", "department", "category_code", "region", "valid_from", "valid_to")


def get(*, session: Session, item_id: int) -> tuple[KnowledgeItem, KnowledgeVersion]:
    found = repository.item(session, item_id)
    latest = repository.latest(session, item_id) if found else None
    if found is None or latest is None:
        raise NotFound(f"knowledge item {item_id} not found")
    return found, latest


def create(
    *, session: Session, data: ItemIn, actor: str, source: tuple[str, str | None, str | None] = ("manual", None, None)
) -> tuple[KnowledgeItem, KnowledgeVersion]:
    """A new item as a draft (草稿) by ``actor``; ``source`` is (kind, reference, file or document name)."""
    now = utcnow()
    kind, ref, name = source
    item = KnowledgeItem(source_kind=kind, source_ref=ref, source_name=name, created_by=actor, created_at=now)
    repository.add(session, item)
    version = KnowledgeVersion(item_id=item.id, version=1, status="draft", author=actor, created_at=now,
                               updated_at=now, **data.model_dump(include=set(FIELDS)))  # fmt: skip
    repository.add(session, version)
    return item, version


def edit(*, session: Session, item_id: int, data: ItemIn, actor: str) -> KnowledgeVersion:
    """Change the content; a published or ended item gets a new draft version (the public one stays until then)."""
    _, latest = get(session=session, item_id=item_id)
    now = utcnow()
    values = data.model_dump(include=set(FIELDS))
    if latest.status in ("draft", "reviewed"):
        for name, value in values.items():
            setattr(latest, name, value)
        latest.status, latest.author, latest.updated_at = "draft", actor, now
        latest.reviewed_by = latest.reviewed_at = None
        session.flush()
        return latest
    version = KnowledgeVersion(item_id=item_id, version=latest.version + 1, status="draft", author=actor,
                               created_at=now, updated_at=now, **values)  # fmt: skip
    repository.add(session, version)
    return version


def review(*, session: Session, item_id: int, actor: str) -> KnowledgeVersion:
    """审核: a draft becomes reviewed — by someone other than its author."""
    _, latest = get(session=session, item_id=item_id)
    if latest.status != "draft":
        raise Conflict(f"version {latest.version} is {latest.status}; only a draft is reviewed")
    if latest.author == actor:
        raise Forbidden(f"{actor} wrote version {latest.version}: another editor must review it (审核人不能是作者)")
    now = utcnow()
    latest.status, latest.reviewed_by, latest.reviewed_at, latest.updated_at = "reviewed", actor, now, now
    session.flush()
    return latest


def publish(*, session: Session, item_id: int, actor: str, today: date) -> KnowledgeVersion:
    """发布: a reviewed version becomes the public one; the version it replaces is kept as ``superseded``."""
    _, latest = get(session=session, item_id=item_id)
    if latest.status != "reviewed":
        raise Conflict(f"version {latest.version} is {latest.status}; only a reviewed version is published")
    if latest.valid_to is not None and latest.valid_to < today:
        raise Conflict(f"version {latest.version} was valid only to {latest.valid_to}: edit its validity first")
    now = utcnow()
    previous = repository.published(session, item_id)
    if previous is not None:
        previous.status, previous.ended_at, previous.updated_at = "superseded", now, now
    latest.status, latest.published_by, latest.published_at, latest.updated_at = "published", actor, now, now
    session.flush()
    return latest


def expire(*, session: Session, item_id: int, actor: str) -> KnowledgeVersion:
    """Withdraw the public version now (失效)."""
    found = repository.published(session, item_id)
    if found is None:
        get(session=session, item_id=item_id)
        raise Conflict(f"knowledge item {item_id} has no published version to expire")
    now = utcnow()
    found.status, found.ended_at, found.updated_at = "expired", now, now
    session.flush()
    return found


def expire_due(*, session: Session, today: date) -> list[KnowledgeVersion]:
    """Every published version whose ``valid_to`` has passed becomes expired (the daily job)."""
    now = utcnow()
    due = repository.expiring(session, until=today - timedelta(days=1))
    for version in due:
        version.status, version.ended_at, version.updated_at = "expired", now, now
    session.flush()
    return due


def expiring(*, session: Session, today: date, days: int) -> list[KnowledgeVersion]:
    """到期提醒: published versions whose validity ends within ``days`` days (or has ended, not yet expired)."""
    if not 0 <= days <= 3660:
        raise InvalidInput("days must be between 0 and 3660")
    return repository.expiring(session, until=today + timedelta(days=days))


@dataclass(frozen=True)
class SeedOutcome:
    added: int
    skipped: int  # already seeded from the same source
    rejected: list[tuple[int, str, str]]  # (row, reference, reason)


def reply_item(record: ReplyRecord) -> ItemIn | str:
    """The draft an official reply becomes, or why it cannot become one."""
    question = "\n".join(p for p in (record.title.strip(), record.message.strip()) if p)
    answer = record.reply.strip()
    if not answer:
        return "答复意见为空 empty reply"
    if not question:
        return "留言主题和详情为空 no question"
    valid_from = record.reply_at.date() if record.reply_at else None
    department = record.department or signed_by(answer)
    return ItemIn(question=question[:4000], answer=answer[:20000], department=(department or None) and department[:200],
                  valid_from=valid_from)  # fmt: skip


def seed_replies(*, session: Session, records: Sequence[ReplyRecord], source_name: str, actor: str) -> SeedOutcome:
    """Each reply becomes a draft (never published unreviewed); a reply seeded before is skipped."""
    seen = repository.seeded_refs(session, "reply")
    added = skipped = 0
    rejected: list[tuple[int, str, str]] = []
    for row, record in enumerate(records, start=2):
        if record.id in seen:
            skipped += 1
            continue
        made = reply_item(record)
        if isinstance(made, str):
            rejected.append((row, record.id, made))
            continue
        create(session=session, data=made, actor=actor, source=("reply", record.id, source_name))
        seen.add(record.id)
        added += 1
    return SeedOutcome(added, skipped, rejected)


def seed_cases(*, session: Session, actor: str, limit: int) -> SeedOutcome:
    """Resolved cases' replies become drafts (the question is the case's title and text, as the citizen wrote it)."""
    seen = repository.seeded_refs(session, "case")
    added = skipped = 0
    for case, department in repository.resolved_cases_with_reply(session, limit=limit):
        if str(case.id) in seen:
            skipped += 1
            continue
        question = "\n".join(p for p in (case.title.strip(), case.text.strip()) if p) or "(无标题)"
        data = ItemIn(question=question[:4000], answer=(case.reply or "")[:20000], department=department,
                      category_code=case.category_code, region=case.district_code)  # fmt: skip
        create(session=session, data=data, actor=actor, source=("case", str(case.id), None))
        added += 1
    return SeedOutcome(added, skipped, [])
