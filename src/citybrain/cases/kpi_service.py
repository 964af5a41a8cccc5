"""KPI reports: read the asked-for question (shared by the API and the CLI), tally the cases by group, compute.

Grouping axes are filled: every department, district and category of the directory (within the filters) and
every period of the date range appears, even with no cases, so a report shows "nothing here" rather than
silently leaving a row out. Empty groups have zero counts and ``None`` rates.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Protocol, cast
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from citybrain.cases import kpi_repository as repo
from citybrain.cases import kpi_sums
from citybrain.cases.kpis import (
    KPIS,
    PERIODS,
    CaseFacts,
    KpiValue,
    Tally,
    category_at_level,
    evaluate,
    local_date,
    period_of,
    periods_between,
)
from citybrain.core import clock
from citybrain.core.errors import Forbidden, InvalidInput
from citybrain.core.inputs import check_datetime, check_day

#: Grouping dimensions: name → (中文, English).
DIMENSIONS: dict[str, tuple[str, str]] = {
    "department": ("承办单位", "department"),
    "district": ("区", "district"),
    "category": ("类别", "category"),
    "channel": ("渠道", "channel"),
}
CATEGORY_LEVELS = (1, 2, 3)

Key = str | None


@dataclass(frozen=True)
class KpiQuery:
    """What a report asks: grouping, the receipt window (local dates, inclusive) and filters."""

    as_of: datetime
    timezone: str = "Asia/Shanghai"
    by: tuple[str, ...] = ()
    period: str | None = None
    start: date | None = None
    end: date | None = None
    department: str | None = None
    district: str | None = None
    category: str | None = None
    channel: str | None = None
    category_level: int = 1
    supervisor: str | None = None  # 主管部门: only the cases of the units it supervises

    def params(self) -> dict[str, Any]:
        return {
            "by": list(self.by),
            "period": self.period,
            "from": self.start.isoformat() if self.start else None,
            "to": self.end.isoformat() if self.end else None,
            "department": self.department,
            "district": self.district,
            "category": self.category,
            "channel": self.channel,
            "category_level": self.category_level,
            "supervisor": self.supervisor,
            "as_of": clock.iso(self.as_of),
            "timezone": self.timezone,
            "cohort": "created_at",
        }


def _split(values: str | Sequence[str] | None) -> tuple[str, ...]:
    if values is None:
        return ()
    items = [values] if isinstance(values, str) else list(values)
    return tuple(part.strip() for item in items for part in item.split(",") if part.strip())


def _parse_date(value: str | date | None, name: str) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(f"{name} must be a date like 2026-01-31, not {value!r}") from None
    return check_day(name, day)


def _parse_as_of(value: str | datetime | None, tz: ZoneInfo) -> datetime:
    if value is None:
        return clock.utcnow()
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise InvalidInput(f"as_of must be a date-time like 2026-03-01T00:00:00Z, not {value!r}") from None
    check_day("as_of", value.date())
    try:
        return check_datetime("as_of", (value.replace(tzinfo=tz) if value.tzinfo is None else value).astimezone(UTC))
    except OverflowError:
        raise InvalidInput("as_of must be between 1900-01-01 and 2999-12-31") from None


def parse_query(
    *,
    timezone: str,
    by: str | Sequence[str] | None = None,
    period: str | None = None,
    start: str | date | None = None,
    end: str | date | None = None,
    department: str | None = None,
    district: str | None = None,
    category: str | None = None,
    channel: str | None = None,
    category_level: int = 1,
    as_of: str | datetime | None = None,
    supervisor: str | None = None,
) -> KpiQuery:
    """Check a report's parameters once, for the API and the CLI alike; bad input is a clear InvalidInput."""
    dims = _split(by)
    unknown = [d for d in dims if d not in DIMENSIONS]
    if unknown:
        raise InvalidInput(f"cannot group by {', '.join(unknown)}; choose from {', '.join(DIMENSIONS)}")
    if len(set(dims)) != len(dims):
        raise InvalidInput(f"a dimension is repeated in by={','.join(dims)}")
    if period is not None and period not in PERIODS:
        raise InvalidInput(f"unknown period {period!r}; choose from {', '.join(PERIODS)}")
    if category_level not in CATEGORY_LEVELS:
        raise InvalidInput(f"category level must be 1, 2 or 3, not {category_level}")
    first, last = _parse_date(start, "from"), _parse_date(end, "to")
    if first and last and first > last:
        raise InvalidInput(f"from ({first}) is after to ({last})")
    tz = clock.city_zone(timezone)
    return KpiQuery(
        as_of=_parse_as_of(as_of, tz),
        timezone=timezone,
        by=dims,
        period=period,
        start=first,
        end=last,
        department=department or None,
        district=district or None,
        category=category or None,
        channel=channel or None,
        category_level=category_level,
        supervisor=supervisor or None,
    )


