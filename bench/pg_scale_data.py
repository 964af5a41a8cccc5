"""Demo City's cases by the million, vectorised: the generator and the COPY loader of :mod:`bench.pg_scale`.

The vocabulary is the simulator's (:mod:`citybrain.simulate`): the categories with their shares, request types,
hours of the day and owning departments (routed through the loaded directory, as ``citybrain demo`` routes them),
the departments' quality (late sign-for, overdue, callback outcomes), the channels, the Demo City's districts and
grid cells (weighted by population, or by building work for construction complaints), the Chinese topic
templates and replies. The life of a case is the simulator's, simplified to what a table scan cares about:
receive → dispatch → accept → (start) → resolve → (callback) → close, a few invalid or merged, a few stalled
(never resolved: the long-overdue tail), and nothing after ``now`` (recent cases are still open).

Each chunk of cases is a handful of numpy draws turned into Arrow tables, written as CSV by Arrow's C++ writer
and streamed to PostgreSQL with ``COPY … FROM STDIN (FORMAT csv)``. Ids are explicit (the loader sets the
sequences afterwards), so events, callbacks and contacts reference their case without a round trip.
Chunk ``k`` is drawn from ``numpy.random.default_rng([seed, k])``: the same seed gives the same city.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from sqlalchemy.orm import Session

from citybrain.directory import repository as directory_repo
from citybrain.simulate.city import KM_PER_DEG_LAT, KM_PER_DEG_LON, build_city
from citybrain.simulate.load import directory_for, ensure_districts, ensure_rules
from citybrain.simulate.profiles import CATEGORIES, CHANNELS, DEFAULT_QUALITY, HOURS, QUALITY
from citybrain.simulate.texts import GIVEN, PHONE_PREFIXES, REPLIES_ZH, SURNAMES, TIMES_ZH, TOPICS

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

US = 1_000_000  # microseconds per second
HOUR = 3600 * US
STATUSES = ("received", "dispatched", "accepted", "in_progress", "resolved", "closed", "invalid", "merged")
ACTIONS = ("receive", "dispatch", "accept", "start", "resolve", "callback", "close", "invalidate", "merge")
CONTACT_SHARE = 0.6  # cases whose citizen left a name and phone
INVALID, MERGED, STALLED = 0.02, 0.02, 0.015  # shares of cases: 无效, 重复合并, never resolved (long overdue)
START_SHARE, CALLBACK_SHARE = 0.4, 0.85
CASE_COLUMNS = (
    "id", "source", "source_key", "channel", "request_type", "title", "text", "category_code", "lat", "lon",
    "address", "district_code", "grid", "department_id", "sla_code", "status", "created_at", "updated_at",
    "dispatched_at", "accept_due_at", "accepted_at", "due_at", "resolved_at", "closed_at", "reply", "resolved",
    "satisfaction", "callback_at", "likes", "dislikes", "reopen_count", "reject_count", "reminder_count",
    "needs_review", "attributes", "version",
)  # fmt: skip
EVENT_COLUMNS = ("id", "case_id", "at", "actor", "action", "from_status", "to_status", "department_id", "note", "data")
CALLBACK_COLUMNS = ("id", "case_id", "at", "actor", "resolved", "satisfaction", "note")
CONTACT_COLUMNS = ("case_id", "name", "phone")
TABLES = {"cases": CASE_COLUMNS, "case_events": EVENT_COLUMNS, "callbacks": CALLBACK_COLUMNS}
TABLES["case_contacts"] = CONTACT_COLUMNS


@dataclass(frozen=True)
class Vocabulary:
    """Everything a chunk draws from, as arrays indexed by category, department, cell."""

    category_codes: pa.Array
    category_share: FloatArray
    request_types: tuple[tuple[str, ...], ...]
    request_type_cum: FloatArray  # (category, type) cumulative shares over all types
    hour_cum: FloatArray  # (category, 24) cumulative hour-of-day shares
    building: BoolArray  # construction complaints come from where building goes on
    accept_hours: FloatArray
    resolve_hours: FloatArray
    sla_codes: pa.Array
    route: IntArray  # (category, district) department index
    department_ids: IntArray
    department_actor: pa.Array  # "dept:<code>"
    quality: FloatArray  # (department, 5): late_accept, overdue, speed, resolved, satisfaction
    district_codes: pa.Array
    district_names: pa.Array
    cell_district: IntArray
    cell_lat: FloatArray
    cell_lon: FloatArray
    cell_people_cum: FloatArray
    cell_building_cum: FloatArray
    cell_ids: pa.Array
    cell_roads: pa.Array
    text_before: pa.Array  # (category, template, time) → text before the place
    text_after: pa.Array
    titles: pa.Array
    replies: pa.Array  # (department, category, template)
    names: pa.Array
    phone_prefixes: pa.Array
    channels: pa.Array
    channel_cum: FloatArray


def _cum(weights: Any) -> FloatArray:
    values = np.asarray(weights, dtype=np.float64)
    return np.asarray(np.cumsum(values) / values.sum(), dtype=np.float64)


def vocabulary(session: Session, city_seed: int = 1) -> Vocabulary:
    """The simulator's distributions with the loaded directory's owners and deadlines (adds the districts and
    district routing rules ``citybrain demo`` adds, if missing). Flushes, never commits."""
    city = build_city(city_seed)
    ensure_districts(session, city)
    ensure_rules(session)
    session.flush()
    directory = directory_for(session, city)
    departments = directory_repo.departments(session)
    dept_index = {d.code: i for i, d in enumerate(departments)}
    fallback = dept_index.get("urban_mgmt", 0)
    codes = [p.code for p in CATEGORIES]
    types = sorted({t for p in CATEGORIES for t in p.request_types})
    type_cum = np.array([_cum([p.request_types.get(t, 0.0) for t in types]) for p in CATEGORIES])
    route = np.array(
        [[dept_index.get(directory.routes.get((c, d.code)) or "", fallback) for d in city.districts] for c in codes]
    )
    district_index = {d.code: i for i, d in enumerate(city.districts)}
    dev = {d.code: d.development for d in city.districts}
    people = np.array([c.population for c in city.cells], dtype=np.float64)
    building = people * np.array([dev[c.district_code] for c in city.cells]) ** 2
    before, after = [], []
    for code in codes:
        templates = TOPICS[code][2]
        for k in range(2):
            template = templates[k % len(templates)]
            for time_zh in TIMES_ZH:
                head, _, tail = template.replace("{t}", time_zh).partition("{p}")
                before.append(head)
                after.append(tail)
    replies = [
        r.format(topic=TOPICS[c][0], dept=d.name_zh) for d in departments for c in codes for r in REPLIES_ZH
    ]  # fmt: skip
    qualities = [QUALITY.get(d.code, DEFAULT_QUALITY) for d in departments]
    return Vocabulary(
        category_codes=pa.array(codes),
        category_share=_cum([p.share for p in CATEGORIES]),
        request_types=(tuple(types),),
        request_type_cum=type_cum,
        hour_cum=np.array([_cum(HOURS[p.hours]) for p in CATEGORIES]),
        building=np.array([p.driver == "building" for p in CATEGORIES]),
        accept_hours=np.array([directory.sla[c].accept_hours for c in codes]),
        resolve_hours=np.array([directory.sla[c].resolve_hours for c in codes]),
        sla_codes=pa.array([directory.sla[c].code for c in codes]),
        route=route.astype(np.int64),
        department_ids=np.array([d.id for d in departments], dtype=np.int64),
        department_actor=pa.array([f"dept:{d.code}" for d in departments]),
        quality=np.array([[q.late_accept, q.overdue, q.speed, q.resolved, q.satisfaction] for q in qualities]),
        district_codes=pa.array([d.code for d in city.districts]),
        district_names=pa.array([f"{city.name_zh}{d.name_zh}" for d in city.districts]),
        cell_district=np.array([district_index[c.district_code] for c in city.cells], dtype=np.int64),
        cell_lat=np.array([c.lat for c in city.cells]),
        cell_lon=np.array([c.lon for c in city.cells]),
        cell_people_cum=_cum(people),
        cell_building_cum=_cum(building),
        cell_ids=pa.array([c.id for c in city.cells]),
        cell_roads=pa.array([c.road_zh for c in city.cells]),
        text_before=pa.array(before),
        text_after=pa.array(after),
        titles=pa.array([TOPICS[c][0] for c in codes]),
        replies=pa.array(replies),
        names=pa.array([s + g for s in SURNAMES for g in GIVEN]),
        phone_prefixes=pa.array(list(PHONE_PREFIXES)),
        channels=pa.array(list(CHANNELS)),
        channel_cum=_cum(list(CHANNELS.values())),
    )


@dataclass(frozen=True)
class Plan:
    """Where the cases go: ``total`` cases with ids from ``first_id``, created in [start, end) (µs since epoch)."""

    total: int
    first_id: int
    start_us: int
    end_us: int
    seed: int
    chunk: int = 100_000

    def chunks(self) -> list[tuple[int, int]]:
        """(chunk number, size) in id order."""
        return [
            (k, min(self.chunk, self.total - k * self.chunk))
            for k in range((self.total + self.chunk - 1) // self.chunk)
        ]


@dataclass
class Chunk:
    """One chunk's rows, ready for COPY: an Arrow table per table."""

    tables: dict[str, pa.Table]

    def rows(self) -> int:
        return sum(t.num_rows for t in self.tables.values())


