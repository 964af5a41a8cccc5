"""A permutation check of the reported itemsets: exact fixed-margin randomisation (curveball), no model.

For each category of a reported itemset, its presence table (cells × windows) is shuffled by curveball trades
(Strona et al. 2014): two cells swap some of the windows in which one of them shows the category and the other
does not. Every cell keeps its number of windows, every window its number of cells (density and season exactly),
and a category only moves to cell-windows where something was reported. The chains follow Besag and Clifford's
parallel scheme (run from the data to a hub state, then each sample independently from the hub), which makes
the data and the samples exchangeable, so ``p_perm = (1 + #{null ≥ observed}) / (1 + permutations)`` is exact.
With 199 permutations it cannot go below 0.005, which is why the reported p/q come from the model
(``significance``) and ``p_perm`` is the model-free second opinion.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import numpy.typing as npt
from numba import njit

from citybrain.analytics.associations.significance import ItemsetTest

BoolMatrix = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]
TRADES_PER_ROW = 5  # per chain: each cell takes part in about ten trades


@njit(cache=True)
def _curveball(table: Any, allowed: Any, trades: int, seed: int) -> None:  # pragma: no cover - compiled
    np.random.seed(seed)
    rows, cols = table.shape
    pool = np.empty(cols, dtype=np.int64)
    if rows < 2:
        return
    for _ in range(trades):
        i = np.random.randint(rows)
        j = np.random.randint(rows - 1)
        if j >= i:
            j += 1
        size = 0
        mine = 0
        for w in range(cols):
            if table[i, w] != table[j, w] and allowed[i, w] and allowed[j, w]:
                pool[size] = w
                size += 1
                if table[i, w]:
                    mine += 1
        if size < 2 or mine == 0 or mine == size:
            continue
        for a in range(size - 1, 0, -1):
            b = np.random.randint(a + 1)
            pool[a], pool[b] = pool[b], pool[a]
        for a in range(size):
            give = a < mine
            table[i, pool[a]] = give
            table[j, pool[a]] = not give


def permutation_p_values(
    tests: Sequence[ItemsetTest],
    presence: BoolMatrix,
    cell: IntArray,
    window: IntArray,
    *,
    permutations: int,
    seed: int,
    max_q: float,
) -> list[ItemsetTest]:
    """``tests`` with ``p_perm`` filled in for the itemsets with q ≤ ``max_q`` (the others are left as they are)."""
    chosen = [t for t in tests if t.q_value <= max_q]
    if not chosen or permutations < 1:
        return list(tests)
    categories = sorted({k for t in chosen for k in t.itemset})
    null = {k: _null_samples(presence[:, k], cell, window, permutations, seed + 7919 * k) for k in categories}
    columns = np.ascontiguousarray(presence.T)
    checked: dict[tuple[int, ...], float] = {}
    for test in chosen:
        worst = 0.0
        for k in test.itemset:
            rest = np.logical_and.reduce(columns[[i for i in test.itemset if i != k]], axis=0)
            joint = rest[null[k]].sum(axis=1)
            worst = max(worst, (1 + int((joint >= test.observed).sum())) / (1 + permutations))
        checked[test.itemset] = worst
    return [replace(t, p_perm=checked[t.itemset]) if t.itemset in checked else t for t in tests]


def _null_samples(shown: npt.NDArray[np.bool_], cell: IntArray, window: IntArray, n: int, seed: int) -> IntArray:
    """(n, presences) baskets holding one category in each of ``n`` fixed-margin permutations.

    Margins are fixed, so every sample has as many presences as the data: a compact table, and a sample's
    co-occurrence with any other itemset is one gather and one sum.
    """
    rows = np.unique(cell[shown])
    if rows.size < 2:
        return np.repeat(np.flatnonzero(shown)[None, :], n, axis=0)
    row_of = np.full(int(cell.max()) + 1, -1, dtype=np.int64)
    row_of[rows] = np.arange(rows.size)
    windows = int(window.max()) + 1
    in_rows = row_of[cell] >= 0
    basket = np.full((rows.size, windows), -1, dtype=np.int64)
    basket[row_of[cell[in_rows]], window[in_rows]] = np.flatnonzero(in_rows)
    allowed = basket >= 0
    table = np.zeros((rows.size, windows), dtype=np.bool_)
    table[row_of[cell[shown]], window[shown]] = True
    trades = TRADES_PER_ROW * int(rows.size)
    hub = table.copy()
    _curveball(hub, allowed, trades, seed)
    out = np.empty((n, int(shown.sum())), dtype=np.int64)
    for b in range(n):
        sample = hub.copy()
        _curveball(sample, allowed, trades, seed + b + 1)
        out[b] = basket[sample]
    return out
