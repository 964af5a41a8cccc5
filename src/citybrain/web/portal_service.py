"""The citizens' portal (市民诉求门户): what it checks before intake, and what it shows of a request.

The portal is a page, not a second intake. A submission is read as an Open311 POST
(``intake.open311.schemas.parse_new_request``), checked by the same ``intake.open311.service.prepare`` (API key,
service, attributes) and written by the process's intake writer — with the portal's own API key
(``CITYBRAIN_PORTAL_API_KEY``), which stays on the server. What the portal adds:

- the checks a citizen's form needs, with messages in Chinese and English (a description is required here;
  Open311 does not require one), and nothing but the form's own fields passed on;
- "not sure" (:data:`NOT_SURE`) as the category: the request goes in without one and intake's classifier
  reads it, as for any channel;
- the case is recorded as channel ``web`` (网站留言) with source ``portal``, its actor ``portal:<key name>``;
- a limit per client address on submissions (``CITYBRAIN_PORTAL_SUBMITS_PER_HOUR``, :func:`submission_slot`);
- the follow view (进度查询) masks as Open311 GET does — no contact data, phone / ID / e-mail in free text
  masked — and also hides the digits of the address (house and room numbers).
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, tzinfo
from typing import Any

from sqlalchemy.orm import Session
from starlette.datastructures import ImmutableMultiDict

from citybrain.cases import repository as cases_repository
from citybrain.cases import voices_repository as voices
from citybrain.cases.lifecycle import open311_status, status_name
from citybrain.core import clock
from citybrain.core.errors import CityBrainError, Forbidden, InvalidInput, NotFound, TooManyRequests
from citybrain.core.inputs import ascii_digits
from citybrain.core.privacy import mask_address
from citybrain.core.settings import Settings
from citybrain.directory.snapshot import AttributeInfo, DirectorySnapshot
from citybrain.intake.open311 import catalogue, repository
from citybrain.intake.open311 import service as open311
from citybrain.intake.open311.schemas import MAX_DESCRIPTION, Lang, MultiMap, NewRequest, parse_new_request
from citybrain.intake.writer import Accepted, Intake, Prepare
from citybrain.web import portal_public, portal_rating
from citybrain.web.ratelimit import Refused, SlidingWindow

log = logging.getLogger(__name__)

#: The form's fields and the Open311 parameter each becomes; anything else a browser sends is dropped.
FORM_FIELDS = {
    "service_code": "service_code",
    "description": "description",
    "lat": "lat",
    "long": "long",
    "address_string": "address_string",
    "name": "first_name",
    "phone": "phone",
}
_ATTRIBUTE_FIELD = re.compile(r"^attribute\[[^\[\]]+\](\[\])?$")
#: The form's "not sure" category (不确定，请帮我分类): no service_code is passed on, so intake's triage classifies
#: the description (and dispatches it when sure enough, else the case waits in the human dispatch queue).
NOT_SURE = "auto"


class PortalClosed(CityBrainError):
    """The portal has no submitting identity (CITYBRAIN_PORTAL_API_KEY), or intake refused it (HTTP 503)."""

    status_code = 503
    code = "portal_closed"


CLOSED_MESSAGE = (
    "网上提交暂未开放，请拨打 12345 市民服务热线 / Online submission is not available right now; "
    "please call the 12345 hotline."
)


def portal_key(settings: Settings) -> str:
    key = settings.portal_api_key.get_secret_value()
    if not key:
        raise PortalClosed(CLOSED_MESSAGE)
    return key


# --- submitting (我要反映) ------------------------------------------------------------------------------


def too_many_submissions(retry_after: int) -> TooManyRequests:
    minutes = max(1, math.ceil(retry_after / 60))
    return TooManyRequests(
        f"提交过于频繁，请 {minutes} 分钟后再试 / Too many submissions from this address; "
        f"try again in {minutes} minute{'s' if minutes > 1 else ''}.",
        retry_after=retry_after,
        code="too_many_submissions",
    )


@contextmanager
def submission_slot(limiter: SlidingWindow, address: str) -> Iterator[None]:
    """Hold one of ``address``'s submissions for the block (429 when none is left); a refused one is given back.

    Only a submission that was filed counts: a 400 / 404 / 503 (or any error) inside the block returns the slot,
    so a citizen correcting the form does not use up the budget. Taking the slot first means concurrent
    submissions from one address cannot all get past the limit.
    """
    slot = limiter.take(address)
    if isinstance(slot, Refused):
        raise too_many_submissions(slot.retry_after)
    try:
        yield
    except Exception:
        limiter.give_back(slot)
        raise


def citizen_form(pairs: list[tuple[str, str]]) -> MultiMap:
    """The form as Open311 parameters, after the checks a citizen's form needs (bilingual 400s)."""
    kept: list[tuple[str, str]] = []
    for name, value in pairs:
        if name in FORM_FIELDS:
            kept.append((FORM_FIELDS[name], value))
        elif _ATTRIBUTE_FIELD.match(name):
            kept.append((name, value))
    form: MultiMap = ImmutableMultiDict(kept)
    _check(form)
    if _given(form, "service_code") == NOT_SURE:
        form = ImmutableMultiDict([(name, value) for name, value in kept if name != "service_code"])
    return form


