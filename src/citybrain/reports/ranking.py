"""Ranking for the periodic report (pure: numbers in, ranked rows out; no database, no I/O).

Two rankings, both documented in docs/reports.md and carried in every report's header:

* **Departments and districts (三率综合)**: a weighted mean of the three rates the KPI registry computes
  (响应率 response, 解决率 resolution, 满意率 satisfaction), after the 10 / 45 / 45 weighting that Beijing's
  接诉即办 assessment is reported to use. A rate that has no data (``None``) is left out and the remaining weights
  are renormalised; a unit with no rate at all, or with no cases, is listed but not ranked.
* **每月一题 candidates** (a month's "one problem" for the city to tackle): categories scored by volume, by a rise
  over the previous period that is *significant* (an exact conditional binomial test of two Poisson counts, with
  Benjamini–Hochberg correction over all categories tested), and by low satisfaction shrunk towards the city's
  rate so that three unhappy callbacks do not outrank three hundred.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from scipy import stats

from citybrain.analytics.stats import benjamini_hochberg

#: 三率 weights: response 10 %, resolution 45 %, satisfaction 45 %.
RATE_WEIGHTS: dict[str, float] = {"response_rate": 0.10, "resolution_rate": 0.45, "satisfaction_rate": 0.45}


def composite(row: Mapping[str, Any], weights: Mapping[str, float] = RATE_WEIGHTS) -> float | None:
    """The weighted mean of the rates present in ``row`` (0..1, 4 places); ``None`` when none is present."""
    present = {name: w for name, w in weights.items() if row.get(name) is not None}
    total = sum(present.values())
    if total <= 0:
        return None
    return round(sum(float(row[name]) * w for name, w in present.items()) / total, 4)


def rank_units(
    rows: Sequence[Mapping[str, Any]], key: str, weights: Mapping[str, float] = RATE_WEIGHTS
) -> list[dict[str, Any]]:
    """Rows with ``score`` and ``rank`` added, best first; units without cases or rates come last, unranked.

    Ties in score are broken by fewer overdue cases, then fewer 退单, then the unit's code, so the order is stable.
    """
    scored = [{**row, "score": composite(row, weights) if row.get("received") else None} for row in rows]
    rankable = [r for r in scored if r["score"] is not None and r.get(key) is not None]
    rest = [r for r in scored if r["score"] is None or r.get(key) is None]
    rankable.sort(key=lambda r: (-r["score"], r.get("overdue") or 0, r.get("rejected") or 0, str(r[key])))
    rest.sort(key=lambda r: (r.get(key) is None, str(r.get(key) or "")))
    for position, row in enumerate(rankable, start=1):
        row["rank"] = position
    for row in rest:
        row["rank"] = None
    return rankable + rest


# --- 每月一题 candidates -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProblemWeights:
    """How 每月一题 candidates are scored; the defaults are the documented ones."""

    volume: float = 0.4
    growth: float = 0.3
    dissatisfaction: float = 0.3
    alpha: float = 0.05  # a rise counts when its Benjamini–Hochberg q-value is at most this
    prior_strength: float = 10.0  # pseudo-callbacks at the city's satisfaction rate (shrinkage)
    min_cases: int = 5  # categories with fewer cases in the period are not candidates


@dataclass(frozen=True)
class CategoryCounts:
    """One category's numbers: cases received now and in the previous period, scored and satisfied callbacks."""

    code: str
    current: int
    previous: int
    scored: int = 0
    satisfied: int = 0


@dataclass(frozen=True)
class Candidate:
    code: str
    current: int
    previous: int
    rate_ratio: float | None  # (current per day) / (previous per day); None when the previous period had none
    p_value: float
    q_value: float
    rising: bool
    scored: int
    satisfaction_rate: float | None
    satisfaction_shrunk: float | None
    volume_score: float
    growth_score: float
    dissatisfaction_score: float
    score: float
    reasons: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__} | {"reasons": list(self.reasons)}


def rise_p_value(current: int, previous: int, current_days: float, previous_days: float) -> float:
    """One-sided p-value that ``current`` is higher than ``previous`` after allowing for the periods' lengths.

    Given n = current + previous cases, under "same daily rate" the current period's share is binomial with
    p = current_days / (current_days + previous_days) (the exact conditional test of two Poisson rates).
    """
    n = current + previous
    if n == 0 or current == 0 or previous_days <= 0:
        return 1.0
    share = current_days / (current_days + previous_days)
    return float(min(1.0, stats.binom.sf(current - 1, n, share)))


