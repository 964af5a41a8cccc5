"""Cross-check against CDC's pynssp 0.1.0 on the same series, where the methods coincide.

- EWMA: pynssp ``alert_ewma`` (B = 28, g = 2) uses a 29-day window; ours with ``baseline=29`` must give the same
  expected values, test statistics and p-values to 1e-8 on every day pynssp judges.
- Adaptive regression: pynssp ``alert_regression`` must match ours on every day.
- Farrington's GLM: pynssp has no Farrington; its ``alert_nbinom`` fits the same kind of log-linear count model
  (trend + annual harmonic) by negative-binomial ML. Our quasi-Poisson IRLS with the same design must give the same
  fitted means within a few per cent (the families weight observations differently), and statsmodels' Poisson GLM
  (pynssp's own dependency) exactly.
"""

from __future__ import annotations

import warnings
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from citybrain.analytics.detectors import ewma, farrington, regression
from citybrain.analytics.detectors.calendar import calendar_for

pynssp = pytest.importorskip("pynssp")


def _series(days: int, seed: int, level: float = 12.0) -> tuple[list[date], np.ndarray]:
    rng = np.random.default_rng(seed)
    dates = [date(2024, 1, 1) + timedelta(days=i) for i in range(days)]
    weekday = np.array([d.weekday() for d in dates])
    mean = level * np.where(weekday >= 5, 0.6, 1.0) * (1 + 0.3 * np.sin(np.arange(days) / 20))
    counts = rng.poisson(mean).astype(float)
    counts[days // 2] += 25  # a spike, so the clipping of outlying EWMA levels is exercised
    return dates, counts


@pytest.mark.parametrize("seed", [1, 2])
def test_ewma_matches_pynssp(seed: int) -> None:
    dates, counts = _series(200, seed)
    theirs = pynssp.alert_ewma(pd.DataFrame({"date": pd.to_datetime(dates), "count": counts}), B=28, g=2)
    steps = np.arange(len(dates), dtype=np.int64)
    ours = ewma.detect(counts[None, :], steps, baseline=29, guard=2)
    judged = theirs["p_value"].notna().to_numpy()
    assert judged.sum() > 150
    assert np.array_equal(judged, ours.judged[0])
    np.testing.assert_allclose(ours.expected[0, judged], theirs["baseline_expected"][judged], rtol=1e-9)
    np.testing.assert_allclose(ours.score[0, judged], theirs["test_statistic"][judged], rtol=1e-8, atol=1e-9)
    np.testing.assert_allclose(ours.p_value[0, judged], theirs["p_value"][judged], rtol=1e-7, atol=1e-12)
    assert np.array_equal(ours.alert[0, judged], (theirs["alert"] == "red").to_numpy()[judged])


@pytest.mark.parametrize("seed", [3, 4])
def test_adaptive_regression_matches_pynssp(seed: int) -> None:
    dates, counts = _series(150, seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = pynssp.alert_regression(pd.DataFrame({"date": pd.to_datetime(dates), "count": counts}), B=28, g=2)
    steps = np.arange(len(dates), dtype=np.int64)
    ours = regression.detect(counts[None, :], steps, calendar_for(dates), baseline=28, guard=2)
    judged = theirs["p_value"].notna().to_numpy()
    assert judged.sum() > 130
    assert np.array_equal(judged, ours.judged[0])
    np.testing.assert_allclose(ours.expected[0, judged], theirs["baseline_expected"][judged], rtol=1e-8, atol=1e-9)
    np.testing.assert_allclose(ours.score[0, judged], theirs["test_statistic"][judged], rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(ours.p_value[0, judged], theirs["p_value"][judged], rtol=1e-6, atol=1e-12)


def test_many_series_at_once_equal_one_at_a_time() -> None:
    """Vectorising over series changes nothing: each row equals its own single-series run."""
    rows = [_series(120, seed)[1] for seed in range(5)]
    dates = _series(120, 0)[0]
    values = np.vstack(rows)
    steps = np.arange(120, dtype=np.int64)
    calendar = calendar_for(dates)
    together = regression.detect(values, steps, calendar)
    for i, row in enumerate(rows):
        alone = regression.detect(row[None, :], steps, calendar)
        np.testing.assert_allclose(together.p_value[i], alone.p_value[0], rtol=1e-10)


def _weekly_scenario() -> pd.DataFrame:
    path = pynssp.__path__[0] + "/data/simulated_ts.csv"
    frame = pd.read_csv(path)
    one = frame[frame["id"] == frame["id"].iloc[0]].reset_index(drop=True)
    return one[["date", "cases"]].rename(columns={"cases": "count"})


def _pynssp_nbinom_estimates(y: np.ndarray, design: np.ndarray) -> np.ndarray:
    """pynssp ``nb_model``'s two statsmodels calls, verbatim but for ``params.iloc[-1]``.

    pynssp 0.1.0's ``alert_nbinom`` itself fails under pandas 3 (``params[-1]`` on a labelled Series raises
    KeyError), so the test runs its definition: alpha by negative-binomial ML, then the NB GLM with that alpha.
    """
    import statsmodels.api as sm
    from statsmodels.genmod.families import links

    exog = pd.DataFrame(design[:, 1:], columns=["obs", "cos", "sin"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        alpha = sm.NegativeBinomial(endog=pd.Series(y), exog=sm.add_constant(exog)).fit(disp=0).params.iloc[-1]
        model = sm.GLM(y, design, family=sm.families.NegativeBinomial(link=links.Log(), alpha=alpha)).fit()
    return np.asarray(model.predict(design))


def test_farrington_glm_agrees_with_pynssp_nbinom_fit() -> None:
    weekly = _weekly_scenario()
    y = weekly["count"].to_numpy(dtype=float)[:156]  # three years of weeks as the baseline
    obs = np.arange(1, len(y) + 1, dtype=float)
    design = np.column_stack([np.ones_like(obs), obs, np.cos(2 * np.pi * obs / 52.18), np.sin(2 * np.pi * obs / 52.18)])
    beta, _ = farrington._irls(y[None, :], np.ones((1, y.size)), design, None, 50)
    mu = np.exp(design @ beta[0])
    np.testing.assert_allclose(mu, _pynssp_nbinom_estimates(y, design), rtol=0.05)
    import statsmodels.api as sm

    poisson = sm.GLM(y, design, family=sm.families.Poisson()).fit()
    np.testing.assert_allclose(beta[0], poisson.params, rtol=1e-6, atol=1e-8)
