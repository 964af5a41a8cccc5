"""Open cases for analysis as a DuckDB view ``cases`` with the canonical columns, from a file or an Arrow table.

The view always has ``id VARCHAR, created_at TIMESTAMP (UTC, naive), category VARCHAR, lat DOUBLE, lon DOUBLE``
and, when the source has them, ``district, text, title, address, likes, dislikes, department, status,
satisfaction, resolved, duplicate_of``. Naive timestamps in a file are read in the city's time zone
(``settings.timezone``) and converted to UTC, so a file exported in local time and the database agree.
Files are read in place by DuckDB (no copy in Python), which keeps ten million rows fast and within memory. The
live database's cases arrive as an Arrow table (``cases.repository.case_table``, opened by ``insight.source``) and are
registered with :func:`register`; this module knows nothing of the database.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import duckdb
import pyarrow as pa

from citybrain.analytics.counting import sql
from citybrain.core.errors import InvalidInput

REQUIRED = ("id", "created_at", "category", "lat", "lon")
OPTIONAL_TEXT = ("district", "grid", "text", "title", "address", "department", "status", "channel", "request_type")
OPTIONAL_NUMBER = ("likes", "dislikes", "satisfaction", "duplicate_of")
SUFFIXES = {".csv": "csv", ".gz": "csv", ".parquet": "parquet", ".pq": "parquet"}


@dataclass(frozen=True)
class CaseSource:
    """What was opened: for reports and the ``params`` of stored results."""

    source: str
    rows: int
    columns: tuple[str, ...]


def connect(
    *,
    threads: int | None = None,
    memory_limit: str | None = None,
    engine: str | None = None,
    master: str | None = None,
) -> duckdb.DuckDBPyConnection:
    """A connection of the counting engine: in-memory DuckDB, or Spark (``analytics.spark``).

    ``engine`` and ``master`` default to the settings ``CITYBRAIN_ENGINE`` and ``CITYBRAIN_SPARK_MASTER``, read
    now. A Spark connection answers the same SQL and methods as DuckDB's (it is typed as one for the counting
    modules' single signature); :func:`engine_of` tells which engine a connection is.
    """
    if engine is None or (engine == "spark" and master is None):
        from citybrain.core.settings import load_settings

        settings = load_settings()
        engine = engine or settings.engine
        master = master or settings.spark_master
    if engine == "spark":
        from citybrain.analytics.spark import SparkConnection

        return cast(duckdb.DuckDBPyConnection, SparkConnection(master or "local[*]"))
    if engine != "duckdb":
        raise InvalidInput(f"unknown engine {engine!r}: CITYBRAIN_ENGINE is duckdb or spark")
    return _duckdb(threads=threads, memory_limit=memory_limit)


def engine_of(con: object) -> str:
    """``spark`` for a Spark connection, ``duckdb`` otherwise: what each result's ``params.engine`` says."""
    return sql.engine_of(con)


def _duckdb(*, threads: int | None = None, memory_limit: str | None = None) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(":memory:")
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    if memory_limit:
        con.execute("SET memory_limit = ?", [memory_limit])
    con.execute("SET TimeZone = 'UTC'")
    return con


