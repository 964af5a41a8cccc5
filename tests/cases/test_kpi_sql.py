"""The SQL sums (kpi_sums) and the Python fold (Tally.add) give IDENTICAL reports, on both databases.

A seeded generator writes a varied set of cases: every status (a 退单 case back in the queue, invalid and merged
ones with deadlines), sign-fors on time, late, before the dispatch and still pending at the as-of time, missing
deadlines, overdue open and finished late, callbacks with and without answers, every satisfaction score,
reject and reopen counters, receipt times on either side of local midnight down to the microsecond, several
departments, districts, categories at three levels and channels. Every grouping (each ``by`` alone and in pairs,
each period, category levels) is compared whole, rows and total.
"""

from __future__ import annotations

import itertools
import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from citybrain.cases import kpi_service
from citybrain.cases.kpi_service import kpi_report, parse_query
from citybrain.cases.lifecycle import Status
from citybrain.core import clock
from citybrain.core.db import Database
from tests.cases.kpi_factories import make_case

AS_OF = datetime(2026, 3, 20, 5, 30, tzinfo=UTC)
DEPARTMENTS = ("water", "power", None)
DISTRICTS = ("kd1", "kd2")
CATEGORIES = ("noise.residential", "noise.construction.night", "utilities.power", "utilities.water", "roads.damage")
CHANNELS = ("web", "app", "hotline", "wechat")


def _maybe(rng: random.Random, value: Any, p: float = 0.7) -> Any:
    return value if rng.random() < p else None


def _created(rng: random.Random) -> datetime:
    """Anywhere from mid-December to late March, a third of them within a second of a local (+8) midnight."""
    day = datetime(2025, 12, 15, tzinfo=UTC) + timedelta(days=rng.randrange(100))
    if rng.random() < 0.35:
        midnight = day.replace(hour=16)  # 00:00 in Shanghai
        return midnight + timedelta(microseconds=rng.choice((-1, 0, 1, -1_000_000, 999_999, 3)))
    return day + timedelta(seconds=rng.randrange(86_400), microseconds=rng.randrange(1_000_000))


def _one_case(rng: random.Random) -> dict[str, Any]:
    created = _created(rng)
    h = timedelta(hours=1)
    department = rng.choice(DEPARTMENTS)
    dispatched = _maybe(rng, created + rng.randrange(0, 7200) * timedelta(seconds=1)) if department else None
    fields: dict[str, Any] = {
        "created": created,
        "department": department,
        "district": rng.choice(DISTRICTS),
        "category": rng.choice(CATEGORIES),
        "channel": rng.choice(CHANNELS),
        "dispatched": dispatched,
        "reject_count": rng.choice((0, 0, 1, 2)),
        "reopen_count": rng.choice((0, 0, 0, 1, 3)),
    }
    if dispatched is not None:
        fields["accept_due"] = _maybe(rng, dispatched + rng.choice((0.5, 1, 2, 400 * 24)) * h, 0.85)
        fields["accepted"] = _maybe(rng, dispatched + rng.uniform(-0.5, 4) * h, 0.75)
        fields["due"] = _maybe(rng, created + rng.choice((2, 24, 168, 24 * 90)) * h, 0.9)
        finished = _maybe(rng, created + rng.uniform(0.1, 400) * h, 0.6)
        fields["resolved_at"] = finished
        fields["closed_at"] = _maybe(rng, finished + h, 0.5) if finished else _maybe(rng, created + 30 * h, 0.05)
    if rng.random() < 0.5:
        fields["callback_at"] = _maybe(rng, created + 300 * h, 0.8)
        fields["resolved"] = rng.choice((True, False, None))
        fields["satisfaction"] = rng.choice((1, 2, 3, 4, 5, None))
    if rng.random() < 0.25:
        fields["status"] = rng.choice(list(Status))
        if fields["status"] in (Status.INVALID, Status.MERGED, Status.RECEIVED):
            fields.setdefault("due", created + 2 * h)
    return fields


