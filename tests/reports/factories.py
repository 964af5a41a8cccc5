"""A small city for the report tests, every number of which is worked out by hand in the tests.

Report period: February 2026 (Asia/Shanghai); previous period: January 2026. Times are UTC, all at 02:00 (10:00
local), so no case sits near a month's edge. Report as of 2026-03-05T00:00Z.

======  ==========  ========  =================  ===========================================================
case    department  district  category           what happened
======  ==========  ========  =================  ===========================================================
w1      water       kd1       noise.residential  02-03; signed 1 h (due 2 h); resolved 48 h (due 168 h); callback
                                                 resolved, 5
w2      water       kd1       noise.residential  02-04; signed 5 h (late); resolved 192 h (late: overdue); callback
                                                 not resolved, 2; 1 退单
n1..n6  —           kd1       noise.residential  02-05 .. 02-10, never dispatched; n1 scored 5, n2 scored 4
p1      power       kd2       utilities.power    02-06; signed 0.5 h; resolved 24 h; callback resolved, 4
q1..q5  —           kd2       utilities.power    02-07 .. 02-11, never dispatched; q1 scored 1, q2 and q3 scored 2
r1, r2  —           kd2       roads.damage       02-12, 02-13, never dispatched (too few to be a 每月一题 candidate)
j1      —           kd1       noise.residential  01-15 (previous period)
k1..k6  —           kd2       utilities.power    01-10 .. 01-15 (previous period)
d1, d2  —           kd2       utilities.power    2025-12-20: the first cases in the database
======  ==========  ========  =================  ===========================================================
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from tests.cases.kpi_factories import make_case

AS_OF = "2026-03-05T00:00:00Z"
H = timedelta(hours=1)


def at(day: str) -> datetime:
    return datetime.fromisoformat(f"{day}T02:00").replace(tzinfo=UTC)


def _handled(session: Session, day: str, department: str, category: str, district: str, **facts: object) -> None:
    t = at(day)
    accept_hours = float(facts.pop("accept_hours"))  # type: ignore[arg-type]
    resolve_hours = float(facts.pop("resolve_hours"))  # type: ignore[arg-type]
    make_case(
        session, created=t, category=category, district=district, department=department, dispatched=t,
        accept_due=t + 2 * H, accepted=t + accept_hours * H, due=t + 168 * H, resolved_at=t + resolve_hours * H,
        callback_at=t + 200 * H, **facts,  # type: ignore[arg-type]
    )  # fmt: skip


def city(session: Session) -> None:
    """Write the cases of the module docstring."""
    noise, power = "noise.residential", "utilities.power"
    _handled(session, "2026-02-03", "water", noise, "kd1", accept_hours=1, resolve_hours=48, resolved=True,
             satisfaction=5)  # fmt: skip
    _handled(session, "2026-02-04", "water", noise, "kd1", accept_hours=5, resolve_hours=192, resolved=False,
             satisfaction=2, reject_count=1)  # fmt: skip
    for i, score in enumerate([5, 4, None, None, None, None]):
        make_case(session, created=at(f"2026-02-{5 + i:02d}"), category=noise, district="kd1", satisfaction=score)
    _handled(session, "2026-02-06", "power", power, "kd2", accept_hours=0.5, resolve_hours=24, resolved=True,
             satisfaction=4)  # fmt: skip
    for i, score in enumerate([1, 2, 2, None, None]):
        make_case(session, created=at(f"2026-02-{7 + i:02d}"), category=power, district="kd2", satisfaction=score)
    for day in ("2026-02-12", "2026-02-13"):
        make_case(session, created=at(day), category="roads.damage", district="kd2")
    make_case(session, created=at("2026-01-15"), category=noise, district="kd1")
    for i in range(6):
        make_case(session, created=at(f"2026-01-{10 + i:02d}"), category=power, district="kd2")
    for _ in range(2):
        make_case(session, created=at("2025-12-20"), category=power, district="kd2")
