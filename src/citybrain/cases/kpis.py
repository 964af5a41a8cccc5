"""KPIs over live case data (考核指标), declared once: the API, the CLI and docs/kpis.md loop over :data:`KPIS`.

Everything here is pure: case facts in, numbers out. Each case is counted in the cohort of the day it was
received (受理, ``created_at``) in the city's time zone, so every case lands in exactly one period and group,
and a report for January does not change because February's cases arrived. Rates whose denominator is zero
are ``None`` (no data), never 0 (a bad result).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Literal, NamedTuple

import numpy as np

from citybrain.cases.lifecycle import Status

KpiValue = int | float | None
Kind = Literal["count", "rate", "hours", "score"]

#: States in which the department still owes a result: past ``due_at`` here means overdue now.
UNRESOLVED = frozenset({Status.RECEIVED, Status.DISPATCHED, Status.ACCEPTED, Status.IN_PROGRESS})
#: States that end a case without a result to time (spam, duplicates): never overdue.
VOID = frozenset({Status.INVALID, Status.MERGED})
SATISFIED_AT_LEAST = 4


class CaseFacts(NamedTuple):
    """The columns of one case a KPI report reads (see kpi_repository.case_facts)."""

    department_id: int | None
    district_code: str | None
    category_code: str | None
    channel: str | None
    status: str
    created_at: datetime
    dispatched_at: datetime | None
    accept_due_at: datetime | None
    accepted_at: datetime | None
    due_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    resolved: bool | None
    satisfaction: int | None
    callback_at: datetime | None
    reject_count: int | None
    reopen_count: int | None


@dataclass(slots=True)
class Tally:
    """Running sums for one group; medians keep their samples (a year is ~150k floats, cheap)."""

    received: int = 0
    dispatched: int = 0
    response_due: int = 0
    accepted_on_time: int = 0
    resolved: int = 0
    closed: int = 0
    callbacks: int = 0
    resolution_answers: int = 0
    resolved_yes: int = 0
    scored: int = 0
    satisfied: int = 0
    score_sum: int = 0
    overdue: int = 0
    overdue_open: int = 0
    rejected: int = 0
    reopened: int = 0
    accept_hours: list[float] = field(default_factory=list)
    resolve_hours: list[float] = field(default_factory=list)

    def add(self, f: CaseFacts, as_of: datetime) -> None:
        self.received += 1
        if f.dispatched_at is not None:
            self._add_dispatch(f, as_of)
        if f.resolved_at is not None:
            self.resolved += 1
            self.resolve_hours.append((f.resolved_at - f.created_at).total_seconds() / 3600)
        if f.closed_at is not None:
            self.closed += 1
        self._add_callback(f)
        self._add_overdue(f, as_of)
        self.rejected += f.reject_count or 0
        self.reopened += 1 if f.reopen_count else 0

    def _add_dispatch(self, f: CaseFacts, as_of: datetime) -> None:
        """派单 and 签收: a case not yet signed for whose deadline is still ahead has no verdict yet."""
        assert f.dispatched_at is not None
        self.dispatched += 1
        if f.accepted_at is None:
            if f.status == Status.RECEIVED:
                return  # 退单: back in the dispatch queue, no department owes a sign-for now
            if f.accept_due_at is None or f.accept_due_at <= as_of:
                self.response_due += 1
            return
        self.response_due += 1
        if f.accept_due_at is None or f.accepted_at <= f.accept_due_at:
            self.accepted_on_time += 1
        if f.accepted_at >= f.dispatched_at:
            self.accept_hours.append((f.accepted_at - f.dispatched_at).total_seconds() / 3600)

    def _add_callback(self, f: CaseFacts) -> None:
        """回访: the case holds the citizen's answers at its latest callback."""
        if f.callback_at is not None or f.resolved is not None or f.satisfaction is not None:
            self.callbacks += 1
        if f.resolved is not None:
            self.resolution_answers += 1
            self.resolved_yes += 1 if f.resolved else 0
        if f.satisfaction is not None:
            self.scored += 1
            self.score_sum += f.satisfaction
            self.satisfied += 1 if f.satisfaction >= SATISFIED_AT_LEAST else 0

    def _add_overdue(self, f: CaseFacts, as_of: datetime) -> None:
        """超期: still owed past its deadline at ``as_of``, or finished after it."""
        if f.due_at is None or f.status in VOID:
            return
        if f.status in UNRESOLVED:
            if f.due_at < as_of:
                self.overdue += 1
                self.overdue_open += 1
            return
        finished = f.resolved_at or f.closed_at
        if finished is not None and finished > f.due_at:
            self.overdue += 1

    def merge(self, other: Tally) -> None:
        for name in _COUNTERS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.accept_hours.extend(other.accept_hours)
        self.resolve_hours.extend(other.resolve_hours)


