"""The KPI fold pushed into SQL: one ``SUM(CASE …)`` per counter of :class:`~citybrain.cases.kpis.Tally`, grouped
by the report's raw columns and the case's local receipt day (SQLite and PostgreSQL).

Each expression here is the SQL of one branch of ``Tally.add`` (kpis.py) and nothing else: the rates stay
computed in Python from the counters (``kpis.evaluate``), and tests/cases/test_kpi_sql.py checks that this path
and the Python fold give identical reports over a varied generated set of cases, on both databases. Adding a
counter to ``Tally`` without adding it here fails at import.

Local days are the UTC receipt time shifted by a *fixed* offset: the caller uses this only when the city's zone
keeps one offset over the whole window (Asia/Shanghai since 1992); otherwise it folds in Python. The medians
need the per-case durations: :func:`durations` streams them as whole microseconds (exact on both databases),
small integers instead of the seventeen columns of ``CaseFacts``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Date,
    Integer,
    String,
    and_,
    case,
    extract,
    func,
    literal,
    null,
    or_,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy import cast as sql_cast
from sqlalchemy.orm import Session

from citybrain.cases.kpi_repository import BATCH, FactFilter, fact_conditions
from citybrain.cases.kpis import COUNTERS, SATISFIED_AT_LEAST, UNRESOLVED, VOID
from citybrain.cases.lifecycle import Status
from citybrain.models import Case

#: The raw column of each grouping dimension (the service rolls categories up and names departments).
RAW_COLUMNS: dict[str, Any] = {
    "department": Case.department_id,
    "district": Case.district_code,
    "category": Case.category_code,
    "channel": Case.channel,
}


def _one_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return case((condition, 1), else_=0)


def per_case(as_of: Any, c: Any = Case) -> dict[str, ColumnElement[Any]]:
    """What one case adds to each of Tally's counters (summed per group); ``as_of`` judges pending sign-fors and
    open overdue cases. ``c``: the columns (the table ``cases``; the engines' view compiles the same expressions,
    ``kpi_view``), ``as_of`` an instant or a SQL expression of one."""
    unresolved = [s.value for s in UNRESOLVED]
    void = [s.value for s in VOID]
    dispatched = c.dispatched_at.is_not(None)
    accepted = c.accepted_at.is_not(None)
    no_accept_due = c.accept_due_at.is_(None)
    unsigned_due = and_(
        c.accepted_at.is_(None),
        c.status != Status.RECEIVED.value,  # 退单: back in the dispatch queue
        or_(no_accept_due, c.accept_due_at <= as_of),
    )
    open_overdue = and_(c.due_at.is_not(None), c.status.in_(unresolved), c.due_at < as_of)
    finished = func.coalesce(c.resolved_at, c.closed_at)
    late_finish = and_(
        c.due_at.is_not(None),
        c.status.not_in(void + unresolved),
        finished.is_not(None),
        finished > c.due_at,
    )
    sums: dict[str, ColumnElement[Any]] = {
        "received": literal(1),
        "dispatched": _one_if(dispatched),
        "response_due": _one_if(and_(dispatched, or_(accepted, unsigned_due))),
        "accepted_on_time": _one_if(and_(dispatched, accepted, or_(no_accept_due, c.accepted_at <= c.accept_due_at))),
        "resolved": _one_if(c.resolved_at.is_not(None)),
        "closed": _one_if(c.closed_at.is_not(None)),
        "callbacks": _one_if(or_(c.callback_at.is_not(None), c.resolved.is_not(None), c.satisfaction.is_not(None))),
        "resolution_answers": _one_if(c.resolved.is_not(None)),
        "resolved_yes": _one_if(c.resolved.is_(True)),
        "scored": _one_if(c.satisfaction.is_not(None)),
        "score_sum": func.coalesce(c.satisfaction, 0),
        "satisfied": _one_if(c.satisfaction >= SATISFIED_AT_LEAST),
        "overdue": _one_if(or_(open_overdue, late_finish)),
        "overdue_open": _one_if(open_overdue),
        "rejected": func.coalesce(c.reject_count, 0),
        "reopened": _one_if(and_(c.reopen_count.is_not(None), c.reopen_count != 0)),
    }
    return sums


_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
#: The order of the counters in the rows of :func:`counter_rows` and :func:`one_pass`.
COUNTER_ORDER = tuple(per_case(_EPOCH))
assert set(per_case(_EPOCH)) == set(COUNTERS), "a Tally counter has no SQL in kpi_sums"


def local_day(session: Session, offset: timedelta) -> ColumnElement[Any]:
    """The receipt day in a zone ``offset`` ahead of UTC."""
    if session.get_bind().dialect.name == "sqlite":
        seconds = int(offset.total_seconds())
        whole = func.substr(type_coerce(Case.created_at, String()), 1, 19)  # SQLite rounds to milliseconds
        return type_coerce(func.date(whole, f"{seconds:+d} seconds"), String())
    shifted = func.timezone("UTC", Case.created_at) + literal(offset)
    return sql_cast(shifted, Date)


def _between_us(session: Session, later: Any, earlier: Any) -> ColumnElement[int]:
    """Whole microseconds from ``earlier`` to ``later``, exact on both databases. SQLite stores
    ``YYYY-MM-DD HH:MM:SS.ffffff`` text and its date functions keep milliseconds: the whole seconds come from
    ``julianday`` of the first 19 characters (rounded: a whole number of seconds apart, far above its error), the
    microseconds from the digits (``CAST('' AS INTEGER)`` is 0 when a time has none)."""
    if session.get_bind().dialect.name == "sqlite":
        a, b = type_coerce(later, String()), type_coerce(earlier, String())
        days = func.julianday(func.substr(a, 1, 19)) - func.julianday(func.substr(b, 1, 19))
        seconds = sql_cast(func.round(days * 86_400), Integer)
        fraction = sql_cast(func.substr(a, 21, 6), Integer) - sql_cast(func.substr(b, 21, 6), Integer)
        return seconds * 1_000_000 + fraction
    return sql_cast((extract("epoch", later) - extract("epoch", earlier)) * 1_000_000, BigInteger)


def as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _group_columns(session: Session, dims: Sequence[str], offset: timedelta | None) -> list[ColumnElement[Any]]:
    columns: list[ColumnElement[Any]] = [RAW_COLUMNS[d] for d in dims]
    if offset is not None:
        columns.append(local_day(session, offset).label("local_day"))
    return columns


def counter_rows(
    session: Session, where: FactFilter, dims: Sequence[str], offset: timedelta | None, as_of: datetime
) -> Iterator[tuple[tuple[Any, ...], date | None, dict[str, int]]]:
    """(raw keys, local day or None, counters) per group of cases matching ``where``."""
    groups = _group_columns(session, dims, offset)
    counters = per_case(as_of)
    stmt = select(*groups, *(func.sum(c).label(n) for n, c in counters.items())).where(*fact_conditions(where))
    if groups:
        stmt = stmt.group_by(*groups)
    for row in session.execute(stmt):
        keys = tuple(row[: len(dims)])
        day = as_date(row[len(dims)]) if offset is not None else None
        values = row[len(groups) :]
        if not values[0]:
            continue  # an empty window has one all-NULL row and no groups
        yield keys, day, {name: int(v or 0) for name, v in zip(counters, values, strict=True)}


def duration_ends(which: str, c: Any = Case) -> tuple[Any, Any, ColumnElement[bool]]:
    """The two times of 签收时长 (``accept``: signed for at or after the latest dispatch) or 办结时长 (``resolve``:
    receipt to resolution) as (later, earlier), and which cases have one; ``c`` as in :func:`per_case`."""
    if which == "accept":
        signed = and_(c.dispatched_at.is_not(None), c.accepted_at.is_not(None), c.accepted_at >= c.dispatched_at)
        return c.accepted_at, c.dispatched_at, signed
    return c.resolved_at, c.created_at, c.resolved_at.is_not(None)


def _duration(session: Session, which: str) -> tuple[ColumnElement[int], ColumnElement[bool]]:
    """Whole microseconds of 签收时长 or 办结时长 (:func:`duration_ends`), and which cases have one."""
    later, earlier, has_one = duration_ends(which)
    return _between_us(session, later, earlier), has_one


def duration_or_null(session: Session, which: str) -> ColumnElement[Any]:
    """A case's 签收 (``accept``) or 办结 (``resolve``) duration in whole microseconds, NULL when it has none."""
    duration, has_one = _duration(session, which)
    return case((has_one, duration))