def _draw(rng: np.random.Generator, cum: FloatArray, n: int) -> IntArray:
    return np.minimum(np.searchsorted(cum, rng.random(n), side="right"), len(cum) - 1).astype(np.int64)


def _draw_rows(rng: np.random.Generator, cum: FloatArray, rows: IntArray) -> IntArray:
    """Per row, an index drawn from row ``rows[i]`` of the cumulative table ``cum``."""
    u = rng.random(len(rows))
    drawn = np.minimum((u[:, None] >= cum[rows]).sum(axis=1), cum.shape[1] - 1)
    return np.asarray(drawn, dtype=np.int64)


def _ts(values: IntArray, valid: BoolArray | None = None) -> pa.Array:
    """UTC times without a zone: Arrow writes zoned ones 20 times slower; COPY reads them in the session's zone,
    which :func:`copy_payloads` sets to UTC."""
    mask = None if valid is None else ~valid
    return pa.array(values, type=pa.timestamp("us"), mask=mask)


def _ints(values: Any, valid: BoolArray | None = None, kind: pa.DataType | None = None) -> pa.Array:
    return pa.array(values, type=kind or pa.int64(), mask=None if valid is None else ~valid)


def _take(vocab: pa.Array, index: IntArray, valid: BoolArray | None = None) -> pa.Array:
    taken = vocab.take(pa.array(index))
    if valid is None:
        return taken
    return pc.if_else(pa.array(valid), taken, pa.nulls(len(index), type=pa.string()))


