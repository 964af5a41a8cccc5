"""KPIs of online services — on time (按时办结率), average working days, refusals (不予许可率) — as cases have.

Pure: decided applications in, a frozen result out. Only approvals and refusals are decisions on the merits;
不予受理 (declined) is counted apart, and the days an applicant took for 补正 are not the department's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Decided:
    service: str
    decision: str  # approved, refused or declined
    days_used: int | None
    on_time: bool | None


@dataclass(frozen=True)
class Rates:
    decided: int
    on_time: int
    on_time_rate: float | None
    average_days: float | None
    refused: int
    refusal_rate: float | None
    declined: int


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def rates(rows: Iterable[Decided]) -> Rates:
    rows = list(rows)
    merits = [r for r in rows if r.decision in ("approved", "refused")]
    on_time = sum(bool(r.on_time) for r in merits)
    days = [r.days_used for r in merits if r.days_used is not None]
    refused = sum(r.decision == "refused" for r in merits)
    return Rates(
        decided=len(merits),
        on_time=on_time,
        on_time_rate=_ratio(on_time, len(merits)),
        average_days=round(sum(days) / len(days), 2) if days else None,
        refused=refused,
        refusal_rate=_ratio(refused, len(merits)),
        declined=sum(r.decision == "declined" for r in rows),
    )


def by_service(rows: Iterable[Decided]) -> dict[str, Rates]:
    groups: dict[str, list[Decided]] = {}
    for r in rows:
        groups.setdefault(r.service, []).append(r)
    return {code: rates(group) for code, group in sorted(groups.items())}
