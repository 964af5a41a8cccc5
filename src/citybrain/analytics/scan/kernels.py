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
def widest(order: NDArray[np.int64], lengths: NDArray[np.int64], cell_totals: NDArray[np.int64]) -> int:
    """The most cases any circle holds over the whole window: the size of the tables below."""
    most = 0
    for i in range(lengths.shape[0]):
        inside = 0
        for k in range(lengths[i]):
            inside += cell_totals[order[i, k]]
        most = max(most, inside)
    return most


@numba.njit(cache=True, nogil=True)
def log_expectations(
    most: int, recent_totals: NDArray[np.int64], total: int
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """log μ and log(C − μ) of a cylinder whose cells hold ``w`` cases over the window and which spans the last
    ``l + 1`` days, at ``[w, l]``.

    Such a cylinder expects ``μ = w × recent_totals[l] / C`` cases (Kulldorff 2005, eq. 1): its expectation depends
    on its cells only through ``w``. The margins are the same in every replicate, so one table of
    ``(most + 1) × days`` serves every cylinder of the data and of every replicate, and the inner loop reads it only
    for the few cylinders worth weighing.
    """
    days = recent_totals.shape[0]
    log_mu = np.zeros((most + 1, days))
    log_rest = np.zeros((most + 1, days))
    for w in range(most + 1):
        for day in range(days):
            m = w * recent_totals[day] / total
            if m > 0:
                log_mu[w, day] = math.log(m)
            if total > m:
                log_rest[w, day] = math.log(total - m)
    return log_mu, log_rest


@numba.njit(cache=True, nogil=True)
def thresholds(
    most: int, recent_totals: NDArray[np.int64], total: int, floor_llr: float, min_cases: int = 1
) -> NDArray[np.int64]:
    """At ``[w, l]``, the fewest cases whose GLR reaches ``floor_llr`` in a cylinder expecting
    ``w × recent_totals[l] / C``, and at least ``min_cases`` (``C + 1`` when none can).

    The GLR grows with the count once the count exceeds μ and falls as μ grows, so the threshold never falls as
    ``w`` grows: one sweep per day finds them all, and one integer comparison per cylinder then tells whether its
    logarithms are worth computing. With ``floor_llr = 0`` the threshold is simply the first count above μ.
    """
    days = recent_totals.shape[0]
    out = np.empty((most + 1, days), dtype=np.int64)
    for day in range(days):
        c = 1
        for w in range(most + 1):
            m = w * recent_totals[day] / total
            if m <= 0:  # no case in its cells or on its days: it can hold none
                out[w, day] = total + 1
                continue
            c = max(c, int(math.floor(m)) + 1, min_cases)
            if floor_llr > 0:
                while c <= total and _glr(c, m, total) < floor_llr:
                    c += 1
            out[w, day] = min(c, total + 1)
    return out


@numba.njit(cache=True, nogil=True)
def _glr(c: int, m: float, total: int) -> float:
    rest = total - c
    value = c * math.log(c / m)
    if rest > 0:
        value += rest * math.log(rest / (total - m))
    return value


@numba.njit(cache=True, nogil=True)
def best_per_centre(
    recent: NDArray[np.int64],
    order: NDArray[np.int64],
    lengths: NDArray[np.int64],
    cell_totals: NDArray[np.int64],
    least: NDArray[np.int64],
    log_mu: NDArray[np.float64],
    log_rest: NDArray[np.float64],
    xlogx: NDArray[np.float64],
) -> tuple[NDArray[np.float64], NDArray[np.int64], NDArray[np.int64]]:
    """For each centre, its best cylinder: (log likelihood ratio, cells taken − 1, days taken − 1).

    ``recent[z, l]`` is cell z's cases in the last ``l + 1`` days. The Poisson GLR of a cylinder with c cases
    against μ expected, out of C, is ``c log(c/μ) + (C−c) log((C−c)/(C−μ))`` when c > μ, else 0: a scan for
    excesses, not for quiet places. Only cylinders with at least ``least[w, l]`` cases (see :func:`thresholds`;
    ``w`` is the cases of its cells over the window) are weighed; the others count as 0. The tables indexed by
    ``w`` are small (the largest circle's cases × days), so they mostly stay in the processor's cache.
    """
    n = lengths.shape[0]  # centres: the cells, then any extra centres
    days = recent.shape[1]
    total = xlogx.shape[0] - 1
    best = np.zeros(n)
    best_k = np.full(n, -1, dtype=np.int64)
    best_l = np.full(n, -1, dtype=np.int64)
    inside = np.zeros(days, dtype=np.int64)
    for i in range(n):
        inside[:] = 0
        w = 0
        for k in range(lengths[i]):
            z = order[i, k]
            w += cell_totals[z]
            worth = False
            for day in range(days):  # no branch in this loop: the few cylinders worth weighing are taken below
                c = inside[day] + recent[z, day]
                inside[day] = c
                worth |= c >= least[w, day]
            if not worth:
                continue
            for day in range(days):
                c = inside[day]
                if c >= least[w, day]:
                    llr = xlogx[c] - c * log_mu[w, day] + xlogx[total - c] - (total - c) * log_rest[w, day]
                    if llr > best[i]:
                        best[i] = llr
                        best_k[i] = k
                        best_l[i] = day
    return best, best_k, best_l


PARALLEL_WORK = 20_000_000  # cylinders × replicates below which threads cost more than they save


def null_maxima(
    case_cells: NDArray[np.int64],
    cells: int,
    last_days: NDArray[np.int64],
    order: NDArray[np.int64],
    lengths: NDArray[np.int64],
    cell_totals: NDArray[np.int64],
    least: NDArray[np.int64],
    log_mu: NDArray[np.float64],
    log_rest: NDArray[np.float64],
    xlogx: NDArray[np.float64],
    replicates: int,
    seed: int,
    first: int = 0,
) -> NDArray[np.float64]:
    """The largest cylinder GLR in each of ``replicates`` date permutations (SaTScan's space-time permutation).

    ``case_cells`` holds one entry per case in the window (its cell), of ``cells`` cells (circle centres may be
    more: see :func:`citybrain.analytics.scan.neighbours.neighbours`). Shuffling the cases' dates while keeping how
    many fall on each day is the same as dealing a random permutation of ``case_cells`` out to the days in turn;
    only the cases dealt to the last ``len(last_days)`` days matter, so a partial Fisher–Yates shuffle of that many
    positions is enough. ``last_days[l]`` is the number of cases on the day ``l`` days before the analysis day.
    Both margins stay exactly as observed. A replicate none of whose cylinders reaches its ``least`` count
    reports 0 (it cannot beat any cluster being tested). Large scans run their replicates on all of
    numba's threads; each replicate seeds its own generator from ``seed`` and its number, so the result does not
    depend on the number of threads (nor on batching: replicate ``first + r`` is the same in any batch).
    """
    arguments = (
        case_cells,
        cells,
        last_days,
        order,
        lengths,
        cell_totals,
        least,
        log_mu,
        log_rest,
        xlogx,
        replicates,
        seed,
        first,
    )
    if int(lengths.sum()) * last_days.shape[0] * replicates >= PARALLEL_WORK:
        return _maxima_threads(*arguments)
    return _maxima_serial(*arguments)


@numba.njit(cache=True, nogil=True, parallel=True)
def _maxima_threads(
    case_cells: NDArray[np.int64],
    cells: int,
    last_days: NDArray[np.int64],
    order: NDArray[np.int64],
    lengths: NDArray[np.int64],
    cell_totals: NDArray[np.int64],
    least: NDArray[np.int64],
    log_mu: NDArray[np.float64],
    log_rest: NDArray[np.float64],
    xlogx: NDArray[np.float64],
    replicates: int,
    seed: int,
    first: int,
) -> NDArray[np.float64]:
    maxima = np.zeros(replicates)
    for r in numba.prange(replicates):
        maxima[r] = _replicate(
            case_cells, cells, last_days, order, lengths, cell_totals, least, log_mu, log_rest, xlogx, seed, first + r
        )
    return maxima


@numba.njit(cache=True, nogil=True)
def _maxima_serial(
    case_cells: NDArray[np.int64],
    cells: int,
    last_days: NDArray[np.int64],
    order: NDArray[np.int64],
    lengths: NDArray[np.int64],
    cell_totals: NDArray[np.int64],
    least: NDArray[np.int64],
    log_mu: NDArray[np.float64],
    log_rest: NDArray[np.float64],
    xlogx: NDArray[np.float64],
    replicates: int,
    seed: int,
    first: int,
) -> NDArray[np.float64]:
    maxima = np.zeros(replicates)
    for r in range(replicates):
        maxima[r] = _replicate(
            case_cells, cells, last_days, order, lengths, cell_totals, least, log_mu, log_rest, xlogx, seed, first + r
        )
    return maxima


@numba.njit(cache=True, nogil=True)
def _replicate(
    case_cells: NDArray[np.int64],
    cells: int,
    last_days: NDArray[np.int64],
    order: NDArray[np.int64],
    lengths: NDArray[np.int64],
    cell_totals: NDArray[np.int64],
    least: NDArray[np.int64],
    log_mu: NDArray[np.float64],
    log_rest: NDArray[np.float64],
    xlogx: NDArray[np.float64],
    seed: int,
    r: int,
) -> float:
    np.random.seed((seed * 1_000_003 + r) % 4_294_967_296)
    recent = _deal(case_cells, last_days, cells)
    best, _, _ = best_per_centre(recent, order, lengths, cell_totals, least, log_mu, log_rest, xlogx)
    return best.max() if best.shape[0] else 0.0


@numba.njit(cache=True, nogil=True)
def _deal(case_cells: NDArray[np.int64], last_days: NDArray[np.int64], n: int) -> NDArray[np.int64]:
    """Cases per cell on the last 1, 2, … days after shuffling which case fell on which day."""
    total = case_cells.shape[0]
    days = last_days.shape[0]
    dealt = 0
    for day in range(days):
        dealt += last_days[day]
    labels = case_cells.copy()
    for j in range(dealt):
        pick = j + np.random.randint(0, total - j)
        held = labels[j]
        labels[j] = labels[pick]
        labels[pick] = held
    recent = np.zeros((n, days), dtype=np.int64)
    position = 0
    for day in range(days):
        for j in range(position, position + last_days[day]):
            recent[labels[j], day] += 1
        position += last_days[day]
    for z in range(n):
        for day in range(1, days):
            recent[z, day] += recent[z, day - 1]
    return recent
