"""HJ 633-2012 IAQI, AQI and categories against hand-computed values (never values the code computed)."""

from __future__ import annotations

import csv
import math

import numpy as np
import pytest

from citybrain.sensing.aqi import BREAKPOINTS, CATEGORIES, IAQI_LEVELS, MG, UG, air_quality, category_of, iaqi, iaqi_of
from tests.conftest import shared_path

UNITS = {"ugm3": UG, "mgm3": MG}


def _reference() -> dict[str, tuple[str, list[tuple[int, float]]]]:
    """The breakpoint table in ../shared/standards: column key → (unit, [(IAQI, concentration), …])."""
    path = shared_path("standards", "hj633_2012_iaqi_breakpoints.csv")
    with path.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    out: dict[str, tuple[str, list[tuple[int, float]]]] = {}
    for column in rows[0]:
        if column == "IAQI":
            continue
        key, _, unit = column.rpartition("_")
        out[key] = (UNITS[unit], [(int(r["IAQI"]), float(r[column])) for r in rows if r[column] != ""])
    return out


def test_the_table_in_code_is_the_reference_table() -> None:
    reference = _reference()
    assert set(reference) == set(BREAKPOINTS)
    for key, (unit, points) in reference.items():
        table = BREAKPOINTS[key]
        assert table.unit == unit, key
        assert list(zip(IAQI_LEVELS, table.concentrations, strict=False)) == points, key
        assert (table.above_top == "none") == (len(points) < len(IAQI_LEVELS)), key


REFERENCE_POINTS = [
    (key, level, conc)
    for key, (_unit, points) in [
        (
            "SO2_24h",
            (UG, [(0, 0), (50, 50), (100, 150), (150, 475), (200, 800), (300, 1600), (400, 2100), (500, 2620)]),
        ),
        ("SO2_1h", (UG, [(0, 0), (50, 150), (100, 500), (150, 650), (200, 800)])),
        ("NO2_24h", (UG, [(0, 0), (50, 40), (100, 80), (150, 180), (200, 280), (300, 565), (400, 750), (500, 940)])),
        (
            "NO2_1h",
            (UG, [(0, 0), (50, 100), (100, 200), (150, 700), (200, 1200), (300, 2340), (400, 3090), (500, 3840)]),
        ),
        ("PM10_24h", (UG, [(0, 0), (50, 50), (100, 150), (150, 250), (200, 350), (300, 420), (400, 500), (500, 600)])),
        ("CO_24h", (MG, [(0, 0), (50, 2), (100, 4), (150, 14), (200, 24), (300, 36), (400, 48), (500, 60)])),
        ("CO_1h", (MG, [(0, 0), (50, 5), (100, 10), (150, 35), (200, 60), (300, 90), (400, 120), (500, 150)])),
        ("O3_1h", (UG, [(0, 0), (50, 160), (100, 200), (150, 300), (200, 400), (300, 800), (400, 1000), (500, 1200)])),
        ("O3_8h", (UG, [(0, 0), (50, 100), (100, 160), (150, 215), (200, 265), (300, 800)])),
        ("PM25_24h", (UG, [(0, 0), (50, 35), (100, 75), (150, 115), (200, 150), (300, 250), (400, 350), (500, 500)])),
    ]
    for level, conc in points
]


@pytest.mark.parametrize(("key", "level", "concentration"), REFERENCE_POINTS)
def test_every_breakpoint_gives_its_level(key: str, level: int, concentration: float) -> None:
    assert iaqi_of(key, concentration) == level