def open_file(con: duckdb.DuckDBPyConnection, path: Path, *, timezone: str) -> CaseSource:
    """Register ``path`` (canonical CSV, CSV.gz or Parquet) as the view ``cases``; InvalidInput if it cannot be.

    On Spark the file is read and normalised (columns, time zones) by DuckDB, the same code as here, and the rows
    handed to Spark as Arrow: one reader, so both engines count the very same rows. Large inputs go through the
    Parquet snapshot (:func:`open_snapshot`), which each engine reads itself.
    """
    if engine_of(con) == "spark":
        local = _duckdb()
        try:
            opened = open_file(local, path, timezone=timezone)
            with warnings.catch_warnings():  # DuckDB's note that Arrow costs one copy
                warnings.simplefilter("ignore", UserWarning)
                rows = local.execute("SELECT * FROM cases").to_arrow_table()
            register(con, rows, source=opened.source)
            return opened
        finally:
            local.close()
    if not path.is_file():
        raise InvalidInput(f"{path}: no such file; give a canonical CSV or Parquet of cases")
    kind = SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise InvalidInput(f"{path}: unknown file type {path.suffix!r}; use .csv, .csv.gz or .parquet")
    reader = (
        f"read_parquet('{_quote(path)}')"
        if kind == "parquet"
        else f"read_csv('{_quote(path)}', header = true, all_varchar = true)"
    )
    try:
        con.execute(f"CREATE OR REPLACE TEMP VIEW raw_cases AS SELECT * FROM {reader}")
        present = sql.column_types(con, "raw_cases")
    except duckdb.Error as exc:
        raise InvalidInput(f"{path}: cannot be read as {kind}: {str(exc).splitlines()[0]}") from exc
    missing = [name for name in REQUIRED if name not in present]
    if missing:
        raise InvalidInput(f"{path}: missing column(s) {', '.join(missing)}; a case file needs {', '.join(REQUIRED)}")
    _create_view(con, present, timezone)
    rows = _count_checked(con, path)
    return CaseSource(source=str(path), rows=rows, columns=sql.columns(con))


def _create_view(con: duckdb.DuckDBPyConnection, present: dict[str, str], timezone: str) -> None:
    parts = [
        "CAST(id AS VARCHAR) AS id",
        f"{_utc_expression(present['created_at'], timezone)} AS created_at",
        "NULLIF(TRIM(CAST(category AS VARCHAR)), '') AS category",
        "try_cast(lat AS DOUBLE) AS lat",
        "try_cast(lon AS DOUBLE) AS lon",
    ]
    parts += [f"CAST({name} AS VARCHAR) AS {name}" for name in OPTIONAL_TEXT if name in present]
    parts += [f"try_cast({name} AS BIGINT) AS {name}" for name in OPTIONAL_NUMBER if name in present]
    con.execute(f"CREATE OR REPLACE TEMP VIEW cases AS SELECT {', '.join(parts)} FROM raw_cases")


def _utc_expression(column_type: str, timezone: str) -> str:
    """created_at as a naive UTC TIMESTAMP: zone-aware values converted, naive ones read in the city's zone."""
    zone = timezone.replace("'", "")
    if column_type.startswith("TIMESTAMP WITH TIME ZONE"):
        return "timezone('UTC', created_at)"
    if column_type.startswith("TIMESTAMP") or column_type == "DATE":
        return f"timezone('UTC', timezone('{zone}', CAST(created_at AS TIMESTAMP)))"
    text = "TRIM(CAST(created_at AS VARCHAR))"
    return (
        f"CASE WHEN regexp_matches({text}, '(Z|[+-][0-9][0-9]:?[0-9][0-9])$')"
        f" THEN timezone('UTC', try_cast({text} AS TIMESTAMPTZ))"
        f" ELSE timezone('UTC', timezone('{zone}', try_cast({text} AS TIMESTAMP))) END"
    )


def _count_checked(con: duckdb.DuckDBPyConnection, path: Path) -> int:
    try:
        total, bad_time = con.execute(
            "SELECT count(*), count(*) FILTER (WHERE created_at IS NULL) FROM cases"
        ).fetchone() or (0, 0)
    except duckdb.Error as exc:
        raise InvalidInput(f"{path}: {str(exc).splitlines()[0]}") from exc
    if total == 0:
        raise InvalidInput(f"{path}: no cases in the file")
    if bad_time:
        raise InvalidInput(f"{path}: {bad_time} row(s) have no readable created_at (ISO 8601 expected)")
    return int(total)


def _quote(path: Path) -> str:
    return str(path).replace("'", "''")


