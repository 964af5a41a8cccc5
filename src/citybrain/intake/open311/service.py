"""Open311 rules: take in a citizen's request as a case, and show cases to the public without personal data.

A POST is checked here (:func:`prepare`: key, service, attributes) and written by the intake writer
(``intake/writer.py``), which plans the case with ``cases.plan.plan_case`` — routed and dispatched (派单) as
the staff API would — commits it with others, and only then lets the route answer. A GET shows the
public view of cases: never the submitter's name, phone or e-mail; phone / ID-card numbers / e-mail
addresses written into the free text are masked, and so are the house and room numbers of the address; lat/long
are the centre of a ~``CITYBRAIN_PUBLIC_LOCATION_M`` cell (``core.privacy.coarsen_point``), not the citizen's door.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row
from sqlalchemy.orm import Session

from citybrain.auth import repository as auth_repository
from citybrain.auth.roles import Permission, Principal
from citybrain.cases import repository as cases_repository
from citybrain.cases.lifecycle import Status, open311_status
from citybrain.cases.plan import plan_case
from citybrain.cases.schemas import ContactIn, NewCase
from citybrain.core import clock, ids
from citybrain.core.errors import Forbidden, InvalidInput, NotFound
from citybrain.core.ids import hash_secret
from citybrain.core.inputs import ascii_digits
from citybrain.core.privacy import coarsen_point, mask_address, mask_text
from citybrain.core.settings import Settings
from citybrain.directory import service as directory_service
from citybrain.directory.snapshot import AttributeInfo, CategoryInfo, DirectorySnapshot, load_snapshot
from citybrain.intake.open311 import repository
from citybrain.intake.open311.catalogue import name_of
from citybrain.intake.open311.schemas import Lang, NewRequest, RequestQuery, parse_datetime
from citybrain.intake.writer import Accepted, Intake, Prepare
from citybrain.models import ApiKey

#: Title of a request whose citizen chose no service (the classifier decides its category).
UNCLASSIFIED: dict[Lang, str] = {"zh": "市民诉求", "en": "citizen request"}
#: Key under which ``address_id`` is kept in ``Case.attributes`` ("@" cannot start an attribute code we accept).
ADDRESS_ID_KEY = "@address_id"


WRONG_KEY = "invalid or revoked API key"


def authorize_key(api_key: str | None, key: ApiKey | None) -> Principal:
    """The spec answers 403 for a missing or invalid api_key, and so do we for a key that may not submit."""
    if not api_key:
        raise Forbidden("api_key was not provided; ask the centre for one (citybrain apikey create NAME --role app)")
    if key is None or key.revoked_at is not None:
        raise Forbidden(WRONG_KEY)
    principal = Principal(name=key.name, role=key.role, department_id=key.department_id)
    if not principal.can(Permission.SUBMIT):
        raise Forbidden(f"this api_key (role {principal.role}) may not submit requests")
    return principal


def requestable(directory: DirectorySnapshot, code: str) -> CategoryInfo:
    """The category behind ``service_code``: 404 if unknown or retired, 400 if it is only a group."""
    category = directory.categories.get(code)
    if category is None or not category.active:
        raise NotFound(f"service_code {code!r} not found")
    if category.level < 2 and code in directory.parents:
        raise InvalidInput(f"service_code {code!r} is a group; request one of its services (see services.json)")
    return category


def _one(attribute: AttributeInfo, values: list[str]) -> str:
    if len(values) > 1:
        raise InvalidInput(f"attribute[{attribute.code}] takes one value, got {len(values)}")
    return values[0]


def _check_keys(attribute: AttributeInfo, values: list[str]) -> None:
    keys = {str(v.get("key", "")) for v in attribute.values}
    unknown = [v for v in values if v not in keys]
    if unknown:
        allowed = ", ".join(sorted(keys))
        raise InvalidInput(f"attribute[{attribute.code}]: {unknown[0]!r} is not one of its values ({allowed})")


def _attribute_value(attribute: AttributeInfo, values: list[str], settings: Settings) -> Any:
    datatype = attribute.datatype
    if datatype == "multivaluelist":
        _check_keys(attribute, values)
        return values
    value = _one(attribute, values)
    if datatype == "singlevaluelist":
        _check_keys(attribute, [value])
        return value
    if datatype == "number":
        try:
            number = float(value)
        except ValueError:
            raise InvalidInput(f"attribute[{attribute.code}] must be a number, not {value!r}") from None
        if not math.isfinite(number):  # NaN and ∞ are not JSON: SQLite stored them as such, PostgreSQL refused
            raise InvalidInput(f"attribute[{attribute.code}] must be a finite number, not {value!r}")
        return int(number) if number.is_integer() else number
    if datatype == "datetime":
        return clock.iso(parse_datetime(f"attribute[{attribute.code}]", value, settings))
    if len(value) > 4000:
        raise InvalidInput(f"attribute[{attribute.code}] is longer than 4000 characters")
    return value


def validate_attributes(
    definition: Sequence[AttributeInfo], given: dict[str, list[str]], settings: Settings
) -> dict[str, Any]:
    """Check ``attribute[...]`` answers against the service definition (required, list keys, numbers)."""
    by_code = {a.code: a for a in definition if a.variable}
    unknown = sorted(set(given) - set(by_code))
    if unknown:
        raise InvalidInput(f"attribute[{unknown[0]}] is not an attribute of this service")
    answers: dict[str, Any] = {}
    for code, attribute in by_code.items():
        values = given.get(code)
        if not values:
            if attribute.required:
                raise InvalidInput(f"attribute[{code}] is required: {attribute.description or code}")
            continue
        answers[code] = _attribute_value(attribute, values, settings)
    return answers


def _title(description: str | None, service_name: str) -> str:
    if not description:
        return service_name
    first_line = description.splitlines()[0].strip()
    return first_line[:80] or service_name


def _new_case(data: NewRequest, attributes: dict[str, Any], service_name: str) -> NewCase:
    person = data.submitter
    if data.location.address_id:
        attributes[ADDRESS_ID_KEY] = data.location.address_id
    return NewCase(
        channel="open311",
        source="open311",
        title=_title(data.description, service_name),
        text=data.description or "",
        category_code=data.service_code,
        lat=data.location.lat,
        lon=data.location.lon,
        address=data.location.address_string,
        media_url=data.media_url,
        attributes=attributes or None,
        contact=ContactIn(
            name=person.full_name(),
            phone=person.phone,
            email=person.email,
            account_id=person.account_id,
            device_id=person.device_id,
        ),
    )


def notice(lang: Lang, settings: Settings, department: str | None, due: datetime | None, status: str) -> str:
    """What the citizen can expect next (service_notice), in the city's local time."""
    zh = lang == "zh"
    if open311_status(status) == "closed":
        return "已结案" if zh else "closed"
    if status == Status.RESOLVED:
        return "已办结答复，等待回访" if zh else "answered; awaiting the check-back with the citizen"
    if status == Status.RECEIVED or not department:
        return "已受理，等待派单" if zh else "received; awaiting dispatch to a department"
    if due is None:
        return f"已派单至{department}" if zh else f"dispatched to {department}"
    local = due.astimezone(clock.city_zone(settings.timezone)).strftime("%Y-%m-%d %H:%M")
    if zh:
        return f"已派单至{department}，办结时限 {local}"
    return f"dispatched to {department}; due by {local} ({settings.timezone})"


