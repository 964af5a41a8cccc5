"""Sensor faults on the real Beijing files (../shared/data/beijing_multisite_air): a real city-wide episode is not a
jump, the fill of 18 Sep 2013 is stuck at every station, and docs/sensor_faults.md quotes the committed benchmark."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from citybrain.analytics.sensor_faults import BEIJING_LIMITS, FaultReport, detect_grid
from citybrain.sensing.air_files import read_air_files
from citybrain.sensing.air_grid import air_series
from tests.conftest import shared_path

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def pm25() -> tuple[np.ndarray, tuple[str, ...], FaultReport]:
    folder = shared_path("data", "beijing_multisite_air")
    series = air_series(read_air_files(sorted(folder.glob("PRSA_Data_*_20130301-20170228.csv.gz"))))
    times = np.datetime64(series.start, "s") + np.arange(series.days * 24) * np.timedelta64(3600, "s")
    return times, series.stations, detect_grid(times, series.values["PM2.5"], BEIJING_LIMITS["PM2.5"])


def _between(times: np.ndarray, report: FaultReport, start: str, end: str) -> list[tuple[int, str]]:
    lo, hi = (int(np.datetime64(t, "s").astype(np.int64)) for t in (start, end))
    return [(f.series, f.kind) for f in report.faults if lo <= f.start_time <= hi]


def test_spring_festival_fireworks_are_an_episode_not_jumps(
    pm25: tuple[np.ndarray, tuple[str, ...], FaultReport],
) -> None:
    """除夕 2016: every station leaps from ~150 to 500–950 µg/m³ around midnight — the city, not a sensor."""
    times, stations, report = pm25
    found = _between(times, report, "2016-02-07T20:00", "2016-02-08T06:00")
    assert found == [(stations.index("Wanshouxigong"), "at_ceiling")]  # its 999 at 02:00 is censored, nothing else


def test_the_fill_of_18_september_2013_is_stuck_at_every_station(
    pm25: tuple[np.ndarray, tuple[str, ...], FaultReport],
) -> None:
    times, stations, report = pm25
    stuck = {s for s, kind in _between(times, report, "2013-09-18T00:00", "2013-09-18T06:00") if kind == "stuck"}
    assert stuck == set(range(len(stations)))


def test_the_docs_quote_the_committed_benchmark() -> None:
    result = json.loads((ROOT / "bench" / "results" / "sensor_faults_eval.json").read_text(encoding="utf-8"))
    doc = (ROOT / "docs" / "sensor_faults.md").read_text(encoding="utf-8")
    planted = result["beijing"]["planted"]
    for kind in ("stuck", "jump", "out_of_range", "gap"):
        row = planted[kind]
        assert f"| {row['planted']} | {row['found']} | {row['recall']:.3f} |" in doc, kind
        assert f"| {row['precision']:.3f} | {row['precision_planted_any']:.3f} |" in doc, kind
    assert f"seed {result['beijing']['seed']}, {result['beijing']['trials']} trials" in doc
    found = result["birmingham"]["found_readings"]
    for kind in ("duplicate", "over_capacity", "negative"):
        assert f"| {kind} | {found[kind]} readings" in doc
