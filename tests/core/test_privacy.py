from __future__ import annotations

import math
import random

import pytest

from citybrain.core.earth import METRES_PER_DEGREE
from citybrain.core.errors import InvalidInput
from citybrain.core.privacy import (
    coarsen_point,
    mask_email,
    mask_id_number,
    mask_name,
    mask_named,
    mask_phone,
    mask_text,
    phone_digits,
)


def test_masks_phone_id_and_email_inside_text() -> None:
    text = "我叫张三,电话13812345678,身份证430102199001011234,邮箱zhangsan@example.com"
    masked = mask_text(text)
    assert masked is not None
    assert "13812345678" not in masked
    assert "138****5678" in masked
    assert "430102199001011234" not in masked
    assert "430102********1234" in masked
    assert "zhangsan@" not in masked
    assert "z***@example.com" in masked


def test_masks_us_phone_and_landline() -> None:
    masked = mask_text("call (212) 555-1234 or 0731-88886666")
    assert masked is not None
    assert "555-1234" not in masked
    assert "1234" in masked
    assert "88886666" not in masked


def test_field_masks() -> None:
    assert mask_phone("13812345678") == "138****5678"
    assert mask_name("张三丰") == "张**"
    assert mask_email("a.b@x.org") == "a***@x.org"
    assert mask_id_number("430102199001011234") == "430102********1234"
    assert mask_text(None) is None


def _metres_apart(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Equirectangular distance at a's latitude: exact enough over a few hundred metres."""
    dy = (b[0] - a[0]) * METRES_PER_DEGREE
    dx = (b[1] - a[1]) * METRES_PER_DEGREE * math.cos(math.radians(a[0]))
    return math.hypot(dx, dy)


def _coarse(lat: float, lon: float, metres: float) -> tuple[float, float]:
    clat, clon = coarsen_point(lat, lon, metres)
    assert clat is not None
    assert clon is not None
    return clat, clon


class TestCoarsenPoint:
    def test_the_grid_is_anchored_at_zero_zero(self) -> None:
        half = 50 / METRES_PER_DEGREE
        assert coarsen_point(0.0001, 0.0001, 100) == (round(half, 5), round(half, 5))
        assert coarsen_point(-0.0001, -0.0001, 100) == (round(-half, 5), round(-half, 5))

    @pytest.mark.parametrize("metres", [10, 100, 250, 1000])
    def test_every_point_of_a_cell_shows_the_same_public_point(self, metres: float) -> None:
        rng = random.Random(7)
        for _ in range(200):
            centre = _coarse(rng.uniform(-70, 70), rng.uniform(-179, 179), metres)
            step_lat = 0.45 * metres / METRES_PER_DEGREE  # just inside the cell's edges
            step_lon = step_lat / math.cos(math.radians(centre[0]))
            for dy in (-1, 0, 1):
                for dx in (-1, 0, 1):
                    inside = (centre[0] + dy * step_lat, centre[1] + dx * step_lon)
                    assert _coarse(*inside, metres) == centre

    @pytest.mark.parametrize("metres", [10, 100, 1000])
    def test_a_point_moves_at_most_half_the_cells_diagonal(self, metres: float) -> None:
        rng = random.Random(11)
        moved = []
        for _ in range(2000):
            point = (rng.uniform(-80, 80), rng.uniform(-180, 180))
            moved.append(_metres_apart(point, _coarse(*point, metres)))
        assert max(moved) <= metres * math.sqrt(2) / 2 * 1.02  # 2%: rounding of the decimals, curvature
        assert min(moved) > 0  # a random point is never exactly a cell centre
        assert sum(moved) / len(moved) > metres / 4  # and it really is moved, not nudged

    def test_a_precise_point_loses_its_precision(self) -> None:
        lat, lon = _coarse(28.191234, 112.945678, 100)
        assert (lat, lon) != (28.191234, 112.945678)
        assert round(lat, 5) == lat  # ~1 m decimals for a 100 m cell, not the citizen's 6 or more
        assert round(lon, 5) == lon
        assert _coarse(28.191234, 112.945678, 100) == (lat, lon)  # the same answer every time

    def test_zero_keeps_the_exact_point(self) -> None:
        assert coarsen_point(28.191234, 112.945678, 0) == (28.191234, 112.945678)
        assert coarsen_point(-90.0, 180.0, 0.0) == (-90.0, 180.0)

    def test_a_missing_point_stays_missing(self) -> None:
        assert coarsen_point(None, None, 100) == (None, None)
        assert coarsen_point(28.19, None, 100) == (None, None)
        assert coarsen_point(None, 112.94, 100) == (None, None)

    @pytest.mark.parametrize(("lat", "lon"), [(90.0, 180.0), (-90.0, -180.0), (89.9999, 0.0), (0.0, -179.9999)])
    def test_the_ends_of_the_earth_stay_on_it(self, lat: float, lon: float) -> None:
        clat, clon = _coarse(lat, lon, 100)
        assert -90 <= clat <= 90
        assert -180 <= clon <= 180

    @pytest.mark.parametrize(
        ("lat", "lon", "metres"),
        [
            (28.19, 112.94, -1),
            (28.19, 112.94, math.nan),
            (28.19, 112.94, math.inf),
            (91.0, 112.94, 100),
            (28.19, -180.5, 100),
            (math.nan, 112.94, 100),
            (28.19, math.inf, 100),
        ],
    )
    def test_bad_input_is_refused(self, lat: float, lon: float, metres: float) -> None:
        with pytest.raises(InvalidInput):
            coarsen_point(lat, lon, metres)


def test_the_citys_own_numbers_stay_readable_and_only_those() -> None:
    keep = {phone_digits("139-0000-1111"), phone_digits("+86 731 8888 1111")}
    text = "请致电 13900001111 或 0731-88881111；市民 13912345678，0731-88882222"
    assert phone_digits("+86 139 0000 1111") == "13900001111"
    assert phone_digits("+86 731 8888 1111") == phone_digits("0731-88881111")
    assert mask_text(text, keep) == "请致电 13900001111 或 0731-88881111；市民 139****5678，0731-****2222"
    assert mask_text("13900001111", keep) == "13900001111"
    assert mask_text("13900001111") == "139****1111"  # without keep nothing is spared


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("我叫张三丰，住3栋", "我叫张**，住3栋"),
        ("姓名：李四 电话见上", "姓名：李* 电话见上"),
        ("联系人王小明反映噪音", "联系人王**反映噪音"),
        ("我的名字是赵六", "我的名字是赵*"),
        ("张先生说工地很吵", "张先生说工地很吵"),  # no introducing word: not recognised
    ],
)
def test_an_introduced_name_is_masked(text: str, masked: str) -> None:
    assert mask_named(text) == masked