def register(
    con: duckdb.DuckDBPyConnection, table: pa.Table, *, source: str = "database", view: str = "cases"
) -> CaseSource:
    """Register an Arrow table of cases (e.g. ``cases.repository.case_table``) as the view ``cases`` (or ``view``,
    a name of ours)."""
    con.register(f"db_{view}", table)
    con.execute(f"CREATE OR REPLACE TEMP VIEW {view} AS SELECT * FROM db_{view}")
    return CaseSource(source=source, rows=table.num_rows, columns=tuple(table.column_names))


SNAPSHOT_COLUMNS = ("id", "created_at", "category", "lat", "lon", "district", "grid", "status", "likes", "dislikes")
#: The KPIs' further columns (``cases.repository.KPI_COLUMNS``), read into the view ``kpi_cases``.
KPI_COLUMNS = (
    "department_id", "channel", "request_type", "dispatched_at", "accept_due_at", "accepted_at", "due_at",
    "resolved_at", "closed_at", "resolved", "satisfaction", "callback_at", "reject_count", "reopen_count",
)  # fmt: skip
_KPI_TIMES = ("dispatched_at", "accept_due_at", "accepted_at", "due_at", "resolved_at", "closed_at", "callback_at")


def open_snapshot(
    con: duckdb.DuckDBPyConnection,
    files: list[Path],
    *,
    since: datetime | None = None,
    with_text: bool = False,
    source: str = "snapshot",
    kpis: bool = False,
) -> CaseSource:
    """Register the Parquet snapshot's ``files`` (``cases.snapshot``) as the view ``cases``, read by the engine itself.

    Each case counts once, in its latest version (highest ``snapshot_run``); merged duplicates and invalid cases are
    left out and ``since`` (naive UTC) keeps the cases created from then on — the same rows as the live database's
    ``case_table``. One SQL text for both engines (Spark's goes through ``analytics.spark``).

    ``kpis``: the view ``kpi_cases`` instead, with the KPIs' columns too and every case, merged and invalid ones
    included (the KPIs count them) — ``case_table(with_kpis=True)``'s rows. Files of older runs may lack columns
    (read as NULL): ``cases.snapshot.snapshot_files(needs=…)`` refuses such a snapshot for the KPIs.
    """
    if engine_of(con) == "spark":
        spark_con = cast(Any, con)
        reader = spark_con.spark.read.option("mergeSchema", "true")
        spark_con.register_frame("snapshot_rows", reader.parquet(*[str(f) for f in files]))
    else:
        listed = ", ".join(f"'{_quote(f)}'" for f in files)
        con.execute(
            f"CREATE OR REPLACE TEMP VIEW snapshot_rows AS SELECT * FROM read_parquet([{listed}], union_by_name = true)"
        )
    names = [*SNAPSHOT_COLUMNS, *(("title", "text") if with_text else ()), *(KPI_COLUMNS if kpis else ())]
    times = ("created_at", *_KPI_TIMES)
    picked = ", ".join(f"CAST({n} AS TIMESTAMP) AS {n}" if n in times else n for n in names)
    after = ""
    if since is not None:
        utc = since.astimezone(UTC).replace(tzinfo=None) if since.tzinfo else since
        after = f" AND CAST(created_at AS TIMESTAMP) >= TIMESTAMP '{utc.isoformat(sep=' ')}'"
    kept = "" if kpis else " AND duplicate_of IS NULL AND status <> 'invalid'"
    view = "kpi_cases" if kpis else "cases"
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW {view} AS SELECT {picked} FROM ("
        "SELECT *, row_number() OVER (PARTITION BY id ORDER BY snapshot_run DESC) AS newest FROM snapshot_rows"
        f") AS versions WHERE newest = 1{kept}{after}"
    )
    row = con.execute(f"SELECT count(*) FROM {view}").fetchone()
    return CaseSource(source=source, rows=int(row[0]) if row else 0, columns=tuple(names))
