"""The Spark engine: a connection that answers the counting modules' DuckDB SQL on Spark, through PySpark.

The counting modules (``analytics.counting``) write their queries once, in DuckDB's SQL, and call a handful of
DuckDB connection methods (``execute(sql, params).fetchone/fetchall/fetchnumpy/to_arrow_table``, ``register``,
``unregister``). :class:`SparkConnection` offers the same methods: each statement is transpiled by SQLGlot from the
``duckdb`` to the ``spark`` dialect, with the two constructs SQLGlot leaves alone rewritten here (DuckDB's
``timezone(zone, timezone('UTC', ts))`` → Spark's ``from_utc_timestamp(ts, zone)``, ``epoch_us`` →
``unix_micros``), and ``?`` parameters are bound by Spark itself. ``CREATE TEMP TABLE`` becomes a cached temporary
view; ``DESCRIBE`` answers with DuckDB's type names.

One SparkSession per process (``spark.ui.enabled=false``, session time zone UTC so that timestamps behave as the
naive UTC ones of DuckDB, few shuffle partitions in local mode, quiet logs); each connection is a ``newSession()`` of
it, so temporary views of two analyses never meet. PySpark and Java are looked for only when the engine is asked for:
without them ``CITYBRAIN_ENGINE=spark`` fails with what to install, and DuckDB users never need either.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import threading
import warnings
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import numpy as np
import pyarrow as pa

from citybrain.core.errors import InvalidInput

_LOCK = threading.Lock()
_ROOT: Any = None  # the process's SparkSession
_ROOT_MASTER = ""
_CREATE = re.compile(
    r"^\s*CREATE\s+OR\s+REPLACE\s+TEMP(?:ORARY)?\s+(TABLE|VIEW)\s+(\w+)\s+AS\s+(.*)$", re.IGNORECASE | re.DOTALL
)
_DESCRIBE = re.compile(r"^\s*DESCRIBE\s+(\w+)\s*$", re.IGNORECASE)
_TYPES = {
    "string": "VARCHAR",
    "bigint": "BIGINT",
    "int": "INTEGER",
    "smallint": "SMALLINT",
    "double": "DOUBLE",
    "float": "FLOAT",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
    "timestamp_ntz": "TIMESTAMP",
}


def java_problem() -> str | None:
    """Why Java cannot run Spark here (None when it can): no ``java``, or older than 17."""
    home = os.environ.get("JAVA_HOME")
    java = os.path.join(home, "bin", "java") if home else shutil.which("java")
    if not java or not os.path.exists(java):
        return "no Java found (java not on PATH, JAVA_HOME not set)"
    try:
        shown = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=30).stderr
    except (OSError, subprocess.SubprocessError) as exc:
        return f"{java} does not run: {exc}"
    found = re.search(r'version "(\d+)(?:\.(\d+))?', shown)
    major = int(found.group(1)) if found else 0
    major = int(found.group(2) or 0) if found and major == 1 else major
    return None if major >= 17 else f"{java} is Java {major or '?'}; Spark needs 17 or newer"


def session(master: str) -> Any:
    """The process's SparkSession on ``master`` (started on first use; InvalidInput when it cannot start)."""
    global _ROOT, _ROOT_MASTER
    with _LOCK:
        if _ROOT is not None:
            if master != _ROOT_MASTER:
                raise InvalidInput(f"Spark already runs on {_ROOT_MASTER} in this process; cannot also use {master}")
            return _ROOT
        _ROOT = _start(master)
        _ROOT_MASTER = master
        return _ROOT


def _start(master: str) -> Any:
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise InvalidInput(
            "CITYBRAIN_ENGINE=spark needs PySpark: pip install 'citybrain[spark]' (make install does it)"
        ) from None
    if master.startswith("sc://"):
        return SparkSession.builder.remote(master).config("spark.sql.session.timeZone", "UTC").getOrCreate()
    problem = java_problem()
    if problem:
        raise InvalidInput(
            f"CITYBRAIN_ENGINE=spark needs Java 17 or newer: {problem}. Install it (Debian/Ubuntu: "
            "apt-get install openjdk-17-jre-headless) or set JAVA_HOME; or use CITYBRAIN_ENGINE=duckdb"
        )
    local = master.startswith("local")
    if local:
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")  # no "hostname resolves to a loopback address" warning
    quiet = f"-Duser.timezone=UTC -Dlog4j2.configurationFile=file:{_log_config()}"
    builder = (
        SparkSession.builder.master(master)
        .appName("citybrain")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.sql.shuffle.partitions", "2" if local else "200")
        .config("spark.sql.adaptive.enabled", "false" if local else "true")
        .config("spark.driver.extraJavaOptions", quiet)
        .config("spark.executor.extraJavaOptions", "-Duser.timezone=UTC")
    )
    if local:
        builder = builder.config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
    # PySpark's note on the pandas version, given on its first use: we hand it Arrow, never pandas
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def _log_config() -> str:
    """A log4j2 configuration that lets through errors only (Spark's default talks at WARN from the start)."""
    path = os.path.join(tempfile.gettempdir(), "citybrain-spark-log4j2.properties")
    if not os.path.exists(path):
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(
                "rootLogger.level = error\nrootLogger.appenderRef.stderr.ref = console\n"
                "appender.console.type = Console\nappender.console.name = console\n"
                "appender.console.target = SYSTEM_ERR\nappender.console.layout.type = PatternLayout\n"
                "appender.console.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n\n"
            )
    return path