_COUNTERS = tuple(f.name for f in fields(Tally) if f.type in ("int", int))
#: The counter fields of :class:`Tally` (kpi_sums computes each in SQL; the lists of hours stay Python's).
COUNTERS = _COUNTERS


def ratio(numerator: int, denominator: int) -> float | None:
    """A share in 0..1 rounded to 4 places; ``None`` when there is nothing to divide by."""
    return None if denominator == 0 else round(numerator / denominator, 4)


def median_hours(samples: list[float]) -> float | None:
    """The middle sample, or the mean of the two middle ones — :func:`statistics.median`'s value, found by numpy's
    partition instead of a full sort (a year's durations at a megacity are millions)."""
    return None if not samples else round(float(np.median(np.asarray(samples, dtype=np.float64))), 2)


@dataclass(frozen=True)
class Kpi:
    """One indicator: its names, what it means, how it is computed, and the function that computes it."""

    name: str
    name_zh: str
    name_en: str
    kind: Kind
    definition: str
    formula: str
    value: Callable[[Tally], KpiValue]
    short: tuple[str, str] | None = None  # (中文, English) heads of a narrow table; None: the full names


KPIS: tuple[Kpi, ...] = (
    Kpi("received", "受理量", "received", "count",
        "Cases received (受理) in the period, whatever became of them.",
        "count(cases)", lambda t: t.received,
        short=("受理", "received")),
    Kpi("dispatched", "派单量", "dispatched", "count",
        "Cases of the cohort sent to a department (派单): dispatched_at is set.",
        "count(dispatched_at is not null)", lambda t: t.dispatched),
    Kpi("resolved", "办结量", "resolved", "count",
        "Cases of the cohort answered / finished by the department (办结): resolved_at is set.",
        "count(resolved_at is not null)", lambda t: t.resolved),
    Kpi("closed", "结案量", "closed", "count",
        "Cases of the cohort closed by the centre (结案): closed_at is set.",
        "count(closed_at is not null)", lambda t: t.closed),
    Kpi("rejected", "退单次数", "rejections", "count",
        "Times departments sent cases of the cohort back (退单), from each case's reject counter.",
        "sum(reject_count)", lambda t: t.rejected),
    Kpi("reopened", "重办件数", "reopened", "count",
        "Cases of the cohort reopened at least once because the citizen said it was not fixed (重办).",
        "count(reopen_count > 0)", lambda t: t.reopened),
    Kpi("overdue", "超期件数", "overdue", "count",
        "Cases past their resolve deadline (超期): still unresolved with due_at before the report's as-of time, "
        "or resolved (or closed) after due_at. Invalid and merged cases are never overdue.",
        "count(unresolved and due_at < as_of) + count(coalesce(resolved_at, closed_at) > due_at)",
        lambda t: t.overdue,
        short=("超期", "overdue")),
    Kpi("overdue_open", "在办超期件数", "overdue, still open", "count",
        "The part of 'overdue' still unresolved at the as-of time: what needs 督办 now.",
        "count(unresolved and due_at < as_of)", lambda t: t.overdue_open),
    Kpi("response_rate", "响应率", "response rate", "rate",
        "Share of dispatched cases signed for (签收) by their sign-for deadline (accept_due_at). A case not yet "
        "signed for whose deadline is still ahead at the as-of time is left out: it has no verdict yet; so is a "
        "case sent back (退单) and waiting in the dispatch queue. "
        "A case with no sign-for deadline counts as on time once signed for.",
        "count(accepted_at <= accept_due_at) / count(dispatched, excluding not-yet-due unsigned)",
        lambda t: ratio(t.accepted_on_time, t.response_due),
        short=("响应率", "response")),
    Kpi("callbacks", "回访量", "callbacks", "count",
        "Cases of the cohort the centre checked back with the citizen (回访): callback_at, resolved or "
        "satisfaction is set. The case keeps the answers of its latest callback.",
        "count(callback_at or resolved or satisfaction is not null)", lambda t: t.callbacks),
    Kpi("resolution_rate", "解决率", "resolution rate", "rate",
        "Share of called-back cases where the citizen said the problem is resolved (cases.resolved, the answer "
        "at the latest callback, so a case called back twice counts once).",
        "count(resolved = true) / count(resolved is not null)",
        lambda t: ratio(t.resolved_yes, t.resolution_answers),
        short=("解决率", "resolved")),
    Kpi("satisfaction_rate", "满意率", "satisfaction rate", "rate",
        "Share of scored callbacks where the citizen was satisfied: satisfaction 4 (基本满意) or 5 (满意) "
        "on the 1-5 scale.",
        "count(satisfaction >= 4) / count(satisfaction is not null)",
        lambda t: ratio(t.satisfied, t.scored),
        short=("满意率", "satisfied")),
    Kpi("satisfaction_mean", "平均满意度", "mean satisfaction", "score",
        "Mean satisfaction score (1-5) over the scored callbacks, to two decimals.",
        "sum(satisfaction) / count(satisfaction is not null)",
        lambda t: None if t.scored == 0 else round(t.score_sum / t.scored, 2)),
    Kpi("median_hours_to_accept", "签收时长中位数(小时)", "median hours to accept", "hours",
        "Median hours from the latest dispatch (派单) to signing for it (签收), over signed-for cases.",
        "median(accepted_at - dispatched_at)", lambda t: median_hours(t.accept_hours),
        short=("签收(h)", "accept h")),
    Kpi("median_hours_to_resolve", "办结时长中位数(小时)", "median hours to resolve", "hours",
        "Median hours from receipt (受理) to resolution (办结), over resolved cases.",
        "median(resolved_at - created_at)", lambda t: median_hours(t.resolve_hours),
        short=("办结(h)", "resolve h")),
)  # fmt: skip

