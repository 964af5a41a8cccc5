"""KPI counting on DuckDB or Spark: each group's counters, and the durations the medians need, over ``kpi_cases``.

The view holds every case with the KPIs' columns (``analytics.io.open_snapshot(kpis=True)``, or the live database's
rows as Arrow). What each case adds to a counter, the two ends of each duration and the filter arrive as SQL text
(``cases.kpi_view``: the KPI registry's own expressions, compiled) — this module only groups them: by the raw
columns asked (department id, district, category, channel) and, for a report by period, by the city's local day of
receipt. The rates and medians are computed afterwards in Python from these sums (``cases.kpis``), the same code as
the online reports'.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import duckdb

from citybrain.analytics.counting import sql

VIEW = "kpi_cases"


@dataclass(frozen=True)
class KpiSql:
    """The SQL text of a KPI count: what one case adds to each counter (in the counters' order), the durations'
    (later, earlier, has one) by ``accept``/``resolve``, and the condition on the cases."""

    counters: dict[str, str]
    durations: dict[str, tuple[str, str, str]]
    where: str


def _keys(dims: Sequence[str], timezone: str | None) -> list[str]:
    keys = list(dims)
    if timezone is not None:
        keys.append(sql.local_day(timezone, f"{VIEW}.created_at"))
    return keys


def counter_rows(
    con: duckdb.DuckDBPyConnection, spec: KpiSql, dims: Sequence[str], timezone: str | None
) -> list[tuple[Any, ...]]:
    """(raw keys…, [local day], counter sums…) per group of the cases of ``spec.where``; ``timezone`` also groups
    by the local day of receipt there. Without keys: one row, all NULL when no case matches."""
    keys = _keys(dims, timezone)
    sums = [f"sum({expression}) AS n_{name}" for name, expression in spec.counters.items()]
    text = f"SELECT {', '.join([*keys, *sums])} FROM {VIEW} WHERE {spec.where}"
    if keys:
        text += f" GROUP BY {', '.join(keys)}"
    return [tuple(row) for row in con.execute(text).fetchall()]


def durations(
    con: duckdb.DuckDBPyConnection, spec: KpiSql, dims: Sequence[str], timezone: str | None
) -> list[tuple[Any, ...]]:
    """(raw keys…, [local day], accept µs or None, resolve µs or None) of every case with a duration: whole
    microseconds, exact on both engines (``epoch_us``)."""
    values, any_one = [], []
    for which in ("accept", "resolve"):
        later, earlier, has_one = spec.durations[which]
        values.append(f"CASE WHEN {has_one} THEN epoch_us({later}) - epoch_us({earlier}) END")
        any_one.append(f"({has_one})")
    text = f"SELECT {', '.join([*_keys(dims, timezone), *values])} FROM {VIEW} WHERE ({spec.where})"
    text += f" AND ({' OR '.join(any_one)})"
    return [tuple(row) for row in con.execute(text).fetchall()]


def first_case_at(con: duckdb.DuckDBPyConnection) -> Any:
    """When the earliest case of the view was received (naive UTC), None when it has none."""
    row = con.execute(f"SELECT min(created_at) FROM {VIEW}").fetchone()
    return None if row is None else row[0]