def stop() -> None:
    """Stop the process's SparkSession (tests and benchmarks; a command's process simply ends)."""
    global _ROOT
    with _LOCK:
        if _ROOT is not None:
            _ROOT.stop()
            _ROOT = None


def to_spark_sql(text: str) -> str:
    """DuckDB SQL of the counting modules as Spark SQL (SQLGlot, plus the local-time rewrite)."""
    import sqlglot
    from sqlglot import exp

    tree = sqlglot.parse_one(text, read="duckdb")

    def local_time(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Anonymous) and str(node.this).lower() == "epoch_us" and len(node.expressions) == 1:
            return exp.Anonymous(this="unix_micros", expressions=node.expressions)  # whole microseconds
        if isinstance(node, exp.Anonymous) and str(node.this).lower() == "timezone" and len(node.expressions) == 2:
            zone, inner = node.expressions
            if (
                isinstance(inner, exp.Anonymous)
                and str(inner.this).lower() == "timezone"
                and len(inner.expressions) == 2
                and inner.expressions[0].name.upper() == "UTC"
            ):
                return exp.Anonymous(this="from_utc_timestamp", expressions=[inner.expressions[1], zone])
        return node

    return tree.transform(local_time).sql(dialect="spark")


class SparkResult:
    """A statement's result, fetched the way DuckDB's are (Arrow underneath; timestamps naive UTC)."""

    def __init__(self, table: pa.Table) -> None:
        self._table = _naive(table)

    def to_arrow_table(self) -> pa.Table:
        return self._table

    fetch_arrow_table = to_arrow_table

    def fetchall(self) -> list[tuple[Any, ...]]:
        columns = [column.to_pylist() for column in self._table.columns]
        return list(zip(*columns, strict=True)) if columns else []

    def fetchone(self) -> tuple[Any, ...] | None:
        rows = self.fetchall()
        return rows[0] if rows else None

    def fetchnumpy(self) -> dict[str, np.ndarray[Any, Any]]:
        return {name: self._table.column(name).to_numpy() for name in self._table.column_names}


class SparkConnection:
    """The subset of ``duckdb.DuckDBPyConnection`` the counting modules use, answered by Spark."""

    engine = "spark"

    def __init__(self, master: str) -> None:
        self.master = master
        root = session(master)
        self.spark = root if master.startswith("sc://") else root.newSession()  # Connect: one session per client

    def execute(self, text: str, parameters: Sequence[Any] | None = None) -> SparkResult:
        described = _DESCRIBE.match(text)
        if described:
            fields = self.spark.table(described.group(1)).dtypes
            return SparkResult(
                pa.table({"column_name": [n for n, _ in fields], "column_type": [_TYPES.get(t, t) for _, t in fields]})
            )
        created = _CREATE.match(text)
        if created:
            kind, name, body = created.groups()
            frame = self.spark.sql(to_spark_sql(body), args=_args(parameters))
            if kind.upper() == "TABLE":
                frame = frame.localCheckpoint()
            frame.createOrReplaceTempView(name)
            return SparkResult(pa.table({}))
        frame = self.spark.sql(to_spark_sql(text), args=_args(parameters))
        return SparkResult(frame.toArrow())

    def sql_frame(self, text: str) -> Any:
        """A Spark DataFrame of a DuckDB-dialect query (for callers that stay in Spark)."""
        return self.spark.sql(to_spark_sql(text))

    def register(self, name: str, table: pa.Table) -> None:
        self.spark.createDataFrame(_aware(table)).createOrReplaceTempView(name)

    def register_frame(self, name: str, frame: Any) -> None:
        frame.createOrReplaceTempView(name)

    def unregister(self, name: str) -> None:
        self.spark.catalog.dropTempView(name)

    def close(self) -> None:
        for table in self.spark.catalog.listTables():
            if table.isTemporary:
                self.spark.catalog.dropTempView(table.name)


def _args(parameters: Sequence[Any] | None) -> list[Any] | None:
    if not parameters:
        return None
    return [p.replace(tzinfo=None) if isinstance(p, datetime) and p.tzinfo else p for p in parameters]


def _naive(table: pa.Table) -> pa.Table:
    """Spark's timestamps come back zone-aware (UTC); DuckDB's TIMESTAMP is naive UTC: make them naive."""
    for i, field in enumerate(table.schema):
        if pa.types.is_timestamp(field.type) and field.type.tz is not None:
            table = table.set_column(i, field.name, table.column(i).cast(pa.timestamp(field.type.unit)))
    return table


def _aware(table: pa.Table) -> pa.Table:
    """Naive (UTC) timestamps marked UTC, so Spark reads them as instants, not as local wall times."""
    for i, field in enumerate(table.schema):
        if pa.types.is_timestamp(field.type) and field.type.tz is None:
            table = table.set_column(i, field.name, table.column(i).cast(pa.timestamp(field.type.unit, tz="UTC")))
    return table