@dataclass
class _Life:
    """A chunk's case lifecycles: the time of every step (µs), and whether it happened by ``now``."""

    created: IntArray
    dispatched: IntArray
    accepted: IntArray
    started: IntArray
    resolved: IntArray
    called: IntArray
    closed: IntArray
    ended: IntArray  # invalidated or merged
    normal: BoolArray
    invalid: BoolArray
    merged: BoolArray
    has_start: BoolArray
    has_callback: BoolArray
    callback_ok: BoolArray
    satisfaction: IntArray


NEVER = np.iinfo(np.int64).max // 2


def _lives(rng: np.random.Generator, v: Vocabulary, created: IntArray, cat: IntArray, dept: IntArray) -> _Life:
    n = len(created)
    fate = rng.random(n)
    invalid, merged = fate < INVALID, (fate >= INVALID) & (fate < INVALID + MERGED)
    normal = ~invalid & ~merged
    stalled = normal & (rng.random(n) < STALLED)
    q = v.quality[dept]
    accept_h, resolve_h = v.accept_hours[cat], v.resolve_hours[cat]
    dispatched = created + rng.integers(60, 900, n) * US
    late = rng.random(n) < q[:, 0]
    accept_share = np.where(late, 1.0 + rng.exponential(1.0, n), rng.uniform(0.05, 0.95, n))
    accepted = dispatched + (accept_h * accept_share * HOUR).astype(np.int64)
    speed = q[:, 2]
    within = np.minimum(0.97, rng.beta(2.0, 2.0 * (1 - speed) / speed))
    share = np.where(rng.random(n) < q[:, 1], 1.0 + rng.exponential(0.4, n), within)
    resolved = np.maximum(
        dispatched + (resolve_h * share * HOUR).astype(np.int64), accepted + rng.integers(180, 1800, n) * US
    )
    resolved = np.where(stalled, NEVER, resolved)
    has_start = rng.random(n) < START_SHARE
    started = accepted + ((resolved - accepted) * rng.uniform(0.05, 0.3, n)).astype(np.int64)
    started = np.where(stalled, accepted + rng.integers(1, 48, n) * HOUR, started)
    has_start |= stalled
    has_callback = rng.random(n) < CALLBACK_SHARE
    called = resolved + (rng.uniform(2, 72, n) * HOUR).astype(np.int64)
    closed = np.where(
        has_callback,
        called + (rng.uniform(0.1, 4, n) * HOUR).astype(np.int64),
        resolved + (rng.uniform(72, 168, n) * HOUR).astype(np.int64),
    )
    callback_ok = rng.random(n) < q[:, 3]
    mean = np.where(callback_ok, q[:, 4], 2.0)
    satisfaction = np.clip(np.rint(rng.normal(mean, 0.8)), 1, 5).astype(np.int64)
    ended = np.where(
        invalid,
        created + (rng.uniform(0.05, 2, n) * HOUR).astype(np.int64),
        dispatched + (rng.uniform(0.1, 6, n) * HOUR).astype(np.int64),
    )
    return _Life(created, dispatched, accepted, started, resolved, called, closed, ended, normal, invalid, merged,
                 has_start, has_callback, callback_ok, satisfaction)  # fmt: skip