def scope_to_department(
    session: Session, query: KpiQuery, department_id: int | None, supervised: frozenset[int] = frozenset()
) -> KpiQuery:
    """A department's own key (承办单位) — or a partner unit's (社会协同单位) — sees its own KPIs only; a
    supervising department (主管部门) also its units', one by one or together with ``supervisor`` = itself."""
    if department_id is None:
        return query
    names = repo.department_names(session)
    own = names.get(department_id)
    if own is None:
        raise Forbidden("this key's department no longer exists")
    if query.supervisor is not None:
        if query.supervisor != own[0]:
            raise Forbidden(f"a {own[0]} key may read the KPIs of the units it supervises only (supervisor={own[0]})")
        return query
    if query.department is not None and query.department in {names[i][0] for i in supervised if i in names}:
        return query
    if query.department not in (None, own[0]):
        raise Forbidden(f"a {own[0]} key may only read its own department's KPIs")
    return replace(query, department=own[0])


@dataclass
class _Directory:
    """Names for the group keys, in the report's language."""

    departments: dict[int, tuple[str, str, str]]
    districts: dict[str, tuple[str, str]]
    categories: dict[str, tuple[str, str, int, bool]]
    english: bool
    department_codes: dict[int, str] = field(init=False)

    def __post_init__(self) -> None:
        self.department_codes = {i: v[0] for i, v in self.departments.items()}

    def name(self, dim: str, key: Key) -> str | None:
        if key is None:
            return None
        if dim == "department":
            found = next((v for v in self.departments.values() if v[0] == key), None)
            return None if found is None else (found[2] or found[1]) if self.english else found[1]
        table: dict[str, Any] = self.districts if dim == "district" else self.categories
        names = table.get(key)
        return None if names is None else (names[1] or names[0]) if self.english else names[0]


def fact_filter(session: Session, query: KpiQuery) -> repo.FactFilter:
    """The cases ``query`` covers, as the repository's filter (unknown department or category: InvalidInput)."""
    return _fact_filter(session, query, clock.city_zone(query.timezone))


def _fact_filter(session: Session, query: KpiQuery, tz: ZoneInfo) -> repo.FactFilter:
    department_id = None
    if query.department is not None:
        department = repo.department_by_code(session, query.department)
        if department is None:
            raise InvalidInput(f"no department with code {query.department!r}")
        department_id = department.id
    units = _supervised_units(session, query.supervisor, department_id)
    if query.category is not None and not repo.category_exists(session, query.category):
        raise InvalidInput(f"no category with code {query.category!r}")

    return repo.FactFilter(
        start=clock.local_midnight_utc(query.start, tz) if query.start else None,
        end=clock.local_midnight_utc(query.end + timedelta(days=1), tz) if query.end else None,
        department_id=department_id,
        department_ids=units,
        district_code=query.district,
        category_code=query.category,
        channel=query.channel,
    )


