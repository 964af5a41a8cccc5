"""The whole association analysis over the ``cases`` view: count, mine, test, explain with places and weeks.

:func:`run_associations` is what the CLI and a scheduled job call. The rows are touched twice, both times in
``counting.baskets`` (the GROUP BY, then the ids of the few example baskets); everything between is numpy on the
(baskets × categories) table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from typing import Any

import duckdb
import numpy as np
import numpy.typing as npt

from citybrain.analytics.associations.itemsets import FrequentItemsets, frequent_itemsets, min_count_for
from citybrain.analytics.associations.rules import AssociationRule, rules_from
from citybrain.analytics.associations.significance import assess_itemsets, presence_probabilities
from citybrain.analytics.counting.baskets import BasketKey, Baskets, case_ids, cell_index, count_baskets, describe
from citybrain.analytics.counting.sql import engine_of
from citybrain.core.errors import InvalidInput

Progress = Callable[[str], None]


@dataclass(frozen=True)
class AssociationParams:
    """What the analysis was asked; stored with every run so that it can be repeated."""

    cell_m: float = 500.0
    window_days: int = 7
    min_support: float = 5  # < 1: a fraction of the baskets; ≥ 1: a number of baskets
    min_cases: int = 2  # cases of a category in a basket for it to count as present there
    presence_share: float = 0.05  # …and among the category's busiest baskets (this share); 1 = no such limit
    max_size: int = 3
    max_q: float = 0.05
    top: int = 50
    examples: int = 5
    permutations: int = 199
    seed: int = 1
    timezone: str = "Asia/Shanghai"

    def check(self) -> None:
        problems = []
        if not self.cell_m > 0:
            problems.append(f"cell size must be positive metres, got {self.cell_m}")
        if self.window_days < 1:
            problems.append(f"window must be at least 1 day, got {self.window_days}")
        if self.min_cases < 1:
            problems.append(f"min cases must be at least 1, got {self.min_cases}")
        if not (self.min_support > 0 and (self.min_support < 1 or self.min_support == int(self.min_support))):
            problems.append(f"min support must be a fraction below 1 or a whole basket count, got {self.min_support}")
        if not 0 < self.presence_share <= 1:
            problems.append(f"presence share must be in (0, 1], got {self.presence_share}")
        if not 2 <= self.max_size <= 6:
            problems.append(f"max size must be between 2 and 6 items, got {self.max_size}")
        if not 0 < self.max_q <= 1:
            problems.append(f"max q must be in (0, 1], got {self.max_q}")
        if self.top < 1 or self.examples < 0 or self.permutations < 0:
            problems.append("top must be ≥ 1, examples and permutations ≥ 0")
        if problems:
            raise InvalidInput("; ".join(problems))


@dataclass(frozen=True)
class Example:
    cell: str
    lat: float
    lon: float
    window_start: str
    window_end: str  # last day of the window
    counts: dict[str, int]
    case_ids: list[str]


@dataclass(frozen=True)
class RuleView:
    antecedent: list[str]
    consequent: list[str]
    support: float
    confidence: float
    lift: float
    p_value: float
    q_value: float
    count: int
    expected: float
    p_perm: float | None
    examples: list[Example] = field(default_factory=list)


@dataclass(frozen=True)
class AssociationResult:
    rules: list[RuleView]
    params: dict[str, Any]
    summary: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {"rules": [asdict(rule) for rule in self.rules], "params": self.params, "summary": self.summary}


def run_associations(
    con: duckdb.DuckDBPyConnection, params: AssociationParams, *, progress: Progress | None = None
) -> AssociationResult:
    """Associations among categories in space-time baskets of the ``cases`` view (see docs/associations.md)."""
    params.check()
    say = progress or (lambda _step: None)
    say("counting cases per cell × window × category")
    baskets = count_baskets(con, cell_m=params.cell_m, window_days=params.window_days, timezone=params.timezone)
    presence, thresholds = presence_table(baskets, min_cases=params.min_cases, share=params.presence_share)
    rows = np.arange(baskets.n_baskets, dtype=np.int64)
    say(f"mining itemsets in {len(rows):,} baskets")
    if len(rows) == 0:
        return _empty(baskets, params, engine_of(con))
    frequent = frequent_itemsets(
        presence, min_count=min_count_for(params.min_support, len(rows)), max_size=params.max_size
    )
    say(f"testing {sum(len(s) >= 2 for s in frequent.counts):,} itemsets against place and season")
    cells = cell_index(baskets)[rows]
    pi = presence_probabilities(cells, baskets.window[rows], presence)
    tests = assess_itemsets(presence, pi, frequent)
    if params.permutations:
        from citybrain.analytics.associations.permutation import permutation_p_values

        say(f"{params.permutations} fixed-margin permutations")
        tests = permutation_p_values(
            tests,
            presence,
            cells,
            baskets.window[rows],
            permutations=params.permutations,
            seed=params.seed,
            max_q=params.max_q,
        )
    rules = rules_from(tests, frequent, max_q=params.max_q)
    say("collecting example places and weeks")
    views = _views(con, baskets, rows, presence, rules[: params.top], params)
    summary = {
        **describe(baskets),
        "baskets_with_items": int(presence.any(axis=1).sum()),
        "presence_thresholds": {
            name: int(t) for name, t in zip(baskets.categories, thresholds, strict=True) if t > params.min_cases
        },
        "min_count": frequent.min_count,
        "itemsets_frequent": len(frequent.counts),
        "itemsets_tested": len(tests),
        "itemsets_significant": sum(t.q_value <= params.max_q for t in tests),
        "rules_significant": len(rules),
        "rules_shown": len(views),
    }
    return AssociationResult(rules=views, params=_params_view(params, engine_of(con)), summary=summary)


def presence_table(
    baskets: Baskets, *, min_cases: int, share: float
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.int64]]:
    """Baskets × categories presence, and the number of cases that makes each category present.

    A category is present in a basket with at least ``min_cases`` cases there and, for a category so common
    that it shows almost everywhere, with more than it has in all but its busiest ``share`` of baskets: where
    everyday noise complaints fill every cell-week, "present" must mean "more than usual", or presence says
    nothing. Every non-empty basket stays in the table, also one with no category present: people reported
    something there, so it counts in the support's denominator and in the null model's domain.
    """
    thresholds = np.full(len(baskets.categories), min_cases, dtype=np.int64)
    if share < 1 and baskets.n_baskets:
        busy = np.quantile(baskets.counts, 1 - share, axis=0, method="higher").astype(np.int64) + 1
        thresholds = np.maximum(thresholds, busy)
    return np.ascontiguousarray(baskets.counts >= thresholds[None, :]), thresholds


def _empty(baskets: Baskets, params: AssociationParams, engine: str) -> AssociationResult:
    summary = {**describe(baskets), "baskets_with_items": 0, "itemsets_tested": 0, "rules_significant": 0}
    return AssociationResult(rules=[], params=_params_view(params, engine), summary=summary)


def _params_view(params: AssociationParams, engine: str) -> dict[str, Any]:
    view = asdict(params) | {"engine": engine}
    view["min_support_meaning"] = "fraction of baskets" if params.min_support < 1 else "number of baskets"
    return view


def _views(
    con: duckdb.DuckDBPyConnection,
    baskets: Baskets,
    rows: npt.NDArray[np.int64],
    presence: npt.NDArray[np.bool_],
    rules: list[AssociationRule],
    params: AssociationParams,
) -> list[RuleView]:
    itemsets = sorted({rule.itemset for rule in rules})
    where = {s: _example_baskets(baskets, rows, presence, s, params.examples) for s in itemsets}
    keys = sorted({key for found in where.values() for key, _ in found}, key=lambda k: (k.window, k.cell_row))
    names = baskets.categories
    wanted = sorted({names[i] for s in itemsets for i in s})
    ids = case_ids(con, baskets, keys, wanted)
    examples = {s: [_example(baskets, key, counts, s, ids) for key, counts in found] for s, found in where.items()}
    return [
        RuleView(
            antecedent=[names[i] for i in rule.antecedent],
            consequent=[names[i] for i in rule.consequent],
            support=rule.support,
            confidence=rule.confidence,
            lift=rule.lift,
            p_value=rule.p_value,
            q_value=rule.q_value,
            count=rule.count,
            expected=round(rule.expected, 3),
            p_perm=rule.p_perm,
            examples=examples[rule.itemset],
        )
        for rule in rules
    ]


def _example_baskets(
    baskets: Baskets, rows: npt.NDArray[np.int64], presence: npt.NDArray[np.bool_], itemset: tuple[int, ...], n: int
) -> list[tuple[BasketKey, dict[int, int]]]:
    """The baskets holding the whole itemset with the most of its cases: where an officer should look first."""
    hits = np.flatnonzero(presence[:, list(itemset)].all(axis=1))
    original = rows[hits]
    weight = baskets.counts[np.ix_(original, np.array(itemset, dtype=np.int64))].sum(axis=1)
    order = np.lexsort((original, -weight))[:n]
    return [
        (
            BasketKey(int(baskets.cell_row[b]), int(baskets.cell_col[b]), int(baskets.window[b])),
            {i: int(baskets.counts[b, i]) for i in itemset},
        )
        for b in original[order]
    ]


def _example(
    baskets: Baskets,
    key: BasketKey,
    counts: dict[int, int],
    itemset: tuple[int, ...],
    ids: dict[tuple[BasketKey, str], list[str]],
) -> Example:
    lat, lon = baskets.grid.cell_center(key.cell_row, key.cell_col)
    start = baskets.window_start(key.window)
    names = [baskets.categories[i] for i in itemset]
    members = sorted({case for name in names for case in ids.get((key, name), [])}, key=_id_order)
    return Example(
        cell=f"{key.cell_row}_{key.cell_col}",
        lat=round(lat, 6),
        lon=round(lon, 6),
        window_start=start.isoformat(),
        window_end=(start + timedelta(days=baskets.window_days - 1)).isoformat(),
        counts={baskets.categories[i]: n for i, n in counts.items()},
        case_ids=members,
    )


def _id_order(case_id: str) -> tuple[int, int | str]:
    return (0, int(case_id)) if case_id.isdigit() else (1, case_id)


def itemset_names(frequent: FrequentItemsets, categories: tuple[str, ...]) -> dict[frozenset[str], int]:
    """Frequent itemsets by category names (for comparisons and reports)."""
    return {frozenset(categories[i] for i in s): c for s, c in frequent.counts.items()}