def _created(rng: np.random.Generator, plan: Plan, k: int, size: int, cat: IntArray, v: Vocabulary) -> IntArray:
    """Creation times: the chunk's slice of the span, day by day in id order, the hour from the category's
    profile (night construction at night, labour disputes in office hours)."""
    span = plan.end_us - plan.start_us
    first = k * plan.chunk
    position = np.sort(rng.random(size)) * size + first
    day_us = 86400 * US
    at = plan.start_us + (position / plan.total * span).astype(np.int64)
    day = at - (at % day_us)
    hour = _draw_rows(rng, v.hour_cum, cat)
    created = day + hour * HOUR + rng.integers(0, HOUR, size)
    return np.asarray(np.minimum(created, plan.end_us - 1), dtype=np.int64)


def generate_chunk(v: Vocabulary, plan: Plan, k: int, size: int, now_us: int) -> Chunk:
    """Chunk ``k`` of the plan: its cases, events, callbacks and contacts."""
    rng = np.random.default_rng([plan.seed, k])
    ids = plan.first_id + k * plan.chunk + np.arange(size, dtype=np.int64)
    cat = _draw(rng, v.category_share, size)
    created = _created(rng, plan, k, size, cat, v)
    cell = np.where(
        v.building[cat], _draw(rng, v.cell_building_cum, size), _draw(rng, v.cell_people_cum, size)
    )  # fmt: skip
    district = v.cell_district[cell]
    dept = v.route[cat, district]
    life = _lives(rng, v, created, cat, dept)
    cases = _case_table(rng, v, ids, cat, cell, district, dept, life, now_us)
    events = _event_table(v, ids, dept, cat, life, now_us, rng)
    has_cb = life.normal & life.has_callback & (life.called <= now_us)
    n_cb = int(has_cb.sum())
    callbacks = pa.table(
        {
            "id": _ints(np.arange(n_cb, dtype=np.int64)),  # offset by the loader
            "case_id": _ints(ids[has_cb]),
            "at": _ts(life.called[has_cb]),
            "actor": pa.array(["callback-centre"] * n_cb),
            "resolved": pa.array(life.callback_ok[has_cb]),
            "satisfaction": _ints(life.satisfaction[has_cb], kind=pa.int16()),
            "note": pa.array(["群众反映问题未解决"] * n_cb, mask=life.callback_ok[has_cb]),
        }
    )
    contacts = _contact_table(rng, v, ids)
    return Chunk({"cases": cases, "case_events": events, "callbacks": callbacks, "case_contacts": contacts})


