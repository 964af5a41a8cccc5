"""What an Open311 client sends, read and checked before any database work.

Parsing happens outside the transaction on purpose: a request that is malformed never takes SQLite's write
lock, so bad clients cannot slow down good ones. "Optional" in the spec means an empty parameter is the same
as a missing one, so every reader here turns ``""`` into ``None``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal

from starlette.datastructures import ImmutableMultiDict

from citybrain.core import clock
from citybrain.core.errors import InvalidInput, NotFound
from citybrain.core.inputs import ascii_digits, check_datetime, check_text
from citybrain.core.settings import Settings

Lang = Literal["zh", "en"]

MAX_DESCRIPTION = 4000
_HTML_TAG = re.compile(r"<\s*/?\s*[A-Za-z!][^>]*>")
_ATTRIBUTE = re.compile(r"^attribute\[([^\[\]]+)\](\[\])?$")


#: Starlette's FormData and QueryParams are both this.
MultiMap = ImmutableMultiDict[str, Any]


def optional(params: MultiMap | Mapping[str, Any], name: str, max_length: int = 1000) -> str | None:
    """A parameter, with empty meaning missing; too long is a 400 rather than a silent cut."""
    value = params.get(name)
    if not isinstance(value, str):
        return None
    value = value.strip()
    if not value:
        return None
    if len(value) > max_length:
        raise InvalidInput(f"{name} is longer than {max_length} characters")
    return check_text(name, value)


def language(explicit: str | None, accept_language: str | None, default: str) -> Lang:
    """``?lang=`` wins, then the first Accept-Language tag, then the server's default language."""
    for candidate in (explicit, (accept_language or "").split(",")[0], default):
        tag = (candidate or "").strip().lower()
        if tag.startswith("en"):
            return "en"
        if tag.startswith("zh"):
            return "zh"
    return "zh"


def check_jurisdiction(given: str | None, settings: Settings) -> None:
    """One endpoint, one jurisdiction: naming it is optional, naming another is a 404."""
    if given is not None and given != settings.jurisdiction_id:
        raise NotFound(f"jurisdiction_id {given!r} not found; this endpoint serves {settings.jurisdiction_id!r}")


def parse_datetime(name: str, value: str, settings: Settings) -> datetime:
    """A W3C datetime; a bare date or a zone-less time is read in the city's time zone."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        try:
            parsed = datetime.combine(date.fromisoformat(value), time())
        except ValueError:
            raise InvalidInput(f"{name} must be a W3C datetime such as 2010-01-01T00:00:00Z, not {value!r}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=clock.city_zone(settings.timezone))
    try:
        return check_datetime(name, clock.as_utc(parsed))
    except OverflowError:  # year 1 east of UTC, year 9999 west of it
        return check_datetime(name, datetime.min.replace(tzinfo=UTC))


def _number(name: str, value: str, low: float, high: float) -> float:
    try:
        number = float(value)
    except ValueError:
        raise InvalidInput(f"{name} must be a number, not {value!r}") from None
    if math.isnan(number) or not low <= number <= high:
        raise InvalidInput(f"{name} must be between {low:g} and {high:g}")
    return number


@dataclass(frozen=True)
class Location:
    lat: float | None = None
    lon: float | None = None
    address_string: str | None = None
    address_id: str | None = None


def parse_location(form: MultiMap) -> Location:
    lat, lon = optional(form, "lat", 64), optional(form, "long", 64)
    if (lat is None) != (lon is None):
        raise InvalidInput("lat and long must be sent together")
    location = Location(
        lat=_number("lat", lat, -90, 90) if lat is not None else None,
        lon=_number("long", lon, -180, 180) if lon is not None else None,
        address_string=optional(form, "address_string", 500),
        address_id=optional(form, "address_id", 128),
    )
    if location.lat is None and location.address_string is None and location.address_id is None:
        raise InvalidInput("a location is required: lat and long, or address_string, or address_id")
    return location


def parse_attributes(form: MultiMap) -> dict[str, list[str]]:
    """``attribute[CODE]=v`` and ``attribute[CODE][]=v1&attribute[CODE][]=v2`` → ``{CODE: [v, …]}``."""
    found: dict[str, list[str]] = {}
    for key in form.keys():
        match = _ATTRIBUTE.match(key)
        if match is None:
            continue
        values = [v.strip() for v in form.getlist(key) if isinstance(v, str) and v.strip()]
        if values:
            found.setdefault(match.group(1), []).extend(values)
    return found


def parse_description(form: MultiMap) -> str | None:
    description = form.get("description")
    if not isinstance(description, str) or not description.strip():
        return None
    description = description.strip()
    if len(description) > MAX_DESCRIPTION:
        raise InvalidInput(f"description is longer than {MAX_DESCRIPTION} characters")
    if _HTML_TAG.search(description):
        raise InvalidInput("description must be plain text: HTML or code is not accepted")
    return description


@dataclass(frozen=True)
class Submitter:
    """The citizen's personal data: stored apart (case_contacts) and never shown by Open311 GET."""

    email: str | None = None
    phone: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    account_id: str | None = None
    device_id: str | None = None

    def full_name(self) -> str | None:
        parts = [p for p in (self.first_name, self.last_name) if p]
        if not parts:
            return None
        if all(re.search(r"[\u4e00-\u9fff]", p) for p in parts):
            return "".join(reversed(parts))  # Chinese names put the family name first: 张 + 三
        return " ".join(parts)


