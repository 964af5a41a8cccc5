"""Smart answers (智能问答): the in-process search index of published items, kept in step with the database.

One :class:`KnowledgeSearch` per server process. Before each search it reads the versions changed since the last
look (an indexed query on ``updated_at``) and adds, replaces or removes just those in the index, so a change made
by another process or the CLI is searchable at the next query, without a rebuild. The first search builds it.
Changes are re-read :data:`LOOK_BACK` behind the newest seen, skipping those already applied.
Published versions past their ``valid_to`` are skipped at query time (they expire for good in the daily job).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from citybrain.core.errors import InvalidInput
from citybrain.knowledge import repository, retrieval
from citybrain.knowledge.retrieval import Hit
from citybrain.models import KnowledgeVersion

MAX_QUERY_CHARS = 2000
#: Changes are re-read this far behind the newest seen: a transaction that stamped its change earlier but committed
#: later than another is still picked up (one longer than this would be missed until the process restarts).
LOOK_BACK = timedelta(minutes=5)
SOURCE_LABELS = {"reply": "往期答复 past reply", "case": "已办结工单 resolved case", "manual": "知识条目 item",
                 "document": "政策文件 document"}  # fmt: skip


@dataclass(frozen=True)
class Entry:
    """What a hit shows, kept beside the index so a search reads nothing more from the database."""

    item_id: int
    version: int
    question: str
    answer: str
    policy_basis: str | None
    department: str | None
    category_code: str | None
    region: str | None
    valid_from: date | None
    valid_to: date | None
    source_kind: str


@dataclass(frozen=True)
class Found:
    entry: Entry
    hit: Hit
    reasons: list[str]


@dataclass(frozen=True)
class Answer:
    query: str
    answered: bool
    notes: list[str]
    found: list[Found] = field(default_factory=list)


def document_text(version: KnowledgeVersion) -> str:
    return "\n".join(p for p in (version.question, version.answer, version.policy_basis or "") if p)


class KnowledgeSearch:
    def __init__(self) -> None:
        self.index = retrieval.Index()
        self.entries: dict[int, Entry] = {}
        self._watermark: datetime | None = None
        self._applied: dict[int, datetime] = {}  # version id → the updated_at applied, within the look-back
        self._lock = threading.Lock()

    def refresh(self, session: Session) -> int:
        """Apply the versions changed since the last refresh; returns how many were looked at."""
        with self._lock:
            since = None if self._watermark is None else self._watermark - LOOK_BACK
            rows = [r for r in repository.changed_since(session, since) if self._applied.get(r[0]) != r[2]]
            if not rows:
                return 0
            publish = [r[0] for r in rows if r[1] == "published"]
            for version_id, status, _ in rows:
                if status != "published" and self.index.remove(version_id):
                    self.entries.pop(version_id, None)
            versions = repository.published_versions(session, publish) if publish else []
            kinds = repository.source_kinds(session, [v.item_id for v in versions])
            self.index.add_many((v.id, document_text(v)) for v in versions)
            self.entries.update((v.id, _entry(v, kinds.get(v.item_id, "manual"))) for v in versions)
            self._watermark = max([r[2] for r in rows] + ([self._watermark] if self._watermark else []))
            self._applied.update((r[0], r[2]) for r in rows)
            floor = self._watermark - LOOK_BACK
            self._applied = {k: at for k, at in self._applied.items() if at >= floor}
            return len(rows)

    def search(
        self,
        session: Session,
        text: str,
        *,
        today: date,
        limit: int = 5,
        category_code: str | None = None,
        region: str | None = None,
    ) -> Answer:
        """The closest published, valid items with reasons; ``answered`` False when none is good enough."""
        query, notes = checked_query(text)
        self.refresh(session)
        with self._lock:
            hits = self.index.search(self.index.analyse_query(query), limit=limit * 4 + 10)
        found = []
        for hit in hits:
            entry = self.entries.get(hit.key)
            if entry is None or (entry.valid_to is not None and entry.valid_to < today):
                continue
            if entry.valid_from is not None and entry.valid_from > today:
                continue
            found.append(Found(entry, hit, reasons(entry, hit, category_code, region)))
            if len(found) == limit:
                break
        answered = bool(found) and found[0].hit.score >= retrieval.NO_ANSWER_BELOW
        if not answered:
            notes.append("知识库中没有足够接近的答案 no published answer is close enough to this question")
        return Answer(query=query, answered=answered, notes=notes, found=found if answered else [])


def checked_query(text: str | None) -> tuple[str, list[str]]:
    """The query as searched, and notes on what was done to it; an empty one is refused (400)."""
    query = " ".join((text or "").split())
    if not query:
        raise InvalidInput("请输入问题 / the question is empty: write what you want to ask (q=…)")
    notes = []
    if len(query) > MAX_QUERY_CHARS:
        query = query[:MAX_QUERY_CHARS]
        notes.append(
            f"问题过长，只按前 {MAX_QUERY_CHARS} 字检索 question cut to its first {MAX_QUERY_CHARS} characters"
        )
    if not retrieval.has_chinese(query):
        notes.append("知识库为中文，请用中文描述问题 the knowledge base is in Chinese: ask in Chinese for good answers")
    return query, notes


def reasons(entry: Entry, hit: Hit, category_code: str | None, region: str | None) -> list[str]:
    found = [f"匹配词 matched words: {'、'.join(hit.matched)}" if hit.matched else "无共同词 no shared words"]
    found.append(f"相关度 score {hit.score:.2f} (BM25 {hit.bm25:.2f}, 字面相似 text similarity {hit.cosine:.2f})")
    found.append(f"来源 source: {SOURCE_LABELS.get(entry.source_kind, entry.source_kind)}")
    if entry.department:
        found.append(f"承办单位 department: {entry.department}")
    if entry.category_code:
        same = " (同类 same category)" if category_code and entry.category_code == category_code else ""
        found.append(f"分类 category: {entry.category_code}{same}")
    if entry.region:
        same = " (同区 same district)" if region and entry.region == region else ""
        found.append(f"区域 region: {entry.region}{same}")
    if entry.valid_to:
        found.append(f"有效期至 valid to {entry.valid_to.isoformat()}")
    return found


def _entry(v: KnowledgeVersion, kind: str) -> Entry:
    return Entry(v.item_id, v.version, v.question, v.answer, v.policy_basis, v.department, v.category_code,
                 v.region, v.valid_from, v.valid_to, kind)  # fmt: skip
