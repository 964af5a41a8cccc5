"""The cockpit's board (城市运行驾驶舱): the latest hot issues, the association rules in the directory's words, the
open alerts and the topics (群众所思所想). Case texts are never sent: a hot issue is its place, description and
numbers; a topic its words and monthly shares."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy.orm import Session

from citybrain.alerts import repository as alerts_repository
from citybrain.cases import kpi_repository, volume_repository
from citybrain.core.errors import NotFound
from citybrain.core.inputs import ascii_digits
from citybrain.insight import service as insight_service

#: How many hot issues, rules and alerts the board lists.
BOARD_SIZE = 10


def board(session: Session, *, with_alerts: bool, department_id: int | None = None) -> dict[str, Any]:
    """The latest hot-issue board and association rules in words, and the open alerts (for those who handle
    them; ``None`` otherwise). Case texts are never sent: a hot issue is its place, description and numbers.
    With ``department_id`` (a department's key) only the issues and rules with its own cases, cut to them."""
    names = kpi_repository.category_names(session)
    reader = insight_service.Reader(department_id=department_id, may_rank=department_id is None)
    return {
        "hot_issues": _hot_issues(session, reader),
        "associations": _associations(session, names, reader),
        "alerts": _alerts(session) if with_alerts else None,
        "topics": _topics(session, reader),
    }


def _latest(session: Session, kind: str, reader: insight_service.Reader) -> dict[str, Any] | None:
    try:
        return insight_service.latest(session, kind, limit=BOARD_SIZE, reader=reader)
    except NotFound:
        return None


def _hot_issues(session: Session, reader: insight_service.Reader) -> list[dict[str, Any]] | None:
    run = _latest(session, "hot_issues", reader)
    if run is None:
        return None
    issues = []
    for item in run["results"]:
        issue = item["payload"]
        ids = [int(i) for i in item.get("case_ids") or [] if ascii_digits(str(i))]
        centre = volume_repository.centre_of(session, ids)
        issues.append(
            {
                "rank": issue.get("rank"),
                "place": issue.get("place"),
                "description": issue.get("description"),
                "heat": issue.get("heat"),
                "count": issue.get("count"),
                "start": issue.get("start"),
                "end": issue.get("end"),
                "lat": round(centre[0], 3) if centre else None,  # ~100 m, as public pages round a case's point
                "lon": round(centre[1], 3) if centre else None,
                "case_ids": ids,
            }
        )
    return issues


def _topics(session: Session, reader: insight_service.Reader) -> dict[str, Any] | None:
    """群众所思所想: the latest topics run as its panel shows it (``insight.topics.panel``), or None."""
    from citybrain.insight.topics import panel

    try:
        run = insight_service.latest(session, "topics", limit=100, reader=reader)
    except NotFound:
        return None
    return panel(run)


def rule_in_words(rule: dict[str, Any], names: dict[str, tuple[str, str, int, bool]]) -> tuple[str, str]:
    """``construction.site + noise.construction.night → roads.works`` as the directory names it, zh and en."""

    def side(codes: Iterable[str], lang: int) -> str:
        return " + ".join(str(names[c][lang]) if c in names else c for c in codes)

    ante, cons = rule.get("antecedent", []), rule.get("consequent", [])
    return f"{side(ante, 0)} → {side(cons, 0)}", f"{side(ante, 1)} → {side(cons, 1)}"


def _associations(
    session: Session, names: dict[str, tuple[str, str, int, bool]], reader: insight_service.Reader
) -> list[dict[str, Any]] | None:
    run = _latest(session, "associations", reader)
    if run is None:
        return None
    rules = []
    for item in run["results"]:
        rule = item["payload"]
        zh, en = rule_in_words(rule, names)
        where = [
            {"cell": e.get("cell"), "lat": e.get("lat"), "lon": e.get("lon"),
             "from": e.get("window_start"), "to": e.get("window_end"), "counts": e.get("counts")}
            for e in rule.get("examples", [])
        ]  # fmt: skip
        rules.append(
            {"rule": item["key"], "zh": zh, "en": en, "lift": rule.get("lift"), "q_value": rule.get("q_value"),
             "support": rule.get("support"), "confidence": rule.get("confidence"), "where": where,
             "case_ids": item.get("case_ids") or []}
        )  # fmt: skip
    return rules


def _alerts(session: Session) -> list[dict[str, Any]]:
    alerts, _total = alerts_repository.list_alerts(session, status="open", limit=BOARD_SIZE * 5, offset=0)
    shown = []
    for alert in alerts:
        explanation = alert.explanation or {}
        centre = explanation.get("center") or {}
        shown.append(
            {
                "id": alert.id,
                "kind": alert.kind,
                "detector": alert.detector,
                "title": alert.title,
                "first_signal_on": alert.first_signal_on.isoformat(),
                "last_signal_on": alert.last_signal_on.isoformat(),
                "observed": alert.observed,
                "expected": alert.expected,
                "p_value": alert.p_value,
                "recurrence_days": alert.recurrence_days,
                "lat": centre.get("lat"),
                "lon": centre.get("lon"),
                "radius_m": explanation.get("radius_m"),
                "series": explanation.get("series"),
                # the cases behind it; an alert stored without its case ids says how many it observed
                "cases": len(alert.case_ids) if alert.case_ids else _observed(alert.observed),
            }
        )
    return shown


def _observed(observed: float | None) -> int | None:
    return None if observed is None else round(observed)
