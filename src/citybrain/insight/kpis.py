"""The KPIs and the monthly report counted on the chosen engine (``CITYBRAIN_ENGINE``: DuckDB or Spark).

:func:`open_counter` opens the view ``kpi_cases`` on the engine — the Parquet snapshot when
``CITYBRAIN_SNAPSHOT_DIR`` is set, else the live database's cases as Arrow (``cases.repository.case_table``) — and
gives a ``cases.kpi_service.CaseCounter``: the report's grouping and arithmetic stay ``kpi_service``'s, its counters
are the registry's SQL compiled over the view (``cases.kpi_view``), counted by ``analytics.counting.kpis``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from citybrain.analytics import io
from citybrain.analytics.counting import kpis as counting
from citybrain.cases import kpi_view, repository
from citybrain.cases.kpi_repository import FactFilter
from citybrain.cases.kpi_service import CounterRow
from citybrain.cases.kpi_sums import COUNTER_ORDER, as_date
from citybrain.core.db import Database


class EngineCounter:
    """A ``CaseCounter`` over the view ``kpi_cases`` of an open engine connection."""

    def __init__(self, con: Any, source: io.CaseSource, first: datetime | None) -> None:
        self.con = con
        self.source = source
        self._first = first

    @property
    def engine(self) -> str:
        return io.engine_of(self.con)

    def _spec(self, where: FactFilter, as_of: datetime) -> counting.KpiSql:
        return counting.KpiSql(kpi_view.counters(as_of), kpi_view.durations(), kpi_view.condition(where))

    def counter_rows(
        self, where: FactFilter, dims: Sequence[str], timezone: str | None, as_of: datetime
    ) -> Iterator[CounterRow]:
        columns = [kpi_view.DIMENSION_COLUMNS[d] for d in dims]
        width = len(dims) + (timezone is not None)
        for row in counting.counter_rows(self.con, self._spec(where, as_of), columns, timezone):
            values = row[width:]
            if not values[0]:
                continue  # no case matched: one all-NULL row
            day = as_date(row[len(dims)]) if timezone is not None else None
            yield tuple(row[: len(dims)]), day, {n: int(v or 0) for n, v in zip(COUNTER_ORDER, values, strict=True)}

    def durations(self, where: FactFilter, dims: Sequence[str], timezone: str | None) -> list[tuple[Any, ...]]:
        columns = [kpi_view.DIMENSION_COLUMNS[d] for d in dims]
        spec = self._spec(where, datetime(2000, 1, 1, tzinfo=UTC))  # durations do not depend on as_of
        return counting.durations(self.con, spec, columns, timezone)

    def first_case_at(self) -> datetime | None:
        """When the earliest case was received (every case, not only the read window's)."""
        return self._first


@contextmanager
def open_counter(
    database: Database,
    *,
    engine: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Iterator[EngineCounter]:
    """An engine (``engine``, default the setting) with the view ``kpi_cases``: the snapshot's cases, or the
    database's created in [since, until) (the windows the report reads; the engine filters again)."""
    con = io.connect(engine=engine)
    try:
        folder = database.settings.snapshot_dir
        if folder is not None:
            from citybrain.cases.snapshot import snapshot_files

            files = snapshot_files(folder, needs=repository.KPI_COLUMNS)
            source = io.open_snapshot(con, files, source=f"snapshot {folder}", kpis=True)
            first = counting.first_case_at(con)
        else:
            with database.reading() as session:
                table = repository.case_table(session, since=since, until=until, with_kpis=True)
                first = repository.first_created_at(session)
            source = io.register(con, table, view=counting.VIEW)
        yield EngineCounter(con, source, first)
    finally:
        con.close()
