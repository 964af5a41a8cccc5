"""How much CPU a `citybrain` command spends before it does anything: the cost of its imports.

Runs each command in a fresh subprocess (the installed `citybrain` script beside this Python, with this process's
environment, so PYTHONPATH picks the code to measure), takes the child's user + system CPU seconds from
``resource.getrusage(RUSAGE_CHILDREN)`` and reports the median of ``--runs`` runs. Targets (issue 12): at most
0.5 s for `citybrain --help`, at most 1 s for a plain command. Prints JSON and writes
bench/results/cli_startup.json.

    .venv/bin/python -m bench.cli_startup [--runs 7] [--out cli_startup]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
COMMANDS = (("--help",), ("settings",), ("apikey", "create", "--help"))


def cpu_seconds(argv: list[str], env: dict[str, str]) -> float:
    """User + system CPU of one run of ``argv`` (fails loudly when the command does)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--out", default="cli_startup", help="Name of the JSON under bench/results/.")
    args = parser.parse_args()
    exe = str(Path(sys.executable).with_name("citybrain"))
    with tempfile.TemporaryDirectory(prefix="citybrain-cli-") as data_dir:
        env = {k: v for k, v in os.environ.items() if k != "CITYBRAIN_DATABASE_URL"}
        env["CITYBRAIN_DATA_DIR"] = data_dir  # nothing here touches a database; keep any real one out of reach
        subprocess.run([exe, "--help"], env=env, check=True, capture_output=True)  # warm the bytecode cache
        commands = {}
        for command in COMMANDS:
            runs = [cpu_seconds([exe, *command], env) for _ in range(args.runs)]
            commands["citybrain " + " ".join(command)] = {
                "median_cpu_s": round(statistics.median(runs), 3),
                "min_cpu_s": round(min(runs), 3),
                "max_cpu_s": round(max(runs), 3),
            }
    result = {
        "commands": commands,
        "runs": args.runs,
        "cpus": os.cpu_count(),
        "load_average_1m": round(os.getloadavg()[0], 2),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{args.out}.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