def parse_submitter(form: MultiMap) -> Submitter:
    email = optional(form, "email", 320)
    if email is not None and "@" not in email:
        raise InvalidInput(f"email {email!r} is not an e-mail address")
    return Submitter(
        email=email,
        phone=optional(form, "phone", 64),
        first_name=optional(form, "first_name", 100),
        last_name=optional(form, "last_name", 100),
        account_id=optional(form, "account_id", 128),
        device_id=optional(form, "device_id", 128),
    )


@dataclass(frozen=True)
class NewRequest:
    """A POST requests body that is well-formed; the service checks it against the catalogue."""

    service_code: str | None  # None: the citizen did not choose; intake's classifier reads the description
    location: Location
    attributes: dict[str, list[str]]
    submitter: Submitter
    description: str | None
    media_url: str | None


def parse_new_request(form: MultiMap, *, classifier: bool = False) -> NewRequest:
    """A POST body; without ``service_code`` only when a ``classifier`` reads the description (triage)."""
    service_code = optional(form, "service_code", 64)
    description = parse_description(form)
    if service_code is None and not (classifier and description):
        why = "a description for the classifier to read" if classifier else "a classifier model to read the text"
        raise InvalidInput(f"service_code was not provided (and there is no {why})")
    media_url = optional(form, "media_url", 1000)
    if media_url is not None and not media_url.lower().startswith(("http://", "https://")):
        raise InvalidInput("media_url must be an http:// or https:// URL")
    return NewRequest(
        service_code=service_code,
        location=parse_location(form),
        attributes=parse_attributes(form),
        submitter=parse_submitter(form),
        description=description,
        media_url=media_url,
    )


@dataclass(frozen=True)
class RequestQuery:
    """GET requests filters. ``ids`` overrides every other filter, as the spec says."""

    ids: list[int] = field(default_factory=list)
    service_codes: list[str] = field(default_factory=list)
    start: datetime | None = None
    end: datetime | None = None
    statuses: frozenset[str] = frozenset()
    page: int = 1
    page_size: int = 1000


def _comma_list(params: MultiMap, name: str) -> list[str]:
    raw = optional(params, name, 20_000) or ""
    return [part.strip() for part in raw.split(",") if part.strip()]


def _positive_int(params: MultiMap, name: str, default: int, maximum: int) -> int:
    raw = optional(params, name, 16)
    if raw is None:
        return default
    if not ascii_digits(raw) or not 1 <= int(raw) <= maximum:
        raise InvalidInput(f"{name} must be a whole number from 1 to {maximum}, not {raw!r}")
    return int(raw)


def _ids(params: MultiMap, limit: int) -> list[int]:
    ids = _comma_list(params, "service_request_id")
    if any(not ascii_digits(part) or len(part) > 18 for part in ids):
        raise InvalidInput("service_request_id must be a comma-separated list of request numbers")
    if len(ids) > limit:
        raise InvalidInput(f"at most {limit} service_request_id values at once")
    return [int(part) for part in ids]


def _window(params: MultiMap, settings: Settings) -> tuple[datetime, datetime]:
    """The requested_datetime window; without dates, the last ``open311_default_days`` days."""
    days = timedelta(days=settings.open311_default_days)
    start_raw, end_raw = optional(params, "start_date", 64), optional(params, "end_date", 64)
    start = parse_datetime("start_date", start_raw, settings) if start_raw else None
    end = parse_datetime("end_date", end_raw, settings) if end_raw else None
    if start is None and end is None:
        end = clock.utcnow()
    if start is None:
        assert end is not None
        start = end - days
    if end is None:
        end = start + days
    if start > end:
        raise InvalidInput("start_date is after end_date")
    return start, end


def parse_request_query(params: MultiMap, settings: Settings) -> RequestQuery:
    max_size = settings.open311_max_page_size
    ids = _ids(params, max_size)
    if ids:
        return RequestQuery(ids=ids, page_size=max_size)
    statuses = frozenset(part.lower() for part in _comma_list(params, "status"))
    if not statuses <= {"open", "closed"}:
        raise InvalidInput("status must be open, closed or both (comma-separated)")
    start, end = _window(params, settings)
    return RequestQuery(
        service_codes=_comma_list(params, "service_code"),
        start=start,
        end=end,
        statuses=statuses,
        page=_positive_int(params, "page", 1, 1_000_000),
        page_size=_positive_int(params, "page_size", min(1000, max_size), max_size),
    )
