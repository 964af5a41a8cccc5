"""SQL for cases (dialect-neutral: the same statements run on SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlalchemy import ColumnElement, String, and_, cast, false, func, insert, literal, not_, or_, select
from sqlalchemy.orm import Session, defer

from citybrain.cases import search_index
from citybrain.cases.lifecycle import FINAL_STATES, OPEN_STATES, UNRESOLVED_STATES
from citybrain.cases.plan import PlannedCase
from citybrain.core import clock
from citybrain.core.inputs import ascii_digits
from citybrain.models import Callback, Case, CaseContact, CaseEvent, Category, Department, District

if TYPE_CHECKING:
    import pyarrow as pa


@dataclass(frozen=True)
class CaseQuery:
    """Filters of the staff case list; ``None`` means "any"."""

    status: str | None = None
    department_id: int | None = None
    category_code: str | None = None
    district_code: str | None = None
    channel: str | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    overdue: bool | None = None  # True: only cases overdue at ``now``; False: only those that are not
    now: datetime | None = None
    request_type: str | None = None
    open_only: bool = False  # only cases still open (受理 … 已办结, not closed, invalid or merged)
    words: str | None = None  # the case number, or words of its title, text or address
    phone_digits: str | None = None  # the citizen's phone number, digits only (personal data: see policy)
    limit: int = 50
    offset: int = 0


def add_case(session: Session, case: Case, contact: CaseContact | None) -> Case:
    session.add(case)
    session.flush()
    if contact is not None:
        contact.case_id = case.id
        session.add(contact)
    return case


def add_planned(session: Session, planned: PlannedCase) -> Case:
    """Write one planned case through the ORM (the staff API and other callers want the ``Case`` back)."""
    case = Case(**planned.case)
    contact = CaseContact(**planned.contact) if planned.contact is not None else None
    add_case(session, case, contact)
    session.add_all([CaseEvent(**event, case_id=case.id) for event in planned.events])
    session.flush()
    return case


def insert_planned(session: Session, planned: Sequence[PlannedCase]) -> list[int]:
    """Write many planned cases with one multi-row INSERT per table; their ids, in the order given.

    ``sort_by_parameter_order`` makes RETURNING answer in parameter order on SQLite and PostgreSQL alike.
    """
    conn = session.connection()
    stmt = insert(Case).returning(Case.id, sort_by_parameter_order=True)
    ids = [int(i) for i in conn.execute(stmt, [p.case for p in planned]).scalars()]
    contacts = [{**p.contact, "case_id": i} for i, p in zip(ids, planned, strict=True) if p.contact is not None]
    if contacts:
        conn.execute(insert(CaseContact), contacts)
    events = [{**event, "case_id": i} for i, p in zip(ids, planned, strict=True) for event in p.events]
    if events:
        conn.execute(insert(CaseEvent), events)
    return ids


def get(session: Session, case_id: int, *, lock: bool = False) -> Case | None:
    """The case; with ``lock``, its row is locked until the transaction ends (``FOR UPDATE`` on PostgreSQL; SQLite
    has one writer at a time already), so a concurrent change waits for this one instead of losing to it."""
    if lock:
        return session.get(Case, case_id, with_for_update=True, populate_existing=True)
    return session.get(Case, case_id)


def by_source_key(session: Session, source: str, source_key: str) -> Case | None:
    stmt = select(Case).where(Case.source == source, Case.source_key == source_key)
    return session.scalars(stmt).first()


def add_event(session: Session, event: CaseEvent) -> CaseEvent:
    session.add(event)
    return event


def add_callback(session: Session, callback: Callback) -> Callback:
    session.add(callback)
    return callback


def events(session: Session, case_id: int) -> list[CaseEvent]:
    stmt = select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.at, CaseEvent.id)
    return list(session.scalars(stmt))


def contact(session: Session, case_id: int) -> CaseContact | None:
    return session.get(CaseContact, case_id)


def overdue_clause(now: datetime) -> ColumnElement[bool]:
    """Overdue: not yet answered past ``due_at``, or answered after it."""
    unresolved = [s.value for s in UNRESOLVED_STATES]
    return or_(
        and_(Case.status.in_(unresolved), Case.due_at.is_not(None), Case.due_at < now),
        and_(Case.resolved_at.is_not(None), Case.due_at.is_not(None), Case.resolved_at > Case.due_at),
    )


#: The largest case number a search box may mean (ids are 32-bit integers on both databases).
MAX_CASE_ID = 2**31 - 1


def words_clause(words: str, *, newest_first: bool = False) -> ColumnElement[bool]:
    """A number (``123`` or ``#123``) is a case number, found by its key; anything else is words, looked for
    anywhere in the title, text or address (any letter case).

    Words with a pair of adjacent letters, digits or CJK characters (噪音, 供暖费, "3号楼", "leak") are looked up in
    the bigram index first (``cases.search_index``, migration 0021) and its candidates re-checked by the LIKE, so
    the answer is exactly the LIKE's. Words without one — a single Chinese character (灯), punctuation, "3 号" —
    fall back to the LIKE alone: a scan of the table (bench/desk_search.py).
    """
    number = words.removeprefix("#")
    if ascii_digits(number):
        return Case.id == int(number) if int(number) <= MAX_CASE_ID else false()
    columns = (Case.title, Case.text, Case.address)
    if words.lower() == words.upper():  # nothing to fold (Chinese, digits): plain LIKE, no lower() of every row
        like = or_(*(column.contains(words, autoescape=True) for column in columns))
    else:
        like = or_(*(column.icontains(words, autoescape=True) for column in columns))
    indexed = search_index.candidates(words, newest_first=newest_first)
    return like if indexed is None else and_(indexed, like)


def phone_clause(digits: str) -> ColumnElement[bool]:
    """Cases whose contact's phone, written with or without spaces, dashes, brackets or +86, ends in ``digits``."""
    bare: ColumnElement[str | None] = CaseContact.phone.expression
    for sign in (" ", "-", "+", "(", ")"):
        bare = func.replace(bare, sign, "")
    return Case.id.in_(select(CaseContact.case_id).where(bare.endswith(digits, autoescape=True)))


def _conditions(query: CaseQuery, *, newest_first: bool = False) -> list[ColumnElement[bool]]:
    """The query's filters. ``newest_first``: for a page read in ``created_at`` order, "open" is written as "not
    ended" (the same cases: every status is open or final) so the planner walks the ``created_at`` index and stops
    at the page's end instead of sorting every open case — which grows with the intake (bench/soak_cpu.py); the
    count keeps ``IN``, which the status index answers alone."""
    conds: list[ColumnElement[bool]] = []
    pairs = (
        (Case.status, query.status),
        (Case.department_id, query.department_id),
        (Case.district_code, query.district_code),
        (Case.channel, query.channel),
        (Case.request_type, query.request_type),
    )
    conds.extend(column == value for column, value in pairs if value is not None)
    if query.category_code is not None:  # a category includes its sub-categories (dotted codes)
        code = query.category_code
        conds.append(or_(Case.category_code == code, Case.category_code.startswith(code + ".", autoescape=True)))
    if query.created_from is not None:
        conds.append(Case.created_at >= query.created_from)
    if query.created_to is not None:
        conds.append(Case.created_at < query.created_to)
    if query.overdue is not None:
        clause = overdue_clause(query.now or clock.utcnow())
        conds.append(clause if query.overdue else not_(clause))
    if query.open_only and newest_first:
        conds.append(Case.status.not_in(sorted(s.value for s in FINAL_STATES)))
    elif query.open_only:
        conds.append(Case.status.in_(sorted(s.value for s in OPEN_STATES)))
    if query.words:
        conds.append(words_clause(query.words, newest_first=newest_first))
    if query.phone_digits:
        conds.append(phone_clause(query.phone_digits))
    return conds


def list_cases(session: Session, query: CaseQuery) -> list[Case]:
    """One page of cases, newest first. The intake's reading (``triage``, a JSON document of ~0.6 kB a case) is
    not loaded: a list never shows it, and decoding it was a tenth of a list request's CPU (bench/soak_cpu.py);
    touching it on a listed case raises instead of loading it row by row."""
    stmt = (
        select(Case)
        .options(defer(Case.triage, raiseload=True))
        .where(*_conditions(query, newest_first=True))
        .order_by(Case.created_at.desc(), Case.id.desc())
        .limit(query.limit)
        .offset(query.offset)
    )
    return list(session.scalars(stmt))


def count_cases(session: Session, query: CaseQuery, *, up_to: int | None = None) -> tuple[int, bool]:
    """How many cases match ``query`` and whether that is exact: with ``up_to``, counting stops after ``up_to``
    + 1 rows and a larger number comes back as (``up_to``, False) — the cost of the count then stays that of
    ``up_to`` index entries however many cases match (a million closed ones)."""
    where = _conditions(query)
    if up_to is None:
        return int(session.scalar(select(func.count()).select_from(Case).where(*where)) or 0), True
    capped = select(literal(1)).select_from(Case).where(*where).limit(up_to + 1).subquery()
    found = int(session.scalar(select(func.count()).select_from(capped)) or 0)
    return (found, True) if found <= up_to else (up_to, False)


def department_codes(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = session.execute(select(Department.id, Department.code).where(Department.id.in_(wanted)))
    return {row.id: row.code for row in rows}


def handling_cases(session: Session) -> list[Case]:
    """Cases whose clocks may still run (the SLA sweep's candidates)."""
    unresolved = [s.value for s in UNRESOLVED_STATES]
    stmt = select(Case).where(Case.status.in_(unresolved), Case.due_at.is_not(None)).order_by(Case.id)
    return list(session.scalars(stmt))


def events_of(session: Session, case_ids: Sequence[int], actions: Sequence[str]) -> list[CaseEvent]:
    """Events of several cases at once (chunked so the IN list stays small on both databases)."""
    found: list[CaseEvent] = []
    for start in range(0, len(case_ids), 500):
        chunk = case_ids[start : start + 500]
        stmt = select(CaseEvent).where(CaseEvent.case_id.in_(chunk), CaseEvent.action.in_(actions))
        found.extend(session.scalars(stmt))
    return found


def case_table(
    session: Session,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    with_text: bool = False,
    with_kpis: bool = False,
) -> pa.Table:
    """The cases an analysis counts, as an Arrow table with the canonical column names (see ``analytics.io``).

    Merged duplicates and invalid cases are left out: they would count one problem twice or count spam. Text
    columns are read only when ``with_text`` (hot issues need them; counting does not). ``created_at`` is naive UTC.
    ``with_kpis``: also the columns of :func:`kpi_columns`, and every case, merged and invalid ones too (the KPIs
    count them as the online reports do); ``since``/``until``: created in [since, until).
    """
    import pyarrow as pa  # only the insight plane asks for Arrow; the operations plane starts without it

    columns = _counted_columns() + ([Case.title, Case.text] if with_text else []) + (kpi_columns() if with_kpis else [])
    query = select(*columns).order_by(Case.id)
    if not with_kpis:
        query = query.where(Case.duplicate_of.is_(None), Case.status != "invalid")
    if since is not None:
        query = query.where(Case.created_at >= since)
    if until is not None:
        query = query.where(Case.created_at < until)
    return _arrow(session, query, {name: pa.timestamp("us") for name in _TIMES})


def case_versions(session: Session, *, changed_after: datetime | None = None) -> pa.Table:
    """Every case changed after ``changed_after`` (all cases without it) as an Arrow table for the Parquet snapshot.

    The columns of :func:`case_table` with text and the KPIs' (:func:`kpi_columns`), plus ``duplicate_of`` and
    ``updated_at``; merged and invalid cases are kept (a reader leaves them out, or counts them for the KPIs), so a
    case that becomes one replaces its earlier version. Times are UTC.
    """
    import pyarrow as pa

    columns = [*_counted_columns(), Case.title, Case.text, *kpi_columns(), Case.duplicate_of, Case.updated_at]
    query = select(*columns).order_by(Case.id)
    if changed_after is not None:
        query = query.where(Case.updated_at > clock.as_utc(changed_after))
    utc = pa.timestamp("us", tz="UTC")
    return _arrow(session, query, {**{name: utc for name in (*_TIMES, "updated_at")}, "duplicate_of": pa.int64()})


def _counted_columns() -> list[Any]:
    """The columns every analysis counts by (the ``cases`` view of the insight plane)."""
    return [
        cast(Case.id, String).label("id"),
        Case.created_at,
        Case.category_code.label("category"),
        Case.lat,
        Case.lon,
        Case.district_code.label("district"),
        Case.grid,
        Case.status,
        Case.likes,
        Case.dislikes,
    ]


#: The KPIs' columns beyond :func:`_counted_columns` (``kpis.CaseFacts``, in the analyses' names).
KPI_COLUMNS = (
    "department_id", "channel", "request_type", "dispatched_at", "accept_due_at", "accepted_at", "due_at",
    "resolved_at", "closed_at", "resolved", "satisfaction", "callback_at", "reject_count", "reopen_count",
)  # fmt: skip
_TIMES = ("created_at", "dispatched_at", "accept_due_at", "accepted_at", "due_at", "resolved_at", "closed_at",
          "callback_at")  # fmt: skip


def kpi_columns() -> list[Any]:
    """The columns the KPIs count by besides :func:`_counted_columns` (the view ``kpi_cases``, ``cases.kpi_view``)."""
    return [getattr(Case, name) for name in KPI_COLUMNS]


def _arrow(session: Session, query: Any, times_and_more: dict[str, Any]) -> pa.Table:
    """The rows of ``query`` as an Arrow table read in batches: times naive (UTC), numbers typed, the rest strings;
    ``times_and_more`` names the time columns' and any further column's Arrow type."""
    import pyarrow as pa

    names = [column.key or "" for column in query.selected_columns]
    batches: dict[str, list[object]] = {name: [] for name in names}
    for row in session.execute(query).yield_per(50_000):
        for name, value in zip(names, row, strict=True):
            batches[name].append(value)
    for name in (*_TIMES, "updated_at"):
        if name in batches:
            batches[name] = [v.replace(tzinfo=None) if isinstance(v, datetime) else None for v in batches[name]]
    types = {"lat": pa.float64(), "lon": pa.float64(), **_number_types(), **times_and_more}
    return pa.table({name: pa.array(batches[name], type=types.get(name, pa.string())) for name in names})


def _number_types() -> dict[str, Any]:
    import pyarrow as pa

    names = ("likes", "dislikes", "department_id", "satisfaction", "reject_count", "reopen_count")
    return {**{name: pa.int64() for name in names}, "resolved": pa.bool_()}


def contacts_by_case(session: Session, case_ids: Sequence[int]) -> dict[int, CaseContact]:
    """The contact rows of ``case_ids`` that have one (an export's personal data)."""
    found: dict[int, CaseContact] = {}
    for start in range(0, len(case_ids), 1000):
        query = select(CaseContact).where(CaseContact.case_id.in_(case_ids[start : start + 1000]))
        found |= {c.case_id: c for c in session.scalars(query)}
    return found


def contacts_of(session: Session, case_ids: Sequence[int]) -> list[tuple[int, str | None, str | None, str | None]]:
    """(case id, account id, phone, e-mail) of the cases that have a contact row: personal data, kept in memory."""
    found: list[tuple[int, str | None, str | None, str | None]] = []
    for start in range(0, len(case_ids), 1000):
        query = select(CaseContact.case_id, CaseContact.account_id, CaseContact.phone, CaseContact.email).where(
            CaseContact.case_id.in_(case_ids[start : start + 1000])
        )
        found += [(int(case_id), account, phone, email) for case_id, account, phone, email in session.execute(query)]
    return found


class RecentCase(NamedTuple):
    """A case of the public "latest cases" list, with its category's and district's Chinese names."""

    id: int
    created_at: datetime
    category_code: str | None
    category_zh: str | None
    district_code: str | None
    district_zh: str | None
    status: str
    title: str
    text: str


def recent_cases(session: Session, limit: int) -> list[RecentCase]:
    """The ``limit`` newest cases, newest first."""
    stmt = (
        select(
            Case.id, Case.created_at, Case.category_code, Category.name_zh, Case.district_code, District.name_zh,
            Case.status, Case.title, Case.text,
        )
        .outerjoin(Category, Category.code == Case.category_code)
        .outerjoin(District, District.code == Case.district_code)
        .order_by(Case.created_at.desc(), Case.id.desc())
        .limit(limit)
    )  # fmt: skip
    return [RecentCase(*row) for row in session.execute(stmt)]


def first_created_at(session: Session) -> datetime | None:
    """When the earliest case was received (aware UTC), None with no cases: every case, merged and invalid too."""
    value: datetime | None = session.scalar(select(func.min(Case.created_at)))
    return value
