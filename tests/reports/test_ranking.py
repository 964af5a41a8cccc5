"""The pure ranking functions: the composite of the three rates, Benjamini-Hochberg, the rise test."""

from __future__ import annotations

import pytest

from citybrain.analytics.stats import benjamini_hochberg
from citybrain.reports.ranking import (
    CategoryCounts,
    composite,
    problem_candidates,
    rank_units,
    rise_p_value,
)


def test_composite_renormalises_over_the_rates_present() -> None:
    assert composite({"response_rate": 1.0, "resolution_rate": 0.5, "satisfaction_rate": 0.5}) == 0.55
    assert composite({"response_rate": 1.0, "resolution_rate": None, "satisfaction_rate": 0.5}) == round(
        (0.1 * 1.0 + 0.45 * 0.5) / 0.55, 4
    )
    assert composite({"response_rate": None}) is None


def test_ties_go_to_fewer_overdue_then_fewer_rejections() -> None:
    rates = {"response_rate": 1.0, "resolution_rate": 1.0, "satisfaction_rate": 1.0, "received": 5}
    rows: list[dict[str, object]] = [
        {"unit": "a", **rates, "overdue": 2, "rejected": 0},
        {"unit": "b", **rates, "overdue": 1, "rejected": 3},
        {"unit": "c", **rates, "overdue": 1, "rejected": 1},
        {"unit": "d", "response_rate": None, "received": 0},
    ]
    assert [(r["unit"], r["rank"]) for r in rank_units(rows, "unit")] == [("c", 1), ("b", 2), ("a", 3), ("d", None)]


def test_benjamini_hochberg_matches_the_textbook_example() -> None:
    p = [0.01, 0.04, 0.03, 0.005]
    # sorted 0.005, 0.01, 0.03, 0.04 → ×4/1, ×4/2, ×4/3, ×4/4 = 0.02, 0.02, 0.04, 0.04 (monotone from the top)
    assert benjamini_hochberg(p) == pytest.approx([0.02, 0.04, 0.04, 0.02])


def test_rise_p_value_is_the_binomial_tail() -> None:
    assert rise_p_value(3, 1, 30, 30) == pytest.approx(5 / 16)  # P(X ≥ 3), X ~ Bin(4, ½)
    assert rise_p_value(0, 5, 30, 30) == 1.0
    assert rise_p_value(5, 0, 30, 0) == 1.0


def test_candidates_need_enough_cases_and_are_ordered_by_score() -> None:
    counts = [
        CategoryCounts("big", 100, 100, scored=50, satisfied=40),
        CategoryCounts("rising", 60, 10, scored=20, satisfied=16),
        CategoryCounts("unhappy", 50, 50, scored=40, satisfied=8),
        CategoryCounts("tiny", 4, 0),
    ]
    found = problem_candidates(counts, current_days=30, previous_days=30)
    assert [c.code for c in found] == ["rising", "big", "unhappy"]
    rising = found[0]
    assert (rising.rising, rising.growth_score) == (True, 1.0)  # ×6 with p far below 0.05
    assert found[2].dissatisfaction_score > 0.5  # 20 % satisfied against a city of 64/110