def _given(form: MultiMap, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _check(form: MultiMap) -> None:
    if not _given(form, "service_code"):
        raise InvalidInput("请选择诉求类别 / Please choose a category.", code="missing_service_code")
    description = _given(form, "description")
    if not description:
        raise InvalidInput("请描述您反映的问题 / Please describe the problem.", code="missing_description")
    if len(description) > MAX_DESCRIPTION:
        raise InvalidInput(
            f"问题描述不能超过 {MAX_DESCRIPTION} 字 / The description is longer than {MAX_DESCRIPTION} characters.",
            code="invalid_description",
        )
    lat, lon = _given(form, "lat"), _given(form, "long")
    if bool(lat) != bool(lon):
        raise InvalidInput("纬度和经度要一起填写 / Give both latitude and longitude.", code="invalid_location")
    if not lat and not _given(form, "address_string"):
        raise InvalidInput(
            "请填写地点：地址或位置描述，或经纬度 / Please say where: an address or description of the place, "
            "or latitude and longitude.",
            code="missing_location",
        )


def parse(form: MultiMap, *, classifier: bool) -> NewRequest:
    """The Open311 reading of the form; its refusals (lat out of range, HTML, too long…) in both languages.

    ``classifier``: intake has a model to read a request without a category ("not sure", :data:`NOT_SURE`).
    """
    try:
        return parse_new_request(form, classifier=classifier)
    except CityBrainError as exc:
        raise _bilingual(exc) from None


def prepare(data: NewRequest, api_key: str, settings: Settings, code_hash: str) -> Prepare:
    """Open311's checks of the request (key, service, attributes), then the portal's channel and source.

    ``code_hash``: the stored form of the follow code (查询码, :mod:`citybrain.web.portal_rating`), kept in the
    contact row's ``device_id`` (the form never sends one) so that only the submitter can rate the reply.
    """
    check = open311.prepare(data, api_key, settings, "zh")

    def portal_check(directory: DirectorySnapshot, key: Any) -> Intake:
        """The same check (with the writer's directory snapshot and API-key row), in the portal's words."""
        try:
            intake = check(directory, key)
        except CityBrainError as exc:
            raise _bilingual(exc, directory.attributes.get(data.service_code or "", ())) from None
        contact = intake.case.contact.model_copy(update={"device_id": code_hash})
        case = intake.case.model_copy(update={"channel": "web", "source": "portal", "contact": contact})
        return replace(intake, case=case, actor="portal:" + intake.actor.removeprefix("open311:"))

    return portal_check


def _bilingual(exc: CityBrainError, attributes: Sequence[AttributeInfo] = ()) -> CityBrainError:
    """An Open311 refusal as the citizen should read it; the original English detail stays beside it."""
    if isinstance(exc, Forbidden):  # the portal's key, not the citizen: nothing they can correct
        log.error("the portal's API key was refused by intake: %s (check CITYBRAIN_PORTAL_API_KEY)", exc.message)
        return PortalClosed(CLOSED_MESSAGE)
    if isinstance(exc, NotFound):
        return NotFound(
            f"所选类别不存在或已停用，请重新选择 / The chosen category does not exist or was retired; "
            f"choose another. ({exc.message})",
            code="unknown_service",
        )
    if exc.status_code == 400:
        answer = _attribute_problem(exc.message, attributes)
        if answer is not None:
            return InvalidInput(answer, code="invalid_attribute")
        return InvalidInput(f"填写内容有误，请修改后再提交 / Please correct the form: {exc.message}", code=exc.code)
    return exc


_ATTRIBUTE_PROBLEM = re.compile(r"^attribute\[(?P<code>[^\]]+)\](?::)? (?P<rest>.*)$", re.DOTALL)


def _attribute_problem(message: str, attributes: Sequence[AttributeInfo]) -> str | None:
    """A refused answer to one of the service's questions, named by the question's own words in both languages.

    Open311 names the attribute by its code (``attribute[indoor_temperature] is required``), which a citizen never
    saw; the form shows the question (``室内温度是多少？/ What is the indoor temperature?``).
    """
    found = _ATTRIBUTE_PROBLEM.match(message)
    if found is None:
        return None
    code, rest = found["code"], found["rest"]
    question = next((a for a in attributes if a.code == code), None)
    zh, en = _question_names(question.description if question else "", code)
    if rest.startswith("is required"):
        return f"请回答“{zh}” / Please answer “{en}”."
    if rest.startswith("must be a number"):
        return f"“{zh}”请填写数字 / “{en}” takes a number."
    if rest.startswith("is not an attribute"):
        return f"“{zh}”不是此类别的问题 / “{en}” is not a question of this category."
    return f"“{zh}”的回答有误，请修改 / Please correct the answer to “{en}”."


def _question_names(description: str, code: str) -> tuple[str, str]:
    """(中文, English) of a question written ``中文 / English`` (as the directory's attributes are)."""
    zh, sep, en = description.partition("/")
    zh, en = zh.strip(), en.strip()
    if not sep:
        return (zh or code), (zh or code)
    return (zh or en or code), (en or zh or code)


def receipt(accepted: Accepted, settings: Settings, follow_code: str) -> dict[str, Any]:
    """What the citizen keeps: the request's number (and token), the follow code (shown this once), what
    happens next, where to follow it."""
    planned = accepted.planned
    department = _Names(planned.department.name_zh, planned.department.name_en) if planned.department else None
    return {
        "service_request_id": str(accepted.case_id),
        "token": accepted.token,
        "follow_code": follow_code,
        "notice": _notices(settings, department, planned.due_at, planned.status),
        "follow_url": f"/portal?follow={accepted.case_id}",
    }


# --- following (进度查询) --------------------------------------------------------------------------------


def follow(*, session: Session, settings: Settings, ref: str) -> dict[str, Any]:
    """A request by its number or its token, as the public may see it: with its timeline, me-toos and comments."""
    ref = ref.strip()
    case_id = _case_id(session, ref)
    rows = repository.public_cases_by_id(session, [case_id]) if case_id is not None else []
    if not rows or case_id is None:
        raise NotFound(
            f"没有找到编号或凭证为 {ref[:40]} 的诉求，请核对 / No request has the number or token {ref[:40]!r}; "
            "please check it.",
            code="request_not_found",
        )
    tz = clock.city_zone(settings.timezone)
    view = case_view(rows[0], settings, keep=portal_public.city_phones(session))
    view["timeline"] = portal_public.timeline(session, case_id, tz)
    view["me_too"] = voices.likes(session, case_id)
    view["comments"] = portal_public.public_comments(session, case_id, tz)
    view["open_to_voices"] = voices.public_case_exists(session, case_id)
    view["rating"] = portal_rating.rating_view(cases_repository.get(session, case_id))
    return view


def _case_id(session: Session, ref: str) -> int | None:
    if ascii_digits(ref) and len(ref) <= 18:
        return int(ref)
    if not ref or len(ref) > 64:
        return None
    return repository.case_id_by_token(session, ref)


@dataclass(frozen=True)
class _Names:
    zh: str | None
    en: str | None

    def name(self, lang: Lang) -> str | None:
        return (self.en or self.zh) if lang == "en" else self.zh

    def body(self) -> dict[str, str] | None:
        return None if self.zh is None else {"zh": self.zh, "en": self.en or self.zh}


def _notices(settings: Settings, department: _Names | None, due: datetime | None, status: str) -> dict[str, str]:
    """What happens next (service_notice), in both languages."""
    langs: tuple[Lang, ...] = ("zh", "en")
    return {
        lang: open311.notice(lang, settings, department.name(lang) if department else None, due, status)
        for lang in langs
    }


def _local(moment: datetime | None, tz: tzinfo) -> str | None:
    return None if moment is None else clock.as_utc(moment).astimezone(tz).strftime("%Y-%m-%d %H:%M")


def case_view(row: Any, settings: Settings, keep: frozenset[str] = frozenset()) -> dict[str, Any]:
    """One case for the follow view: status in both languages, department, local dates, masked texts.

    ``keep``: the city's own phone numbers (the directory's), readable in the city's texts (notes, reply).
    """
    tz = clock.city_zone(settings.timezone)
    status_zh, status_en = status_name(row.status)
    department = _Names(row.department_zh, row.department_en)
    return {
        "service_request_id": str(row.id),
        "status": {"code": row.status, "open311": open311_status(row.status), "zh": status_zh, "en": status_en},
        "category": _Names(row.category_zh or row.category_code, row.category_en).body(),
        "department": department.body(),
        "notice": _notices(settings, department, row.due_at, row.status),
        "requested": _local(row.created_at, tz),
        "updated": _local(row.updated_at, tz),
        "expected": _local(row.due_at, tz),
        "closed": _local(row.closed_at, tz),
        "description": portal_public.public_text(row.text),
        "status_notes": portal_public.public_text(row.status_notes, keep),
        "reply": portal_public.public_text(row.reply, keep),
        "address": mask_address(row.address),
        "timezone": settings.timezone,
    }


# --- the page ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ServiceOption:
    code: str
    label: str  # 中文 English
    metadata: bool  # has attributes: the page asks for them (services/{code}.json)


@dataclass(frozen=True)
class ServiceGroup:
    label: str
    services: list[ServiceOption]


def service_groups(session: Session) -> list[ServiceGroup]:
    """The requestable services (= Open311 services.json), grouped, with both names."""
    book = catalogue.load_catalogue(session)
    groups: dict[str, list[ServiceOption]] = {}
    for zh, en in zip(book.services("zh"), book.services("en"), strict=True):
        group = zh["group"] if zh["group"] == en["group"] else f"{zh['group']} {en['group']}"
        label = (
            zh["service_name"]
            if zh["service_name"] == en["service_name"]
            else f"{zh['service_name']} {en['service_name']}"
        )
        groups.setdefault(group, []).append(ServiceOption(zh["service_code"], label, bool(zh["metadata"])))
    return [ServiceGroup(label, services) for label, services in groups.items()]
