"""The pieces of one test: a null model for the complaints, the sensor made white, and an exact-enough tail.

Complaints ``y`` of one district and category, one count a day, under the null follow a negative binomial whose
log-mean is a day-of-week effect plus a smooth trend (a cosine basis with one term per ~60 days, so seasons and
slow drifts are the null's, a three-day episode is not). The sensor's daily mean ``x`` gets the same controls
removed by least squares and is then prewhitened with its own AR(1) (Box–Jenkins): what remains is the part of the
sensor no calendar and no yesterday predicts. The score statistic ``T = Σ w_t (y_t − μ_t)`` with ``w`` the white
sensor ``k`` days earlier is, under the null, a weighted sum of independent counts; its tail comes from the
Lugannani–Rice saddlepoint approximation of that sum's exact distribution (not the normal one, which calls one
sensor spike meeting one busy day "significant"), with a half-step continuity correction because counts jump.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy import optimize, stats

FloatArray = npt.NDArray[np.float64]


def controls(days: int, first_weekday: int) -> FloatArray:
    """Design of the null: intercept, six day-of-week dummies, cosine trend terms (one per ~60 days, at least 2).

    Finer (one per ~30 days) let the trend soak up a third of a three-day excess; coarser would leave seasons in.
    """
    t = np.arange(days, dtype=np.float64)
    weekday = (first_weekday + np.arange(days)) % 7
    dow = (weekday[:, None] == np.arange(1, 7)[None, :]).astype(np.float64)
    terms = max(2, days // 60)
    trend = np.cos(np.pi * (t[:, None] + 0.5) * np.arange(1, terms + 1)[None, :] / days)
    return np.column_stack([np.ones(days), dow, trend])


def null_means(y: FloatArray, design: FloatArray, *, iterations: int = 30) -> FloatArray:
    """Poisson regression of ``y`` on ``design`` by iteratively reweighted least squares (a little ridge)."""
    beta: FloatArray = np.zeros(design.shape[1])
    beta[0] = np.log(max(float(y.mean()), 1e-3))
    ridge = 1e-4 * np.eye(design.shape[1])
    ridge[0, 0] = 0.0
    for _ in range(iterations):
        eta = np.clip(design @ beta, -20.0, 20.0)
        mu = np.exp(eta)
        z = eta + (y - mu) / mu
        weighted = design * mu[:, None]
        new = np.asarray(np.linalg.solve(design.T @ weighted + ridge, weighted.T @ z), dtype=np.float64)
        done = float(np.max(np.abs(new - beta))) < 1e-8
        beta = new
        if done:
            break
    return np.asarray(np.exp(np.clip(design @ beta, -20.0, 20.0)), dtype=np.float64)


def overdispersion(y: FloatArray, mu: FloatArray, parameters: int, *, trim: float = 0.01) -> float:
    """The negative binomial's ``α`` (variance ``μ + αμ²``) by moments; 0 when the counts are Poisson or tighter.

    The busiest ``trim`` share of days (by Pearson residual) is left out, so that the days a link would explain do
    not make the null look so dispersed that nothing can stand out from it.
    """
    pearson = (y - mu) / np.sqrt(mu)
    keep = pearson <= np.quantile(pearson, 1.0 - trim) if trim > 0 else np.ones(len(y), dtype=bool)
    excess = float(np.sum((y[keep] - mu[keep]) ** 2 - y[keep]))
    kept = int(keep.sum())
    scale = kept / max(kept - parameters, 1)
    return max(0.0, excess / max(float(np.sum(mu[keep] ** 2)), 1e-12) * scale)


def white_sensor(x: FloatArray, design: FloatArray) -> FloatArray:
    """The sensor without calendar and trend, prewhitened by AR(1), scaled to unit variance; NaN days → 0."""
    seen = np.isfinite(x)
    out = np.zeros_like(x)
    if seen.sum() <= design.shape[1] + 2:
        return out
    coef, *_ = np.linalg.lstsq(design[seen], x[seen], rcond=None)
    resid = np.where(seen, x - design @ coef, 0.0)
    both = seen[1:] & seen[:-1]
    denominator = float(np.sum(resid[:-1][both] ** 2))
    phi = float(np.sum(resid[1:][both] * resid[:-1][both]) / denominator) if denominator > 0 else 0.0
    phi = min(max(phi, -0.95), 0.95)
    out[1:] = np.where(both, resid[1:] - phi * resid[:-1], 0.0)
    sd = float(np.std(out[out != 0.0])) if np.any(out != 0.0) else 0.0
    return out / sd if sd > 0 else out


def lagged(w: FloatArray, lag: int) -> FloatArray:
    """``w`` moved ``lag`` days later (the sensor of day t − lag set against the complaints of day t)."""
    if lag == 0:
        return w.copy()
    out = np.zeros_like(w)
    out[lag:] = w[:-lag]
    return out


def score_p_value(
    y: FloatArray, mu: FloatArray, alpha: float, w: FloatArray, inflation: float = 1.0
) -> tuple[float, float]:
    """Two-sided p-value of ``T = Σ w (y − μ)`` and its standardised value ``z`` (for the direction).

    ``inflation`` (≥ 1, from :func:`shift_inflation`) shrinks ``T``'s distance from its mean before the tail is
    taken: how much more ``T`` varies, when the sensor is moved far in time, than the null model says.
    """
    used = w != 0.0
    if not used.any():
        return 1.0, 0.0
    y, mu, w = y[used], mu[used], w[used]
    t = float(np.sum(w * y))
    mean = float(np.sum(w * mu))
    sd = float(np.sqrt(np.sum(w**2 * (mu + alpha * mu**2))))
    if sd <= 0:
        return 1.0, 0.0
    t = mean + (t - mean) / max(inflation, 1.0)
    z = (t - mean) / sd
    step = 0.5 * float(np.max(np.abs(w)))
    upper = _tail(t - step, mu, alpha, w, mean, upper=True)
    lower = _tail(t + step, mu, alpha, w, mean, upper=False)
    return min(1.0, 2.0 * min(upper, lower)), z


def shift_inflation(y: FloatArray, mu: FloatArray, alpha: float, w: FloatArray, guard: int) -> float:
    """How much more ``T`` varies under circular shifts of the sensor than the null model says (≥ 1).

    A shift of weeks or months breaks any real link but keeps what each series is: the complaints' bursts (a few
    days of reports), their autocorrelation, the sensor's own shape. ``T`` for every shift is one circular
    cross-correlation (FFT); shifts within ``guard`` days of none (either way) are left out. The model's variance
    for a unit-variance white sensor is ``Σ μ(1 + αμ)`` per day; the ratio of standard deviations, when above 1,
    is the inflation — an honest p-value for complaints that come in runs the negative binomial does not know.
    Nothing is clipped here (unlike ``α``): a burst of complaints that meets a random sensor excursion is what the
    null must allow, so the days a real link rests on widen its null too — one episode is one piece of evidence.
    """
    n = len(y)
    if n <= 2 * guard + 10:
        return 1.0
    r = y - mu
    shifted = np.fft.irfft(np.fft.rfft(r) * np.conj(np.fft.rfft(w)), n)[guard : n - guard]
    empirical = float(np.std(shifted))
    model = float(np.sqrt(np.sum(w**2) / n * np.sum(mu + alpha * mu**2)))
    return max(1.0, empirical / model) if model > 0 else 1.0


def _cgf(s: float, mu: FloatArray, alpha: float, w: FloatArray) -> tuple[float, float, float]:
    """Cumulant generating function of ``Σ w y`` and its first two derivatives at ``s``."""
    e = np.exp(s * w)
    if alpha <= 1e-9:
        return float(np.sum(mu * (e - 1))), float(np.sum(mu * w * e)), float(np.sum(mu * w**2 * e))
    d = 1.0 - alpha * mu * (e - 1.0)
    k = float(np.sum(-np.log(d) / alpha))
    k1 = float(np.sum(mu * w * e / d))
    k2 = float(np.sum(mu * w**2 * e / d**2))
    return k, k1, k2


def _s_limit(mu: FloatArray, alpha: float, w: FloatArray, upper: bool) -> float:
    """How far ``s`` may go before the negative binomial's generating function ends (or a practical bound)."""
    if alpha <= 1e-9:
        return 50.0 / max(float(np.max(np.abs(w))), 1e-12)
    side = w > 0 if upper else w < 0
    if not side.any():
        return 50.0
    bound = np.log1p(1.0 / (alpha * mu[side])) / np.abs(w[side])
    return float(np.min(bound)) * 0.999999


