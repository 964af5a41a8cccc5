"""Reply quality over real replies (答复意见评价): score one case's reply, rank departments by their replies, and
summarise a reply file — one analysis (:func:`analyse`) for the live database and for files like Teddy 附件4.

Scoring itself is ``nlp.replies`` (pure). Output never carries a citizen's personal data: excerpts are masked
(``nlp.replies_data.mask``) and platform user ids hidden.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from citybrain.cases import kpi_repository
from citybrain.core import clock
from citybrain.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from citybrain.insight.service import ResultItem, RunRecord
from citybrain.nlp.replies import ReplyInput, ReplyScore, ScoringConfig, score_replies
from citybrain.nlp.replies_data import ReplyRecord, distribution, mask, rank_groups, signed_by
from citybrain.reports import repository
from citybrain.reports.schemas import ReplyToScore

MAX_LIMIT = 20_000


def method(config: ScoringConfig) -> dict[str, Any]:
    """The weights and thresholds used, for every output (docs/replies.md explains them)."""
    return asdict(config)


def score_case(session: Session, *, case_id: int, department_id: int | None, config: ScoringConfig) -> dict[str, Any]:
    """The quality of one case's reply; a department's key may only ask about its own cases."""
    case = repository.replied_case(session, case_id)
    if case is None:
        raise NotFound(f"no case {case_id}")
    if department_id is not None and case.department_id != department_id:
        raise Forbidden(f"case {case_id} is not your department's")
    if not case.reply:
        raise Conflict(f"case {case_id} has no reply yet (答复): it is scored once the department resolves it")
    item = ReplyInput(f"{case.title} {case.text}", case.reply, case.created_at, case.resolved_at, case.resolve_hours)
    (score,) = score_replies([item], config)
    return {"case_id": case_id, **score.as_dict(), "method": method(config)}


def records_from_database(
    session: Session, *, start: date | None, end: date | None, limit: int, timezone: str, language: str
) -> tuple[list[ReplyRecord], list[float | None]]:
    """The newest ``limit`` answered cases received in [start, end] as records, and each one's SLA resolve hours."""
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"limit must be between 1 and {MAX_LIMIT}, not {limit}")
    if start and end and start > end:
        raise InvalidInput(f"from ({start}) is after to ({end})")
    names = kpi_repository.department_names(session)
    english = language.lower().startswith("en")
    cases = repository.replied_cases(
        session,
        start=clock.local_midnight_utc(start, timezone) if start else None,
        end=clock.local_midnight_utc(end + timedelta(days=1), timezone) if end else None,
        department_id=None,
        limit=limit,
    )
    records = []
    for case in cases:
        found = names.get(case.department_id) if case.department_id is not None else None
        department = None if found is None else f"{found[0]} {(found[2] or found[1]) if english else found[1]}"
        records.append(
            ReplyRecord(
                id=str(case.id), title=case.title, message=case.text, reply=case.reply or "",
                message_at=case.created_at, reply_at=case.resolved_at, department=department,
            )
        )  # fmt: skip
    return records, [case.resolve_hours for case in cases]


@dataclass(frozen=True)
class AnalysisOptions:
    top: int = 10
    min_replies: int = 5
    config: ScoringConfig = ScoringConfig()


def analyse(
    records: Sequence[ReplyRecord],
    *,
    options: AnalysisOptions,
    sla_hours: Sequence[float | None] | None = None,
    source: str = "database",
    progress: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Score every reply, rank the departments (or, with no department column, the units that signed the replies),
    and report the distribution and the best and worst replies (masked excerpts with their reasons)."""
    if not 1 <= options.top <= 1000:
        raise InvalidInput(f"top must be between 1 and 1000, not {options.top}")
    hours = list(sla_hours) if sla_hours is not None else [None] * len(records)
    items = [
        ReplyInput(f"{r.title} {r.message}".strip(), r.reply, r.message_at, r.reply_at, h)
        for r, h in zip(records, hours, strict=True)
    ]
    scores = score_replies(items, options.config, progress)
    has_departments = any(r.department for r in records)
    keys = [r.department if has_departments else signed_by(r.reply) for r in records]
    order = sorted(range(len(scores)), key=lambda i: (-scores[i].overall, records[i].id))
    return {
        "source": source,
        "replies": len(records),
        "method": method(options.config),
        "distribution": distribution(scores),
        "ranking": {
            "by": "department" if has_departments else "signed_by",
            "min_replies": options.min_replies,
            "grouped_replies": sum(k is not None for k in keys),
            "rows": rank_groups(keys, scores, min_replies=options.min_replies),
        },
        "top": [_example(records[i], scores[i]) for i in order[: options.top]],
        "bottom": [_example(records[i], scores[i]) for i in reversed(order[-options.top :])],
    }


def _example(record: ReplyRecord, score: ReplyScore) -> dict[str, Any]:
    return {
        "id": record.id,
        "department": record.department or signed_by(record.reply),
        "title": mask(record.title, 60),
        "reply_excerpt": mask(record.reply, 160),
        **score.as_dict(),
    }


def replies_record(result: dict[str, Any], params: dict[str, Any]) -> RunRecord:
    """An analysis as an insight run of kind ``replies``: the ranked groups are its items."""
    items = [
        ResultItem(key=f"{result['ranking']['by']}:{row['group']}", score=row["overall"], payload=row)
        for row in result["ranking"]["rows"]
        if row["rank"] is not None
    ]
    summary = {key: result[key] for key in ("replies", "method", "distribution", "top", "bottom")}
    return RunRecord(kind="replies", source=result["source"], params=params, summary=summary, items=items)


def score_one(reply: ReplyToScore) -> dict[str, Any]:
    """One reply to one message, scored with the default configuration, with the method that scored it."""
    if not reply.message.strip():
        raise InvalidInput("message is empty: a reply is judged against the message it answers")
    config = ScoringConfig()
    (score,) = score_replies(
        [ReplyInput(reply.message, reply.reply, reply.message_at, reply.reply_at, reply.sla_hours)], config
    )
    return {**score.as_dict(), "method": method(config)}
