"""Who may read and act on which case, declared once (the staff API, ``GET /me`` and the desk all ask here).

Operators and administrators (派单员) take every action on every case. A department handler (承办单位) reads only
its own department's cases and takes the department's actions on them — 签收, 退单, 开始办理, 办结答复 — plus notes.
A partner (社会协同单位: 物业, 水电气热企业, 施工/养护单位 …) is held to its own unit's cases the same way. A
department that supervises units (主管部门) also reads its units' cases and reassigns (改派) them between itself
and its units.
Role-level rights (may this role ever dispatch?) are the ``Permission`` enum of ``auth.roles``; this module adds the
case-level part, which needs the case's department.
"""

from __future__ import annotations

import re

from citybrain.auth.roles import Permission, Principal
from citybrain.cases.lifecycle import TRANSITIONS, Actor, Transition
from citybrain.core.errors import Forbidden, InvalidInput
from citybrain.models import Case


def _held_to_department(principal: Principal) -> bool:
    return principal.bound_to_unit


def _visible(principal: Principal) -> frozenset[int]:
    """The departments whose cases a unit-bound caller reads: its own and the units it supervises."""
    own = frozenset() if principal.department_id is None else frozenset({principal.department_id})
    return own | principal.supervised


def may_take(principal: Principal, transition: Transition) -> bool:
    """Whether the role may ever take this action (on some case); the case's department is checked apart."""
    if principal.can(Permission.DISPATCH):
        return True
    if transition.action == "reassign" and principal.supervised:
        return True  # a supervising department (主管部门) moves its units' cases
    department_action = transition.by == Actor.DEPARTMENT or transition.action == "note"
    return principal.can(Permission.HANDLE) and department_action


def allowed_actions(principal: Principal) -> list[Transition]:
    """Every action the role may take, in the state machine's order (what the desk offers as buttons)."""
    return [t for t in TRANSITIONS.values() if may_take(principal, t)]


def may_read(principal: Principal, case: Case) -> None:
    """403 unless the caller reads cases and, being held to a department, the case is that department's."""
    if not principal.can(Permission.READ_CASES):
        raise Forbidden(f"role {principal.role!r} may not {Permission.READ_CASES.value}")
    if _held_to_department(principal) and case.department_id not in _visible(principal):
        raise Forbidden(f"case {case.id} is not with your department")


def check_may_take(principal: Principal, action: str) -> None:
    """403 unless the role may take ``action`` on some case (checked before the request body is read)."""
    transition = TRANSITIONS[action]
    if not may_take(principal, transition):
        raise Forbidden(f"role {principal.role!r} may not {action} ({transition.name_zh}) a case")


def authorize(principal: Principal, case: Case, action: str) -> None:
    """403 unless the caller may take ``action`` on this very case."""
    check_may_take(principal, action)
    if principal.can(Permission.DISPATCH):
        return
    if action == "reassign":
        if case.department_id not in _visible(principal):
            raise Forbidden(f"case {case.id} is neither with your department nor with a unit it supervises")
        return
    if principal.department_id is None or case.department_id != principal.department_id:
        raise Forbidden(f"case {case.id} is not with your department; you may not {action} it")


def check_reassign_target(principal: Principal, department_id: int | None) -> None:
    """A supervising department reassigns between itself and its units only (a dispatcher anywhere)."""
    if principal.can(Permission.DISPATCH) or department_id is None:
        return
    if department_id not in _visible(principal):
        raise Forbidden("a supervising department reassigns to itself or to a unit it supervises; ask a dispatcher")


def department_scope(principal: Principal, requested: int | None) -> int | None:
    """The department a case list is limited to: a handler's own (asking for another is 403), else the request."""
    if not _held_to_department(principal):
        return requested
    if requested is not None and requested not in _visible(principal):
        raise Forbidden("a department handler sees its own department's cases (and its units') only")
    return principal.department_id if requested is None else requested


#: A run of this many digits in a search looks like a phone or ID-card number (personal data).
PERSONAL_DIGITS = re.compile(r"\d{7,}")
#: Fewer digits than this would fish for phone numbers instead of finding a caller.
MIN_PHONE_DIGITS = 7


def phone_search(principal: Principal, phone: str | None) -> str | None:
    """The digits to look a caller up by (``+86 138-1234-5678`` → ``13812345678``); only roles that see personal
    data may search by phone (403 for the others: they would learn whose number it is)."""
    if phone is None or not phone.strip():
        return None
    if not principal.can(Permission.SEE_PII):
        raise Forbidden(f"role {principal.role!r} may not search by phone number: phone numbers are personal data")
    digits = re.sub(r"\D", "", phone)
    if len(digits) > 11 and digits.startswith("86"):
        digits = digits[2:]
    if len(digits) < MIN_PHONE_DIGITS:
        raise InvalidInput(f"a phone search needs at least {MIN_PHONE_DIGITS} digits, got {phone!r}")
    return digits


def words_search(principal: Principal, words: str | None) -> str | None:
    """The words to search for; a role that sees texts masked may not search them for phone or ID numbers."""
    if words is None or not words.strip():
        return None
    words = words.strip()
    if not principal.can(Permission.SEE_PII) and PERSONAL_DIGITS.search(re.sub(r"[\s-]", "", words)):
        raise Forbidden(f"role {principal.role!r} may not search for phone or ID numbers: they are personal data")
    return words
