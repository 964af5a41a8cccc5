"""SQL pieces every counting module shares: which columns the ``cases`` view has, and the city's local day.

Written once so that every count cuts days the same way (the city's calendar day of a naive-UTC ``created_at``)
and every probe of optional columns asks DuckDB the same question.
"""

from __future__ import annotations

import duckdb


def column_types(con: duckdb.DuckDBPyConnection, view: str = "cases") -> dict[str, str]:
    """Each column of ``view`` (a view or table name of ours, never user input) with its DuckDB type, in order."""
    return {row[0]: str(row[1]) for row in con.execute(f"DESCRIBE {view}").fetchall()}


def columns(con: duckdb.DuckDBPyConnection, view: str = "cases") -> tuple[str, ...]:
    """The column names of ``view``, in order."""
    return tuple(column_types(con, view))


def local_day(timezone: str, column: str = "created_at") -> str:
    """The city's calendar day (DATE) of ``column``, a naive UTC timestamp, in the zone ``timezone``."""
    zone = timezone.replace("'", "")
    return f"CAST(timezone('{zone}', timezone('UTC', {column})) AS DATE)"


def engine_of(con: object) -> str:
    """The engine behind a counting connection: ``spark`` (``analytics.spark.SparkConnection``) or ``duckdb``."""
    return str(getattr(con, "engine", "duckdb")) if not isinstance(con, duckdb.DuckDBPyConnection) else "duckdb"