def _supervised_units(session: Session, supervisor: str | None, department_id: int | None) -> frozenset[int] | None:
    """The units a ``supervisor`` filter covers (None: no such filter); 400 for a code that supervises nothing
    by nature (unknown, or itself a unit) or a ``department`` filter outside its units."""
    if supervisor is None:
        return None
    found = repo.department_by_code(session, supervisor)
    if found is None:
        raise InvalidInput(f"no department with code {supervisor!r}")
    if found.kind != "government":
        raise InvalidInput(f"{supervisor!r} is a unit outside government; a supervisor (主管部门) is a government one")
    units = repo.supervised_ids(session, found.id)
    if department_id is not None and department_id not in units:
        raise InvalidInput(f"the department filter names no unit that {supervisor!r} supervises")
    return units


def _key_maker(dim: str, query: KpiQuery, directory: _Directory) -> Callable[[Any], Key]:
    """A group key from the dimension's raw column value (department id, district, category code, channel)."""
    if dim == "department":
        codes = directory.department_codes
        return lambda value: None if value is None else codes.get(value)
    if dim == "category":
        level = query.category_level
        return lambda value: category_at_level(value, level)
    return lambda value: cast("Key", value)


def _extractor(dim: str, query: KpiQuery, directory: _Directory) -> Callable[[CaseFacts], Key]:
    make, column = _key_maker(dim, query, directory), _FACT_COLUMN[dim]
    return lambda f: make(getattr(f, column))


_FACT_COLUMN = {"department": "department_id", "district": "district_code", "category": "category_code",
                "channel": "channel"}  # fmt: skip


def _known_members(dim: str, query: KpiQuery, directory: _Directory) -> list[Key]:
    """The directory's members of a dimension that the filters allow (observed keys are added later)."""
    if dim == "department":
        return [query.department] if query.department else [v[0] for v in directory.departments.values()]
    if dim == "district":
        return [query.district] if query.district else list(directory.districts)
    if dim == "channel":
        return [query.channel] if query.channel else []
    level, within = query.category_level, query.category
    if within and within.count(".") + 1 >= level:
        return [category_at_level(within, level)]
    return [
        code
        for code, (_zh, _en, lvl, active) in directory.categories.items()
        if lvl == level and active and (within is None or code.startswith(within + "."))
    ]


def _sort_key(key: Key) -> tuple[int, str]:
    return (1, "") if key is None else (0, key)


@dataclass(frozen=True)
class KpiReport:
    """A computed report: the question, one row per group (keys, names, KPIs) and the total over all cases."""

    query: KpiQuery
    key_columns: tuple[str, ...]
    rows: list[dict[str, Any]]
    total: dict[str, KpiValue]
    engine: str = "database"  # where the cases were counted: the database, or duckdb / spark (``CaseCounter``)

    def as_dict(self) -> dict[str, Any]:
        return {"params": {**self.query.params(), "engine": self.engine}, "rows": self.rows, "total": self.total}


Groups = dict[tuple[Key, ...], Tally]
CounterRow = tuple[tuple[Any, ...], date | None, dict[str, int]]


class CaseCounter(Protocol):
    """Counts a report's cases on an engine instead of the database (``insight.kpis``: DuckDB or Spark over the
    insight plane's view): the rows of ``kpi_sums.counter_rows`` and ``kpi_sums.durations``, by the city's exact
    local day in ``timezone`` when given. The same counters (the registry's SQL, compiled), the same arithmetic."""

    @property
    def engine(self) -> str: ...

    def counter_rows(
        self, where: repo.FactFilter, dims: Sequence[str], timezone: str | None, as_of: datetime
    ) -> Iterable[CounterRow]: ...

    def durations(
        self, where: repo.FactFilter, dims: Sequence[str], timezone: str | None
    ) -> Iterable[tuple[Any, ...]]: ...

    def first_case_at(self) -> datetime | None: ...