def _case_table(
    rng: np.random.Generator, v: Vocabulary, ids: IntArray, cat: IntArray, cell: IntArray, district: IntArray,
    dept: IntArray, life: _Life, now: int,
) -> pa.Table:  # fmt: skip
    n = len(ids)
    by = {name: when <= now for name, when in vars(life).items() if name not in _FLAGS}
    normal = life.normal
    dispatched = (normal | life.merged) & by["dispatched"]
    accepted = normal & by["accepted"]
    started = accepted & life.has_start & by["started"]
    resolved = accepted & by["resolved"]
    called = resolved & life.has_callback & by["called"]
    closed = resolved & by["closed"]
    status = np.select(
        [life.invalid & by["ended"], life.merged & by["ended"], closed, resolved, started, accepted, dispatched],
        [6, 7, 5, 4, 3, 2, 1],
        0,
    )
    version = (
        1 + dispatched + accepted + started + resolved + called + closed + ((life.invalid | life.merged) & by["ended"])
    )
    updated = np.select(
        [(life.invalid | life.merged) & by["ended"], closed, called, resolved, started, accepted, dispatched],
        [life.ended, life.closed, life.called, life.resolved, life.started, life.accepted, life.dispatched],
        life.created,
    )
    template = rng.integers(0, 2, n)
    text_index = (cat * 2 + template) * len(TIMES_ZH) + rng.integers(0, len(TIMES_ZH), n)
    number = pc.cast(pa.array(rng.integers(1, 300, n)), pa.string())
    place = pc.binary_join_element_wise(v.cell_roads.take(pa.array(cell)), number, pa.scalar("号"), "")
    text = pc.binary_join_element_wise(_take(v.text_before, text_index), place, _take(v.text_after, text_index), "")
    reply_index = (dept * len(CATEGORIES) + cat) * len(REPLIES_ZH) + rng.integers(0, len(REPLIES_ZH), n)
    km_lat, km_lon = rng.uniform(-0.5, 0.5, n), rng.uniform(-0.5, 0.5, n)
    request_type = _draw_rows(rng, v.request_type_cum, cat)
    accept_due = life.dispatched + (v.accept_hours[cat] * HOUR).astype(np.int64)
    due = life.dispatched + (v.resolve_hours[cat] * HOUR).astype(np.int64)
    zeros = pa.array(np.zeros(n, dtype=np.int32))
    return pa.table(
        {
            "id": _ints(ids), "source": pa.array(["bench"] * n),
            "source_key": pc.binary_join_element_wise(pa.scalar("scale-"), pc.cast(pa.array(ids), pa.string()), ""),
            "channel": _take(v.channels, _draw(rng, v.channel_cum, n)),
            "request_type": _take(pa.array(v.request_types[0]), request_type),
            "title": _take(v.titles, cat), "text": text, "category_code": _take(v.category_codes, cat),
            "lat": pa.array(np.round(v.cell_lat[cell] + km_lat / KM_PER_DEG_LAT, 6)),
            "lon": pa.array(np.round(v.cell_lon[cell] + km_lon / KM_PER_DEG_LON, 6)),
            "address": pc.binary_join_element_wise(_take(v.district_names, district), place, ""),
            "district_code": _take(v.district_codes, district), "grid": _take(v.cell_ids, cell),
            "department_id": _ints(v.department_ids[dept], dispatched),
            "sla_code": _take(v.sla_codes, cat, dispatched),
            "status": _take(pa.array(STATUSES), status),
            "created_at": _ts(life.created), "updated_at": _ts(updated),
            "dispatched_at": _ts(life.dispatched, dispatched), "accept_due_at": _ts(accept_due, dispatched),
            "accepted_at": _ts(life.accepted, accepted), "due_at": _ts(due, dispatched),
            "resolved_at": _ts(life.resolved, resolved), "closed_at": _ts(life.closed, closed),
            "reply": _take(v.replies, reply_index, resolved),
            "resolved": pa.array(life.callback_ok, mask=~called),
            "satisfaction": _ints(life.satisfaction, called, pa.int16()), "callback_at": _ts(life.called, called),
            "likes": zeros, "dislikes": zeros, "reopen_count": zeros, "reject_count": zeros,
            "reminder_count": zeros, "needs_review": pa.array(np.zeros(n, dtype=bool)),
            "attributes": pa.array(['{"language": "zh"}'] * n), "version": _ints(version, kind=pa.int32()),
        }
    )  # fmt: skip


