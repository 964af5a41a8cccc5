"""How often ``analyze sensors-vs-cases`` finds what is not there, and whether it finds what is (docs/sensor_links.md).

    PYTHONPATH=src .venv/bin/python -m bench.sensor_links_eval              # 20 seeds, ~10 minutes on a quiet machine
    PYTHONPATH=src .venv/bin/python -m bench.sensor_links_eval --seeds 3    # a quick look

*Demo City, null and power*: for each seed a year of Demo City cases (with the odour complaints the planted episode
drives) and two sensor files — one with the episode (power: is exactly the planted link found?) and one without it
(null: the complaints' excess is there, the sensors say nothing; every link reported is false). Both go through the
command's own path (CSV files → DuckDB counts → test), at q ≤ 0.05.
*Negative control on real data*: Beijing's 12 air stations (2013-03 … 2017-02, one pseudo-district) against road
collisions that cannot depend on Beijing's air — Cambridgeshire's (STATS19, by severity) and Brooklyn's (by the
first contributing factor) on the same calendar days. Seasons are shared (dark winters, smoggy winters); causes are
not. NYC 311 itself is tried too: its sample holds four days (2022-05 … 2024-04), none in Beijing's years.
Prints JSON and writes bench/results/sensor_links_eval.json; progress on stderr.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import numpy as np
from scipy import stats

from citybrain.analytics import io
from citybrain.analytics.counting import sensors as sensor_days
from citybrain.analytics.counting.series import daily_counts
from citybrain.analytics.sensor_links.analysis import LinkParams, LinkResult
from citybrain.analytics.stats import benjamini_hochberg
from citybrain.core.errors import InvalidInput
from citybrain.insight.sensor_links import SensorJob, from_file
from citybrain.simulate.city import build_city
from citybrain.simulate.sensors import SensorCity, simulate_sensors
from citybrain.simulate.streams import generate

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
RESULTS = ROOT / "bench" / "results" / "sensor_links_eval.json"
ZONE = "Asia/Shanghai"
NOW = datetime(2026, 6, 30, 12, tzinfo=UTC)
SENSOR_HEADER = ("station", "district", "lat", "lon", "quantity", "unit", "time", "value")
CASE_HEADER = ("id", "created_at", "category", "lat", "lon", "district")


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _write(path: Path, header: tuple[str, ...], rows: Any) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _links(result: LinkResult) -> list[dict[str, Any]]:
    return [
        {"district": x.district, "category": x.category, "quantity": x.quantity, "lag": x.lag,
         "rate_ratio": round(x.rate_ratio, 4), "p_value": x.p_value, "q_value": x.q_value}
        for x in result.links
    ]  # fmt: skip


def demo_seed(folder: Path, seed: int, params: LinkParams) -> dict[str, Any]:
    city = build_city(seed)
    stream = generate(city, days=365, seed=seed, now=NOW)
    cases = _write(
        folder / "cases.csv",
        CASE_HEADER,
        ((c.index, c.created_at.isoformat(), c.category, c.lat, c.lon, c.district) for c in stream.cases),
    )
    out: dict[str, Any] = {"seed": seed}
    for name, episode in (("with_episode", True), ("null", False)):
        sensors: SensorCity = simulate_sensors(city, start=stream.start, days=365, seed=seed, episode=episode)
        path = _write(folder / f"sensors-{name}.csv", SENSOR_HEADER, sensors.rows())
        result = from_file(cases, SensorJob(path, params, ZONE))[0]
        out[name] = {"tests": result.tests, "links": _links(result)}
    planted = stream.episode
    assert planted is not None
    found = [(x["district"], x["category"], x["quantity"], x["lag"]) for x in out["with_episode"]["links"]]
    out["found_exactly_the_planted_link"] = found == [
        (planted.district, planted.complaint_category, planted.quantity, planted.complaint_lag)
    ]
    return out


def beijing_sensors(path: Path) -> Path:
    """The 12 stations' hourly pollutants as one pseudo-district ``BJ`` (CO in µg/m³ as the files have it)."""
    units = {"CO": "µg/m³"}

    def rows() -> Any:
        for source in sorted((DATA / "beijing_multisite_air").glob("PRSA_Data_*.csv.gz")):
            with gzip.open(source, "rt", encoding="utf-8") as fh:
                for r in csv.DictReader(fh):
                    day = f"{int(r['year']):04d}-{int(r['month']):02d}-{int(r['day']):02d}"
                    at = f"{day}T{int(r['hour']):02d}:00:00+08:00"
                    for q in ("PM2.5", "PM10", "SO2", "NO2", "CO", "O3"):
                        if r[q] not in ("", "NA"):
                            yield (r["station"], "BJ", "", "", q, units.get(q, "µg/m³"), at, r[q])

    return _write(path, SENSOR_HEADER, rows())


def cambridgeshire_cases(path: Path) -> Path:
    def rows() -> Any:
        with gzip.open(DATA / "cambs_rtc_stats19" / "Cambs_RTC_2012-2017.csv.gz", "rt", encoding="latin-1") as fh:
            for i, r in enumerate(csv.reader(fh)):
                if i == 0 or not r[1].isdigit():
                    continue
                day, hhmm = r[1], r[6].zfill(4)
                at = f"{day[:4]}-{day[4:6]}-{day[6:]}T{hhmm[:2]}:{hhmm[2:]}:00"
                yield (f"c{i}", at, f"collision.{r[7].strip().lower()}", "", "", "BJ")

    return _write(path, CASE_HEADER, rows())


