"""The Parquet snapshot of the case store: what DuckDB and Spark both read for the analyses (see docs/scale.md).

``DIR/month=YYYY-MM/run-NNNNN.parquet`` — one file per export run and month of ``created_at`` (UTC) — and
``DIR/manifest.json``, which lists every file and is written last. Append-only: a run never rewrites a file, it adds
the cases changed since the last run (new ones, and old ones whose status, category, texts … changed: every change
bumps ``updated_at``) with its run number in the column ``snapshot_run``; a reader keeps each case's row of the
highest run (``analytics.io.open_snapshot``). Resumable: a run that dies before the manifest is written leaves files
no reader lists, and the next run writes the same names again.

The change mark is the largest ``updated_at`` exported, less ``overlap`` seconds, so a transaction that stamped its
cases just before the export read them but committed just after is caught by the next run; the few rows of that
overlap are exported twice, which changes nothing (the later run wins).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from citybrain.cases import repository
from citybrain.core import clock
from citybrain.core.db import Database
from citybrain.core.errors import InvalidInput

FORMAT = "citybrain-cases-snapshot/1"
MANIFEST = "manifest.json"
#: The columns of the runs written before each run recorded its own (the first version's).
FIRST_COLUMNS = ("id", "created_at", "category", "lat", "lon", "district", "grid", "status", "likes", "dislikes",
                 "title", "text", "duplicate_of", "updated_at", "snapshot_run")  # fmt: skip


@dataclass(frozen=True)
class ExportRun:
    """What one ``export parquet`` run added."""

    run: int
    rows: int
    files: tuple[str, ...]
    changed_after: datetime | None
    mark: datetime | None


def read_manifest(out: Path) -> dict[str, Any]:
    """The snapshot's manifest (an empty one for a new folder); InvalidInput when it is not ours."""
    path = out / MANIFEST
    if not path.exists():
        return {"format": FORMAT, "runs": [], "mark": None}
    try:
        manifest: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InvalidInput(f"{path}: not a readable snapshot manifest ({exc})") from None
    if manifest.get("format") != FORMAT:
        raise InvalidInput(f"{path}: format {manifest.get('format')!r}, expected {FORMAT}; use another --out")
    return manifest


def snapshot_files(out: Path, *, needs: tuple[str, ...] = ()) -> list[Path]:
    """The Parquet files a reader counts: those the manifest lists (InvalidInput when there is no snapshot).

    ``needs``: columns the reader counts by. A run records its columns in the manifest; a run of an older version
    without them (the KPIs' columns came later) would read as NULL and count wrong, so the reader is refused with
    how to export the snapshot afresh, whole.
    """
    manifest = read_manifest(out)
    files = [out / f["path"] for run in manifest["runs"] for f in run["files"]]
    if not manifest["runs"]:
        raise InvalidInput(f"{out}: no snapshot here; make one with: citybrain export parquet --out {out}")
    lacking = [run["run"] for run in manifest["runs"] if set(needs) - set(run.get("columns", FIRST_COLUMNS))]
    if lacking:
        missing = sorted(set(needs) - set(FIRST_COLUMNS))
        raise InvalidInput(
            f"{out}: run(s) {', '.join(map(str, lacking))} of this snapshot were written without the column(s) "
            f"{', '.join(missing)} this report counts by (an older citybrain); export it afresh, whole: "
            f"citybrain export parquet --out NEW_DIR (or remove {out} first), then point CITYBRAIN_SNAPSHOT_DIR there"
        )
    return files


def export(database: Database, out: Path, *, overlap_seconds: int = 60) -> ExportRun:
    """Add to the snapshot in ``out`` the cases changed since its last run (every case the first time)."""
    if overlap_seconds < 0:
        raise InvalidInput("--overlap-seconds must be 0 or more")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InvalidInput(f"{out}: cannot create the snapshot folder ({exc.strerror})") from None
    manifest = read_manifest(out)
    run = len(manifest["runs"]) + 1
    changed_after = datetime.fromisoformat(manifest["mark"]) if manifest.get("mark") else None
    with database.reading() as session:
        table = repository.case_versions(session, changed_after=changed_after)
    table = table.append_column("snapshot_run", pa.array([run] * table.num_rows, type=pa.int64()))
    files = _write_months(out, table, run)
    newest = pc.max(table.column("updated_at")).as_py() if table.num_rows else None
    mark = newest.replace(tzinfo=None) - timedelta(seconds=overlap_seconds) if newest is not None else changed_after
    if changed_after is not None and mark is not None:
        mark = max(mark, changed_after)
    manifest["runs"].append(
        {
            "run": run,
            "at": clock.utcnow().replace(tzinfo=None).isoformat(),
            "changed_after": changed_after.isoformat() if changed_after else None,
            "rows": table.num_rows,
            "files": files,
            "columns": table.column_names,
        }
    )
    manifest["mark"] = mark.isoformat() if mark else None
    manifest["columns"] = table.column_names
    manifest["rows"] = sum(r["rows"] for r in manifest["runs"])
    _write_json(out / MANIFEST, manifest)
    return ExportRun(run, table.num_rows, tuple(f["path"] for f in files), changed_after, mark)


def _write_months(out: Path, table: pa.Table, run: int) -> list[dict[str, Any]]:
    if table.num_rows == 0:
        return []
    months = pc.strftime(table.column("created_at"), format="%Y-%m")
    written = []
    for month in sorted(set(months.to_pylist())):
        part = table.filter(pc.equal(months, month))
        relative = f"month={month}/run-{run:05d}.parquet"
        target = out / relative
        target.parent.mkdir(exist_ok=True)
        tmp = target.with_name(f".{target.name}.tmp")
        pq.write_table(part, tmp, compression="zstd")
        os.replace(tmp, target)
        written.append({"path": relative, "rows": part.num_rows})
    return written


def _write_json(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)