def problem_candidates(
    counts: Sequence[CategoryCounts],
    *,
    current_days: float,
    previous_days: float,
    weights: ProblemWeights = ProblemWeights(),
) -> list[Candidate]:
    """Score every category with at least ``min_cases`` cases now; best candidate first.

    score = w_v·volume + w_g·growth + w_d·dissatisfaction, each part in 0..1:
    volume = cases / the largest category's cases; growth = min(1, log2(rate ratio)) when the rise is significant
    (q ≤ alpha), else 0; dissatisfaction = how far the shrunk satisfaction rate falls below the city's, as a share
    of the city's rate (0 when at or above it). ``previous_days`` is the part of the previous period that the data
    covers; with 0 the growth is not judged.
    """
    eligible = [c for c in counts if c.current >= weights.min_cases]
    if not eligible:
        return []
    p_values = [rise_p_value(c.current, c.previous, current_days, previous_days) for c in eligible]
    q_values = benjamini_hochberg(p_values).tolist()
    top = max(c.current for c in eligible)
    scored_all = sum(c.scored for c in counts)
    city_rate = sum(c.satisfied for c in counts) / scored_all if scored_all else None
    volume_rank = {c.code: i for i, c in enumerate(sorted(eligible, key=lambda c: (-c.current, c.code)), start=1)}
    found = [
        _candidate(c, p, q, top, volume_rank[c.code], city_rate, current_days, previous_days, weights)
        for c, p, q in zip(eligible, p_values, q_values, strict=True)
    ]
    found.sort(key=lambda c: (-c.score, -c.current, c.code))
    return found


def _ratio(current: int, previous: int, current_days: float, previous_days: float) -> float | None:
    if previous == 0 or previous_days <= 0:
        return None
    return round((current / current_days) / (previous / previous_days), 3)


def _candidate(
    c: CategoryCounts,
    p: float,
    q: float,
    top: int,
    volume_rank: int,
    city_rate: float | None,
    current_days: float,
    previous_days: float,
    w: ProblemWeights,
) -> Candidate:
    ratio = _ratio(c.current, c.previous, current_days, previous_days)
    # A category new this period (nothing before) rises by the ratio against half a case, a continuity guess.
    if previous_days <= 0:  # no data before this period: nothing to compare with
        effective = 1.0
    else:
        effective = ratio if ratio is not None else (c.current / current_days) / (0.5 / previous_days)
    rising = q <= w.alpha and effective > 1
    growth = min(1.0, math.log2(effective)) if rising else 0.0
    volume = c.current / top
    rate = c.satisfied / c.scored if c.scored else None
    shrunk = None
    dissatisfaction = 0.0
    if city_rate is not None and city_rate > 0:
        shrunk = (c.satisfied + w.prior_strength * city_rate) / (c.scored + w.prior_strength)
        dissatisfaction = max(0.0, min(1.0, (city_rate - shrunk) / city_rate))
    score = w.volume * volume + w.growth * growth + w.dissatisfaction * dissatisfaction
    reasons = _reasons(c, volume_rank, ratio, p, q, rising, rate, city_rate, dissatisfaction, previous_days > 0)
    return Candidate(
        code=c.code, current=c.current, previous=c.previous, rate_ratio=ratio, p_value=round(p, 6),
        q_value=round(q, 6), rising=rising, scored=c.scored,
        satisfaction_rate=None if rate is None else round(rate, 4),
        satisfaction_shrunk=None if shrunk is None else round(shrunk, 4),
        volume_score=round(volume, 4), growth_score=round(growth, 4),
        dissatisfaction_score=round(dissatisfaction, 4), score=round(score, 4), reasons=reasons,
    )  # fmt: skip


def _reasons(
    c: CategoryCounts,
    volume_rank: int,
    ratio: float | None,
    p: float,
    q: float,
    rising: bool,
    rate: float | None,
    city_rate: float | None,
    dissatisfaction: float,
    compared: bool,
) -> tuple[str, ...]:
    reasons = [f"量大 volume: {c.current} 件 cases, 第 {volume_rank} 位 rank {volume_rank}"]
    change = f"{c.previous}→{c.current}" + ("" if ratio is None else f" (×{ratio:.2f})")
    if not compared:
        reasons.append("上期无数据，未比较 no data in the previous period: growth not judged")
    elif rising:
        reasons.append(f"显著上升 significant rise: {change}, p={p:.2g}, q={q:.2g}")
    elif c.current > c.previous:
        reasons.append(f"上升不显著 rise not significant: {change}, p={p:.2g}, q={q:.2g}")
    else:
        reasons.append(f"未上升 not rising: {change}")
    if rate is not None and city_rate is not None:
        verdict = "满意率偏低 low satisfaction" if dissatisfaction > 0 else "满意率不低 satisfaction not low"
        reasons.append(f"{verdict}: {rate:.0%} of {c.scored} 评价 scored vs 全市 city {city_rate:.0%}")
    else:
        reasons.append("无满意度评价 no satisfaction scores")
    return tuple(reasons)
