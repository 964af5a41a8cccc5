"""Car-park occupancy forecast 1–4 hours ahead (车位预测) — pure: a grid of readings in, forecasts and errors out.

Readings are put on a grid of half-hour slots of the car park's local day (``values[park, day, slot]``, NaN where
nothing was read). The forecast from slot ``s`` of day ``d`` for ``k`` slots ahead is the weekly profile at the
target plus what today differs from the profile now, fading with the horizon:

    ŷ(d, s+k) = P(d, s+k) + φₖ · (y(d, s) − P(d, s))

where ``P(d, ·)`` is the mean of the same weekday's readings in the ``w`` weeks before ``d`` (only the past), and
``w`` (1, 2 or 4) and ``φₖ`` (0 … 1 by 0.05) are fitted per horizon for the least absolute error on the two weeks
before, refitted every week.
Without a profile the forecast is the last reading (persistence). The baseline it must beat is seasonal-naive: the
same slot a week before — which is this forecast with w = 1 and φ = 0, so fitting can only match or improve on it
on the fitting days; the days forecast say whether that holds out of sample.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

import numpy as np
import numpy.typing as npt

SLOT_SECONDS = 1800
DAY = 86_400
WEEK_DAYS = 7
HORIZONS = (2, 4, 6, 8)  # slots: 1, 2, 3, 4 hours
PHI_GRID = np.round(np.arange(0.0, 1.0001, 0.05), 2)

Array = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Grid:
    """``values[park, day, slot]``: vehicles parked; day 0 is ``first_day``; slot 0 starts at ``first_slot`` half-hours
    after local midnight."""

    codes: tuple[str, ...]
    capacity: Array
    first_day: date
    first_slot: int
    values: Array


def to_grid(codes: Sequence[str], local_times: Sequence[npt.NDArray[np.int64]], occupancy: Sequence[Array],
            capacity: Sequence[float]) -> Grid:  # fmt: skip
    """Readings (local clock, seconds since 1970 as if UTC) onto half-hour slots; the later reading wins a slot."""
    every = np.concatenate([np.asarray(t, dtype=np.int64) for t in local_times])
    day0 = int(every.min()) // DAY
    slot_of = np.rint((every % DAY) / SLOT_SECONDS).astype(np.int64)
    first_slot, last_slot = int(slot_of.min()), int(slot_of.max())
    days = int(every.max()) // DAY - day0 + 1
    values = np.full((len(codes), days, last_slot - first_slot + 1), np.nan)
    for p, (t, y) in enumerate(zip(local_times, occupancy, strict=True)):
        t = np.asarray(t, dtype=np.int64)
        order = np.argsort(t, kind="stable")
        d = t[order] // DAY - day0
        s = np.rint((t[order] % DAY) / SLOT_SECONDS).astype(np.int64) - first_slot
        values[p, d, s] = np.asarray(y, dtype=np.float64)[order]
    first = datetime.fromtimestamp(day0 * DAY, UTC).date()
    return Grid(tuple(codes), np.asarray(capacity, dtype=np.float64), first, first_slot, values)


def occupancy_at(entered: npt.NDArray[np.int64], exited: npt.NDArray[np.int64],
                 times: npt.NDArray[np.int64]) -> Array:  # fmt: skip
    """Vehicles inside at each of ``times`` from stays (seconds): those with ``entered ≤ t < exited``; a stay not yet
    left has ``exited`` = the int64 maximum. What a barrier-free car park's gates count, as a sensor would read it."""
    came = np.searchsorted(np.sort(entered), times, side="right")
    left = np.searchsorted(np.sort(exited), times, side="right")
    return (came - left).astype(np.float64)


def clean(values: Array, capacity: Array) -> Array:
    """Readings a counter cannot have (negative, above capacity) set to NaN: neither history nor truth."""
    cap = capacity[:, None, None]
    return np.where((values < 0) | (values > cap), np.nan, values)


def weekly_profile(values: Array, weeks: int = 4) -> Array:
    """``P[park, day, slot]``: mean of the same weekday and slot over the ``weeks`` weeks before ``day`` (NaN: none)."""
    total = np.zeros_like(values)
    count = np.zeros_like(values)
    for w in range(1, weeks + 1):
        lag = w * WEEK_DAYS
        if lag >= values.shape[1]:
            break
        past = values[:, :-lag, :]
        seen = ~np.isnan(past)
        total[:, lag:, :] += np.where(seen, past, 0.0)
        count[:, lag:, :] += seen
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def predict(values: Array, profile: Array, k: int, phi: float) -> Array:
    """Forecasts of slot ``s+k`` from each slot ``s`` (shape ``[park, day, slots − k]``), target-aligned."""
    now, prof_now, prof_then = values[:, :, :-k], profile[:, :, :-k], profile[:, :, k:]
    blended = prof_then + phi * (now - prof_now)
    fallback = np.where(np.isnan(prof_then), now, prof_then)
    return np.where(np.isnan(blended), fallback, blended)


def seasonal_naive(values: Array, k: int) -> Array:
    """Same slot a week before the target (shape as :func:`predict`)."""
    out = np.full(values[:, :, k:].shape, np.nan)
    out[:, WEEK_DAYS:, :] = values[:, :-WEEK_DAYS, k:]
    return out


WEEK_CHOICES = (1, 2, 4)


@dataclass(frozen=True)
class HorizonError:
    hours: float
    fits: tuple[tuple[int, float], ...]  # (weeks, φ) of each refit, in order
    mae: float
    naive_mae: float
    mae_per_park: tuple[float, ...]
    naive_mae_per_park: tuple[float, ...]
    points: int


