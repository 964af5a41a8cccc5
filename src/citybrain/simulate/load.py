"""Write Demo City into the database: districts, a few district routing rules, and a year of cases.

Everything goes in one transaction (the caller's), in batches of Core ``executemany``: a year (~110,000 cases
with ~750,000 events) loads in well under a minute on SQLite. Loading the same seed again is a no-op; loading
another seed over it is refused until the old one is wiped (``reset``). Flushes, never commits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from citybrain.core.errors import Conflict, InvalidInput
from citybrain.directory import repository as directory_repo
from citybrain.directory import service as directory
from citybrain.models import District, RoutingRule
from citybrain.simulate import repository
from citybrain.simulate.city import City, build_city
from citybrain.simulate.lifecycle import Sla
from citybrain.simulate.profiles import CATEGORIES
from citybrain.simulate.streams import Directory, PlantedPattern, SimCase, Stream, generate

BATCH = 5000

#: District-specific owners (most specific rule wins): the Hi-Tech Zone's own construction office, and the
#: water bureau for Binjiang's river.
DISTRICT_RULES = (("construction", "D05", "planning"), ("environment.water", "D07", "water"))


@dataclass(frozen=True)
class LoadReport:
    seed: int
    cases: int
    events: int
    callbacks: int
    start: date | None
    end: date | None
    planted: tuple[PlantedPattern, ...]
    already_loaded: bool = False


def loaded_seed(session: Session) -> int | None:
    """The seed of the synthetic city in the database, if one is loaded."""
    key = repository.simulated_sample_key(session)
    if key is None:
        return None
    return int(key[1:].split("-", 1)[0])


def ensure_districts(session: Session, city: City) -> int:
    """Add the city's districts (区) that are missing; returns how many were added."""
    existing = repository.district_codes(session)
    rows = [
        District(
            code=d.code,
            name_zh=d.name_zh,
            name_en=d.name_en,
            center_lat=d.center_lat,
            center_lon=d.center_lon,
            geometry=d.geometry,
        )
        for d in city.districts
        if d.code not in existing
    ]
    repository.add_districts(session, rows)
    return len(rows)


def ensure_rules(session: Session) -> int:
    """Add the district routing rules whose department exists and that are not there yet."""
    existing = repository.district_rules(session)
    rows = []
    for category, district, department_code in DISTRICT_RULES:
        department = directory_repo.department_by_code(session, department_code)
        if department is not None and (category, district) not in existing:
            rows.append(RoutingRule(category_code=category, district_code=district, department_id=department.id))
    repository.add_rules(session, rows)
    return len(rows)


def directory_for(session: Session, city: City) -> Directory:
    """Owners and deadlines as the loaded directory has them (routing rules, SLA classes)."""
    routes: dict[tuple[str, str], str | None] = {}
    sla: dict[str, Sla] = {}
    for profile in CATEGORIES:
        category = directory_repo.category(session, profile.code)
        if category is None:
            raise InvalidInput(f"category {profile.code!r} is missing from the directory; run `citybrain db init`")
        policy = directory.sla_for(session=session, category=category)
        if policy is None:
            raise InvalidInput(f"no SLA policy for {profile.code!r}; run `citybrain db init`")
        sla[profile.code] = Sla(policy.code, policy.accept_hours, policy.resolve_hours)
        for district in city.districts:
            owner = directory.route(session=session, category_code=profile.code, district_code=district.code)
            routes[(profile.code, district.code)] = owner.code if owner else None
    departments = tuple(sorted(d.code for d in directory_repo.departments(session)))
    if not departments:
        raise InvalidInput("the directory has no departments; run `citybrain db init`")
    return Directory(routes, sla, departments)


def load_city(
    session: Session,
    *,
    seed: int = 1,
    days: int = 365,
    cases_per_day: float = 300,
    now: datetime | None = None,
    reset: bool = False,
    on_day: Callable[[int], None] | None = None,
    on_cases: Callable[[int], None] | None = None,
) -> LoadReport:
    """Generate and load Demo City for ``seed`` unless it is already there."""
    if days < 1 or days > 3660 or cases_per_day <= 0 or cases_per_day > 20000:
        raise InvalidInput("days must be 1–3660 and cases-per-day 1–20000")
    present = loaded_seed(session)
    if present is not None and reset:
        repository.delete_simulated(session)
    elif present == seed:
        return LoadReport(seed, repository.simulated_count(session), 0, 0, None, None, (), already_loaded=True)
    elif present is not None:
        raise Conflict(f"Demo City with seed {present} is already loaded; use --reset to replace it with seed {seed}")
    city = build_city(seed)
    ensure_districts(session, city)
    ensure_rules(session)
    stream = generate(
        city, days=days, cases_per_day=cases_per_day, seed=seed, now=now,
        directory=directory_for(session, city), on_day=on_day,
    )  # fmt: skip
    events, callbacks = load_stream(session, stream, on_cases=on_cases)
    return LoadReport(seed, len(stream.cases), events, callbacks, stream.start, stream.end, stream.planted)