# Inside every band of every column: (column, concentration, IAQI worked out by hand, rounded up).
INSIDE = [
    ("SO2_24h", 10.2, 11),  # 10.2 → 11
    ("SO2_24h", 25, 25),
    ("SO2_24h", 100, 75),  # 50 + 50·50/100
    ("SO2_24h", 200, 108),  # 100 + 50·50/325 = 107.69
    ("SO2_24h", 600, 170),  # 150 + 50·125/325 = 169.23
    ("SO2_24h", 1000, 225),  # 200 + 100·200/800
    ("SO2_24h", 1800, 340),  # 300 + 100·200/500
    ("SO2_24h", 2300, 439),  # 400 + 100·200/520 = 438.46
    ("SO2_1h", 100, 34),  # 50·100/150 = 33.33
    ("SO2_1h", 325, 75),  # 50 + 50·175/350
    ("SO2_1h", 600, 134),  # 100 + 50·100/150 = 133.33
    ("SO2_1h", 700, 167),  # 150 + 50·50/150 = 166.67
    ("NO2_24h", 20, 25),
    ("NO2_24h", 60, 75),
    ("NO2_24h", 130, 125),
    ("NO2_24h", 230, 175),
    ("NO2_24h", 400, 243),  # 200 + 100·120/285 = 242.11
    ("NO2_24h", 700, 373),  # 300 + 100·135/185 = 372.97
    ("NO2_24h", 800, 427),  # 400 + 100·50/190 = 426.32
    ("NO2_1h", 50, 25),
    ("NO2_1h", 150, 75),
    ("NO2_1h", 450, 125),
    ("NO2_1h", 950, 175),
    ("NO2_1h", 2000, 271),  # 200 + 100·800/1140 = 270.18
    ("NO2_1h", 2500, 322),  # 300 + 100·160/750 = 321.33
    ("NO2_1h", 3500, 455),  # 400 + 100·410/750 = 454.67
    ("PM10_24h", 20, 20),
    ("PM10_24h", 100, 75),
    ("PM10_24h", 151, 101),  # 100.5
    ("PM10_24h", 200, 125),
    ("PM10_24h", 300, 175),
    ("PM10_24h", 385, 250),
    ("PM10_24h", 460, 350),
    ("PM10_24h", 550, 450),
    ("CO_24h", 0.3, 8),  # 7.5
    ("CO_24h", 1, 25),
    ("CO_24h", 3, 75),
    ("CO_24h", 9, 125),
    ("CO_24h", 19, 175),
    ("CO_24h", 30, 250),
    ("CO_24h", 42, 350),
    ("CO_24h", 54, 450),
    ("CO_1h", 2.5, 25),
    ("CO_1h", 7.5, 75),
    ("CO_1h", 22.5, 125),
    ("CO_1h", 47.5, 175),
    ("CO_1h", 75, 250),
    ("CO_1h", 105, 350),
    ("CO_1h", 135, 450),
    ("O3_1h", 80, 25),
    ("O3_1h", 180, 75),
    ("O3_1h", 250, 125),
    ("O3_1h", 350, 175),
    ("O3_1h", 600, 250),
    ("O3_1h", 801, 301),  # 300.5
    ("O3_1h", 900, 350),
    ("O3_1h", 1100, 450),
    ("O3_8h", 50, 25),
    ("O3_8h", 130, 75),
    ("O3_8h", 170, 110),  # 100 + 50·10/55 = 109.09
    ("O3_8h", 187.5, 125),
    ("O3_8h", 240, 175),
    ("O3_8h", 532.5, 250),
    ("PM25_24h", 17.5, 25),
    ("PM25_24h", 35.01, 51),  # 50.0125: just above a breakpoint rounds up
    ("PM25_24h", 40.6, 57),  # exactly 57 (floating point gives 57.00000000000001: must not become 58)
    ("PM25_24h", 55, 75),
    ("PM25_24h", 75.5, 101),  # 100.625
    ("PM25_24h", 95, 125),
    ("PM25_24h", 132.5, 175),
    ("PM25_24h", 200, 250),
    ("PM25_24h", 300, 350),
    ("PM25_24h", 425, 450),
]


@pytest.mark.parametrize(("key", "concentration", "expected"), INSIDE)
def test_inside_every_band(key: str, concentration: float, expected: int) -> None:
    assert iaqi_of(key, concentration) == expected