def durations(
    session: Session, where: FactFilter, dims: Sequence[str], offset: timedelta | None
) -> Iterator[tuple[Any, ...]]:
    """(raw keys…, [local day], accept µs or None, resolve µs or None) of every case with a duration to take
    the median of."""
    accept, signed = _duration(session, "accept")
    resolve, resolved = _duration(session, "resolve")
    groups = _group_columns(session, dims, offset)
    stmt = select(*groups, case((signed, accept)), case((resolved, resolve)))
    stmt = stmt.where(*fact_conditions(where), or_(signed, resolved))
    result = session.connection().execute(stmt.execution_options(yield_per=BATCH))
    for partition in result.partitions():
        yield from cast("list[tuple[Any, ...]]", partition)


def middle_durations(
    session: Session, where: FactFilter, dims: Sequence[str], offset: timedelta | None, which: str
) -> Iterator[tuple[Any, ...]]:
    """(raw keys…, [local day], µs) of the middle one or two durations of each group (ranked by a window
    function): all a median needs. With no ``dims`` and no ``offset``, the middle of all the cases."""
    duration, has_one = _duration(session, which)
    groups = _group_columns(session, dims, offset)
    inner = select(*groups, duration.label("us")).where(*fact_conditions(where), has_one).subquery()
    keys = list(inner.c)[:-1]
    rank = func.row_number().over(partition_by=keys or None, order_by=inner.c.us)
    size = func.count().over(partition_by=keys or None)
    ranked = select(*keys, inner.c.us, rank.label("rn"), size.label("n")).subquery()
    middle = (ranked.c.rn * 2).in_([ranked.c.n, ranked.c.n + 1, ranked.c.n + 2])
    stmt = select(*list(ranked.c)[: len(keys)], ranked.c.us).where(middle)
    yield from cast("list[tuple[Any, ...]]", session.execute(stmt).all())