def brooklyn_cases(path: Path) -> Path:
    def rows() -> Any:
        with gzip.open(DATA / "nyc_collisions" / "nyc_motor_vehicle_collisions_crashes_sample.csv.gz", "rt") as fh:
            for i, r in enumerate(csv.DictReader(fh)):
                m, d, y = r["CRASH DATE"].split("/")
                hour, minute = r["CRASH TIME"].split(":")
                factor = (r["CONTRIBUTING FACTOR VEHICLE 1"] or "unspecified").strip().lower().replace(" ", "_")
                yield (f"b{i}", f"{y}-{m}-{d}T{int(hour):02d}:{minute}:00", f"collision.{factor}", "", "", "BJ")

    return _write(path, CASE_HEADER, rows())


def nyc311_cases(path: Path) -> Path:
    def rows() -> Any:
        with gzip.open(DATA / "nyc311" / "nyc311_combined_real_sample.csv.gz", "rt", encoding="utf-8") as fh:
            for r in csv.DictReader(fh):
                kind = r["complaint_type"].strip().lower().replace(" ", "_")
                yield (r["unique_key"], r["created_date"], kind, r["latitude"], r["longitude"], "BJ")

    return _write(path, CASE_HEADER, rows())


def naive_links(cases: Path, sensors: Path, params: LinkParams) -> int:
    """What a plain lagged Pearson correlation of raw counts and raw daily means (normal p, BH) would report."""
    con = io.connect()
    try:
        io.open_file(con, cases, timezone=ZONE)
        readings = sensor_days.district_days(con, sensors, timezone=ZONE)
        series = daily_counts(con, by=("district", "category"), timezone=ZONE, since=readings.first_day,
                              as_of=sensor_days.last_day(readings))  # fmt: skip
    finally:
        con.close()
    values = sensor_days.window(readings, series.first_day, series.counts.shape[1])
    p_values = []
    for y in series.counts:
        if y.sum() < 10:
            continue
        for x in values:
            for lag in range(params.max_lag + 1):
                xs, ys = x[: len(x) - lag], y[lag:].astype(np.float64)
                seen = np.isfinite(xs)
                p_values.append(float(stats.pearsonr(xs[seen], ys[seen]).pvalue))
    return int(np.sum(benjamini_hochberg(np.array(p_values)) <= params.max_q))


def negative_control(folder: Path, params: LinkParams) -> dict[str, Any]:
    sensors = beijing_sensors(folder / "beijing.csv")
    out: dict[str, Any] = {}
    controls = (("cambridgeshire_collisions", cambridgeshire_cases), ("brooklyn_collisions", brooklyn_cases))
    for name, make in controls:
        cases = make(folder / f"{name}.csv")
        counts = Counter(row[2] for row in csv.reader(cases.open(encoding="utf-8")))
        categories = tuple(c for c, n in counts.most_common() if c.startswith("collision.") and n >= 300)[:6]
        started = time.perf_counter()
        result = from_file(cases, SensorJob(sensors, params, ZONE, categories=("collision",)))[0]
        out[name] = {
            "categories": list(categories), "days": result.days, "first_day": result.first_day.isoformat(),
            "tests": result.tests, "skipped": result.skipped, "links": _links(result),
            "seconds": round(time.perf_counter() - started, 2),
            "naive_links": naive_links(cases, sensors, params),
        }  # fmt: skip
        _say(f"{name}: {len(result.links)} link(s) from {result.tests} tests over {result.days} days")
    try:
        from_file(nyc311_cases(folder / "nyc311.csv"), SensorJob(sensors, params, ZONE, categories=("",)))
        out["nyc311"] = {"refused": None}
    except InvalidInput as exc:
        out["nyc311"] = {"refused": str(exc)}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--skip-demo", action="store_true")
    args = parser.parse_args()
    params = LinkParams()
    report: dict[str, Any] = {"params": {"max_lag": params.max_lag, "max_q": params.max_q, "seeds": args.seeds}}
    with TemporaryDirectory() as tmp:
        folder = Path(tmp)
        report["negative_control"] = negative_control(folder, params)
        if not args.skip_demo:
            runs = []
            for seed in range(1, args.seeds + 1):
                started = time.perf_counter()
                runs.append(demo_seed(folder, seed, params))
                last = runs[-1]
                found, took = last["found_exactly_the_planted_link"], time.perf_counter() - started
                _say(f"seed {seed}: null {len(last['null']['links'])} link(s), planted found {found} ({took:.0f} s)")
            null_links = sum(len(r["null"]["links"]) for r in runs)
            report["demo_city"] = {
                "seeds": len(runs),
                "null_runs_with_any_link": sum(1 for r in runs if r["null"]["links"]),
                "null_links_total": null_links,
                "null_tests_per_run": runs[0]["null"]["tests"],
                "planted_found_exactly": sum(1 for r in runs if r["found_exactly_the_planted_link"]),
                "runs": runs,
            }
    text = json.dumps(report, ensure_ascii=False, indent=2)
    RESULTS.write_text(text + "\n", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
