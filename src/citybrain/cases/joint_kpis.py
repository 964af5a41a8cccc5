"""KPIs of joint handling (联合办理) and whistles (吹哨报到), declared once: the API, the monthly report and
docs/joint_handling.md loop over :data:`JOINT_KPIS`. Pure: part and summons facts in, numbers out.

A joint case counts once for the city and once for each participating department (the lead — the case's
department — and every department with a part). Parts and summons count for their own department. As the case
KPIs, everything is in the cohort of the day the case was received; a rate with nothing to judge is ``None``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from citybrain.cases.joint import OPEN_PARTS, PartRole, PartState

KpiValue = int | float | None


class PartFact(NamedTuple):
    """One part as the KPIs read it (see joint_repository.part_facts)."""

    case_id: int
    case_department_id: int | None
    department_id: int
    role: str
    state: str
    due_at: datetime | None
    accepted_at: datetime | None
    replied_at: datetime | None


class SummonsFact(NamedTuple):
    """One summoned department of one whistle (see joint_repository.summons_facts)."""

    case_id: int
    whistle_id: int
    department_id: int
    report_due_at: datetime
    reported_at: datetime | None


@dataclass(frozen=True)
class JointKpi:
    name: str
    name_zh: str
    name_en: str
    kind: str  # count or rate
    definition: str


JOINT_KPIS: tuple[JointKpi, ...] = (
    JointKpi("joint_cases", "联办件数", "joint cases", "count",
             "Cases with at least one part: once for the city, once per participating department."),
    JointKpi("parts", "分派部分", "parts", "count", "Parts given to the department (lead and assisting)."),
    JointKpi("assist_parts", "协办部分", "assisting parts", "count", "Parts of role assist (协办)."),
    JointKpi("parts_accepted", "部分签收", "parts signed for", "count", "Parts the department signed for."),
    JointKpi("parts_replied", "部分答复", "parts replied", "count", "Parts the department answered."),
    JointKpi("parts_refused", "拒绝协办", "parts refused", "count", "Assisting parts refused (back to dispatch)."),
    JointKpi("parts_on_time", "按时答复", "replied on time", "count", "Parts replied on or before their due_at."),
    JointKpi("parts_overdue", "部分超期", "parts overdue", "count",
             "Parts replied after due_at, or still open (assigned, accepted) past it at as_of."),
    JointKpi("part_on_time_rate", "部分按时答复率", "part on-time rate", "rate",
             "parts_on_time / (parts_on_time + parts_overdue): of the parts whose deadline can be judged."),
    JointKpi("refusal_rate", "拒绝协办率", "refusal rate", "rate", "parts_refused / assist_parts."),
    JointKpi("whistles", "吹哨次数", "whistles", "count",
             "Whistles blown on the cases: once for the city; for a department, the whistles that summoned it."),
    JointKpi("summons", "被召次数", "summons", "count", "Departments summoned, one per whistle and department."),
    JointKpi("reported_on_time", "按时报到", "reported in on time", "count", "Reported in by report_due_at."),
    JointKpi("reported_late", "迟到", "reported in late", "count", "Reported in after report_due_at."),
    JointKpi("not_reported", "未报到", "did not report in", "count", "No report and report_due_at passed at as_of."),
    JointKpi("report_in_rate", "按时报到率", "report-in rate", "rate",
             "reported_on_time / (reported_on_time + reported_late + not_reported)."),
)  # fmt: skip


@dataclass(slots=True)
class JointTally:
    cases: set[int] = field(default_factory=set)
    whistle_ids: set[int] = field(default_factory=set)
    parts: int = 0
    assist_parts: int = 0
    parts_accepted: int = 0
    parts_replied: int = 0
    parts_refused: int = 0
    parts_on_time: int = 0
    parts_overdue: int = 0
    summons: int = 0
    reported_on_time: int = 0
    reported_late: int = 0
    not_reported: int = 0

    def add_part(self, fact: PartFact, as_of: datetime) -> None:
        self.cases.add(fact.case_id)
        self.parts += 1
        self.assist_parts += fact.role == PartRole.ASSIST
        self.parts_accepted += fact.accepted_at is not None
        self.parts_replied += fact.state == PartState.REPLIED
        self.parts_refused += fact.state == PartState.REFUSED
        if fact.due_at is None:
            return
        if fact.replied_at is not None:
            on_time = fact.replied_at <= fact.due_at
            self.parts_on_time += on_time
            self.parts_overdue += not on_time
        elif PartState(fact.state) in OPEN_PARTS and as_of > fact.due_at:
            self.parts_overdue += 1

    def add_summons(self, fact: SummonsFact, as_of: datetime) -> None:
        self.whistle_ids.add(fact.whistle_id)
        self.summons += 1
        if fact.reported_at is not None:
            late = fact.reported_at > fact.report_due_at
            self.reported_late += late
            self.reported_on_time += not late
        elif as_of > fact.report_due_at:
            self.not_reported += 1

    def values(self) -> dict[str, KpiValue]:
        judged_parts = self.parts_on_time + self.parts_overdue
        judged_summons = self.reported_on_time + self.reported_late + self.not_reported
        return {
            "joint_cases": len(self.cases),
            "parts": self.parts,
            "assist_parts": self.assist_parts,
            "parts_accepted": self.parts_accepted,
            "parts_replied": self.parts_replied,
            "parts_refused": self.parts_refused,
            "parts_on_time": self.parts_on_time,
            "parts_overdue": self.parts_overdue,
            "part_on_time_rate": _rate(self.parts_on_time, judged_parts),
            "refusal_rate": _rate(self.parts_refused, self.assist_parts),
            "whistles": len(self.whistle_ids),
            "summons": self.summons,
            "reported_on_time": self.reported_on_time,
            "reported_late": self.reported_late,
            "not_reported": self.not_reported,
            "report_in_rate": _rate(self.reported_on_time, judged_summons),
        }


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


@dataclass(frozen=True)
class JointKpis:
    city: dict[str, KpiValue]
    departments: dict[int, dict[str, KpiValue]]


def joint_kpis(parts: Iterable[PartFact], summons: Iterable[SummonsFact], as_of: datetime) -> JointKpis:
    """The city's figures (each joint case once) and each participating department's (each case once per
    participant; the lead counts for a joint case even without a part of its own)."""
    city = JointTally()
    per: dict[int, JointTally] = {}
    for fact in parts:
        city.add_part(fact, as_of)
        per.setdefault(fact.department_id, JointTally()).add_part(fact, as_of)
        if fact.case_department_id is not None:
            per.setdefault(fact.case_department_id, JointTally()).cases.add(fact.case_id)
    for called in summons:
        city.add_summons(called, as_of)
        per.setdefault(called.department_id, JointTally()).add_summons(called, as_of)
    return JointKpis(city.values(), {d: t.values() for d, t in sorted(per.items())})
