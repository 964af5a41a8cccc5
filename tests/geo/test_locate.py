"""locate(): synthetic Demo City messages resolve to their own cell; the confidence table; coordinates; bad input."""

from __future__ import annotations

import random

import pytest

from citybrain.core.errors import InvalidInput
from citybrain.geo.gazetteer import Gazetteer
from citybrain.geo.service import locate
from citybrain.simulate.city import City, build_city
from citybrain.simulate.places import demo_city
from citybrain.simulate.text_builder import compose
from citybrain.simulate.texts import TOPICS


@pytest.fixture(scope="module")
def city() -> City:
    return build_city(1)


@pytest.fixture(scope="module")
def demo() -> Gazetteer:
    return demo_city(1)


def _cell_text(city: City, cell_id: str) -> tuple[str, str, str]:
    cell = city.cell(cell_id)
    district = city.district(cell.district_code)
    return district.name_zh, cell.road_zh, cell.community_zh


def test_simulated_messages_resolve_to_their_own_cell(city: City, demo: Gazetteer) -> None:
    """The simulator writes district, road and community into each message; the case's cell is the truth."""
    r = random.Random(11)
    categories = sorted(TOPICS)
    right_cell = right_district = 0
    n = 600
    for _ in range(n):
        cell = r.choice(city.cells)
        english = r.random() < 0.3
        text = compose(r, r.choice(categories), cell, city.district(cell.district_code), request_type="投诉",
                       english=english).text  # fmt: skip
        result = locate(text, gazetteer=demo)
        right_cell += result.grid == cell.id
        right_district += result.district_code == cell.district_code
        assert result.confidence >= 0.9 or result.grid != cell.id
    assert right_district == n
    assert right_cell / n >= 0.99


def test_confidence_table(city: City, demo: Gazetteer) -> None:
    district, road, community = _cell_text(city, "D05-0304")
    full = locate(f"{district}{road}{community}5栋工地夜里打桩", gazetteer=demo)
    assert (full.district_code, full.grid, full.confidence, full.source) == ("D05", "D05-0304", 0.95, "text")
    assert (full.lat, full.lon) == (city.cell("D05-0304").lat, city.cell("D05-0304").lon)
    only_district = locate(f"{district}的工地夜里打桩", gazetteer=demo)
    assert (only_district.district_code, only_district.grid, only_district.confidence) == ("D05", None, 0.9)
    assert (only_district.lat, only_district.lon) == (city.district("D05").center_lat, city.district("D05").center_lon)
    nothing = locate("工地夜里打桩，吵死了", gazetteer=demo)
    assert (nothing.district_code, nothing.confidence, nothing.source) == (None, 0.0, "none")


def test_clues_without_a_district(city: City, demo: Gazetteer) -> None:
    _, road, community = _cell_text(city, "D02-0305")
    both = locate(f"{road}{community}垃圾满了", gazetteer=demo)
    candidates = {c.id for c in city.cells if (c.road_zh, c.community_zh) == (road, community)}
    if len(candidates) == 1:
        assert (both.grid, both.confidence) == ("D02-0305", 0.85)
    else:
        assert both.grid is None
        assert both.confidence <= 0.6
    only_road = locate(f"{road}上垃圾满了", gazetteer=demo)
    assert only_road.grid is None
    assert only_road.confidence <= 0.6
    assert any("grid cells fit" in reason for reason in only_road.reasons)


def test_a_clue_that_fits_nowhere_is_reported_and_costs_confidence(city: City, demo: Gazetteer) -> None:
    district, road, community = _cell_text(city, "D01-0101")
    wrong_road = next(c.road_zh for c in city.cells if c.road_zh not in {x.road_zh for x in city.cells[:36]})
    result = locate(f"{district}{wrong_road}{community}", gazetteer=demo)
    assert result.district_code == "D01"
    assert any(wrong_road in reason and "ignored" in reason for reason in result.reasons)
    assert [m.how for m in result.matched if m.text == wrong_road] == ["conflict"]
    assert result.confidence < 0.9


def test_two_districts_named(demo: Gazetteer) -> None:
    result = locate("中心区和东湖区交界处的中心区一侧", gazetteer=demo)
    assert result.district_code == "D01"
    assert result.confidence == pytest.approx(0.7)
    assert any("several districts" in reason for reason in result.reasons)


def test_mixed_scripts_full_width_emoji_and_markup(city: City, demo: Gazetteer) -> None:
    cell = city.cell("D07-0203")
    text = f"🚧<p>{city.district('D07').name_en}&nbsp;/&nbsp;{cell.road_zh}，{cell.community_en}</p>"
    result = locate(text.replace("D", "Ｄ"), gazetteer=demo)
    assert result.district_code == "D07"


