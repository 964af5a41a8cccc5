"""``citybrain import air`` (and ``import parking``) speed and memory on the real files.

All 12 Beijing multi-site files (420,768 rows, about 2.5 million Observations) into a fresh database — SQLite (a
new file) and PostgreSQL (a new schema) — as a user runs it: ``citybrain db init``, then ``citybrain import air``
with the 12 files, each a subprocess. Measured from outside: wall clock, CPU time and peak RSS (``os.wait4``); the
same for one file alone, so that "memory flat in the file's size" is the two peaks side by side; then the
Birmingham parking file with its metadata. The load average before and after is recorded: other agents share the
machine's cores.

    python bench/import_air.py                       # both databases
    python bench/import_air.py --backends sqlite

Targets (issue 13): >= 50,000 observations/s into SQLite, >= 20,000/s into PostgreSQL, memory flat.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
SHARED = ROOT.parent / "shared" / "data"
AIR = sorted((SHARED / "beijing_multisite_air").glob("PRSA_Data_*.csv.gz"))
PARKING = SHARED / "birmingham_parking" / "parking_birmingham_uci_dataset.csv.gz"
SNAPSHOT = SHARED / "birmingham_parking" / "carpark_metadata_snapshot_2017-04-28.csv"
POSTGRES_URL = os.environ.get("CITYBRAIN_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
TARGETS = {"sqlite": 50_000, "postgresql": 20_000}


def _citybrain() -> list[str]:
    script = Path(sys.executable).parent / "citybrain"
    return [str(script)]


def _measured(args: list[str], env: dict[str, str]) -> dict[str, Any]:
    """Run one command; wall time, CPU time and peak RSS of that process."""
    started = time.perf_counter()
    proc = subprocess.Popen([*_citybrain(), *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    out = proc.stdout.read().decode() if proc.stdout else ""
    err = proc.stderr.read().decode() if proc.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"citybrain {' '.join(args[:2])} failed: {err or out}")
    return {
        "seconds": round(seconds, 2),
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "output": " ".join(out.split()),
    }


class Backend:
    """A fresh database of one kind, and how many Observations it holds."""

    def __init__(self, kind: str, folder: Path) -> None:
        self.kind, self.folder, self.schema = kind, folder, f"cbbench_{uuid.uuid4().hex[:8]}"
        url = f"sqlite:///{folder / 'citybrain.db'}"
        if kind == "postgresql":
            sep = "&" if "?" in POSTGRES_URL else "?"
            url = f"{POSTGRES_URL}{sep}options=-csearch_path%3D{self.schema}"
            self._admin(f'CREATE SCHEMA "{self.schema}"')
        self.env = {
            **os.environ,
            "CITYBRAIN_DATA_DIR": str(folder),
            "CITYBRAIN_DATABASE_URL": url,
            "PYTHONPATH": str(ROOT / "src"),
        }
        _measured(["db", "init"], self.env)

    def _admin(self, sql: str) -> None:
        from sqlalchemy import create_engine, text

        engine = create_engine(POSTGRES_URL)
        with engine.begin() as conn:
            conn.execute(text(sql))
        engine.dispose()

    def observations(self) -> int:
        from sqlalchemy import create_engine, text

        engine = create_engine(self.env["CITYBRAIN_DATABASE_URL"])
        with engine.connect() as conn:
            count = int(conn.execute(text("SELECT count(*) FROM sta_observations")).scalar() or 0)
        engine.dispose()
        return count

    def drop(self) -> None:
        if self.kind == "postgresql":
            self._admin(f'DROP SCHEMA "{self.schema}" CASCADE')


def _import(kind: str, tmp: Path, name: str, args: list[str]) -> dict[str, Any]:
    backend = Backend(kind, tmp / f"{kind}-{name}")
    try:
        load_before = os.getloadavg()[0]
        result = _measured(["import", *args], backend.env)
        stored = backend.observations()
    finally:
        backend.drop()
    return {
        "observations": stored,
        "seconds": result["seconds"],
        "observations_per_second": round(stored / result["seconds"]),
        "cpu_seconds": result["cpu_seconds"],
        "observations_per_cpu_second": round(stored / result["cpu_seconds"]),
        "peak_rss_mb": result["peak_rss_mb"],
        "load_average_1min_before": round(load_before, 2),
        "load_average_1min_after": round(os.getloadavg()[0], 2),
        "output": result["output"][:600],
    }


def bench(kind: str, tmp: Path) -> dict[str, Any]:
    whole = _import(kind, tmp, "all", ["air", *map(str, AIR)])
    one = _import(kind, tmp, "one", ["air", str(AIR[0])])
    parking = _import(kind, tmp, "parking", ["parking", str(PARKING), "--metadata", str(SNAPSHOT)])
    rows = 35_064 * len(AIR)
    return {
        "benchmark": "import_air",
        "backend": kind,
        "files": len(AIR),
        "rows": rows,
        "all_files": whole,
        "one_file": {k: one[k] for k in ("observations", "seconds", "observations_per_second", "peak_rss_mb")},
        "memory_flat": f"peak RSS {one['peak_rss_mb']} MB for 1 file, {whole['peak_rss_mb']} MB for {len(AIR)}",
        "parking": {k: parking[k] for k in ("observations", "seconds", "observations_per_second", "peak_rss_mb")},
        "target_observations_per_second": TARGETS[kind],
        "meets_target": whole["observations_per_second"] >= TARGETS[kind],
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "note": "2 cores shared with other agents' builds and tests; see the load averages",
        },
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"], choices=sorted(TARGETS))
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="cb-import-air-") as tmp:
        for kind in args.backends:
            result = bench(kind, Path(tmp))
            (RESULTS / f"import_air_{kind}.json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
            print(json.dumps(result, indent=2, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
