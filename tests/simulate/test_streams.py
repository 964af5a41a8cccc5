"""Pure generation: reproducible, with the rhythms and lifecycles a 12345 centre would recognise."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from citybrain.simulate.city import build_city
from citybrain.simulate.streams import Stream, generate

NOW = datetime(2025, 6, 30, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def year() -> Stream:
    return generate(build_city(1), days=365, cases_per_day=20, seed=1, now=NOW)


def _key(stream: Stream) -> list[tuple[object, ...]]:
    return [(c.created_at, c.category, c.grid, c.text.text, c.state.status, len(c.events)) for c in stream.cases]


def test_same_seed_same_cases_and_other_seed_differs() -> None:
    a = generate(build_city(3), days=10, cases_per_day=30, seed=3, now=NOW)
    b = generate(build_city(3), days=10, cases_per_day=30, seed=3, now=NOW)
    c = generate(build_city(4), days=10, cases_per_day=30, seed=4, now=NOW)
    assert _key(a) == _key(b)
    assert _key(a) != _key(c)
    assert build_city(3) == build_city(3)


def test_city_has_districts_and_km_cells() -> None:
    city = build_city(1)
    assert len(city.districts) == 8
    assert city.cell("D01-0102").district_code == "D01"
    density = {d.code: sum(c.population for c in city.cells if c.district_code == d.code) for d in city.districts}
    cells = {d.code: sum(1 for c in city.cells if c.district_code == d.code) for d in city.districts}
    assert density["D01"] / cells["D01"] > 2 * density["D08"] / cells["D08"]  # downtown is denser
    assert city.district("D01").geometry["type"] == "Polygon"


def test_heating_in_winter_not_summer(year: Stream) -> None:
    def share(months: set[int]) -> float:
        cases = [c for c in year.cases if c.created_at.month in months]
        return sum(c.category == "heating.no_heat" for c in cases) / len(cases)

    assert share({12, 1, 2}) > 10 * share({6, 7, 8}) + 0.01


def test_parking_drops_at_weekends(year: Stream) -> None:
    weekday = sum(c.category == "parking.illegal" and c.created_at.weekday() < 5 for c in year.cases) / 5
    weekend = sum(c.category == "parking.illegal" and c.created_at.weekday() >= 5 for c in year.cases) / 2
    assert weekend < 0.75 * weekday


def test_night_construction_happens_at_night(year: Stream) -> None:
    hours = [(c.created_at.hour + 8) % 24 for c in year.cases if c.category == "noise.construction.night"]
    night = sum(h >= 22 or h < 6 for h in hours) / len(hours)
    assert night > 0.85


def test_lifecycles_are_consistent(year: Stream) -> None:
    statuses = {c.state.status for c in year.cases}
    assert {"closed", "invalid", "merged"} <= statuses
    assert statuses & {"dispatched", "accepted", "in_progress", "resolved"}  # recent cases still open
    for case in year.cases:
        s = case.state
        assert s.status == case.events[-1].to_status
        assert all(a.at <= b.at for a, b in zip(case.events, case.events[1:], strict=False))
        assert all(a.to_status == b.from_status for a, b in zip(case.events, case.events[1:], strict=False))
        if s.status == "closed":
            assert s.dispatched_at
            assert s.accepted_at
            assert s.resolved_at
            assert s.closed_at
            assert case.created_at <= s.dispatched_at <= s.accepted_at <= s.resolved_at <= s.closed_at
        if case.callbacks:
            assert s.status in ("resolved", "closed") or s.reopen_count > 0
            assert all(cb.at >= case.created_at for cb in case.callbacks)
        if s.status == "merged":
            assert case.duplicate_of is not None
            assert case.duplicate_of < case.index
    assert any(c.state.reject_count for c in year.cases)
    assert any(c.state.reopen_count for c in year.cases)
    handling = ("accepted", "in_progress")
    assert any(c.state.due_at and c.state.due_at < NOW and c.state.status in handling for c in year.cases)


def test_texts_in_both_languages_with_fake_phones(year: Stream) -> None:
    languages = {c.text.language for c in year.cases}
    assert languages == {"zh", "en"}
    phones = [c.contact_phone for c in year.cases if c.contact_phone]
    assert phones
    assert all(p[3:7] == "0000" and len(p) == 11 for p in phones)
    assert {c.channel for c in year.cases} >= {"hotline", "web", "wechat", "app", "open311", "mailbox"}
