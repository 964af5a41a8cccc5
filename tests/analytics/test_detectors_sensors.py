"""Sensor series: Beijing multi-site air quality (UCI #501, CC BY 4.0; ../shared/data/beijing_multisite_air).

Daily mean PM2.5 of three stations: the winter haze episodes of 2015 (30 Nov – 1 Dec, 25 Dec; Beijing's first red
alert for air pollution was issued on 7 Dec 2015) are flagged at every station, and a quiet summer day is not.
Hourly readings (with missing hours as NaN) run through the same detectors.
"""

from __future__ import annotations

from datetime import date, datetime

import duckdb
import numpy as np
import pytest

from citybrain.analytics.detectors import run_all
from tests.conftest import shared_path

STATIONS = ("Dongsi", "Tiantan", "Aotizhongxin")


def _file(station: str) -> str:
    return str(shared_path("data", "beijing_multisite_air", f"PRSA_Data_{station}_20130301-20170228.csv.gz"))


@pytest.fixture(scope="module")
def daily_pm25() -> tuple[np.ndarray, list[date]]:
    con = duckdb.connect()
    rows = []
    for station in STATIONS:
        rows.append(
            con.execute(
                'SELECT make_date(year::INT, month::INT, day::INT) AS d, avg("PM2.5") FROM '
                f"read_csv('{_file(station)}', nullstr = 'NA') GROUP BY d ORDER BY d"
            ).fetchall()
        )
    dates = [r[0] for r in rows[0]]
    values = np.array([[np.nan if v is None else v for _, v in station] for station in rows], dtype=float)
    return values, dates


@pytest.mark.parametrize("day", [date(2015, 12, 1), date(2015, 12, 25)])
def test_haze_days_alert_at_every_station(daily_pm25: tuple[np.ndarray, list[date]], day: date) -> None:
    values, dates = daily_pm25
    signals = run_all(values, dates, [(s, "PM2.5") for s in STATIONS], as_of=day)
    assert "farrington" not in {s.method for s in signals}  # concentrations are not counts
    ewma_alerts = {s.series_key[0] for s in signals if s.method == "ewma" and s.alert}
    assert ewma_alerts == set(STATIONS)
    worst = max((s for s in signals if s.method == "regression"), key=lambda s: s.observed)
    assert worst.observed > 300
    assert worst.alert


def test_a_clean_summer_day_is_quiet(daily_pm25: tuple[np.ndarray, list[date]]) -> None:
    values, dates = daily_pm25
    signals = run_all(values, dates, [(s, "PM2.5") for s in STATIONS], as_of=date(2016, 8, 20))
    assert not [s for s in signals if s.alert and s.method in ("ewma", "regression", "cusum")]


def test_hourly_readings_with_missing_hours() -> None:
    con = duckdb.connect()
    rows = con.execute(
        'SELECT make_timestamp(year::BIGINT, month::BIGINT, day::BIGINT, hour::BIGINT, 0, 0), "PM2.5" '
        f"FROM read_csv('{_file('Dongsi')}', nullstr = 'NA') WHERE year = 2015 AND month IN (10, 11) ORDER BY 1"
    ).fetchall()
    stamps = [r[0] for r in rows]
    values = np.array([[np.nan if r[1] is None else r[1] for r in rows]])
    missing = {stamps[i] for i in np.nonzero(np.isnan(values[0]))[0]}
    signals = run_all(values, stamps, [("Dongsi", "PM2.5")], days=24 * 61, methods=["ewma", "cusum", "ears_c2"])
    assert {s.date for s in signals}.isdisjoint(missing)
    assert all(isinstance(s.date, datetime) for s in signals)
    hours_alerted = {s.date for s in signals if s.method == "ewma" and s.alert}
    assert any(d.date() == date(2015, 11, 29) for d in hours_alerted)  # the build-up of the 30 Nov episode