def kpi_report(
    *,
    session: Session,
    query: KpiQuery,
    language: str = "zh-CN",
    fold_in_python: bool = False,
    max_cells: int | None = None,
    counter: CaseCounter | None = None,
) -> KpiReport:
    """Tally the cases received in the window into their groups, then compute every KPI of every group.

    The database sums the counters (kpi_sums) whenever it can bucket local days exactly, i.e. the city's zone
    keeps one UTC offset over the cases; otherwise, or with ``fold_in_python``, every case is streamed and
    folded by ``Tally.add`` (the reference: the tests check both give identical reports).

    ``max_cells``: the most rows the answer may have (setting ``kpi_max_cells``); more is a 422 saying how to
    narrow the question, checked before any row is built.

    ``counter``: count on an engine instead (the batch reports' ``CITYBRAIN_ENGINE``); the report is the same."""
    tz = clock.city_zone(query.timezone)
    where = _fact_filter(session, query, tz)
    departments = repo.department_names(session)
    if where.department_ids is not None:  # under a supervisor: its units are the groups
        departments = {i: v for i, v in departments.items() if i in where.department_ids}
    directory = _Directory(
        departments, repo.district_names(session), repo.category_names(session),
        english=language.lower().startswith("en"),
    )  # fmt: skip
    offset = None
    if counter is None and not fold_in_python and query.period is not None:
        offset = _fixed_offset(session, query, where, tz)
    middles: dict[str, list[float]] = {}
    if counter is not None:
        groups, first, last = _count_on(counter, query, where, directory)
    elif fold_in_python or (query.period is not None and offset is None):
        groups, first, last = _fold(session, query, where, directory, tz)
    else:
        groups, middles, first, last = _sum_in_sql(session, query, where, directory, offset)
    total = Tally()
    for tally in groups.values():
        total.merge(tally)
    if middles:  # the groups hold only their middle durations: the total's middle is the database's
        total.accept_hours, total.resolve_hours = middles["accept"], middles["resolve"]
    rows = _rows(query, directory, groups, query.start or first, query.end or last, max_cells)
    engine = "database" if counter is None else counter.engine
    return KpiReport(query, _key_columns(query), rows, evaluate(total), engine)


def _count_on(
    counter: CaseCounter, query: KpiQuery, where: repo.FactFilter, directory: _Directory
) -> tuple[Groups, date | None, date | None]:
    """The groups' counters and every duration, counted by ``counter``'s engine (by exact local day)."""
    raw = _RawGroups(query, [_key_maker(dim, query, directory) for dim in query.by], query.period is not None)
    zone = query.timezone if query.period is not None else None
    counts = counter.counter_rows(where, query.by, zone, query.as_of)
    _add_rows(raw, counts, counter.durations(where, query.by, zone))
    days = raw.days
    return raw.groups, (min(days) if days else None), (max(days) if days else None)


def _fold(
    session: Session, query: KpiQuery, where: repo.FactFilter, directory: _Directory, tz: ZoneInfo
) -> tuple[Groups, date | None, date | None]:
    """Stream every case once, tallying each into its group (the reference path)."""
    extractors = [_extractor(dim, query, directory) for dim in query.by]
    groups: Groups = {}
    first: date | None = None
    last: date | None = None
    as_of = query.as_of.replace(tzinfo=None) if repo.naive_utc_times(session) else query.as_of
    for facts in repo.case_facts(session, where):
        key = tuple(extract(facts) for extract in extractors)
        if query.period is not None:
            day = local_date(facts.created_at, tz)
            first = day if first is None or day < first else first
            last = day if last is None or day > last else last
            key += (period_of(day, query.period),)
        tally = groups.get(key)
        if tally is None:
            tally = groups[key] = Tally()
        tally.add(facts, as_of)
    return groups, first, last


