"""How long `citybrain demo` takes from a fresh data dir until the landing page answers 200, and until the key is
printed (the last line, printed once the server answers).

Runs the real command in a subprocess (SQLite in a new temporary data dir), polls http://127.0.0.1:PORT/ until
200 and its output until a line is the key (``cb_…``), stops the server and prints JSON {seconds_to_ready,
seconds_to_key, classifier_seconds, cases, ...}; then starts it again on the same data dir (already loaded: the
second start) and adds its seconds. Saves bench/results/demo_startup.json.

    .venv/bin/python -m bench.demo_startup [--days 365] [--cases-per-day 300] [--port 8399]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results" / "demo_startup.json"


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def _start(cmd: list[str], env: dict[str, str], log: Path, port: int, timeout: float) -> tuple[float, float]:
    """Run `citybrain demo` once: seconds until the landing page answers 200 and until the key line is printed."""
    started = time.perf_counter()
    with log.open("w") as out:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            url = f"http://127.0.0.1:{port}/"
            while not _ready(url):
                if proc.poll() is not None or time.perf_counter() - started > timeout:
                    raise SystemExit(f"demo did not become ready; log:\n{log.read_text()}")
                time.sleep(0.25)
            ready = time.perf_counter() - started
            while not re.search(r"^cb_", log.read_text(), re.MULTILINE):
                if proc.poll() is not None or time.perf_counter() - started > timeout:
                    raise SystemExit(f"demo did not print its key; log:\n{log.read_text()}")
                time.sleep(0.1)
            return ready, time.perf_counter() - started
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--cases-per-day", type=int, default=300)
    parser.add_argument("--port", type=int, default=8399)
    parser.add_argument("--timeout", type=float, default=300)
    args = parser.parse_args()
    data_dir = tempfile.mkdtemp(prefix="citybrain-demo-")
    env = {k: v for k, v in os.environ.items() if k != "CITYBRAIN_DATABASE_URL"}
    env["CITYBRAIN_DATA_DIR"] = data_dir
    exe = Path(sys.executable).with_name("citybrain")
    cmd = [str(exe), "demo", "--port", str(args.port), "--days", str(args.days)]
    cmd += ["--cases-per-day", str(args.cases_per_day)]
    log = Path(data_dir) / "demo.log"
    load_before = os.getloadavg()[0]
    ready, to_key = _start(cmd, env, log, args.port, args.timeout)
    text = " ".join(log.read_text().split())
    again_ready, again_key = _start(cmd, env, log, args.port, args.timeout)  # the same data dir: already loaded
    match = re.search(r"loaded \(seed \d+\): (\d+) cases", text)
    trained = re.search(r"Classifier: trained on [\d,]+ cases, \d+ categories, in ([\d.]+) s", text)
    result = {
        "seconds_to_ready": round(ready, 2),
        "seconds_to_key": round(to_key, 2),
        "classifier_seconds": float(trained.group(1)) if trained else None,
        "second_start_seconds_to_key": round(again_key, 2),
        "second_start_seconds_to_ready": round(again_ready, 2),
        "cases": int(match.group(1)) if match else None,
        "days": args.days,
        "cases_per_day": args.cases_per_day,
        "database": "sqlite",
        "cpus": os.cpu_count(),
        "load_average_1m_before": round(load_before, 2),
        "load_average_1m": round(os.getloadavg()[0], 2),
    }
    shutil.rmtree(data_dir, ignore_errors=True)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