def _mask(values: Array, naive: Array, k: int, days: slice) -> npt.NDArray[np.bool_]:
    ok = ~np.isnan(values[:, :, k:]) & ~np.isnan(values[:, :, :-k]) & ~np.isnan(naive)
    keep = np.zeros(ok.shape[1], dtype=bool)
    keep[days] = True
    return ok & keep[None, :, None]


def fit(values: Array, profiles: dict[int, Array], k: int, train: slice) -> tuple[int, float, float]:
    """(weeks, φ, training MAE) with the least absolute error on the ``train`` days for horizon ``k``."""
    start = max(0, (train.start or 0) - WEEK_DAYS)  # the baseline needs the week before the first day
    days = slice(start, train.stop)
    window = values[:, days]
    keep = slice((train.start or 0) - start, None)
    naive = seasonal_naive(window, k)
    mask = _mask(window, naive, k, keep)
    truth = window[:, :, k:][mask]
    best = (1, 0.0, float("inf"))
    for weeks, full in profiles.items():
        profile = full[:, days]
        then, now = profile[:, :, k:][mask], profile[:, :, :-k][mask]
        last = window[:, :, :-k][mask]
        for phi in PHI_GRID:
            guess = np.where(np.isnan(then), last, then + phi * (last - now))
            guess = np.where(np.isnan(guess), then, guess)
            error = float(np.mean(np.abs(guess - truth))) if truth.size else float("inf")
            if error < best[2]:
                best = (weeks, float(phi), error)
    return best


def _per_park(error: Array, mask: npt.NDArray[np.bool_]) -> tuple[float, ...]:
    total = np.where(mask, error, 0.0).sum(axis=(1, 2))
    count = mask.sum(axis=(1, 2))
    return tuple(round(float(t / c), 2) if c else float("nan") for t, c in zip(total, count, strict=True))


def evaluate(grid: Grid, *, test_from: int = 35, refit_days: int = 7, window_days: int = 14,
             horizons: Sequence[int] = HORIZONS) -> list[HorizonError]:  # fmt: skip
    """Both forecasts on the days from ``test_from`` on, per horizon and car park. As in operation, (weeks, φ) are
    refitted every ``refit_days`` days on the ``window_days`` days before — never on the days being forecast."""
    values = clean(grid.values, grid.capacity)
    profiles = {w: weekly_profile(values, w) for w in WEEK_CHOICES}
    found = []
    for k in horizons:
        truth = values[:, :, k:]
        ours = np.full(truth.shape, np.nan)
        fits = []
        for start in range(test_from, values.shape[1], refit_days):
            weeks, phi, _ = fit(values, profiles, k, slice(max(0, start - window_days), start))
            stop = start + refit_days
            ours[:, start:stop] = predict(values, profiles[weeks], k, phi)[:, start:stop]
            fits.append((weeks, phi))
        naive = seasonal_naive(values, k)
        mask = _mask(values, naive, k, slice(test_from, None)) & ~np.isnan(ours)
        error, base = np.abs(ours - truth), np.abs(naive - truth)
        found.append(HorizonError(
            hours=k * SLOT_SECONDS / 3600, fits=tuple(fits), mae=round(float(error[mask].mean()), 3),
            naive_mae=round(float(base[mask].mean()), 3), mae_per_park=_per_park(error, mask),
            naive_mae_per_park=_per_park(base, mask), points=int(mask.sum()),
        ))  # fmt: skip
    return found


def forecast_now(values: Array, profile: Array, day: int, slot: int, horizons: Sequence[int],
                 phis: Sequence[float]) -> Array:  # fmt: skip
    """Forecasts for every park from (day, slot), one column per horizon (slots beyond the grid: NaN)."""
    out = np.full((values.shape[0], len(horizons)), np.nan)
    slots = values.shape[2]
    for j, (k, phi) in enumerate(zip(horizons, phis, strict=True)):
        if slot + k >= slots:
            continue
        now, p_now, p_then = values[:, day, slot], profile[:, day, slot], profile[:, day, slot + k]
        blended = p_then + phi * (now - p_now)
        out[:, j] = np.where(np.isnan(blended), np.where(np.isnan(p_then), now, p_then), blended)
    return out


@dataclass(frozen=True)
class Latest:
    """Forecasts from the grid's last reading slot: ``values[park, horizon]`` (vehicles), ``free`` the spaces left."""

    day: int
    slot: int
    horizons: tuple[int, ...]
    fits: tuple[tuple[int, float], ...]
    values: Array
    free: Array


def forecast_latest(grid: Grid, *, horizons: Sequence[int] = HORIZONS, window_days: int = 14) -> Latest:
    """Every car park's forecast from the last (day, slot) the grid holds, fitted on the ``window_days`` before it."""
    values = clean(grid.values, grid.capacity)
    seen = np.argwhere(~np.isnan(values).all(axis=0))
    if not len(seen):
        raise ValueError("the grid holds no reading")
    day, slot = (int(v) for v in seen[-1])
    profiles = {w: weekly_profile(values, w) for w in WEEK_CHOICES}
    fits = [fit(values, profiles, k, slice(max(0, day - window_days), day))[:2] for k in horizons]
    out = np.full((values.shape[0], len(horizons)), np.nan)
    for j, (k, (weeks, phi)) in enumerate(zip(horizons, fits, strict=True)):
        out[:, j] = forecast_now(values, profiles[weeks], day, slot, [k], [phi])[:, 0]
    free = np.clip(grid.capacity[:, None] - np.rint(out), 0, None)
    return Latest(day, slot, tuple(horizons), tuple(fits), out, free)