def _sum_in_sql(
    session: Session,
    query: KpiQuery,
    where: repo.FactFilter,
    directory: _Directory,
    offset: timedelta | None,
) -> tuple[Groups, dict[str, list[float]], date | None, date | None]:
    """The database sums each group's counters by raw column and local day; Python rolls the raw groups up
    (category level, department code, period) and adds the durations the medians need: when the raw groups
    are the report's (no category, no week or month), only each group's and the total's middle one or two
    (the second value: the total's, by ``accept``/``resolve``); otherwise every duration."""
    raw = _RawGroups(query, [_key_maker(dim, query, directory) for dim in query.by], offset is not None)
    totals: dict[str, list[float]] = {"accept": [], "resolve": []}
    if query.period in (None, "day") and "category" not in query.by:  # the raw groups are the report's
        for kind, which, *row in kpi_sums.one_pass(session, where, query.by, offset, query.as_of):
            if kind == kpi_sums.COUNTS:
                add_counts(raw.tally_of(row), row[raw.width + 1 :])
            elif kind == kpi_sums.MIDDLE:
                _samples(raw.tally_of(row), which).append(_hours(row[raw.width]))
            else:
                totals[which].append(_hours(row[raw.width]))
        days = raw.days
        return raw.groups, totals, (min(days) if days else None), (max(days) if days else None)
    counts = kpi_sums.counter_rows(session, where, query.by, offset, query.as_of)
    _add_rows(raw, counts, kpi_sums.durations(session, where, query.by, offset))
    days = raw.days
    return raw.groups, {}, (min(days) if days else None), (max(days) if days else None)


def _add_rows(raw: _RawGroups, counts: Iterable[CounterRow], durations: Iterable[tuple[Any, ...]]) -> None:
    """Fill the groups from counter rows and every duration (keys first, then ``accept``/``resolve`` µs)."""
    for keys, day, counted in counts:
        add_counts(raw.tally(keys, day), counted.values())
    for row in durations:
        tally = raw.tally_of(row)
        for which, microseconds in zip(("accept", "resolve"), row[-2:], strict=True):
            if microseconds is not None:
                _samples(tally, which).append(_hours(microseconds))


def add_counts(tally: Tally, counts: Iterable[Any]) -> None:
    """Add a group's summed counters, in the order kpi_sums gives them (``COUNTER_ORDER``)."""
    for name, value in zip(kpi_sums.COUNTER_ORDER, counts, strict=True):
        setattr(tally, name, getattr(tally, name) + int(value or 0))


@dataclass
class _RawGroups:
    """The report's groups filled from rows keyed by raw columns (and the local day when ``with_day``)."""

    query: KpiQuery
    makers: list[Callable[[Any], Key]]
    with_day: bool
    groups: Groups = field(default_factory=dict)
    days: set[date] = field(default_factory=set)

    def tally(self, raw: Sequence[Any], day: date | None) -> Tally:
        key = tuple(make(value) for make, value in zip(self.makers, raw, strict=True))
        if day is not None and self.query.period is not None:
            self.days.add(day)
            key = (*key, period_of(day, self.query.period))
        return self.groups.setdefault(key, Tally())

    @property
    def width(self) -> int:
        """How many leading columns of a row are keys (the raw keys and the day)."""
        return len(self.makers) + self.with_day

    def tally_of(self, row: Sequence[Any]) -> Tally:
        """The group of a row that starts with the raw keys (and the day)."""
        n = len(self.makers)
        return self.tally(row[:n], kpi_sums.as_date(row[n]) if self.with_day else None)


def _hours(microseconds: int) -> float:
    """As ``timedelta.total_seconds() / 3600`` gives it (the fold's arithmetic, to the last bit)."""
    return microseconds / 1_000_000 / 3600


def _samples(tally: Tally, which: str) -> list[float]:
    return tally.accept_hours if which == "accept" else tally.resolve_hours


def _fixed_offset(session: Session, query: KpiQuery, where: repo.FactFilter, tz: ZoneInfo) -> timedelta | None:
    """The zone's one UTC offset over every day the window's cases can fall on, or None (DST, or a change of
    offset): then local days cannot be a shifted UTC date and the report folds in Python."""
    first, last = query.start, query.end
    if first is None or last is None:
        earliest, latest = kpi_sums.created_range(session, where)
        if earliest is None or latest is None:
            return tz.utcoffset(query.as_of.replace(tzinfo=None))
        first = first or local_date(earliest, tz)
        last = last or local_date(latest, tz)
    return _one_offset(tz, first - timedelta(days=1), last + timedelta(days=1))


