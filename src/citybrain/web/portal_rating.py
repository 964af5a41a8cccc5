"""满意度评价: the citizen who submitted a request rates the department's reply on the portal.

Only the submitter may rate: a request number is short and public (the latest-requests list shows it), so the
rating asks for the request's **follow code** (查询码), a random secret shown once on the submit receipt. The
server keeps only its SHA-256 (:func:`code_hash`), in the case's contact row (``case_contacts.device_id``, which
the portal's form never fills: the code stands for the device that submitted), so no new column is needed and
the hash sits with the other personal data, away from the public views.

The rating is a 回访 (callback) — the same :func:`citybrain.cases.service.callback` a call-taker records: the
case gets ``callback_at`` / ``resolved`` / ``satisfaction``, an event on its timeline, and closes (resolved:
yes) or goes back to its department (no). So the three rates and the KPIs count it like any callback.
A reply is rated once: a second rating, or one before the department has replied, is refused (409).
"""

from __future__ import annotations

import hmac
import secrets
from typing import Any

from sqlalchemy.orm import Session

from citybrain.auth import access_log
from citybrain.cases import repository as cases_repository
from citybrain.cases import service as cases
from citybrain.cases.lifecycle import Status
from citybrain.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from citybrain.core.ids import hash_secret
from citybrain.models import Case

#: ``case_contacts.device_id`` of a portal submission: this prefix, then the SHA-256 of its follow code.
CODE_PREFIX = "portal-code:"
#: The follow code's letters: no 0/O, 1/I/L, so it can be read out and typed on a phone.
_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
_GROUPS, _GROUP = 3, 4  # XXXX-XXXX-XXXX: 12 letters of 31, about 59 bits
MAX_COMMENT = 500
ACTOR = "citizen:portal"


def new_code() -> str:
    """A fresh follow code, ``XXXX-XXXX-XXXX``."""
    letters = "".join(secrets.choice(_ALPHABET) for _ in range(_GROUPS * _GROUP))
    return "-".join(letters[i : i + _GROUP] for i in range(0, len(letters), _GROUP))


def normalise(code: str) -> str:
    """What the citizen typed, as issued: upper case, no spaces, dashes put back (``k7qm3xpa…`` works too)."""
    letters = "".join(ch for ch in code.upper() if ch.isalnum())[: _GROUPS * _GROUP * 2]
    return "-".join(letters[i : i + _GROUP] for i in range(0, len(letters), _GROUP))


def code_hash(code: str) -> str:
    """What is stored: ``portal-code:`` and the SHA-256 of the normalised code (a random secret: no slow hash)."""
    return CODE_PREFIX + hash_secret(normalise(code))


def _not_found(case_id: int) -> NotFound:
    return NotFound(f"没有找到编号为 {case_id} 的诉求 / No request has the number {case_id}.", code="request_not_found")


def _check_code(session: Session, case_id: int, code: str) -> None:
    contact = cases_repository.contact(session, case_id)
    stored = contact.device_id if contact is not None else None
    if not code.strip():
        raise InvalidInput(
            "请输入提交时得到的查询码 / Enter the follow code you were given when you submitted.",
            code="missing_follow_code",
        )
    if not stored or not stored.startswith(CODE_PREFIX) or not hmac.compare_digest(stored, code_hash(code)):
        raise Forbidden(
            "查询码不正确：只有提交人可以评价 / The follow code is wrong: only the person who submitted the "
            "request can rate it.",
            code="wrong_follow_code",
        )


def own_access_log(session: Session, case_id: int, code: str) -> list[dict[str, Any]]:
    """查阅记录: who in the city saw this citizen's personal data unmasked, when and why — for the citizen who
    submitted the request (the follow code proves it; a wrong one is 403)."""
    _check_code(session, case_id, code)
    return access_log.for_citizen(session, case_id)


def rated_this_reply(case: Case) -> bool:
    """The citizen (or a call-taker) already gave a verdict on the latest reply."""
    if case.callback_at is None:
        return False
    return case.resolved_at is None or case.callback_at >= case.resolved_at


def _check_state(case: Case) -> None:
    if case.status == Status.RESOLVED.value and not rated_this_reply(case):
        return
    if rated_this_reply(case):
        raise Conflict(
            "这次答复已经评价过了，谢谢 / This reply has already been rated — thank you.", code="already_rated"
        )
    if case.status in {Status.CLOSED.value, Status.INVALID.value, Status.MERGED.value}:
        raise Conflict("此诉求已结束，不能再评价 / This request is closed and can no longer be rated.", code="closed")
    raise Conflict(
        "承办部门答复后才能评价 / You can rate the request once the department has replied.", code="not_replied"
    )


def _verdict(form: dict[str, str]) -> tuple[bool, int, str | None]:
    resolved = form.get("resolved", "").strip().lower()
    if resolved not in {"yes", "no"}:
        raise InvalidInput(
            "请选择问题是否已解决 / Say whether the problem was solved (yes or no).", code="invalid_rating"
        )
    score = form.get("satisfaction", "").strip()
    if score not in {"1", "2", "3", "4", "5"}:
        raise InvalidInput("请选择 1–5 星的满意度 / Choose a satisfaction of 1 to 5 stars.", code="invalid_rating")
    comment = form.get("comment", "").strip()
    if len(comment) > MAX_COMMENT:
        raise InvalidInput(
            f"评价说明不能超过 {MAX_COMMENT} 字 / The comment is longer than {MAX_COMMENT} characters.",
            code="invalid_rating",
        )
    return resolved == "yes", int(score), comment or None


def rate(*, session: Session, case_id: int, form: dict[str, str]) -> dict[str, Any]:
    """Record the submitter's verdict as a 回访 (callback): 404 unknown, 403 wrong code, 409 too early / twice."""
    case = cases_repository.get(session, case_id)
    if case is None:
        raise _not_found(case_id)
    _check_code(session, case_id, form.get("code", ""))
    _check_state(case)
    resolved, satisfaction, comment = _verdict(form)
    cases.callback(session=session, case=case, actor=ACTOR, resolved=resolved, satisfaction=satisfaction, note=comment)
    return {
        "service_request_id": str(case_id),
        "rating": rating_view(case),
        "notice": {
            "zh": "谢谢您的评价" + ("。" if resolved else "，诉求已退回承办部门重新办理。"),
            "en": "Thank you for your rating" + ("." if resolved else "; the request goes back to the department."),
        },
    }


def rating_view(case: Any) -> dict[str, Any]:
    """What the follow view says about rating: may it be rated now, and the verdict on the latest reply."""
    rated = rated_this_reply(case)
    return {
        "open": case.status == Status.RESOLVED.value and not rated,
        "rated": (
            {"resolved": bool(case.resolved), "satisfaction": int(case.satisfaction)}
            if rated and case.satisfaction is not None
            else None
        ),
    }