def _tail(t: float, mu: FloatArray, alpha: float, w: FloatArray, mean: float, *, upper: bool) -> float:
    """P(T ≥ t) (upper) or P(T ≤ t) by Lugannani–Rice; 0.5 or more when ``t`` is on the mean's side."""
    if (upper and t <= mean) or (not upper and t >= mean):
        return 1.0
    limit = _s_limit(mu, alpha, w, upper)
    sign = 1.0 if upper else -1.0
    if sign * (_cgf(sign * limit, mu, alpha, w)[1] - t) < 0:
        return 0.0  # beyond what the distribution reaches within the bound: vanishingly rare
    s = optimize.brentq(lambda v: _cgf(v, mu, alpha, w)[1] - t, 0.0, sign * limit, xtol=1e-12)
    k, _, k2 = _cgf(s, mu, alpha, w)
    r = np.sign(s) * np.sqrt(max(2.0 * (s * t - k), 0.0))
    u = s * np.sqrt(k2)
    if abs(r) < 1e-6 or abs(u) < 1e-9:
        return 0.5
    tail = stats.norm.sf(r) + stats.norm.pdf(r) * (1.0 / u - 1.0 / r)
    if not upper:
        tail = stats.norm.cdf(r) - stats.norm.pdf(r) * (1.0 / u - 1.0 / r)
    return float(min(max(tail, 0.0), 1.0))


def rate_ratio(y: FloatArray, mu: FloatArray, x: FloatArray, per: float) -> tuple[float, float]:
    """exp(β·per) of the one-parameter Poisson fit ``log E y = log μ + β (x − mean x)`` on days with ``x``, and the
    fit's deviance gain over ``μ`` (how much of the complaints the raw sensor explains: the lag to name)."""
    seen = np.isfinite(x)
    if seen.sum() < 3:
        return float("nan"), 0.0
    xc, ys, ms = x[seen] - float(np.mean(x[seen])), y[seen], mu[seen]
    beta = 0.0
    for _ in range(50):
        m = ms * np.exp(np.clip(beta * xc, -30, 30))
        gradient, curvature = float(np.sum(xc * (ys - m))), float(np.sum(xc**2 * m))
        if curvature <= 0:
            break
        step = gradient / curvature
        beta += float(np.clip(step, -1.0, 1.0))
        if abs(step) < 1e-10:
            break
    eta = np.clip(beta * xc, -30, 30)
    gain = 2.0 * float(np.sum(ys * eta - ms * (np.exp(eta) - 1.0)))
    return float(np.exp(np.clip(beta * per, -50, 50))), gain


def lagged_raw(x: FloatArray, lag: int) -> FloatArray:
    """Like :func:`lagged` for a raw series: the first ``lag`` days have no earlier reading (NaN)."""
    out = np.full_like(x, np.nan)
    out[lag:] = x[: len(x) - lag]
    return out
