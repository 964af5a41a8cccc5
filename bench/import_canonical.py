"""``citybrain import canonical`` speed and memory on a 1,000,000-row file.

Generates a seeded canonical file (CSV and/or Parquet) with realistic values, runs ``citybrain db init`` and
then ``citybrain import canonical`` as a user would — each a subprocess on a fresh SQLite database — and
measures rows/s (wall clock of the import command) and the import process's peak RSS (``os.wait4``).

    .venv/bin/python bench/import_canonical.py                   # 1,000,000 rows, CSV and Parquet
    .venv/bin/python bench/import_canonical.py --rows 100000 --formats csv
    .venv/bin/python bench/import_canonical.py --files /tmp/cb-files   # keep/reuse the generated files
    .venv/bin/python bench/import_canonical.py --rows 80000 --formats csv \
        --postgres postgresql+psycopg://postgres@127.0.0.1:5432/test      # into a fresh PostgreSQL schema

Target (issue 2): >= 20,000 cases/s into SQLite, peak memory < 500 MB for 1,000,000 rows.
``rows_per_cpu_second`` (rows over the import's user+system CPU time) is reported beside the wall-clock rate:
the import is single-threaded, so on a busy machine it says what one free core would do.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
CITYBRAIN = Path(os.environ.get("CITYBRAIN_BIN", ROOT / ".venv" / "bin" / "citybrain"))

COLUMNS = (
    "id,created_at,channel,request_type,title,text,category,lat,lon,address,district,grid,department,status,"
    "accepted_at,resolved_at,closed_at,satisfaction,resolved,likes,dislikes,duplicate_of"
).split(",")
CATEGORIES = [
    ("noise.construction.night", "urban_mgmt", "夜间施工噪音扰民"),
    ("noise.residential", "public_security", "楼上装修噪音"),
    ("roads.damage", "transport", "路面坑洼破损"),
    ("sanitation.garbage", "urban_mgmt", "垃圾清运不及时"),
    ("heating.no_heat", "heating", "暖气不热"),
    ("parking.illegal", "traffic_police", "小区门口违章停车"),
    ("utilities.water", "water", "停水无通知"),
    ("environment.air", "ecology", "工厂排放异味"),
    ("housing.property", "housing", "物业不作为"),
    ("labor.wages", "hrss", "拖欠农民工工资"),
]
CHANNELS = ["phone", "web", "app", "open311", "wechat"]
TYPES = ["complaint", "consultation", "report", "suggestion", "help"]
DISTRICTS = [f"D{n:02d}" for n in range(1, 17)]


def generate_rows(n: int, seed: int) -> Any:
    """Cases over one year, with a weekday rhythm and a realistic mix of finished and open ones."""
    rng = random.Random(seed)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    for i in range(n):
        code, department, title = CATEGORIES[rng.randrange(len(CATEGORIES))]
        created = start + timedelta(seconds=rng.randrange(365 * 86400))
        stage = rng.random()
        accepted = created + timedelta(minutes=rng.randrange(5, 240)) if stage > 0.1 else None
        resolved = accepted + timedelta(hours=rng.randrange(1, 200)) if accepted and stage > 0.3 else None
        closed = resolved + timedelta(hours=rng.randrange(1, 72)) if resolved and stage > 0.45 else None
        status = "closed" if closed else "resolved" if resolved else "accepted" if accepted else "received"
        district = DISTRICTS[rng.randrange(len(DISTRICTS))]
        yield [
            f"C{i:08d}",
            created.isoformat().replace("+00:00", "Z"),
            CHANNELS[rng.randrange(len(CHANNELS))],
            TYPES[rng.randrange(len(TYPES))],
            f"{title}（{district}）",
            f"市民反映：{title}，地点在{district}区第{rng.randrange(1, 300)}号附近，"
            f"已持续{rng.randrange(1, 30)}天，请尽快处理。",
            code,
            f"{39.7 + rng.random() * 0.5:.6f}",
            f"{116.1 + rng.random() * 0.6:.6f}",
            f"{district}区幸福路{rng.randrange(1, 999)}号",
            district,
            f"{district}-G{rng.randrange(1, 40):02d}",
            department,
            status,
            accepted.isoformat() if accepted else "",
            resolved.isoformat() if resolved else "",
            closed.isoformat() if closed else "",
            str(rng.randint(1, 5)) if closed else "",
            ("true" if rng.random() < 0.8 else "false") if closed else "",
            str(rng.randrange(0, 20)),
            str(rng.randrange(0, 5)),
            f"C{rng.randrange(0, i):08d}" if i > 10 and rng.random() < 0.01 else "",
        ]


def write_csv(path: Path, n: int, seed: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(COLUMNS)
        writer.writerows(generate_rows(n, seed))


def write_parquet(path: Path, n: int, seed: int) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema([(c, pa.string()) for c in COLUMNS])
    rows = generate_rows(n, seed)
    with pq.ParquetWriter(path, schema) as writer:
        while True:
            chunk = [r for _, r in zip(range(100_000), rows, strict=False)]
            if not chunk:
                break
            columns = list(zip(*chunk, strict=True))
            arrays = [pa.array([v or None for v in col], pa.string()) for col in columns]
            writer.write_table(pa.Table.from_arrays(arrays, schema=schema), row_group_size=50_000)


def run_import(path: Path, workdir: Path, database_url: str) -> dict[str, Any]:
    """Fresh database (SQLite file, or an emptied PostgreSQL schema); the import's wall time and peak RSS,
    measured from outside the process."""
    env = {**os.environ, "CITYBRAIN_DATA_DIR": str(workdir), "CITYBRAIN_DATABASE_URL": database_url}
    subprocess.run([str(CITYBRAIN), "db", "init"], env=env, check=True, capture_output=True)
    started = time.perf_counter()
    proc = subprocess.Popen(
        [str(CITYBRAIN), "import", "canonical", str(path)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    out = proc.stdout.read().decode() if proc.stdout else ""
    err = proc.stderr.read().decode() if proc.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"import failed: {err or out}")
    return {
        "seconds": round(seconds, 2),
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "output": out.strip(),
    }


def count_cases(workdir: Path, database_url: str) -> int:
    if not database_url:
        import sqlite3

        with sqlite3.connect(workdir / "citybrain.db") as conn:
            return int(conn.execute("select count(*) from cases").fetchone()[0])
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    with engine.connect() as conn:
        count = int(conn.execute(text("select count(*) from cases")).scalar_one())
    engine.dispose()
    return count


def fresh_postgres(base_url: str) -> str:
    """A new empty schema on the server at ``base_url``; the URL that puts the import in it."""
    from sqlalchemy import create_engine, text

    schema = f"cbbench_{os.getpid()}_{time.monotonic_ns()}"
    engine = create_engine(base_url)
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    sep = "&" if "?" in base_url else "?"
    return f"{base_url}{sep}options=-csearch_path%3D{schema}"


def drop_postgres(database_url: str) -> None:
    from sqlalchemy import create_engine, text

    base, _, options = database_url.partition("options=-csearch_path%3D")
    engine = create_engine(base.rstrip("?&"))
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{options}" CASCADE'))
    engine.dispose()


def bench(fmt: str, rows: int, seed: int, tmp: Path, files: Path | None, postgres: str | None) -> dict[str, Any]:
    folder = files or tmp
    path = folder / f"canonical-{rows}-{seed}.{'csv' if fmt == 'csv' else 'parquet'}"
    t0 = time.perf_counter()
    if files is None or not path.is_file():  # --files keeps generated files for the next run
        (write_csv if fmt == "csv" else write_parquet)(path, rows, seed)
    generated = time.perf_counter() - t0
    load_before = os.getloadavg()[0]
    workdir = tmp / f"data-{fmt}"
    database_url = fresh_postgres(postgres) if postgres else ""
    try:
        result = run_import(path, workdir, database_url)
        stored = count_cases(workdir, database_url)
    finally:
        if database_url:
            drop_postgres(database_url)
    return {
        "database": "postgresql" if postgres else "sqlite",
        "format": fmt,
        "rows": rows,
        "file_mb": round(path.stat().st_size / 2**20, 1),
        "generate_seconds": round(generated, 1),
        "import_seconds": result["seconds"],
        "rows_per_second": round(rows / result["seconds"]),
        "cpu_seconds": result["cpu_seconds"],
        "rows_per_cpu_second": round(rows / result["cpu_seconds"]),
        "load_average_1min_before": round(load_before, 2),
        "load_average_1min_after": round(os.getloadavg()[0], 2),
        "peak_rss_mb": result["peak_rss_mb"],
        "cases_in_database": stored,
        "meets_target": rows / result["seconds"] >= 20_000 and result["peak_rss_mb"] < 500 and stored == rows,
        "summary": result["output"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=20250101)
    parser.add_argument("--formats", default="csv,parquet")
    parser.add_argument("--files", type=Path, help="folder to keep the generated files in and reuse them from")
    parser.add_argument(
        "--postgres",
        help="import into a fresh schema on this server instead of SQLite, e.g. "
        "postgresql+psycopg://postgres@127.0.0.1:5432/test",
    )
    parser.add_argument("--out", type=Path, default=RESULTS / "import_canonical.json")
    args = parser.parse_args()
    runs = []
    with tempfile.TemporaryDirectory(prefix="cb-import-bench-") as tmp:
        for fmt in args.formats.split(","):
            runs.append(bench(fmt, args.rows, args.seed, Path(tmp), args.files, args.postgres))
            print(json.dumps(runs[-1], ensure_ascii=False), file=sys.stderr)
    report = {
        "benchmark": "import_canonical",
        "target": {"rows_per_second": 20_000, "peak_rss_mb": 500},
        "machine": {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count()},
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "runs": runs,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
