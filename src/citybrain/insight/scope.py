"""What of a stored analysis a department's key may read (部门数据范围): its own cases, nothing of another's.

A run is computed over the whole city, so its results mix every department's cases — a hot issue's members are
other departments' messages, an association's cases are anyone's. A caller held to one department gets only the
results that involve at least one of its own cases, and of those only its own cases: ``case_ids`` cut to them,
member messages (``members``) cut to them, and a hot issue's description and count re-read from what is left.
Results tied to no case at all are city-wide figures and are left out too. Runs that rank every department
(``report``, ``replies``) need ``rank_departments``, as ``GET /api/v1/reports/monthly`` does.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

#: Kinds whose runs compare every department (考核排名): not for a department's key.
RANKING_KINDS = frozenset({"report", "replies"})


def case_number(value: Any) -> int | None:
    """A stored case reference as a case id: ``123``, ``"123"`` or a portal comment ``"123#7"`` (its case)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    head = str(value).split("#", 1)[0]
    return int(head) if head.isdigit() else None


def referenced_cases(items: Iterable[dict[str, Any]]) -> set[int]:
    """Every case id the results name (their ``case_ids``), to ask the database which are the department's."""
    found: set[int] = set()
    for item in items:
        for value in item.get("case_ids") or ():
            number = case_number(value)
            if number is not None:
                found.add(number)
    return found


def scope_results(items: Sequence[dict[str, Any]], owned: set[int]) -> list[dict[str, Any]]:
    """The results a department may read, cut to its ``owned`` cases (ranks kept, so the city's order shows)."""
    scoped = []
    for item in items:
        mine = [c for c in item.get("case_ids") or () if case_number(c) in owned]
        if not mine:
            continue
        scoped.append({**item, "case_ids": mine, "payload": _scope_payload(item.get("payload"), owned)})
    return scoped


def _scope_payload(payload: Any, owned: set[int]) -> Any:
    if isinstance(payload, list):
        return [_scope_payload(value, owned) for value in payload]
    if not isinstance(payload, dict):
        return payload
    scoped = {key: _scope_payload(value, owned) for key, value in payload.items()}
    if isinstance(payload.get("case_ids"), list):
        scoped["case_ids"] = [c for c in payload["case_ids"] if case_number(c) in owned]
    if isinstance(payload.get("members"), list):
        members = [m for m in payload["members"] if isinstance(m, dict) and case_number(m.get("id")) in owned]
        scoped["members"] = members
        if len(members) != len(payload["members"]):
            _retell(scoped, members)
    return scoped


def _retell(issue: dict[str, Any], members: list[dict[str, Any]]) -> None:
    """A hot issue cut to the department's messages: its count and description come from those messages only
    (the city's description is one message's title, which may be another department's)."""
    if "count" in issue:
        issue["count"] = len(members)
    if "description" in issue:
        issue["description"] = str(members[0].get("title") or "") if members else ""
