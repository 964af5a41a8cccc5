"""Knowledge base API (/api/v1/knowledge): staff read and search; editors write, review, publish and expire; the
public asks for answers (published, valid items only, personal data masked)."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Query, Request

from citybrain.auth.deps import KnowledgeEditor, KnowledgeReader
from citybrain.auth.roles import Permission, Principal
from citybrain.core.clock import city_today
from citybrain.core.http import DbDep
from citybrain.core.inputs import RowId
from citybrain.knowledge import repository, retrieval, service
from citybrain.knowledge.schemas import ExpiringOut, HitOut, ItemIn, ItemOut, SearchOut, VersionOut
from citybrain.knowledge.search import Answer, KnowledgeSearch
from citybrain.models import KnowledgeItem, KnowledgeVersion
from citybrain.nlp.replies_data import mask

router = APIRouter(prefix="/knowledge", tags=["knowledge"])

PUBLIC_ANSWER_CHARS = 600


def _today(request: Request) -> date:
    return city_today(request.app.state.settings.timezone)


def _engine(request: Request) -> KnowledgeSearch:
    engine: KnowledgeSearch = request.app.state.knowledge_search
    return engine


def _masked(version: KnowledgeVersion, principal: Principal) -> VersionOut:
    out = VersionOut.model_validate(version)
    if principal.can(Permission.SEE_PII):
        return out
    return out.model_copy(update={"question": mask(version.question, 4000), "answer": mask(version.answer, 20000)})


def _item_out(
    item: KnowledgeItem, latest: KnowledgeVersion, principal: Principal, history: list[KnowledgeVersion] | None = None
) -> ItemOut:
    published = next((v.version for v in history or [] if v.status == "published"), None)
    if history is None and latest.status == "published":
        published = latest.version
    return ItemOut(
        id=item.id, source_kind=item.source_kind, source_ref=item.source_ref, source_name=item.source_name,
        created_by=item.created_by, created_at=item.created_at, latest=_masked(latest, principal),
        published_version=published, versions=[_masked(v, principal) for v in history or []],
    )  # fmt: skip


def _answer_out(answer: Answer, *, excerpt: int) -> SearchOut:
    hits = [
        HitOut(
            item_id=f.entry.item_id,
            version=f.entry.version,
            question=mask(f.entry.question, excerpt),
            answer=mask(f.entry.answer, excerpt),
            policy_basis=f.entry.policy_basis,
            department=f.entry.department,
            category_code=f.entry.category_code,
            region=f.entry.region,
            valid_to=f.entry.valid_to,
            source_kind=f.entry.source_kind,
            score=f.hit.score,
            bm25=f.hit.bm25,
            cosine=f.hit.cosine,
            matched=list(f.hit.matched),
            reasons=f.reasons,
        )  # fmt: skip
        for f in answer.found
    ]
    return SearchOut(query=answer.query, answered=answer.answered, threshold=retrieval.NO_ANSWER_BELOW,
                     notes=answer.notes, hits=hits)  # fmt: skip


@router.get("/items", response_model=list[ItemOut])
def list_items(
    db: DbDep,
    principal: KnowledgeReader,
    status: str | None = Query(None, pattern="^(draft|reviewed|published|expired|superseded)$"),
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0, le=10_000_000),
) -> list[ItemOut]:
    """Items with their latest version, newest change first (``status`` filters on the latest version)."""
    with db.reading() as session:
        rows = repository.listing(session, status=status, limit=limit, offset=offset)
        return [_item_out(item, latest, principal) for item, latest in rows]


@router.post("/items", response_model=ItemOut, status_code=201)
def create_item(data: ItemIn, db: DbDep, principal: KnowledgeEditor) -> ItemOut:
    """A new item, as a draft by the caller (it is public only once another editor reviewed it and it is published)."""
    with db.transaction() as session:
        item, version = service.create(session=session, data=data, actor=principal.name)
        return _item_out(item, version, principal, [version])


@router.get("/items/{item_id}", response_model=ItemOut)
def get_item(item_id: RowId, db: DbDep, principal: KnowledgeReader) -> ItemOut:
    """An item with its whole history (every version, who wrote, reviewed and published it)."""
    with db.reading() as session:
        item, latest = service.get(session=session, item_id=item_id)
        return _item_out(item, latest, principal, repository.versions(session, item_id))


@router.put("/items/{item_id}", response_model=ItemOut)
def edit_item(item_id: RowId, data: ItemIn, db: DbDep, principal: KnowledgeEditor) -> ItemOut:
    """Change an item: a draft in place; a published item gets a new draft version (the public one stays)."""
    with db.transaction() as session:
        service.edit(session=session, item_id=item_id, data=data, actor=principal.name)
        item, latest = service.get(session=session, item_id=item_id)
        return _item_out(item, latest, principal, repository.versions(session, item_id))


def _transition(request: Request, db: DbDep, item_id: int, principal: Principal, action: str) -> ItemOut:
    with db.transaction() as session:
        if action == "review":
            service.review(session=session, item_id=item_id, actor=principal.name)
        elif action == "publish":
            service.publish(session=session, item_id=item_id, actor=principal.name, today=_today(request))
        else:
            service.expire(session=session, item_id=item_id, actor=principal.name)
        item, latest = service.get(session=session, item_id=item_id)
        return _item_out(item, latest, principal, repository.versions(session, item_id))


@router.post("/items/{item_id}/review", response_model=ItemOut)
def review_item(request: Request, item_id: RowId, db: DbDep, principal: KnowledgeEditor) -> ItemOut:
    """审核: the latest draft becomes reviewed — 403 if the caller wrote it (another editor must review)."""
    return _transition(request, db, item_id, principal, "review")


@router.post("/items/{item_id}/publish", response_model=ItemOut)
def publish_item(request: Request, item_id: RowId, db: DbDep, principal: KnowledgeEditor) -> ItemOut:
    """发布: the reviewed version becomes the public one; the one it replaces is kept as superseded."""
    return _transition(request, db, item_id, principal, "publish")


@router.post("/items/{item_id}/expire", response_model=ItemOut)
def expire_item(request: Request, item_id: RowId, db: DbDep, principal: KnowledgeEditor) -> ItemOut:
    """失效: withdraw the public version now."""
    return _transition(request, db, item_id, principal, "expire")


@router.get("/expiring", response_model=ExpiringOut)
def list_expiring(
    request: Request, db: DbDep, principal: KnowledgeReader, days: int = Query(30, ge=0, le=3660)
) -> ExpiringOut:
    """到期提醒: published items whose validity ends within ``days`` days (or has ended: they expire tonight)."""
    with db.reading() as session:
        due = service.expiring(session=session, today=_today(request), days=days)
        return ExpiringOut(days=days, items=[_masked(v, principal) for v in due])


@router.get("/search", response_model=SearchOut)
def search_staff(
    request: Request,
    db: DbDep,
    principal: KnowledgeReader,
    q: str = Query("", max_length=20000, description="the message or question (Chinese)"),
    limit: int = Query(5, ge=1, le=20),
    category: str | None = Query(None, max_length=64, description="the case's category: hits in it say so"),
    district: str | None = Query(None, max_length=64, description="the case's district: hits in it say so"),
) -> SearchOut:
    """Suggested replies and policy references for a message (desk): the closest published items, with reasons.
    ``answered`` is false, with no hits, when none scores above the no-answer threshold."""
    with db.reading() as session:
        answer = _engine(request).search(session, q, today=_today(request), limit=limit,
                                         category_code=category, region=district)  # fmt: skip
    return _answer_out(answer, excerpt=4000)


@router.get("/answers", response_model=SearchOut)
def public_answers(
    request: Request,
    db: DbDep,
    q: str = Query("", max_length=20000, description="the citizen's question (Chinese)"),
    limit: int = Query(3, ge=1, le=10),
) -> SearchOut:
    """For the public (no key): official answers to a question before it is filed (咨询) — published, valid items
    only, citizens' names, phone numbers and addresses masked."""
    with db.reading() as session:
        answer = _engine(request).search(session, q, today=_today(request), limit=limit)
    return _answer_out(answer, excerpt=PUBLIC_ANSWER_CHARS)
