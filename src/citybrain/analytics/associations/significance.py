"""Is an itemset together more often than place and season explain? The null model and its p-values.

Null model (docs/associations.md): for each category separately, whether it shows in a basket (cell c, window w)
is an independent coin with probability ``π = 1 − exp(−exp(a_c + b_w))`` — the chance of at least one case when
its cases arrive as a Poisson stream whose rate is the cell's rate times the window's rate (complementary log-log
link). ``a_c`` and ``b_w`` are set so that every cell keeps the number of windows it showed in and every window
the number of cells (the fixed-fixed margins of ecology's co-occurrence tests, matched in expectation): a category
common downtown stays common downtown, one common in winter stays in winter. A one-week burst counts once, so a
category's own bursts do not smear over the whole cell. Categories are independent of each other under the null.

Test: for itemset ``S`` and each member ``k``, keep the other members as observed and count the baskets where
``k`` joins them. Under the null that count is a sum of independent coins with the model's ``π`` (a
Poisson-binomial); Hoeffding (1956) bounds its upper tail by the binomial with the same mean and number of trials,
which gives a conservative p-value. The itemset's p-value is the largest over its members: every member must join
the rest more than chance (so a planted pair plus an unrelated common category is not flagged). q-values are
Benjamini–Hochberg over all itemsets tested.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import stats

from citybrain.analytics.associations.itemsets import FrequentItemsets
from citybrain.analytics.stats import benjamini_hochberg

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolMatrix = npt.NDArray[np.bool_]

_ETA_MIN, _ETA_MAX = -30.0, 4.0  # π from ~1e-13 to 1 − 2e-24: beyond these the margins are met anyway


@dataclass(frozen=True)
class ItemsetTest:
    itemset: tuple[int, ...]
    observed: int  # baskets holding every member
    expected: float  # under the null, for the member that joins the rest least surprisingly
    p_value: float
    q_value: float
    p_perm: float | None = None  # the permutation check (see ``permutation``), when it was run


def presence_probabilities(
    cell: IntArray, window: IntArray, presence: BoolMatrix, *, iterations: int = 100, tol: float = 1e-5
) -> npt.NDArray[np.float32]:
    """π for every basket and category under the null (same shape as ``presence``).

    The model lives on the non-empty baskets only: a cell-week where nobody reported anything is not a place
    and time where a category could have shown but did not.
    """
    cells = int(cell.max()) + 1
    windows = int(window.max()) + 1
    domain = np.zeros((cells, windows), dtype=bool)
    domain[cell, window] = True
    out = np.zeros(presence.shape, dtype=np.float32)
    for k in range(presence.shape[1]):
        shown = presence[:, k]
        grid = np.zeros((cells, windows), dtype=np.float64)
        grid[cell[shown], window[shown]] = 1.0
        pi = fit_margins(grid, domain, iterations=iterations, tol=tol)
        out[:, k] = pi[cell, window]
    return out


def fit_margins(
    grid: FloatArray, domain: npt.NDArray[np.bool_], *, iterations: int = 100, tol: float = 1e-5
) -> FloatArray:
    """Cloglog probabilities on ``domain`` whose row and column sums match those of the 0/1 ``grid``."""
    pi = np.zeros_like(grid)
    rows = np.flatnonzero(grid.any(axis=1))
    cols = np.flatnonzero(grid.any(axis=0))
    if rows.size == 0:
        return pi
    sub = grid[np.ix_(rows, cols)]
    mask = domain[np.ix_(rows, cols)].astype(np.float64)
    r, s = sub.sum(axis=1), sub.sum(axis=0)
    a = _cloglog(np.clip(r / np.maximum(mask.sum(axis=1), 1.0), 1e-6, 1 - 1e-9))
    b = np.zeros(cols.size)
    for _ in range(iterations):
        b, column_gap = _newton(b, a, s, mask, axis=0)
        a, row_gap = _newton(a, b, r, mask, axis=1)
        if max(column_gap, row_gap) < tol:
            break
    pi[np.ix_(rows, cols)] = _probabilities(a, b) * mask
    return pi


def _probabilities(a: FloatArray, b: FloatArray) -> FloatArray:
    eta = np.clip(a[:, None] + b[None, :], _ETA_MIN, _ETA_MAX)
    return np.asarray(-np.expm1(-np.exp(eta)), dtype=np.float64)


def _newton(
    own: FloatArray, other: FloatArray, target: FloatArray, mask: FloatArray, *, axis: int
) -> tuple[FloatArray, float]:
    """One Newton step per row (axis=1) or column (axis=0) towards its target sum, the other side held fixed.

    Returns the new values and the largest gap between fitted and target sums before the step.
    """
    eta = own[:, None] + other[None, :] if axis == 1 else other[:, None] + own[None, :]
    mu = np.exp(np.clip(eta, _ETA_MIN, _ETA_MAX))
    miss = np.exp(-mu) * mask  # 1 − π, on the domain
    gap = mask.sum(axis=axis) - miss.sum(axis=axis) - target
    step = gap / np.maximum((mu * miss).sum(axis=axis), 1e-12)
    new = np.clip(own - np.clip(step, -5.0, 5.0), _ETA_MIN - 10, _ETA_MAX + 10)
    return np.asarray(new, dtype=np.float64), float(np.abs(gap).max())


def _cloglog(p: FloatArray) -> FloatArray:
    return np.asarray(np.log(-np.log1p(-p)), dtype=np.float64)


def assess_itemsets(
    presence: BoolMatrix, pi: npt.NDArray[np.float32], frequent: FrequentItemsets, *, chunk: int = 64
) -> list[ItemsetTest]:
    """Leave-one-out tests for every frequent itemset of two or more items, with BH q-values."""
    tested = sorted((s for s in frequent.counts if len(s) >= 2), key=lambda s: (len(s), s))
    if not tested:
        return []
    rests = sorted({_drop(s, k) for s in tested for k in s}, key=lambda s: (len(s), s))
    expected = _expected_counts(presence, pi, rests, chunk=chunk)
    observed, trials, means, owner = [], [], [], []
    for position, itemset in enumerate(tested):
        for k in itemset:
            rest = _drop(itemset, k)
            observed.append(frequent.counts[itemset])
            trials.append(frequent.counts[rest])
            means.append(float(expected[rest][k]))
            owner.append(position)
    p_each = hoeffding_p(np.array(observed), np.array(trials), np.array(means))
    worst = np.full(len(tested), -1.0)
    worst_mean = np.zeros(len(tested))
    for position, p, mean in zip(owner, p_each, means, strict=True):
        if p > worst[position]:
            worst[position], worst_mean[position] = p, mean
    q = benjamini_hochberg(worst)
    return [
        ItemsetTest(s, frequent.counts[s], float(e), float(p), float(qv))
        for s, e, p, qv in zip(tested, worst_mean, worst, q, strict=True)
    ]


def _drop(itemset: tuple[int, ...], item: int) -> tuple[int, ...]:
    return tuple(i for i in itemset if i != item)


def _expected_counts(
    presence: BoolMatrix, pi: npt.NDArray[np.float32], rests: list[tuple[int, ...]], *, chunk: int
) -> dict[tuple[int, ...], npt.NDArray[np.float64]]:
    """Σ over the baskets holding ``rest`` of π, for every category at once (matrix products, no loops over rows).

    Rests of one item: one product ``presenceᵀ · π``. Rests of two items ``(j, l)``: for each ``j``, the product
    over ``j``'s baskets gives every ``l`` at once. Longer rests (itemsets of four and more) go in chunks.
    """
    out: dict[tuple[int, ...], npt.NDArray[np.float64]] = {}
    as_float = presence.astype(np.float32)
    singles = np.einsum("bi,bk->ik", as_float, pi)
    pairs_by_first: dict[int, list[tuple[int, int]]] = {}
    longer = []
    for rest in rests:
        if len(rest) == 1:
            out[rest] = singles[rest[0]].astype(np.float64)
        elif len(rest) == 2:
            pairs_by_first.setdefault(rest[0], []).append((rest[0], rest[1]))
        else:
            longer.append(rest)
    for first, pairs in pairs_by_first.items():
        rows = np.flatnonzero(presence[:, first])
        seconds = np.array([second for _, second in pairs], dtype=np.int64)
        chosen: npt.NDArray[np.float32] = as_float[np.ix_(rows, seconds)]
        sums = np.einsum("bi,bk->ik", chosen, pi[rows])
        out.update(zip(pairs, sums.astype(np.float64), strict=True))
    columns = np.ascontiguousarray(presence.T)
    for start in range(0, len(longer), chunk):
        block = longer[start : start + chunk]
        mask = np.empty((len(block), presence.shape[0]), dtype=np.float32)
        for row, rest in enumerate(block):
            mask[row] = np.logical_and.reduce(columns[list(rest)], axis=0)
        out.update(zip(block, np.einsum("rb,bk->rk", mask, pi).astype(np.float64), strict=True))
    return out


def hoeffding_p(observed: IntArray, trials: IntArray, mean: FloatArray) -> FloatArray:
    """P(X ≥ observed) for X ~ Binomial(trials, mean/trials): a conservative bound for the Poisson-binomial tail."""
    observed, trials = np.asarray(observed, dtype=np.int64), np.asarray(trials, dtype=np.int64)
    p = np.clip(np.asarray(mean, dtype=np.float64) / np.maximum(trials, 1), 0.0, 1.0)
    tail = stats.binom.sf(observed - 1, np.maximum(trials, 1), p)
    return np.asarray(np.where((trials <= 0) | (observed <= 0), 1.0, np.minimum(tail, 1.0)), dtype=np.float64)
