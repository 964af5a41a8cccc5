"""Sensors joined to complaints (感知与诉求关联): which complaint categories rise after which sensor readings.

For each district, each complaint category and each sensor quantity measured there, and each lag 0…L days, one
test of whether the complaints of day t move with the sensor of day t − lag beyond what the calendar explains
(:mod:`.model`: a negative-binomial null with day-of-week and a smooth trend, the sensor prewhitened, a saddlepoint
tail of the score statistic). Why this and not a plain lagged correlation with a normal p-value: both series are
autocorrelated and seasonal, so their raw correlation is mostly shared season; and daily complaint counts in a
district are small, so one sensor spike meeting one busy day looks "significant" to a normal approximation. The
prewhitened sensor carries no autocorrelation of its own (then the complaints' autocorrelation does not inflate the
statistic's variance, Bartlett), the trend takes the seasons, and the saddlepoint follows the count distribution.

Benjamini–Hochberg runs over every (district, category, quantity, lag) test. A link is a (district, category) with
a test at q ≤ ``max_q``; it names the quantity and lag with the smallest p-value, the other significant
quantities (co-moving pollutants: an episode raises PM2.5 and PM10 together; the data cannot tell them apart) and
the days that carry it. Pure and deterministic; ``seed`` is kept for the interface (no resampling inside).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt

from citybrain.analytics.sensor_links import model
from citybrain.analytics.stats import benjamini_hochberg

FloatArray = npt.NDArray[np.float64]
MIN_DAYS = 28
MIN_CASES = 10


@dataclass(frozen=True)
class LinkParams:
    max_lag: int = 7
    max_q: float = 0.05
    per: float = 10.0  # the rate ratio is per this many units of the sensor (10 µg/m³)
    top_days: int = 5
    seed: int = 1

    def check(self) -> None:
        if not 0 <= self.max_lag <= 30 or not 0 < self.max_q < 1 or self.per <= 0 or self.top_days < 0:
            raise ValueError("need 0 ≤ max_lag ≤ 30, 0 < max_q < 1, per > 0, top_days ≥ 0")


@dataclass(frozen=True)
class LinkTest:
    district: str
    category: str
    quantity: str
    lag: int
    p_value: float
    q_value: float
    z: float


@dataclass(frozen=True)
class CarryingDay:
    day: date  # the complaints' day; the sensor's is ``lag`` days earlier
    complaints: int
    expected: float
    sensor: float


@dataclass(frozen=True)
class SensorLink:
    district: str
    category: str
    quantity: str
    lag: int
    rate_ratio: float  # complaints' rate ratio per ``per`` units of the sensor, ``lag`` days earlier
    z: float
    p_value: float
    q_value: float
    days: int
    cases: int
    carrying_days: tuple[CarryingDay, ...]
    also: tuple[LinkTest, ...] = ()  # other quantities (best lag each) significant for the same complaints


@dataclass(frozen=True)
class LinkResult:
    params: LinkParams
    first_day: date
    days: int
    tests: int
    links: tuple[SensorLink, ...]
    skipped: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        def plain(value: Any) -> Any:
            if isinstance(value, date):
                return value.isoformat()
            if isinstance(value, dict):
                return {k: plain(v) for k, v in value.items()}
            if isinstance(value, list | tuple):
                return [plain(v) for v in value]
            if isinstance(value, float) and not np.isfinite(value):
                return None
            return value

        return {
            "params": plain(asdict(self.params)),
            "first_day": self.first_day.isoformat(),
            "days": self.days,
            "tests": self.tests,
            "skipped": dict(self.skipped),
            "links": [plain(asdict(link)) for link in self.links],
        }


def find_links(
    counts: npt.NDArray[np.int64],
    count_keys: list[tuple[str, str]],
    sensors: FloatArray,
    sensor_keys: list[tuple[str, str]],
    first_day: date,
    params: LinkParams | None = None,
) -> LinkResult:
    """Links between ``counts[i]`` (district, category) and ``sensors[j]`` (district, quantity) over the same days.

    ``sensors`` may hold NaN for days without a reading. Pairs are formed within a district only.
    """
    params = params or LinkParams()
    params.check()
    if counts.shape[1] != sensors.shape[1] or len(count_keys) != counts.shape[0] or len(sensor_keys) != len(sensors):
        raise ValueError("counts and sensors must cover the same days, one row per key")
    days = counts.shape[1]
    design = model.controls(days, first_day.weekday())
    tests, extras, skipped = _all_tests(counts, count_keys, sensors, sensor_keys, design, params)
    q = benjamini_hochberg(np.array([t.p_value for t in tests], dtype=np.float64))
    judged = [
        LinkTest(t.district, t.category, t.quantity, t.lag, t.p_value, float(qv), t.z)
        for t, qv in zip(tests, q, strict=True)
    ]
    links = _links(judged, extras, counts, count_keys, sensors, sensor_keys, first_day, params)
    return LinkResult(params, first_day, days, len(judged), links, skipped)


@dataclass(frozen=True)
class _Fit:
    mu: FloatArray
    alpha: float


def _all_tests(
    counts: npt.NDArray[np.int64],
    count_keys: list[tuple[str, str]],
    sensors: FloatArray,
    sensor_keys: list[tuple[str, str]],
    design: FloatArray,
    params: LinkParams,
) -> tuple[list[LinkTest], dict[tuple[str, str], _Fit], dict[str, int]]:
    skipped = {"series_too_few_cases": 0, "sensors_too_few_days": 0}
    white: dict[int, FloatArray] = {}
    for j in range(len(sensor_keys)):
        if np.isfinite(sensors[j]).sum() < MIN_DAYS or np.nanstd(sensors[j]) == 0:
            skipped["sensors_too_few_days"] += 1
            continue
        white[j] = model.white_sensor(sensors[j], design)
    tests: list[LinkTest] = []
    fits: dict[tuple[str, str], _Fit] = {}
    for i, (district, category) in enumerate(count_keys):
        mine = [j for j in white if sensor_keys[j][0] == district]
        if not mine:
            continue
        y = counts[i].astype(np.float64)
        if y.sum() < MIN_CASES:
            skipped["series_too_few_cases"] += 1
            continue
        mu = model.null_means(y, design)
        fit = _Fit(mu, model.overdispersion(y, mu, design.shape[1]))
        fits[(district, category)] = fit
        for j in mine:
            inflation = model.shift_inflation(y, fit.mu, fit.alpha, white[j], guard=params.max_lag + 7)
            for lag in range(params.max_lag + 1):
                p, z = model.score_p_value(y, fit.mu, fit.alpha, model.lagged(white[j], lag), inflation)
                tests.append(LinkTest(district, category, sensor_keys[j][1], lag, p, 1.0, z))
    return tests, fits, skipped


def _links(
    judged: list[LinkTest],
    fits: dict[tuple[str, str], _Fit],
    counts: npt.NDArray[np.int64],
    count_keys: list[tuple[str, str]],
    sensors: FloatArray,
    sensor_keys: list[tuple[str, str]],
    first_day: date,
    params: LinkParams,
) -> tuple[SensorLink, ...]:
    """One link per (district, category) with a significant test: its best quantity and lag, the rest as ``also``.

    Within a quantity, the lag named is the significant one whose raw sensor explains most of the complaints
    (deviance of the one-parameter fit): the white sensor's test puts its weight on an episode's first day, the
    raw sensor on every day of it.
    """
    rows = {key: i for i, key in enumerate(count_keys)}
    columns = {key: j for j, key in enumerate(sensor_keys)}
    best: dict[tuple[str, str, str], tuple[float, LinkTest, float]] = {}
    for test in judged:
        if test.q_value > params.max_q:
            continue
        y = counts[rows[(test.district, test.category)]].astype(np.float64)
        x = model.lagged_raw(sensors[columns[(test.district, test.quantity)]], test.lag)
        ratio, gain = model.rate_ratio(y, fits[(test.district, test.category)].mu, x, params.per)
        key = (test.district, test.category, test.quantity)
        if key not in best or gain > best[key][0]:
            best[key] = (gain, test, ratio)
    grouped: dict[tuple[str, str], list[tuple[float, LinkTest, float]]] = {}
    for entry in sorted(best.values(), key=lambda e: -e[0]):
        grouped.setdefault((entry[1].district, entry[1].category), []).append(entry)
    links = []
    for (district, category), found in grouped.items():
        _, top, ratio = found[0]
        y = counts[rows[(district, category)]].astype(np.float64)
        x = model.lagged_raw(sensors[columns[(district, top.quantity)]], top.lag)
        mu = fits[(district, category)].mu
        links.append(
            SensorLink(
                district, category, top.quantity, top.lag, ratio, top.z, top.p_value, top.q_value,
                int(np.isfinite(x).sum()), int(y.sum()), _carrying(y, mu, x, first_day, params.top_days),
                tuple(entry[1] for entry in found[1:]),
            )
        )  # fmt: skip
    return tuple(sorted(links, key=lambda link: (link.p_value, link.district, link.category)))


def _carrying(y: FloatArray, mu: FloatArray, x: FloatArray, first_day: date, top: int) -> tuple[CarryingDay, ...]:
    """The days whose excess complaints times the sensor's excess add most to the link."""
    seen = np.isfinite(x)
    contribution = np.where(seen, (y - mu) * (np.nan_to_num(x) - np.nanmean(x)), -np.inf)
    order = np.argsort(-contribution, kind="stable")[:top]
    return tuple(
        CarryingDay(first_day + timedelta(days=int(t)), int(y[t]), round(float(mu[t]), 3), round(float(x[t]), 2))
        for t in order
        if np.isfinite(contribution[t]) and contribution[t] > 0
    )
