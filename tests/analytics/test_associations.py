"""Associations, piece by piece: the basket counting, the itemset miner (against mlxtend), the statistics."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from mlxtend.frequent_patterns import fpgrowth
from scipy import stats

from citybrain.analytics import io
from citybrain.analytics.associations.analysis import AssociationParams, presence_table, run_associations
from citybrain.analytics.associations.itemsets import frequent_itemsets, min_count_for
from citybrain.analytics.associations.significance import fit_margins, hoeffding_p
from citybrain.analytics.counting.baskets import BasketKey, case_ids, count_baskets
from citybrain.analytics.stats import benjamini_hochberg
from citybrain.core.errors import InvalidInput

HEADER = "id,created_at,category,lat,lon\n"


def _baskets_from(tmp_path: Path, rows: list[str], **kwargs: object):  # type: ignore[no-untyped-def]
    path = tmp_path / "cases.csv"
    path.write_text(HEADER + "".join(row + "\n" for row in rows), encoding="utf-8")
    con = io.connect()
    io.open_file(con, path, timezone="Asia/Shanghai")
    return con, count_baskets(con, timezone="Asia/Shanghai", **kwargs)  # type: ignore[arg-type]


def _mlxtend(presence: np.ndarray, min_support: float, max_len: int | None) -> dict[frozenset[int], float]:
    frame = pd.DataFrame(presence, columns=list(range(presence.shape[1])))
    found = fpgrowth(frame, min_support=min_support, max_len=max_len)
    return {frozenset(s): float(v) for s, v in zip(found["itemsets"], found["support"], strict=True)}


def _ours(presence: np.ndarray, min_support: float, max_len: int | None) -> dict[frozenset[int], float]:
    mined = frequent_itemsets(presence, min_count=min_count_for(min_support, presence.shape[0]), max_size=max_len)
    return {frozenset(s): mined.support(s) for s in mined.counts}


@pytest.mark.parametrize(("min_support", "max_len"), [(0.01, 3), (0.003, 4), (0.05, None), (0.1, 2), (0.0007, 3)])
def test_frequent_itemsets_equal_mlxtend_fpgrowth(min_support: float, max_len: int | None) -> None:
    rng = np.random.default_rng(7)
    presence = rng.random((4000, 18)) < rng.uniform(0.01, 0.35, 18)
    presence[:150, [2, 5, 9]] = True  # a real triple
    presence[3000:3040, [1, 4, 11, 12]] = True  # and a quadruple
    ours, theirs = _ours(presence, min_support, max_len), _mlxtend(presence, min_support, max_len)
    assert ours == theirs  # same itemsets, bit-identical supports
    assert any(len(s) >= 2 for s in ours)


def test_min_support_is_a_fraction_below_one_and_a_count_from_one() -> None:
    assert min_count_for(0.01, 1000) == 10
    assert min_count_for(0.0105, 1000) == 11
    assert min_count_for(5, 1000) == 5
    for bad in (0, -1, 2.5, float("nan")):
        with pytest.raises(InvalidInput):
            min_count_for(bad, 1000)


def test_baskets_cut_weeks_at_local_monday_midnight_and_leave_out_cases_without_place(tmp_path: Path) -> None:
    con, baskets = _baskets_from(
        tmp_path,
        [
            "1,2024-01-07 23:30:00,noise,28.2000,112.9000",  # Sunday night, local
            "2,2024-01-08 00:30:00,noise,28.2001,112.9001",  # Monday: the next week, same cell
            "3,2024-01-08 09:00:00,roads,28.2002,112.9002",
            "4,2024-01-09 09:00:00,roads,28.2002,112.9002",
            "5,2024-01-09 10:00:00,noise,,",
            "6,2024-01-09 10:00:00,roads,28.3000,113.0000",  # ~14 km away: another cell
        ],
        cell_m=500,
        window_days=7,
    )
    assert baskets.first_day.isoformat() == "2024-01-01"  # the Monday of the first case's week
    assert baskets.cases_without_place == 1
    assert baskets.categories == ("noise", "roads")
    cells = {(baskets.cell_id(b), baskets.window_start(int(baskets.window[b])).isoformat()): tuple(baskets.counts[b])
             for b in range(baskets.n_baskets)}  # fmt: skip
    assert sorted(cells.values()) == [(0, 1), (1, 0), (1, 2)]
    assert {week for _, week in cells} == {"2024-01-01", "2024-01-08"}
    second = next(b for b in range(baskets.n_baskets) if tuple(baskets.counts[b]) == (1, 2))
    key = BasketKey(int(baskets.cell_row[second]), int(baskets.cell_col[second]), int(baskets.window[second]))
    ids = case_ids(con, baskets, [key], ["noise", "roads"])
    assert ids == {(key, "noise"): ["2"], (key, "roads"): ["3", "4"]}


def test_no_coordinates_at_all_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="coordinates"):
        _baskets_from(tmp_path, ["1,2024-01-07 23:30:00,noise,,", "2,2024-01-08 23:30:00,roads,,"], cell_m=500,
                      window_days=7)  # fmt: skip


@pytest.mark.parametrize(
    "params",
    [
        AssociationParams(cell_m=0),
        AssociationParams(window_days=0),
        AssociationParams(max_size=1),
        AssociationParams(max_q=0),
        AssociationParams(min_cases=0),
        AssociationParams(min_support=1.5),
    ],
)
def test_bad_options_are_invalid_input(tmp_path: Path, params: AssociationParams) -> None:
    path = tmp_path / "cases.csv"
    path.write_text(HEADER + "1,2024-01-07 23:30:00,noise,28.2,112.9\n", encoding="utf-8")
    con = io.connect()
    io.open_file(con, path, timezone="Asia/Shanghai")
    with pytest.raises(InvalidInput):
        run_associations(con, params)


def test_benjamini_hochberg_matches_scipy() -> None:
    p = np.random.default_rng(3).random(200) ** 3
    assert np.allclose(benjamini_hochberg(p), stats.false_discovery_control(p, method="bh"))


def _poisson_binomial_tail(pi: np.ndarray, t: int) -> float:
    dist = np.zeros(pi.size + 1)
    dist[0] = 1.0
    for p in pi:
        dist[1:] = dist[1:] * (1 - p) + dist[:-1] * p
        dist[0] *= 1 - p
    return float(dist[t:].sum())


def test_hoeffding_p_value_is_conservative_for_the_poisson_binomial() -> None:
    rng = np.random.default_rng(11)
    for _ in range(30):
        pi = rng.beta(0.5, 2.0, size=int(rng.integers(5, 80)))
        mean = float(pi.sum())
        for t in range(math.ceil(mean + 1), pi.size + 1, 3):
            assert (
                hoeffding_p(np.array([t]), np.array([pi.size]), np.array([mean]))[0]
                >= _poisson_binomial_tail(pi, t) - 1e-12
            )


def test_null_model_keeps_every_cell_and_every_window_total() -> None:
    rng = np.random.default_rng(5)
    place = rng.lognormal(0, 1, 60)[:, None]
    season = np.linspace(0.2, 2.0, 12)[None, :]
    grid = (rng.poisson(0.4 * place * season) > 0).astype(float)
    domain = np.ones_like(grid, dtype=bool)
    pi = fit_margins(grid, domain)
    assert np.allclose(pi.sum(axis=1), grid.sum(axis=1), atol=1e-4)
    assert np.allclose(pi.sum(axis=0), grid.sum(axis=0), atol=1e-4)
    assert np.all(pi[grid.sum(axis=1) == 0] == 0)


def test_a_category_everywhere_is_present_only_where_it_is_busier_than_usual(tmp_path: Path) -> None:
    rows, n = [], 0
    for cell in range(30):
        for day in (1, 8, 15):  # three Mondays
            count = 12 if (cell < 2 and day == 8) else 3  # noise everywhere, a burst in two cell-weeks
            for _ in range(count):
                n += 1
                rows.append(f"{n},2024-01-{day:02d} 10:00:00,noise,{28.1 + cell * 0.01:.2f},112.9")
            if cell % 2 == 0:
                n += 1
                rows.append(f"{n},2024-01-{day:02d} 11:00:00,roads,{28.1 + cell * 0.01:.2f},112.9")
                n += 1
                rows.append(f"{n},2024-01-{day:02d} 12:00:00,roads,{28.1 + cell * 0.01:.2f},112.9")
    _, baskets = _baskets_from(tmp_path, rows, cell_m=500, window_days=7)
    presence, thresholds = presence_table(baskets, min_cases=2, share=0.05)
    noise, roads = baskets.categories.index("noise"), baskets.categories.index("roads")
    assert thresholds[noise] == 4  # 3 a week is usual for noise: 4 or more is "present"
    assert thresholds[roads] == 3  # roads shows in half the baskets with 2: only more than that counts
    assert presence[:, noise].sum() == 2  # the burst only
    everywhere, _ = presence_table(baskets, min_cases=2, share=1.0)
    assert everywhere[:, noise].all()