def prepare(data: NewRequest, api_key: str | None, settings: Settings, lang: Lang) -> Prepare:
    """The checks of a POST, in the spec's order (403, then 404 / 400), run by the intake writer per request."""

    def check(directory: DirectorySnapshot, key: ApiKey | None) -> Intake:
        principal = authorize_key(api_key, key)
        actor = f"open311:{principal.name}"
        if data.service_code is None:  # no service chosen: triage classifies the description
            if data.attributes:
                raise InvalidInput("attribute[...] answers need a service_code")
            return Intake(case=_new_case(data, {}, UNCLASSIFIED[lang]), actor=actor)
        category = requestable(directory, data.service_code)
        answers = validate_attributes(directory.attributes.get(category.code, ()), data.attributes, settings)
        new_case = _new_case(data, answers, name_of(category, lang))
        token = ids.new_token() if category.service_type == "batch" else None
        return Intake(case=new_case, actor=actor, token=token)

    return check


def answer(accepted: Accepted, data: NewRequest, settings: Settings, lang: Lang) -> dict[str, Any]:
    """The POST's answer: the id (or the batch token) and what the citizen can expect next."""
    body: dict[str, Any] = {}
    if accepted.token is not None:
        body["token"] = accepted.token
    else:
        body["service_request_id"] = str(accepted.case_id)
    planned = accepted.planned
    department = name_of(planned.department, lang) if planned.department else None
    body["service_notice"] = notice(lang, settings, department, planned.due_at, planned.status)
    body["account_id"] = data.submitter.account_id
    return body