def test_coordinates_inside_are_certain(city: City, demo: Gazetteer) -> None:
    cell = city.cell("D03-0202")
    result = locate(None, cell.lat, cell.lon, gazetteer=demo)
    assert (result.district_code, result.grid, result.confidence, result.source) == (
        "D03", "D03-0202", 1.0, "coordinates")  # fmt: skip


def test_coordinates_outside_every_district_say_so(demo: Gazetteer) -> None:
    near = locate("", 28.2, 112.9 + 9.5 / 98.0, gazetteer=demo)
    assert (near.district_code, near.grid, near.confidence) == ("D02", None, 0.3)
    assert "outside every district" in near.reasons[0]
    far = locate("", 30.0, 120.0, gazetteer=demo)
    assert (far.district_code, far.confidence) == (None, 0.0)
    by_text = locate("高新区", 30.0, 120.0, gazetteer=demo)
    assert (by_text.district_code, by_text.source) == ("D05", "text")
    assert any("outside every district" in reason for reason in by_text.reasons)


@pytest.mark.parametrize(
    ("lat", "lon"), [(28.2, None), (None, 112.9), (91.0, 1.0), (1.0, 181.0), (float("nan"), 1.0), ("x", 1.0)]
)
def test_bad_coordinates_are_invalid_input(demo: Gazetteer, lat: object, lon: object) -> None:
    with pytest.raises(InvalidInput):
        locate("高新区", lat, lon, gazetteer=demo)  # type: ignore[arg-type]


@pytest.mark.parametrize("text", [None, "", "   ", "<br>", "😀😀", 42, b"\xff"])
def test_empty_or_non_text_is_a_clear_zero(demo: Gazetteer, text: object) -> None:
    result = locate(text, gazetteer=demo)
    assert (result.district_code, result.confidence, result.source) == (None, 0.0, "none")
    assert result.reasons


def test_a_huge_message_says_what_was_read(demo: Gazetteer) -> None:
    result = locate("高新区" + "很吵" * 60_000, gazetteer=demo)
    assert result.district_code == "D05"
    assert any("first 100,000 characters" in reason for reason in result.reasons)


def test_the_issue_example_against_a_teddy_style_gazetteer() -> None:
    """Teddy's anonymised places: A市 is the city, A1区…A9县 its districts and counties (names only, no polygons)."""
    names = [f"A{i}区" for i in range(1, 7)] + ["A7县", "A8县", "A9市"]
    gazetteer = Gazetteer.from_features(
        ({"properties": {"kind": "district", "code": n[:-1], "name_zh": f"A市{n}"}} for n in names), city_names=["A市"]
    )
    result = locate("A市A5区汇金路五矿万境K9县存在一系列问题", gazetteer=gazetteer)
    assert (result.district_code, result.grid, result.confidence) == ("A5", None, 0.9)
    assert (result.lat, result.lon) == (None, None)
    assert [(m.text, m.how) for m in result.matched] == [("A市", "city"), ("A5区", "exact")]
    assert any("汇金路" in reason and "K9县" in reason for reason in result.reasons)  # not in the gazetteer


def test_confidence_is_calibrated_on_noisy_synthetic_texts(city: City, demo: Gazetteer) -> None:
    """Texts that leave out the district, road or community, or name the wrong road (15 %): in every confidence
    bucket that gives an answer, the share of right answers (cell if given, else district) is near the figure."""
    r = random.Random(3)
    buckets: dict[float, list[bool]] = {}
    for _ in range(2000):
        cell = r.choice(city.cells)
        parts = [city.district(cell.district_code).name_zh] if r.random() < 0.5 else []
        if r.random() < 0.7:
            parts.append(cell.road_zh if r.random() < 0.85 else r.choice(city.cells).road_zh)
        if r.random() < 0.7:
            parts.append(cell.community_zh)
        found = locate("".join(parts) + "噪音扰民", gazetteer=demo)
        if found.district_code is not None:
            right = found.grid == cell.id if found.grid else found.district_code == cell.district_code
            buckets.setdefault(found.confidence, []).append(right)
    assert set(buckets) >= {0.7, 0.85, 0.9, 0.95}
    for confidence, outcomes in buckets.items():
        if len(outcomes) >= 50:
            assert sum(outcomes) / len(outcomes) >= confidence - 0.05, (confidence, len(outcomes))