_FLAGS = {"normal", "invalid", "merged", "has_start", "has_callback", "callback_ok", "satisfaction"}
_CALLBACK_DATA = [json.dumps({"resolved": ok, "satisfaction": s}) for ok in (False, True) for s in range(1, 6)]


def _event_table(
    v: Vocabulary, ids: IntArray, dept: IntArray, cat: IntArray, life: _Life, now: int, rng: np.random.Generator
) -> pa.Table:
    """Every step that happened by ``now``, one row each, in (case, time) order."""
    normal = life.normal
    dispatch_ok = (normal | life.merged) & (life.dispatched <= now)
    steps: list[tuple[BoolArray, IntArray, int, int]] = [  # (happened, when, action, status after)
        (np.ones(len(ids), dtype=bool), life.created, 0, 0),
        (dispatch_ok, life.dispatched, 1, 1),
        (normal & (life.accepted <= now), life.accepted, 2, 2),
        (normal & life.has_start & (life.started <= now), life.started, 3, 3),
        (normal & (life.resolved <= now), life.resolved, 4, 4),
        (normal & life.has_callback & (life.called <= now), life.called, 5, 4),  # leaves it resolved
        (normal & (life.closed <= now), life.closed, 6, 5),
        (life.invalid & (life.ended <= now), life.ended, 7, 6),
        (life.merged & (life.ended <= now), life.ended, 8, 7),
    ]
    parts: dict[str, list[IntArray]] = {"row": [], "at": [], "action": [], "to": []}
    for happened, when, step_action, step_to in steps:
        rows = np.flatnonzero(happened)
        parts["row"].append(rows)
        parts["at"].append(when[rows])
        parts["action"].append(np.full(len(rows), step_action, dtype=np.int64))
        parts["to"].append(np.full(len(rows), step_to, dtype=np.int64))
    row, at = np.concatenate(parts["row"]), np.concatenate(parts["at"])
    order = np.lexsort((at, row))
    row, at = row[order], at[order]
    action, to = np.concatenate(parts["action"])[order], np.concatenate(parts["to"])[order]
    first = np.r_[True, row[1:] != row[:-1]]
    from_status = np.r_[0, to[:-1]]
    by_dept = np.isin(action, (2, 3, 4))
    actor_fixed = pa.array(["intake", "routing", "", "", "", "callback-centre", "system", "dispatcher", "dispatcher"])
    actor = pc.if_else(pa.array(by_dept), _take(v.department_actor, dept[row]), _take(actor_fixed, action))
    n = len(row)
    note_kind = np.select(
        [action == 4, (action == 5) & ~life.callback_ok[row], action == 7, action == 8], [1, 2, 3, 4], 0
    )
    reply_index = (dept[row] * len(CATEGORIES) + cat[row]) * len(REPLIES_ZH) + rng.integers(0, len(REPLIES_ZH), n)
    fixed_notes = pa.array([None, None, "群众反映问题未解决", "无效诉求", "重复诉求，已合并"], type=pa.string())
    note = pc.if_else(pa.array(note_kind == 1), _take(v.replies, reply_index), _take(fixed_notes, note_kind))
    data_index = life.callback_ok[row].astype(np.int64) * 5 + life.satisfaction[row] - 1
    return pa.table(
        {
            "id": _ints(np.arange(n, dtype=np.int64)),  # offset by the loader
            "case_id": _ints(ids[row]),
            "at": _ts(at),
            "actor": actor,
            "action": _take(pa.array(ACTIONS), action),
            "from_status": _take(pa.array(STATUSES), from_status, ~first),
            "to_status": _take(pa.array(STATUSES), to),
            "department_id": _ints(v.department_ids[dept[row]], action >= 1),
            "note": note,
            "data": _take(pa.array(_CALLBACK_DATA), data_index, action == 5),
        }
    )


