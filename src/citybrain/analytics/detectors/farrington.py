"""Farrington flexible for daily counts (Farrington et al. 1996; Noufaily et al. 2013, ``farringtonFlexible``).

For each analysed day a quasi-Poisson log-linear model is fitted to the baseline — up to ``years`` whole 52-week
years (364 days, so weekdays line up) ending ``guard`` days before the day, at least ``min_baseline`` days:

    log μ = a + b·time + day-of-week (6 dummies) + Σ_k (c_k cos kωt + s_k sin kωt),  ω = 2π / 365.25 days

The seasonal harmonics enter once the baseline spans a year. Past outbreaks are down-weighted: after a first fit,
days whose Anscombe residual exceeds ``reweight_above`` get weight r⁻² (weights rescaled to sum to n) and the model
is refitted. Noufaily's 2.58 is for weekly data; among a thousand days of an ordinary series that cut trims the
normal upper tail too, φ comes out low and false alarms rise above 1 % of days on over-dispersed counts (measured:
0.96–1.28 %), so days use 3.5 (0.72 % on the same data), far below the residuals of any outbreak worth discounting.
The trend stays only where it is significant (|t| > 1.96) and does not push the forecast
above the baseline's maximum, as in Farrington's rules. The dispersion is φ = max(1, Pearson χ² / (n − p)).

The threshold is the ``1 − alpha`` quantile of the negative binomial with mean μ₀ and variance φμ₀ + μ₀²(eᵛ − 1),
where v is the variance of the fitted log-mean (the delta method, as Farrington's own threshold does: the model's
uncertainty widens the bound; Poisson when that variance equals the mean). The p-value is P(Y ≥ observed) under
it, and the score (y − μ₀) / (U − μ₀) is > 1 exactly when the count is above the threshold. As in Farrington's
rule of 5 reports in 4 weeks, no alert is raised on a day unless the last ``recent_days`` days (today included)
hold at least ``recent_cases`` cases.
A series with no case in its baseline has no model and gets no signal (EARS and CUSUM still watch it).
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from citybrain.analytics.detectors.calendar import Calendar
from citybrain.analytics.detectors.signals import DetectorResult, FloatArray, IntArray

YEAR_DAYS = 364
RIDGE = 1e-8


def detect(
    values: FloatArray,
    steps: IntArray,
    calendar: Calendar,
    *,
    years: int = 3,
    guard: int = 7,
    alpha: float = 0.01,
    min_baseline: int = 56,
    harmonics: int = 1,
    reweight_above: float = 3.5,
    recent_cases: int = 5,
    recent_days: int = 7,
) -> DetectorResult:
    """Farrington-flexible signals at ``steps`` for every series; alert when the count exceeds the NB bound."""
    if not 0 < alpha < 1 or years < 1 or guard < 0 or min_baseline < 14 or harmonics < 0 or recent_days < 1:
        raise ValueError("need 0 < alpha < 1, years ≥ 1, guard ≥ 0, min_baseline ≥ 14, harmonics ≥ 0, recent_days ≥ 1")
    per_day = calendar.steps_per_day
    shape = (values.shape[0], steps.size)
    mu0, phi = np.full(shape, np.nan), np.full(shape, np.nan)
    for j, t in enumerate(steps):
        end = int(t) - int(round(guard * per_day))
        start = max(0, end - int(round(years * YEAR_DAYS * per_day)))
        if end - start < min_baseline * per_day:
            continue
        use_season = (end - start) >= YEAR_DAYS * per_day and harmonics > 0
        design, test_row = _design(calendar, start, end, int(t), harmonics if use_season else 0)
        mu0[:, j], phi[:, j] = _forecast(values[:, start:end], design, test_row, reweight_above)
    return _result(values, steps, mu0, phi, alpha, recent_cases, int(round(recent_days * per_day)))


def _result(
    values: FloatArray,
    steps: IntArray,
    mu0: FloatArray,
    phi: FloatArray,
    alpha: float,
    recent_cases: int,
    recent_steps: int,
) -> DetectorResult:
    observed = values[:, steps]
    judged = ~np.isnan(mu0) & ~np.isnan(observed)
    safe_mu = np.where(judged, np.maximum(mu0, 1e-12), 1.0)
    safe_phi = np.where(judged, phi, 1.0)
    y = np.nan_to_num(observed)
    overdispersed = safe_phi > 1.0 + 1e-6  # closer to 1 the negative binomial is a Poisson
    size = safe_mu / np.where(overdispersed, safe_phi - 1.0, 1.0)
    prob = 1.0 / safe_phi
    threshold = np.where(overdispersed, stats.nbinom.ppf(1 - alpha, size, prob), stats.poisson.ppf(1 - alpha, safe_mu))
    p = np.where(overdispersed, stats.nbinom.sf(y - 1, size, prob), stats.poisson.sf(y - 1, safe_mu))
    with np.errstate(invalid="ignore", divide="ignore"):
        score = (y - safe_mu) / (threshold - safe_mu)
    recent = _recent_sums(values, steps, recent_steps)
    return DetectorResult(
        method="farrington",
        steps=steps,
        observed=observed,
        expected=np.where(judged, mu0, np.nan),
        threshold=np.where(judged, threshold, np.nan),
        p_value=np.where(judged, p, np.nan),
        score=np.where(judged, score, np.nan),
        alert=judged & (y > threshold) & (recent >= recent_cases),
    )


def _recent_sums(values: FloatArray, steps: IntArray, length: int) -> FloatArray:
    cumulative = np.concatenate([np.zeros((values.shape[0], 1)), np.nancumsum(values, axis=1)], axis=1)
    out: FloatArray = cumulative[:, steps + 1] - cumulative[:, np.maximum(steps + 1 - length, 0)]
    return out


def _design(calendar: Calendar, start: int, end: int, test: int, harmonics: int) -> tuple[FloatArray, FloatArray]:
    """Columns 1, time (years from the test day), Mon … Sat, then cos/sin pairs; baseline rows and the test row."""
    index = np.append(np.arange(start, end), test)
    weekday = calendar.weekday()[index]
    angle = calendar.day_of_year_angle()[index]
    columns = [np.ones(index.size), (index - test) / (365.25 * calendar.steps_per_day)]
    columns += [(weekday == d).astype(np.float64) for d in range(6)]
    for k in range(1, harmonics + 1):
        columns += [np.cos(k * angle), np.sin(k * angle)]
    full = np.column_stack(columns)
    return full[:-1], full[-1]


def _forecast(
    window: FloatArray, design: FloatArray, test_row: FloatArray, reweight_above: float
) -> tuple[FloatArray, FloatArray]:
    """μ₀ and φ per series for one day (NaN for series without a case in the baseline)."""
    valid = ~np.isnan(window)
    y = np.where(valid, window, 0.0)
    fit_rows = (y.sum(axis=1) > 0) & (valid.sum(axis=1) > design.shape[1])
    mu0 = np.full(window.shape[0], np.nan)
    phi = np.full(window.shape[0], np.nan)
    if not fit_rows.any():
        return mu0, phi
    y, prior = y[fit_rows], valid[fit_rows].astype(np.float64)
    beta, _ = _irls(y, prior, design, None, 25)
    weights = _reweight(y, prior, np.exp(_linear(beta, design)), _dispersion(y, prior, beta, design), reweight_above)
    beta_t, info_t = _irls(y, weights, design, beta, 10)
    phi_t = _dispersion(y, weights, beta_t, design)
    no_trend = design.copy()
    no_trend[:, 1] = 0.0
    beta_n, info_n = _irls(y, weights, no_trend, beta_t * np.array([1.0, 0.0] + [1.0] * (design.shape[1] - 2)), 10)
    phi_n = _dispersion(y, weights, beta_n, no_trend)
    keep_trend = _trend_kept(beta_t, info_t, phi_t, test_row, y)
    chosen = np.where(keep_trend[:, None], beta_t, beta_n)
    dispersion = np.where(keep_trend, phi_t, phi_n)
    information = np.where(keep_trend[:, None, None], info_t, info_n)
    forecast = np.exp(np.clip(chosen @ test_row, -30, 30))
    mu0[fit_rows] = forecast
    phi[fit_rows] = _predictive_dispersion(forecast, dispersion, information, test_row)
    return mu0, phi


def _predictive_dispersion(mu0: FloatArray, phi: FloatArray, info: FloatArray, test_row: FloatArray) -> FloatArray:
    """Variance / mean of the count on the day, the model's own uncertainty included (delta method).

    The linear predictor's variance is v = φ · x₀' (X'WX)⁻¹ x₀; a lognormal μ adds μ₀² (eᵛ − 1) to φμ₀.
    """
    solved = np.linalg.solve(info, np.broadcast_to(test_row, (info.shape[0], test_row.size))[:, :, None])[:, :, 0]
    variance_eta = phi * (solved @ test_row)
    out: FloatArray = phi + mu0 * np.expm1(np.maximum(variance_eta, 0.0))
    return out


def _irls(
    y: FloatArray, prior: FloatArray, design: FloatArray, start: FloatArray | None, iterations: int
) -> tuple[FloatArray, FloatArray]:
    """Poisson log-link IRLS for many series sharing one design; returns coefficients and X'WX per series.

    Series stop iterating once their coefficients move less than 1e-6, so one slow series does not hold the rest.
    """
    series, p = y.shape[0], design.shape[1]
    outer = (design[:, :, None] * design[:, None, :]).reshape(design.shape[0], p * p)
    ridge = RIDGE * np.eye(p)
    beta = np.zeros((series, p)) if start is None else start.copy()
    eta = np.log(y + 0.5) if start is None else _linear(beta, design)
    info = np.zeros((series, p, p))
    active = np.arange(series)
    for _ in range(iterations):
        every = active.size == series
        weights, counts = (prior, y) if every else (prior[active], y[active])
        working = np.exp(eta)
        # X'W z with z = eta + (y − mu) / mu, i.e. W z = prior · (mu·(eta − 1) + y), computed in place
        eta -= 1.0
        eta *= working
        eta += counts
        eta *= weights
        working *= weights
        info[active] = (working @ outer).reshape(active.size, p, p) + ridge
        new = np.linalg.solve(info[active], (eta @ design)[:, :, None])[:, :, 0]
        moving = np.abs(new - beta[active]).max(axis=1) >= 1e-6
        beta[active] = new
        active = active[moving]
        if active.size == 0:
            break
        eta = _linear(beta[active], design)
    return beta, info


def _linear(beta: FloatArray, design: FloatArray) -> FloatArray:
    """The linear predictor, bounded to ±30 so exp() never overflows on a series with an all-zero weekday."""
    eta: FloatArray = beta @ design.T
    np.maximum(eta, -30.0, out=eta)
    np.minimum(eta, 30.0, out=eta)
    return eta


def _dispersion(y: FloatArray, weights: FloatArray, beta: FloatArray, design: FloatArray) -> FloatArray:
    mu = np.exp(_linear(beta, design))
    n = (weights > 0).sum(axis=1)
    rank = np.count_nonzero(np.abs(design).sum(axis=0))
    chi2 = (weights * (y - mu) ** 2 / mu).sum(axis=1)
    phi: FloatArray = np.maximum(1.0, chi2 / np.maximum(n - rank, 1))
    return phi


def _reweight(y: FloatArray, prior: FloatArray, mu: FloatArray, phi: FloatArray, above: float) -> FloatArray:
    """Farrington's weights: r⁻² for Anscombe residuals r > ``above``, rescaled to sum to the number of days."""
    anscombe = 1.5 * (np.cbrt(y) ** 2 - np.cbrt(mu) ** 2) / (np.sqrt(phi)[:, None] * mu ** (1 / 6))
    raw = np.where(anscombe > above, 1.0 / np.maximum(anscombe, 1e-12) ** 2, 1.0) * prior
    scale = prior.sum(axis=1) / np.maximum(raw.sum(axis=1), 1e-12)
    weights: FloatArray = raw * scale[:, None]
    return weights


def _trend_kept(beta: FloatArray, info: FloatArray, phi: FloatArray, test_row: FloatArray, y: FloatArray) -> FloatArray:
    """Trend kept where |b / se(b)| > 1.96 and the forecast with it stays within the baseline's maximum."""
    covariance_tt = np.linalg.inv(info)[:, 1, 1] * phi
    with np.errstate(invalid="ignore", divide="ignore"):
        t_stat = beta[:, 1] / np.sqrt(covariance_tt)
    forecast = np.exp(np.clip(beta @ test_row, -30, 30))
    kept: FloatArray = (np.abs(t_stat) > 1.96) & (forecast <= y.max(axis=1))
    return kept