KPI_NAMES = tuple(k.name for k in KPIS)


def evaluate(tally: Tally) -> dict[str, KpiValue]:
    return {k.name: k.value(tally) for k in KPIS}


# --- periods in the city's time zone -------------------------------------------------------------------------

PERIODS: dict[str, tuple[str, str]] = {"day": ("日", "day"), "week": ("周", "ISO week"), "month": ("月", "month")}


def period_of(day: date, period: str) -> str:
    """The label of the period holding a local date: ``2026-02-01``, ``2026-W05`` (ISO week), ``2026-02``."""
    if period == "day":
        return day.isoformat()
    if period == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    return f"{day.year}-{day.month:02d}"


def local_date(at: datetime, tz: tzinfo) -> date:
    """The city's date of an instant; a naive time is UTC (as SQLite stores it)."""
    return (at.replace(tzinfo=UTC) if at.tzinfo is None else at).astimezone(tz).date()


def periods_between(first: date, last: date, period: str) -> list[str]:
    """Every period label from ``first`` to ``last`` inclusive, so a time series has no holes."""
    labels: list[str] = []
    day = first
    while day <= last:
        label = period_of(day, period)
        if not labels or labels[-1] != label:
            labels.append(label)
        day += timedelta(days=1)
    return labels


def category_at_level(code: str | None, level: int) -> str | None:
    """Roll a dotted category code up to a level: ``noise.construction.night`` at 1 is ``noise``."""
    return None if code is None else ".".join(code.split(".")[:level])
