"""The scan's inner loops, compiled with numba: every cylinder's likelihood ratio, and the date permutations.

Both loops run once for the data and once per Monte Carlo replicate (999 by default), over every centre × circle
size × duration, so they are the whole cost of a scan. Under the permutation the margins (cases per cell, cases per
day) never change, so neither do the cylinders' expected counts: a replicate only re-deals which of the cases fall
on the last days, then re-counts.
"""

from __future__ import annotations

import math

import numba
import numpy as np
from numpy.typing import NDArray


@numba.njit(cache=True, nogil=True)
def best_per_centre(
    recent: NDArray[np.int64],
    order: NDArray[np.int64],
    lengths: NDArray[np.int64],
    cell_totals: NDArray[np.int64],
    recent_totals: NDArray[np.int64],
    total: int,
    xlogx: NDArray[np.float64],
) -> tuple[NDArray[np.float64], NDArray[np.int64], NDArray[np.int64]]:
    """For each centre, its best cylinder: (log likelihood ratio, cells taken, days taken).

    ``recent[z, l]`` is cell z's cases in the last ``l + 1`` days; ``recent_totals[l]`` the city's. A cylinder of the
    first ``k + 1`` cells around centre i over the last ``l + 1`` days expects ``cells' total × recent_totals[l] /
    total`` cases (Kulldorff 2005, eq. 1), and its Poisson GLR is ``c log(c/μ) + (C−c) log((C−c)/(C−μ))`` when
    c > μ. Only excesses count: a scan for outbreaks, not for quiet places.
    """
    n, days = recent.shape
    best = np.zeros(n)
    best_k = np.full(n, -1, dtype=np.int64)
    best_l = np.full(n, -1, dtype=np.int64)
    inside = np.zeros(days, dtype=np.int64)
    share = recent_totals.astype(np.float64) / total
    for i in range(n):
        inside[:] = 0
        cells_total = 0.0
        for k in range(lengths[i]):
            z = order[i, k]
            cells_total += cell_totals[z]
            for day in range(days):
                c = inside[day] + recent[z, day]
                inside[day] = c
                mu = cells_total * share[day]
                if c > mu:
                    llr = xlogx[c] - c * math.log(mu) + xlogx[total - c] - (total - c) * math.log(total - mu)
                    if llr > best[i]:
                        best[i] = llr
                        best_k[i] = k
                        best_l[i] = day
    return best, best_k, best_l


@numba.njit(cache=True, nogil=True)
def null_maxima(
    case_cells: NDArray[np.int64],
    last_days: NDArray[np.int64],
    order: NDArray[np.int64],
    lengths: NDArray[np.int64],
    cell_totals: NDArray[np.int64],
    recent_totals: NDArray[np.int64],
    xlogx: NDArray[np.float64],
    replicates: int,
    seed: int,
) -> NDArray[np.float64]:
    """The largest cylinder GLR in each of ``replicates`` date permutations (SaTScan's space-time permutation).

    ``case_cells`` holds one entry per case in the window (its cell). Shuffling the cases' dates while keeping how
    many fall on each day is the same as dealing a random permutation of ``case_cells`` out to the days in turn;
    only the cases dealt to the last ``len(last_days)`` days matter, so a partial Fisher–Yates shuffle of that many
    positions is enough. ``last_days[l]`` is the number of cases on the day ``l`` days before the analysis day.
    Both margins stay exactly as observed.
    """
    np.random.seed(seed)
    total = case_cells.shape[0]
    n = cell_totals.shape[0]
    days = last_days.shape[0]
    dealt = 0
    for day in range(days):
        dealt += last_days[day]
    labels = case_cells.copy()
    recent = np.zeros((n, days), dtype=np.int64)
    maxima = np.zeros(replicates)
    for r in range(replicates):
        for j in range(dealt):
            pick = j + np.random.randint(0, total - j)
            held = labels[j]
            labels[j] = labels[pick]
            labels[pick] = held
        recent[:, :] = 0
        position = 0
        for day in range(days):
            for j in range(position, position + last_days[day]):
                recent[labels[j], day] += 1
            position += last_days[day]
        for z in range(n):
            for day in range(1, days):
                recent[z, day] += recent[z, day - 1]
        best, _, _ = best_per_centre(recent, order, lengths, cell_totals, recent_totals, total, xlogx)
        maxima[r] = best.max() if n else 0.0
    return maxima