@pytest.mark.parametrize(
    ("key", "concentration"),
    [("PM25_24h", 501), ("PM25_24h", 999), ("PM10_24h", 700), ("SO2_24h", 3000), ("NO2_24h", 1000),
     ("NO2_1h", 4000), ("CO_24h", 61), ("CO_1h", 200), ("O3_1h", 1300)],
)  # fmt: skip
def test_above_the_top_of_the_table_is_500(key: str, concentration: float) -> None:
    assert iaqi_of(key, concentration) == 500


@pytest.mark.parametrize(("key", "concentration"), [("SO2_1h", 801), ("SO2_1h", 5000), ("O3_8h", 801), ("O3_8h", 1200)])
def test_notes_2_and_3_leave_no_index_in_that_column(key: str, concentration: float) -> None:
    assert iaqi_of(key, concentration) is None


@pytest.mark.parametrize("concentration", [-1.0, -0.001, math.nan])
def test_negative_or_missing_has_no_index(concentration: float) -> None:
    assert iaqi_of("PM25_24h", concentration) is None


def test_arrays_in_arrays_out() -> None:
    out = iaqi("PM25_24h", np.array([0.0, 55.0, np.nan, 600.0]))
    assert out[[0, 1, 3]].tolist() == [0.0, 75.0, 500.0]
    assert np.isnan(out[2])


@pytest.mark.parametrize(
    ("aqi", "level", "category", "english", "hex_colour"),
    [
        (0, "一级", "优", "Excellent", "#00E400"),
        (50, "一级", "优", "Excellent", "#00E400"),
        (51, "二级", "良", "Good", "#FFFF00"),
        (100, "二级", "良", "Good", "#FFFF00"),
        (101, "三级", "轻度污染", "Lightly polluted", "#FF7E00"),
        (150, "三级", "轻度污染", "Lightly polluted", "#FF7E00"),
        (151, "四级", "中度污染", "Moderately polluted", "#FF0000"),
        (200, "四级", "中度污染", "Moderately polluted", "#FF0000"),
        (201, "五级", "重度污染", "Heavily polluted", "#99004C"),
        (300, "五级", "重度污染", "Heavily polluted", "#99004C"),
        (301, "六级", "严重污染", "Severely polluted", "#7E0023"),
        (500, "六级", "严重污染", "Severely polluted", "#7E0023"),
    ],
)
def test_levels_categories_and_colours(aqi: int, level: str, category: str, english: str, hex_colour: str) -> None:
    found = category_of(aqi)
    assert (found.level_zh, found.zh, found.en, found.hex) == (level, category, english, hex_colour)


def test_colours_are_the_standard_rgb() -> None:
    assert [c.rgb for c in CATEGORIES] == [(0, 228, 0), (255, 255, 0), (255, 126, 0), (255, 0, 0), (153, 0, 76),
                                           (126, 0, 35)]  # fmt: skip


def test_aqi_is_the_largest_iaqi_and_ties_are_all_primary() -> None:
    result = air_quality({"PM2.5": 120, "PM10": 120, "NO2": 60})
    assert result.aqi == 120
    assert result.primary == ("PM2.5", "PM10")
    assert result.exceeding == ("PM2.5", "PM10")
    assert result.category is not None
    assert result.category.zh == "轻度污染"


def test_no_primary_pollutant_at_50_or_below() -> None:
    assert air_quality({"PM2.5": 50, "O3_8h": 50}).primary == ()
    assert air_quality({"PM2.5": 51, "SO2": 30}).primary == ("PM2.5",)


def test_exceeding_means_above_100_primary_or_not() -> None:
    assert air_quality({"PM2.5": 180, "PM10": 101, "NO2": 100}).exceeding == ("PM2.5", "PM10")


def test_no_index_anywhere_means_no_aqi() -> None:
    result = air_quality({"PM2.5": None, "NO2": math.nan})
    assert (result.aqi, result.category, result.primary) == (None, None, ())