def _write(db: Database, seed: int, n: int) -> None:
    rng = random.Random(seed)
    with db.transaction() as session:
        for _ in range(n):
            make_case(session, **_one_case(rng))


GROUPINGS: list[tuple[tuple[str, ...], int]] = [
    ((), 1),
    *(((d,), 1) for d in kpi_service.DIMENSIONS),
    (("category",), 2),
    (("category",), 3),
    *((pair, 2) for pair in itertools.combinations(kpi_service.DIMENSIONS, 2)),
]
PERIODS = (None, "day", "week", "month")
WINDOWS: tuple[tuple[str | None, str | None], ...] = (("2026-01-01", "2026-02-28"), (None, None), ("2026-03-01", None))


def _both(db: Database, timezone: str, **params: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    with db.transaction() as session:
        query = parse_query(timezone=timezone, as_of=AS_OF, **params)
        in_sql = kpi_report(session=session, query=query).as_dict()
        folded = kpi_report(session=session, query=query, fold_in_python=True).as_dict()
    return in_sql, folded


@pytest.mark.parametrize("seed", [14, 2026])
def test_sql_sums_and_python_fold_give_identical_reports(db: Database, seed: int) -> None:
    _write(db, seed, 260)
    compared = 0
    for (by, level), period, (start, end) in itertools.product(GROUPINGS, PERIODS, WINDOWS):
        params = {"by": list(by), "period": period, "start": start, "end": end, "category_level": level}
        in_sql, folded = _both(db, "Asia/Shanghai", **params)
        assert in_sql == folded, params
        assert in_sql["total"]["received"] > 0, params
        compared += 1
    assert compared == len(GROUPINGS) * len(PERIODS) * len(WINDOWS)


def test_filters_agree_too(db: Database) -> None:
    _write(db, 7, 160)
    for filters in ({"department": "water"}, {"district": "kd2"}, {"category": "noise"}, {"channel": "app"},
                    {"category": "noise.construction", "department": "water"}):  # fmt: skip
        in_sql, folded = _both(db, "Asia/Shanghai", by=["district"], period="week", **filters)
        assert in_sql == folded, filters


def test_a_zone_with_summer_time_is_bucketed_right(db: Database) -> None:
    """Berlin changes offset on 2026-03-29: a window across it folds in Python, one inside winter sums in SQL
    with the +1 h offset; both agree with the fold, and a case at 23:30 UTC on 03-30 (01:30 CEST) is a 03-31 case."""
    _write(db, 3, 120)
    with db.transaction() as session:
        make_case(session, created=datetime(2026, 3, 30, 23, 30, tzinfo=UTC))
    for start, end in (("2026-01-01", "2026-02-28"), ("2026-03-01", "2026-03-31")):
        in_sql, folded = _both(db, "Europe/Berlin", by=["channel"], period="day", start=start, end=end)
        assert in_sql == folded, (start, end)
    _, folded = _both(db, "Europe/Berlin", period="day", start="2026-03-30", end="2026-03-31")
    assert {r["period"]: r["received"] for r in folded["rows"]}["2026-03-31"] >= 1


def test_fixed_offset_is_only_used_without_a_change_of_offset() -> None:
    shanghai = clock.city_zone("Asia/Shanghai")
    berlin = clock.city_zone("Europe/Berlin")
    assert kpi_service._one_offset(shanghai, date(2026, 1, 1), date(2026, 12, 31)) == timedelta(hours=8)
    assert kpi_service._one_offset(shanghai, date(1990, 1, 1), date(1990, 12, 31)) is None  # 夏令时 1986-1991
    assert kpi_service._one_offset(berlin, date(2026, 1, 1), date(2026, 2, 28)) == timedelta(hours=1)
    assert kpi_service._one_offset(berlin, date(2026, 3, 1), date(2026, 3, 31)) is None
