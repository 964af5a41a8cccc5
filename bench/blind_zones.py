"""``citybrain analyze blind-zones`` on the real files: time per step, and how good the NYC-style proxy is.

Times (best of ``--repeat``, in-process, wall clock): reading the NYC Brooklyn crashes (15,753 rows) and the
Cambridgeshire STATS19 file (12,108 rows, with the British National Grid → WGS84 conversion), and the analysis
(classification, snapping, test) by coordinates and by street names; and the whole command as a user runs it
(a subprocess, start-up included). Then, on STATS19, where the manoeuvre is known, the manoeuvre-free proxy that NYC
must use (a large vehicle and a pedestrian, cyclist or motorcyclist at a junction) against the real near-side
(left) turns: its precision per collision, and per junction how the two rankings agree. The load average before and
after is recorded: other agents share the machine's cores.

    python -m bench.blind_zones                      # writes bench/results/blind_zones.json
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from scipy import stats

from citybrain.scenarios.traffic_safety.blind_zones import BlindZoneParams, BlindZoneResult, analyse
from citybrain.scenarios.traffic_safety.readers import read_collisions
from citybrain.scenarios.traffic_safety.records import Collisions

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
FILES = {
    "nyc": SHARED / "nyc_collisions" / "nyc_motor_vehicle_collisions_crashes_sample.csv.gz",
    "stats19": SHARED / "cambs_rtc_stats19" / "Cambs_RTC_2012-2017.csv.gz",
}


def _best(repeat: int, work: Callable[[], Any]) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - started)
    return round(min(times), 4), result


def _command_seconds(fmt: str) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        code = "from citybrain.cli.main import app; app(prog_name='citybrain')"
        args = ["analyze", "blind-zones", "-i", str(FILES[fmt]), "-f", fmt, "--json", f"{tmp}/out.json"]
        env = os.environ | {"PYTHONPATH": str(ROOT / "src")}
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", code, *args], check=True, capture_output=True, env=env)
        return round(time.perf_counter() - started, 3)


def _timings(repeat: int) -> tuple[dict[str, Any], dict[str, Collisions]]:
    out: dict[str, Any] = {}
    read: dict[str, Collisions] = {}
    for fmt, path in FILES.items():
        seconds, collisions = _best(repeat, lambda p=path, f=fmt: read_collisions(p, f))
        read[fmt] = collisions
        entry: dict[str, Any] = {"rows": len(collisions), "read_s": seconds}
        for how in ("coords", "streets"):
            work = lambda c=collisions, h=how: analyse(c, BlindZoneParams(snap=h))  # noqa: E731
            entry[f"analyse_{how}_s"], result = _best(repeat, work)
            entry[f"summary_{how}"] = result.summary
            entry[f"top_{how}"] = [_brief(j) for j in result.junctions[:5]]
        entry["command_s"] = _command_seconds(fmt)
        out[fmt] = entry
    return out, read


def _brief(j: Any) -> dict[str, Any]:
    keys = ("name", "collisions", "blind_zone", "expected", "p_value", "q_value", "recommend")
    return {k: getattr(j, k) for k in keys}


def _proxy_on_stats19(collisions: Collisions) -> dict[str, Any]:
    """The proxy against the truth, per collision and per junction (coordinates snapping)."""
    truth = analyse(collisions)
    blank = dataclasses.replace(collisions, manoeuvres=tuple(("",) * len(v) for v in collisions.vehicles))
    proxy = analyse(blank)
    return {
        "per_collision": truth.summary["proxy_check"],
        "per_junction": _agreement(truth, proxy),
        "truth_recommended": len(truth.recommended),
        "proxy_recommended": len(proxy.recommended),
    }


def _agreement(truth: BlindZoneResult, proxy: BlindZoneResult) -> dict[str, Any]:
    by_id = {j.id: j for j in proxy.junctions}
    true_sites = [j for j in truth.junctions if j.blind_zone > 0]
    proxy_rank = {j.id: r for r, j in enumerate(proxy.junctions, start=1)}
    flagged = [j for j in proxy.junctions if j.blind_zone > 0]
    true_ids = {j.id for j in true_sites}
    out: dict[str, Any] = {
        "junctions_with_a_true_case": len(true_sites),
        "junctions_the_proxy_flags": len(flagged),
        "share_of_proxy_flagged_junctions_with_a_true_case": round(
            sum(j.id in true_ids for j in flagged) / max(len(flagged), 1), 4),
        "proxy_rank_of_true_sites": sorted(proxy_rank[j.id] for j in true_sites),
    }  # fmt: skip
    for k in (10, 25):
        top_t = {j.id for j in truth.junctions[:k]}
        top_p = {j.id for j in proxy.junctions[:k]}
        out[f"top{k}_overlap"] = len(top_t & top_p)
    pairs = [(j.p_value, by_id[j.id].p_value) for j in truth.junctions]
    rho = stats.spearmanr([a for a, _ in pairs], [b for _, b in pairs]).statistic
    out["spearman_p_values"] = round(float(rho), 4)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", default="blind_zones")
    args = parser.parse_args()
    load_before = os.getloadavg()
    timings, read = _timings(args.repeat)
    document = {
        "benchmark": "blind_zones",
        "machine_note": "2 cores shared with ~6 other agents' work: figures are upper bounds of a quiet machine's",
        "load_before": [round(v, 2) for v in load_before],
        "files": timings,
        "proxy_on_stats19": _proxy_on_stats19(read["stats19"]),
        "load_after": [round(v, 2) for v in os.getloadavg()],
        "python": sys.version.split()[0],
    }
    text = json.dumps(document, ensure_ascii=False, indent=1)
    (ROOT / "bench" / "results" / f"{args.out}.json").write_text(text + "\n", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
