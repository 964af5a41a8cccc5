"""Topics over time (群众所思所想) as a job: read the messages (a file, or the live database's cases with their
text), find the topics and the risers (``analytics.topics``), and store the result as a run of kind ``topics``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from citybrain.analytics import io
from citybrain.analytics.hot_issues_io import read_messages_view
from citybrain.analytics.topics import TopicParams, TopicResult, find_topics
from citybrain.analytics.topics_io import Corpus, from_messages, read_corpus, topics_json
from citybrain.core import clock
from citybrain.core.db import Database
from citybrain.insight.service import ResultItem, RunRecord, save
from citybrain.insight.source import open_database
from citybrain.nlp.topic_terms import corpus_terms

KIND = "topics"


def load_corpus(path: Path | None, *, database: Database | None, timezone: str, since: datetime | None = None
                ) -> Corpus:  # fmt: skip
    """Messages from ``path`` or, without it, the live database's cases (created at or after ``since``, UTC)."""
    if path is not None:
        return read_corpus(path, timezone=timezone)
    if database is None:
        raise ValueError("give a path or a database")
    con = io.connect()
    try:
        aware = since.replace(tzinfo=UTC) if since is not None and since.tzinfo is None else since
        source = open_database(con, database, since=aware, with_text=True).source
        messages = read_messages_view(con)
    finally:
        con.close()
    return from_messages(messages, zone=clock.city_zone(timezone), source=source)


def analyse(corpus: Corpus, params: TopicParams) -> tuple[TopicResult, dict[str, Any]]:
    """Topics of ``corpus`` and their JSON document."""
    result = find_topics(corpus_terms(corpus.titles, corpus.texts), corpus.months, params)
    return result, topics_json(result, corpus)


def topics_record(document: dict[str, Any]) -> RunRecord:
    """The document as a run of kind ``topics``: one item per topic (its share ratio in the month judged as the
    score), its example cases as members; the months and totals in the summary, for the cockpit's sparklines."""
    items = [
        ResultItem(
            key=topic["label"] or f"topic {topic['topic']}",
            score=(topic["rise"] or {}).get("ratio"),
            payload=topic,
            case_ids=[int(i) if str(i).isdigit() else i for i in topic["case_ids"]],
        )
        for topic in document["topics"]
    ]
    summary = {
        "month": document["month"],
        "months": document["months"],
        "totals": document["totals"],
        "rising": document["rising"],
        "agreement": document["agreement"],
        "text": document["summary"],
    }
    return RunRecord(kind=KIND, source=document["params"]["source"], params=document["params"], summary=summary,
                     items=items)  # fmt: skip


def run_topics(
    database: Database, *, params: TopicParams | None = None, days: int = 730, timezone: str = "Asia/Shanghai"
) -> tuple[dict[str, Any], int]:
    """Topics of the last ``days`` days of cases, stored as a run (one transaction). The nightly job's step."""
    since = clock.utcnow() - timedelta(days=days)
    corpus = load_corpus(None, database=database, timezone=timezone, since=since)
    _, document = analyse(corpus, params or TopicParams())
    with database.transaction() as session:
        run_id = save(session, topics_record(document))
    return document, run_id


#: Months of trend the cockpit's panel shows (sparklines).
PANEL_MONTHS = 24


def panel(run: dict[str, Any], months: int = PANEL_MONTHS) -> dict[str, Any]:
    """A stored topics run (``insight.service.latest``) as the cockpit's panel 群众所思所想 reads it: each topic's
    words, its last ``months`` monthly shares, the test of the month judged and why; no message text."""
    summary = run.get("summary") or {}
    axis = list(summary.get("months") or [])[-months:]
    cut = len(axis)
    topics = []
    for item in run["results"]:
        topic = item["payload"]
        rise = topic.get("rise") or {}
        topics.append(
            {
                "topic": topic.get("topic"),
                "label": topic.get("label"),
                "terms": list(topic.get("terms") or [])[:6],
                "size": topic.get("size"),
                "counts": list(topic.get("counts") or [])[-cut:] if cut else [],
                "shares": list(topic.get("shares") or [])[-cut:] if cut else [],
                "rising": bool(rise.get("rising")),
                "count": rise.get("count"),
                "share": rise.get("share"),
                "history_share": rise.get("history_share"),
                "ratio": rise.get("ratio"),
                "q_value": rise.get("q_value"),
                "explanation": topic.get("explanation"),
            }
        )
    return {
        "run_id": run["id"],
        "finished_at": run["finished_at"],
        "source": run["source"],
        "month": summary.get("month"),
        "months": axis,
        "topics": topics,
        "rising": [t["topic"] for t in topics if t["rising"]],
        "summary": summary.get("text"),
    }
