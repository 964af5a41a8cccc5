"""Prospective space-time permutation scan (时空重排扫描; Kulldorff et al. 2005, SaTScan's permutation model).

Each day, look at the window of cases per cell × day ending today. A *cylinder* is a circle of cells (a centre cell
and its nearest neighbours, up to ``max_share`` of the window's cases and ``max_radius_m``) over the last 1 …
``max_days`` days — always ending today, because only a cluster still alive needs a warning. Its expected count comes
from the margins alone, ``μ = cases in its cells × cases on its days / all cases``, so no population is needed:
a place that is always busy is busy in its expectation too, and only a change of *where relative to when* stands
out. The Poisson generalised likelihood ratio ranks cylinders; the best one's p-value is its rank among the best
of ``replicates`` data sets whose case dates were shuffled (both margins kept), and secondary clusters are the next
best cylinders sharing no cell with a better one. The recurrence interval (复现间隔) ``1 / p`` (in analysis days)
reads "a signal this strong would turn up by chance once in that many daily analyses".

Typical use, with the counts from ``citybrain.analytics.counting.cube``::

    cube = build_cube(con, as_of=date(2026, 11, 25), window_days=28, cell_m=1000)
    result = scan(cube.counts, cube.lat, cube.lon, end=cube.end, cell_ids=cube.cells, members=cube.members)
    alarms = [c for c in result.clusters if c.recurrence_days >= 100]
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
from numpy.typing import ArrayLike, NDArray

from citybrain.analytics.scan import gumbel
from citybrain.analytics.scan.kernels import best_per_centre, log_expectations, null_maxima, thresholds, widest
from citybrain.analytics.scan.neighbours import Neighbours, limit_by_share, neighbours
from citybrain.core.errors import InvalidInput


@dataclass(frozen=True)
class ScanConfig:
    """The scan's knobs, with SaTScan's name in brackets where it has one."""

    max_share: float = 0.1  # largest circle, as a share of the window's cases [maximum spatial cluster size]
    max_radius_m: float = 3000.0  # largest circle's radius in metres [maximum circle radius]
    max_days: int = 7  # longest cylinder, in days ending today [maximum temporal cluster size]
    min_cases: int = 1  # fewest cases a cylinder must hold to count, in the data and every replicate alike
    replicates: int = 999  # date permutations for the p-value [Monte Carlo replications]
    max_clusters: int = 10  # the best cluster and at most this many minus one secondary ones
    gumbel: bool = False  # extend p-values past 1/(replicates+1) with a Gumbel fit [Gumbel approximation]
    stop_after: int = 50  # stop once this many replicates beat the best cluster (0: never); see _null_maxima
    analysis_interval_days: float = 1.0  # how often the scan is run: a recurrence interval is in these units

    def check(self) -> None:
        if not 0 < self.max_share <= 1:
            raise InvalidInput(f"max_share must be in (0, 1], got {self.max_share}")
        if not self.max_radius_m >= 0:
            raise InvalidInput(f"max_radius_m must be ≥ 0 metres, got {self.max_radius_m}")
        if self.max_days < 1:
            raise InvalidInput(f"max_days must be ≥ 1, got {self.max_days}")
        if not 0 <= self.replicates <= 100_000:
            raise InvalidInput(f"replicates must be between 0 and 100,000, got {self.replicates}")
        if self.min_cases < 1:
            raise InvalidInput(f"min_cases must be ≥ 1, got {self.min_cases}")
        if self.stop_after < 0:
            raise InvalidInput(f"stop_after must be ≥ 0, got {self.stop_after}")
        if self.max_clusters < 1:
            raise InvalidInput(f"max_clusters must be ≥ 1, got {self.max_clusters}")
        if not self.analysis_interval_days > 0:
            raise InvalidInput(f"analysis_interval_days must be > 0, got {self.analysis_interval_days}")


@dataclass(frozen=True)
class Members:
    """Which case lies in which (cell, day) of the counts, so a cluster can name its cases (``case_ids``)."""

    cell: NDArray[np.int64]  # per case: row of the counts
    day: NDArray[np.int64]  # per case: column of the counts (0 = the window's first day)
    ids: tuple[str, ...]  # per case: its id


@dataclass(frozen=True)
class Cluster:
    """One space-time cluster (时空聚集): a circle of cells over the days ``start`` … ``end`` (= the analysis day)."""

    center_lat: float
    center_lon: float
    radius_m: float  # distance from the centre cell's centre to the farthest included cell's centre
    cells: tuple[str, ...]  # cell ids, nearest the centre first
    start: date
    end: date
    observed: int
    expected: float
    llr: float  # log likelihood ratio (对数似然比)
    p_value: float
    recurrence_days: float  # recurrence interval (复现间隔): 1 / p × the analysis interval
    case_ids: tuple[str, ...]  # the cases inside the cylinder (empty when no ``members`` were given)

    @property
    def relative_risk(self) -> float:
        """Observed / expected inside the cylinder."""
        return self.observed / self.expected if self.expected > 0 else math.inf


@dataclass(frozen=True)
class ScanResult:
    """The clusters, best first, and what the scan looked at."""

    clusters: tuple[Cluster, ...]
    end: date
    days: int
    cells: int
    total_cases: int
    replicates: int  # run: fewer than asked when the Monte Carlo stopped early (``ScanConfig.stop_after``)
    config: ScanConfig
    # each replicate's best GLR; 0 for a replicate whose best could not reach the weakest reported cluster
    null_maxima: NDArray[np.float64] = field(repr=False, compare=False)

    @property
    def best(self) -> Cluster | None:
        return self.clusters[0] if self.clusters else None


def scan(
    counts: ArrayLike,
    lat: ArrayLike,
    lon: ArrayLike,
    *,
    end: date,
    cell_ids: Sequence[str] | None = None,
    members: Members | None = None,
    config: ScanConfig | None = None,
    seed: int = 0,
    extra_centres: tuple[ArrayLike, ArrayLike] | None = None,
) -> ScanResult:
    """Scan ``counts`` (cells × days, the last column being the analysis day ``end``) for clusters alive today.

    ``lat``/``lon`` are the cells' centres; ``cell_ids`` name the cells in the result (default: the row numbers);
    ``members`` lets each cluster list its cases. ``extra_centres`` (lat, lon) are more points to draw circles round
    besides the cells' centres, such as the grid's corners and side midpoints
    (:meth:`citybrain.analytics.counting.cube.Cube.extra_centres`): a cluster that straddles a cell border then
    fits one circle. The same ``seed`` gives the same p-values.
    Raises InvalidInput for
    counts that are not a cells × days table of non-negative whole numbers, for fewer than two days (space and time
    cannot be told apart), or for centres that are missing or not finite. A window with no cases has no cluster.
    """
    config = config or ScanConfig()
    config.check()
    table = _checked_counts(counts)
    lat_a, lon_a = _checked_centres(lat, lon, table.shape[0])
    names = _cell_names(cell_ids, table.shape[0])
    total = int(table.sum())
    n_cells, n_days = table.shape
    if total == 0:
        empty = np.zeros(0)
        return ScanResult((), end, n_days, n_cells, 0, 0, config, empty)
    extra_lat, extra_lon = _checked_extra(extra_centres)
    found = neighbours(lat_a, lon_a, max_radius_m=config.max_radius_m, extra_lat=extra_lat, extra_lon=extra_lon)
    cell_totals = table.sum(axis=1)
    lengths = limit_by_share(found, cell_totals, config.max_share * total)
    last_days = table[:, ::-1][:, : min(config.max_days, n_days)].sum(axis=0)
    recent = np.cumsum(table[:, ::-1][:, : len(last_days)], axis=1)
    recent_totals = np.cumsum(last_days)
    _check_size(lengths, len(last_days))
    xlogx = _xlogx(total)
    most = widest(found.order, lengths, cell_totals)
    log_mu, log_rest = log_expectations(most, recent_totals, total)
    circles = (found.order, lengths, cell_totals)
    above = thresholds(most, recent_totals, total, 0.0, config.min_cases)
    best, best_k, best_l = best_per_centre(recent, *circles, above, log_mu, log_rest, xlogx)
    picks = _non_overlapping(best, best_k, found, config.max_clusters)
    # Replicates need weigh only cylinders that could reach the weakest cluster tested (all of them for Gumbel).
    floor = 0.0 if config.gumbel or not picks else 0.999 * float(best[picks].min())
    least = thresholds(most, recent_totals, total, floor, config.min_cases)
    case_cells = np.repeat(np.arange(n_cells, dtype=np.int64), cell_totals)

    def run(count: int, first: int) -> NDArray[np.float64]:
        return null_maxima(case_cells, n_cells, last_days, *circles, least, log_mu, log_rest, xlogx, count, seed, first)

    maxima = _null_maxima(run, config, float(best.max()))
    centre_lat = np.concatenate([lat_a, extra_lat])[found.source]
    centre_lon = np.concatenate([lon_a, extra_lon])[found.source]
    context = _Context(table, found, centre_lat, centre_lon, names, members, maxima, end, config)
    clusters = tuple(context.cluster(i, int(best_k[i]), int(best_l[i]), float(best[i])) for i in picks)
    return ScanResult(clusters, end, n_days, n_cells, total, len(maxima), config, maxima)


BATCH = 100


def _null_maxima(
    run: Callable[[int, int], NDArray[np.float64]], config: ScanConfig, best: float
) -> NDArray[np.float64]:
    """The replicates' maxima, in batches, stopping early once ``stop_after`` of them beat the best cluster.

    Besag & Clifford's sequential Monte Carlo test (1991): when h replicates out of r beat the observed statistic,
    the p-value h / r is already above h / (replicates + 1) and more replicates cannot bring it under; every
    decision at a p-value below that (with the defaults, any recurrence interval of 20 days or more) is the one
    all replicates would give. An ordinary day thus costs a few dozen replicates, a day with a real cluster all of
    them. The Gumbel fit needs every replicate, so it turns the early stop off.
    """
    done: list[NDArray[np.float64]] = []
    beaten = 0
    for first in range(0, config.replicates, BATCH):
        count = min(BATCH, config.replicates - first)
        batch = run(count, first)
        done.append(batch)
        beaten += int(np.count_nonzero(batch >= best - 1e-9 * max(1.0, best)))
        if config.stop_after and not config.gumbel and beaten >= config.stop_after:
            break
    return np.concatenate(done) if done else np.zeros(0)


def _checked_counts(counts: ArrayLike) -> NDArray[np.int64]:
    table = np.asarray(counts)
    if table.ndim != 2:
        raise InvalidInput(f"counts must be a cells × days table, got {table.ndim} dimension(s)")
    if table.shape[1] < 2:
        raise InvalidInput(
            f"the space-time scan needs at least 2 days of counts, got {table.shape[1]}: with one day every cell's"
            " expectation equals its count"
        )
    if table.size and not np.issubdtype(table.dtype, np.integer):
        if not np.all(np.isfinite(table)) or not np.all(table == np.round(table)):
            raise InvalidInput("counts must be whole numbers of cases")
    if table.size and table.min() < 0:
        raise InvalidInput("counts must not be negative")
    return np.ascontiguousarray(table, dtype=np.int64)


def _checked_centres(lat: ArrayLike, lon: ArrayLike, n: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    lat_a = np.asarray(lat, dtype=np.float64).reshape(-1)
    lon_a = np.asarray(lon, dtype=np.float64).reshape(-1)
    if len(lat_a) != n or len(lon_a) != n:
        raise InvalidInput(f"need one centre per cell: {n} cells, {len(lat_a)} latitudes, {len(lon_a)} longitudes")
    if not (np.all(np.isfinite(lat_a)) and np.all(np.isfinite(lon_a))):
        raise InvalidInput("every cell needs a finite centre (lat, lon); leave cases without coordinates out")
    if np.any(np.abs(lat_a) > 90) or np.any(np.abs(lon_a) > 180):
        raise InvalidInput("cell centres must be latitudes in [-90, 90] and longitudes in [-180, 180]")
    return lat_a, lon_a


def _checked_extra(
    extra: tuple[ArrayLike, ArrayLike] | None,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    if extra is None:
        return np.zeros(0), np.zeros(0)
    lat = np.asarray(extra[0], dtype=np.float64).reshape(-1)
    return _checked_centres(lat, extra[1], len(lat))


def _cell_names(cell_ids: Sequence[str] | None, n: int) -> tuple[str, ...]:
    if cell_ids is None:
        return tuple(str(i) for i in range(n))
    if len(cell_ids) != n:
        raise InvalidInput(f"need one id per cell: {n} cells, {len(cell_ids)} ids")
    return tuple(str(name) for name in cell_ids)


MAX_CYLINDERS = 25_000_000


def _check_size(lengths: NDArray[np.int64], days: int) -> None:
    """Refuse a scan that would weigh so many cylinders that its replicates would take minutes (about 1 ns per
    cylinder and replicate on one core)."""
    cylinders = int(lengths.sum()) * days
    if cylinders > MAX_CYLINDERS:
        raise InvalidInput(
            f"the scan would weigh {cylinders:,} cylinders (limit {MAX_CYLINDERS:,}); lower max_share,"
            " max_radius_m or max_days, or use larger cells"
        )


def _xlogx(total: int) -> NDArray[np.float64]:
    values = np.arange(total + 1, dtype=np.float64)
    out = np.zeros(total + 1)
    out[1:] = values[1:] * np.log(values[1:])
    return out


def _non_overlapping(best: NDArray[np.float64], best_k: NDArray[np.int64], found: Neighbours, limit: int) -> list[int]:
    """Centres whose best cylinders, taken best first, share no cell with a better one (SaTScan's default)."""
    taken = np.zeros(len(best), dtype=bool)
    picks: list[int] = []
    for i in np.argsort(-best, kind="stable"):
        if best[i] <= 0 or len(picks) >= limit:
            break
        cells = found.order[i, : best_k[i] + 1]
        if taken[cells].any():
            continue
        taken[cells] = True
        picks.append(int(i))
    return picks


@dataclass(frozen=True)
class _Context:
    """What turning a (centre, cells, days) choice into a :class:`Cluster` needs."""

    table: NDArray[np.int64]
    found: Neighbours
    lat: NDArray[np.float64]
    lon: NDArray[np.float64]
    names: tuple[str, ...]
    members: Members | None
    maxima: NDArray[np.float64]
    end: date
    config: ScanConfig

    def cluster(self, centre: int, k: int, length: int, llr: float) -> Cluster:
        cells = self.found.order[centre, : k + 1]
        first_day = self.table.shape[1] - 1 - length
        observed = int(self.table[cells, first_day:].sum())
        total = int(self.table.sum())
        expected = float(self.table[cells].sum()) * float(self.table[:, first_day:].sum()) / total
        p_value = self.p_value(llr)
        return Cluster(
            center_lat=float(self.lat[centre]),
            center_lon=float(self.lon[centre]),
            radius_m=float(self.found.distance_m[centre, k]),
            cells=tuple(self.names[c] for c in cells),
            start=self.end - timedelta(days=length),
            end=self.end,
            observed=observed,
            expected=expected,
            llr=llr,
            p_value=p_value,
            recurrence_days=self.config.analysis_interval_days / p_value,
            case_ids=self._case_ids(cells, first_day),
        )

    def p_value(self, llr: float) -> float:
        """Rank among the replicates' maxima (ties count against the cluster); Gumbel past the Monte Carlo floor.

        After an early stop (see ``_null_maxima``) the p-value is Besag & Clifford's ``beaten / replicates run``.
        """
        replicates = len(self.maxima)
        beaten_by = int(np.count_nonzero(self.maxima >= llr - 1e-9 * max(1.0, llr)))
        stopped = replicates < self.config.replicates
        p = beaten_by / replicates if stopped else (beaten_by + 1) / (replicates + 1)
        if self.config.gumbel and beaten_by == 0 and replicates > 1:
            location, scale = gumbel.fit(self.maxima)
            if scale > 0:
                p = min(p, gumbel.p_value(llr, location, scale))
        return max(p, 1e-300)

    def _case_ids(self, cells: NDArray[np.int64], first_day: int) -> tuple[str, ...]:
        if self.members is None:
            return ()
        inside = np.isin(self.members.cell, cells) & (self.members.day >= first_day)
        return tuple(self.members.ids[j] for j in np.flatnonzero(inside))