def zone_offset(tz: ZoneInfo, first: date, last: date) -> timedelta | None:
    """The zone's one UTC offset from ``first`` to ``last`` (local days), or None when it changes."""
    return _one_offset(tz, first, last)


@functools.lru_cache(maxsize=256)
def _one_offset(tz: ZoneInfo, first: date, last: date) -> timedelta | None:
    offsets = {
        datetime.combine(first + timedelta(days=i), time(hour), tzinfo=UTC).astimezone(tz).utcoffset()
        for i in range((last - first).days + 1)
        for hour in (0, 12)
    }
    found = offsets.pop() if len(offsets) == 1 else None
    return found


def totals(*, session: Session, timezone: str, start: date, end: date, as_of: datetime) -> dict[str, KpiValue]:
    """Every KPI over the cases received from ``start`` to ``end`` (local dates, inclusive), judged at ``as_of``,
    no grouping: the ``total`` of ``GET /api/v1/kpis?from=…&to=…&as_of=…`` (the landing page shows three)."""
    query = parse_query(timezone=timezone, start=start, end=end, as_of=as_of)
    return kpi_report(session=session, query=query).total


def _key_columns(query: KpiQuery) -> tuple[str, ...]:
    columns: list[str] = []
    for dim in query.by:
        columns += [dim] if dim == "channel" else [dim, f"{dim}_name"]
    return (*columns, "period") if query.period else tuple(columns)


def _rows(
    query: KpiQuery,
    directory: _Directory,
    groups: dict[tuple[Key, ...], Tally],
    first: date | None,
    last: date | None,
    max_cells: int | None = None,
) -> list[dict[str, Any]]:
    """Every combination of the axes' members (directory ∪ observed, and every period), in a stable order."""
    if not query.by and query.period is None:
        return []
    axes: list[list[Key]] = []
    for i, dim in enumerate(query.by):
        members = set(_known_members(dim, query, directory)) | {key[i] for key in groups}
        axes.append(sorted(members, key=_sort_key))
    if query.period is not None:
        periods: list[Key] = []
        if first is not None and last is not None:
            periods = list(periods_between(first, last, query.period))
        axes.append(periods)
    _check_cells(query, [len(axis) for axis in axes], max_cells)
    empty = Tally()
    rows = []
    for combo in itertools.product(*axes):
        row: dict[str, Any] = {}
        for dim, key in zip(query.by, combo, strict=False):
            row[dim] = key
            if dim != "channel":
                row[f"{dim}_name"] = directory.name(dim, key)
        if query.period is not None:
            row["period"] = combo[-1]
        row.update(evaluate(groups.get(combo, empty)))
        rows.append(row)
    return rows


def _check_cells(query: KpiQuery, sizes: list[int], max_cells: int | None) -> None:
    """Refuse a question whose every-combination answer would exceed ``max_cells`` rows (a 527 MB answer once)."""
    cells = math.prod(sizes)
    if max_cells is None or cells <= max_cells:
        return
    names = [*query.by, *(["periods"] if query.period else [])]
    axes = " × ".join(f"{n} {dim}" for n, dim in zip(sizes, names, strict=True))
    raise InvalidInput(
        f"分组过多 / This question has {cells} groups ({axes}), more than the {max_cells} one answer may hold: "
        "ask for fewer `by` dimensions, a coarser period (week, month), a shorter from/to range, or filter by "
        "department, district, category or channel.",
        status_code=422,
        code="too_many_groups",
    )


def definitions() -> dict[str, Any]:
    """The registry as data, for GET /kpis/definitions and the docs test."""
    return {
        "kpis": [
            {"name": k.name, "name_zh": k.name_zh, "name_en": k.name_en, "kind": k.kind,
             "definition": k.definition, "formula": k.formula}
            for k in KPIS
        ],
        "dimensions": [{"name": n, "name_zh": zh, "name_en": en} for n, (zh, en) in DIMENSIONS.items()],
        "periods": [{"name": n, "name_zh": zh, "name_en": en} for n, (zh, en) in PERIODS.items()],
        "category_levels": list(CATEGORY_LEVELS),
    }  # fmt: skip