def _contact_table(rng: np.random.Generator, v: Vocabulary, ids: IntArray) -> pa.Table:
    chosen = ids[rng.random(len(ids)) < CONTACT_SHARE]
    n = len(chosen)
    digits = pc.utf8_lpad(pc.cast(pa.array(rng.integers(0, 10000, n)), pa.string()), 4, "0")
    prefix = _take(v.phone_prefixes, rng.integers(0, len(v.phone_prefixes), n))
    return pa.table(
        {
            "case_id": _ints(chosen),
            "name": _take(v.names, rng.integers(0, len(v.names), n)),
            "phone": pc.binary_join_element_wise(prefix, pa.scalar("0000"), digits, ""),
        }
    )


def with_ids(chunk: Chunk, next_ids: dict[str, int]) -> Chunk:
    """Give the chunk's events and callbacks their ids from the running counters (and advance them)."""
    tables = dict(chunk.tables)
    for name in ("case_events", "callbacks"):
        table = tables[name]
        base = next_ids[name]
        ids = pa.array(np.arange(base, base + table.num_rows, dtype=np.int64))
        tables[name] = table.set_column(0, "id", ids)
        next_ids[name] = base + table.num_rows
    return Chunk(tables)


def csv_bytes(table: pa.Table) -> bytes:
    """The table as PostgreSQL's CSV COPY reads it: strings quoted (so "" is an empty string), NULL unquoted."""
    sink = io.BytesIO()
    pacsv.write_csv(table, sink, pacsv.WriteOptions(include_header=False, quoting_style="needed"))
    return sink.getvalue()


def copy_payloads(conn: Any, payloads: dict[str, bytes]) -> int:
    """COPY each table's CSV (cases first: the others reference them); returns the bytes sent."""
    sent = 0
    conn.execute("SET TimeZone = 'UTC'")  # the CSV's times are UTC without a zone
    with conn.cursor() as cur:
        for name, columns in TABLES.items():
            payload = payloads[name]
            with cur.copy(f"COPY {name} ({', '.join(columns)}) FROM STDIN (FORMAT csv)") as copy:
                for start in range(0, len(payload), 1 << 20):
                    copy.write(payload[start : start + (1 << 20)])
            sent += len(payload)
    return sent


def to_us(moment: datetime) -> int:
    return int(moment.timestamp() * US)