def submit(
    *, session: Session, settings: Settings, api_key: str | None, data: NewRequest, lang: Lang
) -> dict[str, Any]:
    """POST requests one at a time in the caller's transaction (the server uses the intake writer instead)."""
    directory = load_snapshot(session)
    key_hash = hash_secret(api_key) if api_key else None
    key = auth_repository.by_hashes(session, [key_hash]).get(key_hash) if key_hash else None
    intake = prepare(data, api_key, settings, lang)(directory, key)
    planned = plan_case(intake.case, directory, clock.utcnow(), intake.actor)
    planned.case["token"] = intake.token
    (case_id,) = cases_repository.insert_planned(session, [planned])
    return answer(Accepted(case_id, planned, intake.token), data, settings, lang)


def public_request(
    row: Row[Any], lang: Lang, settings: Settings, city_phones: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """One case as Open311 shows it to anyone: no contact fields, free text masked, the point coarsened.

    ``city_phones``: the departments' own numbers (``directory.service.city_phone_numbers``), which stay readable
    in the city's status notes and reply; every other number is masked.
    """
    status = open311_status(row.status)
    service_name = (row.category_en if lang == "en" and row.category_en else row.category_zh) or None
    department = (row.department_en if lang == "en" and row.department_en else row.department_zh) or None
    attributes = row.attributes or {}
    updated = row.closed_at if status == "closed" and row.closed_at else row.updated_at
    lat, lon = coarsen_point(row.lat, row.lon, settings.public_location_m)
    return {
        "service_request_id": str(row.id),
        "status": status,
        "status_notes": mask_text(row.status_notes or row.reply, city_phones) or None,
        "service_name": service_name,
        "service_code": row.category_code,
        "description": mask_text(row.text) or None,
        "agency_responsible": department,
        "service_notice": notice(lang, settings, department, row.due_at, row.status),
        "requested_datetime": clock.iso(row.created_at),
        "updated_datetime": clock.iso(updated),
        "expected_datetime": clock.iso(row.due_at),
        "address": mask_address(row.address),
        "address_id": attributes.get(ADDRESS_ID_KEY) if isinstance(attributes, dict) else None,
        "zipcode": row.zipcode,
        "lat": lat,
        "long": lon,
        "media_url": row.media_url,
    }


def find_requests(*, session: Session, settings: Settings, query: RequestQuery, lang: Lang) -> list[dict[str, Any]]:
    """GET requests: ids override everything else; otherwise the filtered, paged window."""
    if query.ids:
        rows = repository.public_cases_by_id(session, query.ids)
    else:
        rows = repository.public_cases(
            session,
            service_codes=query.service_codes,
            start=query.start,
            end=query.end,
            statuses=query.statuses,
            offset=(query.page - 1) * query.page_size,
            limit=query.page_size,
        )
    phones = directory_service.city_phone_numbers(session) if rows else frozenset()
    return [public_request(row, lang, settings, phones) for row in rows]


def get_request(*, session: Session, settings: Settings, request_id: str, lang: Lang) -> list[dict[str, Any]]:
    """GET requests/{id}: still an array (of one), as the spec's JSON shows."""
    if not ascii_digits(request_id) or len(request_id) > 18:
        raise NotFound(f"service request {request_id!r} not found")
    rows = repository.public_cases_by_id(session, [int(request_id)])
    if not rows:
        raise NotFound(f"service request {request_id} not found")
    return [public_request(rows[0], lang, settings, directory_service.city_phone_numbers(session))]


def token_lookup(*, session: Session, token: str) -> list[dict[str, Any]]:
    """GET tokens/{token}: which request a batch service's token became."""
    case_id = repository.case_id_by_token(session, token)
    if case_id is None:
        raise NotFound(f"token {token!r} not found")
    return [{"service_request_id": str(case_id), "token": token}]