#: The kinds of row :func:`one_pass` gives: a group's counters, a group's middle durations, the total's.
COUNTS, MIDDLE, TOTAL_MIDDLE = 0, 1, 2


def one_pass(
    session: Session, where: FactFilter, dims: Sequence[str], offset: timedelta | None, as_of: datetime
) -> list[tuple[Any, ...]]:
    """Every group's counters and the middle one or two durations (签收 ``accept``, 办结 ``resolve``) of each
    group and of all the cases, in one statement that reads the cases once (a materialised CTE; the table's
    rows are what costs): rows ``(kind, which, raw keys…, [local day], µs, counters…)``; ``which`` is
    ``accept``/``resolve`` on middle rows, the counters are NULL there and ``µs`` is NULL on counter rows."""
    sums = per_case(as_of)
    accept, signed = _duration(session, "accept")
    resolve, resolved = _duration(session, "resolve")
    groups = [c.label(f"k{i}") for i, c in enumerate(_group_columns(session, dims, offset))]
    base_columns = [*groups, case((signed, accept)).label("accept"), case((resolved, resolve)).label("resolve")]
    base_columns += [expr.label(f"n_{name}") for name, expr in sums.items()]
    base = select(*base_columns).where(*fact_conditions(where)).cte("kpi_cases").prefix_with("MATERIALIZED")
    keys = [base.c[f"k{i}"] for i in range(len(groups))]
    no_us = sql_cast(null(), BigInteger)
    parts = [
        select(literal(COUNTS), literal(""), *keys, no_us, *(func.sum(base.c[f"n_{n}"]) for n in sums)).group_by(*keys)
    ]
    no_counts = [sql_cast(null(), BigInteger) for _ in sums]
    for which in ("accept", "resolve"):
        for kind, within in ((MIDDLE, keys), (TOTAL_MIDDLE, [])):
            us = base.c[which]
            rank = func.row_number().over(partition_by=within or None, order_by=us)
            size = func.count().over(partition_by=within or None)
            ranked = select(*keys, us.label("us"), rank.label("rn"), size.label("n")).where(us.is_not(None))
            r = ranked.subquery()
            middle = (r.c.rn * 2).in_([r.c.n, r.c.n + 1, r.c.n + 2])
            ranked_keys = list(r.c)[: len(keys)]
            parts.append(select(literal(kind), literal(which), *ranked_keys, r.c.us, *no_counts).where(middle))
    return [tuple(row) for row in session.execute(union_all(*parts))]


def created_range(session: Session, where: FactFilter) -> tuple[datetime | None, datetime | None]:
    """The first and last receipt time of the cases matching ``where`` (to check the zone's offset over them)."""
    row = session.execute(
        select(func.min(Case.created_at), func.max(Case.created_at)).where(*fact_conditions(where))
    ).one()
    return row[0], row[1]
