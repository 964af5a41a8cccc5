"""Precision and recall of the sensor fault detectors (citybrain.analytics.sensor_faults) on real files.

    .venv/bin/python bench/sensor_faults_eval.py                  # seed 13, 5 trials; writes the JSON
    .venv/bin/python bench/sensor_faults_eval.py --seed 7 --trials 2 --plants 10

**Beijing (planted faults).** The 12 stations × 35,064 hours of the six pollutants (../shared/data/
beijing_multisite_air), on the grid ``sensing.air_grid`` lays out. First the detector runs on the files as they
are: what it flags there is the *base* — faults already in the data (gaps, the days of constant O3 in March 2013,
readings at the 999 cap…) or false alarms; nobody labelled them, so they are reported as a rate and set aside.
Then, per trial and pollutant, ``--plants`` faults of each kind are planted at random stations and hours, each in a
stretch of clean readings (valid, no base flag, 48 h away from any other plant):

- ``stuck``: from a random hour the sensor repeats that hour's value for 6–48 h (uniform);
- ``jump``: one reading moves by 2–10 × the pollutant's 99th percentile of hour-to-hour change (up, or down when
  that stays ≥ 0; never to the cap or out of range) — an isolated spike at one station;
- ``out_of_range``: one reading becomes negative (−1…−50) or 1.05–3 × the upper limit;
- ``gap``: 3–48 consecutive hours (uniform) set missing.

A flag *hits* a planted fault of its kind when their rows overlap (same pollutant and station). Per kind:
recall = planted faults hit / planted; precision = flags hitting a planted fault of their kind / flags not in the
base. A flag overlapping a base flag of the same kind is "already there" and counts neither way; a flag that
touches (±1 reading) a planted fault of another kind — the stuck sensor's return to the real value is a jump — is
reported as ``on_other_planted`` and counted against precision in ``precision`` but not in
``precision_planted_any``.

**Birmingham (real faults).** ../shared/data/birmingham_parking: the counts found per kind beside those
PROVENANCE documents and those counted independently from the raw rows here.

Prints JSON and writes bench/results/sensor_faults_eval.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from citybrain.analytics.sensor_faults import BEIJING_LIMITS, FaultReport, detect_counter, detect_grid
from citybrain.analytics.sensor_faults.neighbours import neighbour_changes
from citybrain.sensing.air_files import read_air_files
from citybrain.sensing.air_grid import air_series
from citybrain.sensing.parking_files import read_parking_file, read_parking_table

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DATA = ROOT.parent / "shared" / "data"
KINDS = ("stuck", "jump", "out_of_range", "gap")
DOCUMENTED = {"duplicate": 216, "over_capacity": 373, "negative": 12}  # PROVENANCE.md, rows
MARGIN = 48


@dataclass(frozen=True)
class Plant:
    kind: str
    station: int
    first: int
    stop: int
    note: str  # e.g. the size bucket of a spike, or whether a stuck value is above the floor


def beijing_grid() -> tuple[np.ndarray, dict[str, np.ndarray], tuple[str, ...]]:
    files = sorted((DATA / "beijing_multisite_air").glob("PRSA_Data_*_20130301-20170228.csv.gz"))
    if len(files) != 12:
        raise SystemExit(f"expected the 12 Beijing files, found {len(files)}")
    series = air_series(read_air_files(files))
    times = np.datetime64(series.start, "s") + np.arange(series.days * 24) * np.timedelta64(3600, "s")
    return times, series.values, series.stations


def fault_mask(report: FaultReport, shape: tuple[int, ...]) -> np.ndarray:
    mask = np.zeros(shape, dtype=bool)
    for f in report.faults:
        mask[f.series, max(f.first - 1, 0) : f.stop + 1] = True
    return mask


def _place(rng: np.random.Generator, ok: np.ndarray, used: np.ndarray, length: int) -> tuple[int, int] | None:
    stations, hours = ok.shape
    for _ in range(2000):
        s, t = int(rng.integers(stations)), int(rng.integers(MARGIN, hours - length - MARGIN))
        if ok[s, t - 2 : t + length + 2].all() and not used[s, t - MARGIN : t + length + MARGIN].any():
            used[s, t - MARGIN : t + length + MARGIN] = True
            return s, t
    return None


def plant(rng: np.random.Generator, clean: np.ndarray, ok: np.ndarray, pollutant: str, count: int, spike_scale: float
          ) -> tuple[np.ndarray, list[Plant]]:  # fmt: skip
    """A copy of the grid with ``count`` faults of each kind planted in clean stretches."""
    limits = BEIJING_LIMITS[pollutant]
    top = min(limits.upper or np.inf, limits.ceiling or np.inf)
    grid, used, plants = clean.copy(), np.zeros(clean.shape, dtype=bool), []
    for kind in KINDS:
        for _ in range(count):
            length = int(rng.integers(6, 49)) if kind == "stuck" else int(rng.integers(3, 49)) if kind == "gap" else 1
            spot = _place(rng, ok, used, length)
            if spot is None:
                continue
            s, t = spot
            note = ""
            if kind == "stuck":
                grid[s, t : t + length] = clean[s, t]
                note = "above_floor" if clean[s, t] > limits.floor else "at_or_below_floor"
            elif kind == "gap":
                grid[s, t : t + length] = np.nan
            elif kind == "out_of_range":
                upper = limits.upper or 1000.0
                grid[s, t] = -rng.uniform(1, 50) if rng.random() < 0.5 else upper * rng.uniform(1.05, 3)
            else:
                factor = rng.uniform(2, 10)
                size = factor * spike_scale
                up = clean[s, t] + size < top and (rng.random() < 0.5 or clean[s, t] - size < 0)
                if not up and clean[s, t] - size < 0:
                    continue  # neither way fits inside the range: try no other spot, count no plant
                grid[s, t] = clean[s, t] + size if up else clean[s, t] - size
                note = f"{int(factor // 2) * 2}-{int(factor // 2) * 2 + 2}x"
            plants.append(Plant(kind, s, t, t + length, note))
    return grid, plants


def _overlaps(first: int, stop: int, other_first: int, other_stop: int) -> bool:
    """Half-open row ranges overlap (an empty range — a gap between readings — counts as its one position)."""
    return first < max(other_stop, other_first + 1) and other_first < max(stop, first + 1)


def score(report: FaultReport, base: FaultReport, plants: list[Plant]) -> dict[str, Counter[str]]:
    """Per kind: planted, hit (by note), flags new / hitting / on another plant / false, already in the base."""
    by_station: dict[int, list[Plant]] = defaultdict(list)
    for p in plants:
        by_station[p.station].append(p)
    base_faults: dict[tuple[int, str], list[tuple[int, int]]] = defaultdict(list)
    for f in base.faults:
        base_faults[(f.series, f.kind)].append((f.first, f.stop))
    out: dict[str, Counter[str]] = defaultdict(Counter)
    hit: set[int] = set()
    for f in report.faults:
        if any(_overlaps(f.first, f.stop, a, b) for a, b in base_faults[(f.series, f.kind)]):
            out[f.kind]["flags_already_in_base"] += 1
            continue
        out[f.kind]["flags"] += 1
        same = [p for p in by_station[f.series] if p.kind == f.kind and _overlaps(f.first, f.stop, p.first, p.stop)]
        if same:
            out[f.kind]["flags_on_planted"] += 1
            hit.update(id(p) for p in same)
        elif any(_overlaps(f.first, f.stop, p.first - 1, p.stop + 1) for p in by_station[f.series]):
            out[f.kind]["flags_on_other_planted"] += 1
        else:
            out[f.kind]["false_flags"] += 1
    for p in plants:
        out[p.kind]["planted"] += 1
        out[p.kind]["found"] += id(p) in hit
        if p.note:
            out[p.kind][f"planted_{p.note}"] += 1
            out[p.kind][f"found_{p.note}"] += id(p) in hit
    return out


def summarise(counts: Counter[str]) -> dict[str, object]:
    flags = counts["flags"]
    result: dict[str, object] = dict(sorted(counts.items()))
    result["recall"] = round(counts["found"] / counts["planted"], 4) if counts["planted"] else None
    result["precision"] = round(counts["flags_on_planted"] / flags, 4) if flags else None
    on_any = counts["flags_on_planted"] + counts["flags_on_other_planted"]
    result["precision_planted_any"] = round(on_any / flags, 4) if flags else None
    notes = sorted({k[len("planted_") :] for k in counts if k.startswith("planted_")})
    result["recall_by"] = {n: round(counts[f"found_{n}"] / counts[f"planted_{n}"], 4) for n in notes}
    return result


def base_rates(values: dict[str, np.ndarray], base: dict[str, FaultReport]) -> dict[str, object]:
    """What the detector flags on the files as they are: faults and flagged readings per kind, per 10,000 valid."""
    out: dict[str, object] = {}
    for name, report in base.items():
        valid = int(np.isfinite(values[name]).sum())
        readings: Counter[str] = Counter()
        for f in report.faults:
            readings[f.kind] += f.readings
        flagged = {k: v for k, v in readings.items() if k != "gap"}
        changes = neighbour_changes(values[name], spread_floor=1e-9)
        beyond = np.abs(changes.change - changes.median)
        out[name] = {"valid_readings": valid, "faults": report.counts(), "flagged_readings": dict(readings),
                     "flagged_valid_per_10k": round(1e4 * sum(flagged.values()) / valid, 2),
                     "change_beyond_neighbours_p999": round(float(np.nanpercentile(beyond, 99.9)), 2),
                     "min_jump": BEIJING_LIMITS[name].min_jump}  # fmt: skip
    return out


def beijing(seed: int, trials: int, count: int) -> dict[str, object]:
    times, values, stations = beijing_grid()
    started = time.perf_counter()
    base = {name: detect_grid(times, grid, BEIJING_LIMITS[name]) for name, grid in values.items()}
    base_seconds = time.perf_counter() - started
    rng = np.random.default_rng(seed)
    totals: dict[str, Counter[str]] = defaultdict(Counter)
    per_pollutant: dict[str, dict[str, Counter[str]]] = defaultdict(lambda: defaultdict(Counter))
    for _ in range(trials):
        for name, clean in values.items():
            ok = np.isfinite(clean) & ~fault_mask(base[name], clean.shape)
            scale = float(np.nanpercentile(np.abs(np.diff(clean, axis=1)), 99))
            grid, plants = plant(rng, clean, ok, name, count, scale)
            found = score(detect_grid(times, grid, BEIJING_LIMITS[name]), base[name], plants)
            for kind, counts in found.items():
                totals[kind].update(counts)
                per_pollutant[name][kind].update(counts)
    return {
        "stations": list(stations), "hours": int(times.size), "pollutants": list(values),
        "seed": seed, "trials": trials, "plants_per_kind_per_pollutant_per_trial": count,
        "detect_seconds_all_pollutants": round(base_seconds, 2),
        "base": base_rates(values, base),
        "planted": {kind: summarise(totals[kind]) for kind in (*KINDS, *sorted(set(totals) - set(KINDS)))},
        "planted_by_pollutant": {name: {kind: summarise(c) for kind, c in sorted(kinds.items())}
                                 for name, kinds in per_pollutant.items()},
    }  # fmt: skip


def birmingham() -> dict[str, object]:
    path = DATA / "birmingham_parking" / "parking_birmingham_uci_dataset.csv.gz"
    parks = read_parking_file(path)
    faults: Counter[str] = Counter()
    readings: Counter[str] = Counter()
    examples: dict[str, list[str]] = defaultdict(list)
    for park in parks:
        for f in detect_counter(park.times, park.occupancy, park.capacity).faults:
            faults[f.kind] += 1
            readings[f.kind] += f.readings
            if len(examples[f.kind]) < 3:
                when = str(np.datetime64(int(f.start_time), "s"))
                examples[f.kind].append(f"{park.code} {when} row {int(park.rows[min(f.first, park.rows.size - 1)])}: "
                                        f"{f.evidence}")  # fmt: skip
    table = read_parking_table(path).to_pylist()
    independent = {
        "duplicate": len(table) - len({tuple(r.values()) for r in table}),
        "over_capacity": sum(r["Occupancy"] > r["Capacity"] for r in table),
        "negative": sum(r["Occupancy"] < 0 for r in table),
    }
    return {
        "rows": len(table), "car_parks": len(parks),
        "found_readings": dict(readings), "found_faults": dict(faults),
        "documented_rows": DOCUMENTED, "counted_from_raw_rows": independent,
        "agree_with_documented": {k: readings.get(k, 0) == v for k, v in DOCUMENTED.items()},
        "examples": dict(examples),
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--trials", type=int, default=5)
    parser.add_argument("--plants", type=int, default=20, help="faults of each kind per pollutant per trial")
    parser.add_argument("--out", default="sensor_faults_eval")
    args = parser.parse_args()
    started = time.perf_counter()
    result = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "beijing": beijing(args.seed, args.trials, args.plants),
        "birmingham": birmingham(),
    }
    result["seconds"] = round(time.perf_counter() - started, 1)
    text = json.dumps(result, ensure_ascii=False, indent=2)
    print(text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{args.out}.json").write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
