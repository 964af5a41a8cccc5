"""The KPI registry's SQL over the insight plane's view ``kpi_cases``, as text for the counting engines.

The nightly and batch reports (``citybrain report kpis|monthly`` with ``CITYBRAIN_ENGINE``) count on DuckDB or Spark
(``analytics.counting.kpis``) over the view ``kpi_cases``: every case — invalid and merged ones too, as the online
reports count them — with the columns ``cases.repository.kpi_columns`` names. The counters, the durations the medians
take and the filters are not written again for it: they are the expressions of ``kpi_sums.per_case``,
``kpi_sums.duration_ends`` and ``kpi_repository.fact_conditions`` built over the view's columns and compiled to text
(PostgreSQL's SQL, which DuckDB reads as is and SQLGlot turns into Spark's), so the engines and the online reports
cannot define a KPI differently.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    ColumnElement,
    DateTime,
    String,
    and_,
    column,
    literal_column,
    table,
    true,
)
from sqlalchemy.dialects import postgresql

from citybrain.cases import kpi_sums
from citybrain.cases.kpi_repository import FactFilter, fact_conditions

VIEW = "kpi_cases"
#: The view's name of the ``Case`` attributes it renames (the canonical names of the analyses' ``cases`` view).
RENAMED = {"category_code": "category", "district_code": "district"}
_TYPES: dict[str, Any] = {
    "id": String, "created_at": DateTime, "category": String, "district": String, "status": String,
    "department_id": BigInteger, "channel": String, "request_type": String, "dispatched_at": DateTime,
    "accept_due_at": DateTime, "accepted_at": DateTime, "due_at": DateTime, "resolved_at": DateTime,
    "closed_at": DateTime, "resolved": Boolean, "satisfaction": BigInteger, "callback_at": DateTime,
    "reject_count": BigInteger, "reopen_count": BigInteger,
}  # fmt: skip
#: PostgreSQL's SQL with named parameters: no ``%`` doubled for a driver (the text has no parameters left).
_DIALECT = postgresql.dialect(paramstyle="named")  # type: ignore[no-untyped-call]
_TABLE = table(VIEW, *(column(name, kind) for name, kind in _TYPES.items()))


class _Columns:
    """The view's columns under the ``Case`` attribute names the registry's expressions use."""

    def __getattr__(self, name: str) -> Any:
        return _TABLE.c[RENAMED.get(name, name)]


COLUMNS = _Columns()
#: The view's column of each grouping dimension (``kpi_sums.RAW_COLUMNS``'s raw values).
DIMENSION_COLUMNS = {"department": "department_id", "district": "district", "category": "category",
                     "channel": "channel"}  # fmt: skip


def timestamp(at: datetime) -> ColumnElement[Any]:
    """An instant as the view's naive-UTC ``TIMESTAMP '…'`` literal."""
    naive = at.astimezone(UTC).replace(tzinfo=None) if at.tzinfo else at
    return literal_column(f"TIMESTAMP '{naive.isoformat(sep=' ')}'")


def _text(expression: ColumnElement[Any]) -> str:
    compiled = expression.compile(dialect=_DIALECT, compile_kwargs={"literal_binds": True})
    return str(compiled)


def counters(as_of: datetime) -> dict[str, str]:
    """What one case adds to each of Tally's counters (``kpi_sums.per_case``), in ``COUNTER_ORDER``."""
    return {name: _text(expr) for name, expr in kpi_sums.per_case(timestamp(as_of), COLUMNS).items()}


def durations() -> dict[str, tuple[str, str, str]]:
    """``accept`` and ``resolve``: (later time, earlier time, which cases have one) (``kpi_sums.duration_ends``)."""
    found = {}
    for which in ("accept", "resolve"):
        later, earlier, has_one = kpi_sums.duration_ends(which, COLUMNS)
        found[which] = (_text(later), _text(earlier), _text(has_one))
    return found


def condition(where: FactFilter) -> str:
    """The cases of ``where`` (``kpi_repository.fact_conditions``) as one condition; ``true`` for all."""
    clauses = fact_conditions(where, COLUMNS, timestamp)
    return _text(and_(true(), *clauses))
