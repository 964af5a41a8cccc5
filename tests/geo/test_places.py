"""extract_places: the contract other modules rely on (levels, offsets into the original text, bad input)."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from citybrain.geo.places import LEVELS, PlaceMention, extract_places


def _pairs(text: str) -> list[tuple[str, str]]:
    return [(m.text, m.level) for m in extract_places(text)]


def test_teddy_anonymised_chain_from_the_issue() -> None:
    assert _pairs("A市A5区汇金路五矿万境K9县存在一系列问题") == [
        ("A市", "city"),
        ("A5区", "district"),
        ("汇金路", "road"),
        ("五矿万境", "poi"),
        ("K9县", "county"),
    ]


def test_demo_city_place_chain() -> None:
    assert _pairs("中心区人民路和平社区12栋工地凌晨两点还在施工") == [
        ("中心区", "district"),
        ("人民路", "road"),
        ("和平社区", "community"),
        ("12栋", "building"),
    ]


def test_function_words_end_a_name() -> None:
    assert _pairs("2015年1月14日，原属A7县的暮云街道、南托街道划入A2区") == [
        ("A7县", "county"),
        ("暮云街道", "street"),
        ("南托街道", "street"),
        ("A2区", "district"),
    ]
    assert _pairs("我家住在和平社区附近") == [("和平社区", "community")]


def test_common_words_that_end_like_places_are_not_places() -> None:
    assert extract_places("这个城市的超市和道路都很好，小区里的农村老人去乡镇") == []


def test_english_addresses() -> None:
    assert _pairs("Construction at Renmin Road (Building 12, Xingfu Community, Central District) keeps going") == [
        ("Renmin Road", "road"),
        ("Building 12", "building"),
        ("Xingfu Community", "community"),
        ("Central District", "district"),
    ]
    assert _pairs("123 MAIN STREET, BROOKLYN") == [("123 MAIN STREET", "building"), ("BROOKLYN", "district")]
    assert _pairs("Noise near Broadway and W 42 St") == [("Broadway", "road"), ("W 42 St", "road")]


def test_offsets_index_the_original_text_through_full_width_and_markup() -> None:
    message = "Ａ市Ａ５区<br/>&nbsp;暮云街道🚧云塘社区的楼盘"
    mentions = extract_places(message)
    assert [m.text for m in mentions] == ["A市", "A5区", "暮云街道", "云塘社区"]
    assert [message[m.start : m.end] for m in mentions] == ["Ａ市", "Ａ５区", "暮云街道", "云塘社区"]


def test_every_level_is_declared() -> None:
    text = "西地省A市A5区K9县八宝镇暮云街道和平社区人民路12栋文庙广场 123 Main St, Queens, New York"
    assert {m.level for m in extract_places(text)} <= set(LEVELS)


@pytest.mark.parametrize("value", [None, "", "   \n\t", "<p></p>", "&nbsp;<br>", "😀🚧😀", 12, 3.5, b"\xff\xfe", [1]])
def test_empty_or_non_text_gives_no_mentions(value: object) -> None:
    assert extract_places(value) == []


def test_bytes_are_read_as_utf8() -> None:
    assert [m.text for m in extract_places("A市A5区".encode())] == ["A市", "A5区"]


def test_100_kb_message_is_bounded() -> None:
    message = ("A市A5区汇金路附近噪音很大。" + "啊" * 200 + "<b>x</b>&amp;") * 500  # ~110k characters
    started = time.perf_counter()
    mentions = extract_places(message)
    elapsed = time.perf_counter() - started
    assert mentions[:3] == [
        PlaceMention("A市", "city", 0, 2),
        PlaceMention("A5区", "district", 2, 5),
        PlaceMention("汇金路", "road", 5, 8),
    ]
    assert all(m.end <= 100_000 for m in mentions)
    assert elapsed < 2.0


_PIECES = ["A市", "A5区", "人民路", "和平社区", "12栋", "Ａ５区", "<br>", "&nbsp;", "&amp;", "😀", "\u200b",
           "\u3000", "…", "①", "e\u0301", "Main St", "123 ", " and ", "BROOKLYN", "的", "在", "，", "\n", "\x00",
           "\ud800"]  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(_PIECES), st.text(max_size=5)), max_size=30))
def test_any_text_gives_valid_offsets(pieces: list[str]) -> None:
    message = "".join(pieces)
    last_end = 0
    for mention in extract_places(message):
        assert mention.level in LEVELS
        assert last_end <= mention.start < mention.end <= len(message)
        assert mention.text.strip()
        last_end = mention.end


def test_dates_end_a_name_but_moon_island_road_keeps_its_moon() -> None:
    assert _pairs("2015年西地省") == [("西地省", "province")]
    assert _pairs("十一月人民路施工") == [("人民路", "road")]
    assert _pairs("月亮岛路施工") == [("月亮岛路", "road")]


def test_a_suffix_inside_a_name_and_a_bus_line() -> None:
    assert _pairs("新城区车站路文昌社区13栋") == [
        ("新城区", "district"),
        ("车站路", "road"),
        ("文昌社区", "community"),
        ("13栋", "building"),
    ]
    assert extract_places("在对面的7路公交车站等车，走投无路") == []