def load_stream(session: Session, stream: Stream, *, on_cases: Callable[[int], None] | None = None) -> tuple[int, int]:
    """Insert the stream's cases with contacts, events and callbacks; returns (events, callbacks) written."""
    departments = {d.code: d.id for d in directory_repo.departments(session)}
    ids: dict[int, int] = {}
    n_events = n_callbacks = 0
    for first in range(0, len(stream.cases), BATCH):
        batch = stream.cases[first : first + BATCH]
        new_ids = repository.insert_cases(session, [_case_row(c, stream.seed, departments) for c in batch])
        ids.update(zip((c.index for c in batch), new_ids, strict=True))
        contacts: list[dict[str, Any]] = []
        events: list[dict[str, Any]] = []
        callbacks: list[dict[str, Any]] = []
        for case, case_id in zip(batch, new_ids, strict=True):
            contacts.append(_contact_row(case, case_id))
            events.extend(_event_row(e, case_id, departments) for e in case.events)
            callbacks.extend(
                {
                    "case_id": case_id,
                    "at": cb.at,
                    "actor": "callback-centre",
                    "resolved": cb.resolved,
                    "satisfaction": cb.satisfaction,
                    "note": cb.note,
                }  # fmt: skip
                for cb in case.callbacks
            )
        repository.insert_rows(session, "case_contacts", contacts)
        repository.insert_rows(session, "case_events", events)
        repository.insert_rows(session, "callbacks", callbacks)
        n_events, n_callbacks = n_events + len(events), n_callbacks + len(callbacks)
        if on_cases:
            on_cases(len(batch))
    pairs = [(ids[c.index], ids[c.duplicate_of]) for c in stream.cases if c.duplicate_of is not None]
    repository.link_duplicates(session, pairs)
    return n_events, n_callbacks


def _contact_row(case: SimCase, case_id: int) -> dict[str, Any]:
    """The citizen's personal data, kept apart from the case (case_contacts)."""
    return {
        "case_id": case_id,
        "name": case.contact_name,
        "phone": case.contact_phone,
        "email": case.contact_email,
        "id_number": None,
        "account_id": None,
        "device_id": None,
    }


def _event_row(event: Any, case_id: int, departments: dict[str, int]) -> dict[str, Any]:
    return {
        "case_id": case_id,
        "at": event.at,
        "actor": event.actor,
        "action": event.action,
        "from_status": event.from_status,
        "to_status": event.to_status,
        "department_id": departments.get(event.department) if event.department else None,
        "note": event.note,
        "data": event.data,
    }


def _case_row(case: SimCase, seed: int, departments: dict[str, int]) -> dict[str, Any]:
    s, t = case.state, case.text
    return {
        "source": repository.SOURCE, "source_key": f"s{seed}-{case.index}", "channel": case.channel,
        "request_type": case.request_type, "title": t.title, "text": t.text, "category_code": case.category,
        "source_category": None, "lat": case.lat, "lon": case.lon, "address": t.address, "zipcode": None,
        "district_code": case.district, "grid": case.grid,
        "department_id": departments.get(s.department) if s.department else None,
        "sla_code": case.sla_code if s.dispatched_at else None, "status": s.status,
        "created_at": case.created_at, "updated_at": s.updated_at or case.created_at,
        "dispatched_at": s.dispatched_at, "accept_due_at": s.accept_due_at, "accepted_at": s.accepted_at,
        "due_at": s.due_at, "resolved_at": s.resolved_at, "closed_at": s.closed_at, "reply": s.reply,
        "status_notes": None, "resolved": s.resolved, "satisfaction": s.satisfaction, "callback_at": s.callback_at,
        "likes": 0, "dislikes": 0, "duplicate_of": None, "reopen_count": s.reopen_count,
        "reject_count": s.reject_count, "reminder_count": s.reminder_count, "escalated_at": s.escalated_at,
        "media_url": None, "attributes": {"language": t.language}, "token": None, "import_batch_id": None,
        "version": s.version,
    }  # fmt: skip
