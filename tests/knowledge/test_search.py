"""The search index kept in step with the database: changes made elsewhere (another process, the CLI) are applied
one by one at the next search, never by a rebuild."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient

from citybrain.core.db import Database
from citybrain.core.settings import Settings
from citybrain.knowledge import service
from citybrain.knowledge.schemas import ItemIn
from citybrain.knowledge.search import KnowledgeSearch
from citybrain.web.app import create_app

TODAY = date(2026, 12, 7)


def published(db: Database, question: str, answer: str) -> int:
    with db.transaction() as s:
        item, _ = service.create(session=s, data=ItemIn(question=question, answer=answer), actor="a")
        service.review(session=s, item_id=item.id, actor="b")
        service.publish(session=s, item_id=item.id, actor="a", today=TODAY)
        return item.id


def ask(engine: KnowledgeSearch, db: Database, text: str) -> list[tuple[int, int]]:
    with db.reading() as s:
        return [(f.entry.item_id, f.entry.version) for f in engine.search(s, text, today=TODAY).found]


def test_changes_reach_the_index_one_by_one(db: Database) -> None:
    fund = published(db, "住房公积金怎么提取", "携带身份证到公积金中心办理。")
    engine = KnowledgeSearch()
    assert ask(engine, db, "公积金提取") == [(fund, 1)]
    index = engine.index
    with db.reading() as s:
        assert engine.refresh(s) == 0  # nothing changed: nothing re-read
    lamp = published(db, "小区路灯不亮找谁", "路灯由城管局维护，可拨打12319。")
    assert ask(engine, db, "路灯不亮") == [(lamp, 1)]
    with db.transaction() as s:
        changed = ItemIn(question="住房公积金怎么提取", answer="现可在网上服务大厅在线提取公积金。")
        service.edit(session=s, item_id=fund, actor="b", data=changed)
        service.review(session=s, item_id=fund, actor="a")
        service.publish(session=s, item_id=fund, actor="b", today=TODAY)
    assert ask(engine, db, "公积金提取") == [(fund, 2)]  # version 1 left the index, version 2 came in
    with db.transaction() as s:
        service.expire(session=s, item_id=lamp, actor="a")
    assert ask(engine, db, "路灯不亮") == []
    assert engine.index is index  # the same index throughout, changed in place
    assert len(index) == 1


@pytest.mark.parametrize("warm", [True, False])
def test_the_server_builds_the_index_at_start(db: Database, settings: Settings, warm: bool) -> None:
    """With ``knowledge_warm_at_start`` the published items are indexed in the background before anyone asks;
    without it, the index stays empty until the first search."""
    fund = published(db, "住房公积金怎么提取", "携带身份证到公积金中心办理。")
    app = create_app(settings.model_copy(update={"knowledge_warm_at_start": warm}), database=db)
    with TestClient(app):
        engine: KnowledgeSearch = app.state.knowledge_search
        assert engine.warmed.wait(60) if warm else not engine.warmed.is_set()
        assert len(engine.index) == (1 if warm else 0)
        assert [e.item_id for e in engine.entries.values()] == ([fund] if warm else [])
