from __future__ import annotations

import math
import random

import pytest

from citybrain.core import privacy
from citybrain.core.earth import METRES_PER_DEGREE
from citybrain.core.errors import InvalidInput
from citybrain.core.privacy import (
    coarsen_point,
    is_id_card,
    mask_email,
    mask_id_number,
    mask_name,
    mask_named,
    mask_phone,
    mask_text,
    phone_digits,
)


def test_masks_phone_id_and_email_inside_text() -> None:
    text = "我叫张三,电话13812345678,身份证430102199001011238,邮箱zhangsan@example.com"
    masked = mask_text(text)
    assert masked is not None
    assert "13812345678" not in masked
    assert "138****5678" in masked
    assert "430102199001011238" not in masked
    assert "430102********1238" in masked
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
        ("张先生说工地很吵", "*先生说工地很吵"),  # a surname with a form of address
        ("请王师傅和李女士来看看", "请*师傅和*女士来看看"),
        ("本人姓李名华侨，男", "本人姓*名**，男"),
        ("我姓王", "我姓*"),
        ("投诉人的母亲", "投诉人的母亲"),  # a role word without a colon introduces no name
        ("本人姓名：陈巍", "本人姓名：陈*"),
    ],
)
def test_an_introduced_name_is_masked(text: str, masked: str) -> None:
    assert mask_named(text) == masked


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("430102199001011238", True),
        ("11010519491231002X", True),
        ("11010519491231002x", True),
        ("430102199001011234", False),  # wrong check digit: an order or account number, not an ID card
        ("430102199013011235", False),  # month 13
        ("430102900101123", True),  # old 15-digit card, born 1990-01-01
        ("4301021990010112", False),
    ],
)
def test_an_id_card_number_has_a_valid_check_character_and_birth_date(value: str, valid: bool) -> None:
    assert is_id_card(value) is valid
    masked = mask_text(f"订单{value}。")
    assert (value not in (masked or "")) is valid
    assert value not in (mask_text(f"身份证号{value}。") or "")  # after 身份证 a mistyped number goes too


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("车牌京A12345违停", "车牌京A***45违停"),
        ("新能源车粤B·D12345占位", "新能源车粤B****45占位"),
        ("货车湘A1234挂", "货车湘A***4挂"),
        ("住在桃子湖路12号3栋2单元501室", "住在桃子湖路**号*栋*单元***室"),
        ("地铁3号线12月3号停运", "地铁3号线12月3号停运"),  # a metro line and a date are no doors
        ("依据〔2013〕12号文件和第22号令", "依据〔2013〕12号文件和第22号令"),
        ("写信给abc.def@mail.cn", "写信给a***@mail.cn"),
        ("座机0731-88886666", "座机0731-****6666"),
    ],
)
def test_plates_doors_and_contacts_in_text_are_masked(text: str, masked: str) -> None:
    assert mask_text(text) == masked


def test_the_city_keeps_its_number_while_the_citizens_name_and_door_go() -> None:
    keep = {phone_digits("0731-88881111")}
    reply = "王先生您好，请拨打0731-88881111，或到人民路8号2楼咨询。"
    assert mask_text(reply, keep) == "*先生您好，请拨打0731-88881111，或到人民路*号2楼咨询。"


def test_remembered_masks_stay_bounded_and_answer_as_a_fresh_mask_does() -> None:
    """Masked texts are remembered (list pages mask the same cases poll after poll), at most MASK_CACHE_SIZE."""
    texts = [f"市民 139{n:08d} 反映第 {n} 号楼噪音" for n in range(privacy.MASK_CACHE_SIZE + 500)]
    masked = [mask_text(t) for t in texts]
    assert privacy._mask_text_kept.cache_info().currsize <= privacy.MASK_CACHE_SIZE
    assert [mask_text(t) for t in texts] == masked  # again, now partly remembered: the same answers
    assert masked[7] == "市民 139****0007 反映第 7 号楼噪音"
    assert mask_text(texts[7], {"13900000007"}) == texts[7]  # another keep is another answer, not the kept one
    long = "噪音" * privacy.MASK_CACHE_TEXT_MAX + " 13912345678"  # too long to remember; masked all the same
    assert mask_text(long) == "噪音" * privacy.MASK_CACHE_TEXT_MAX + " 139****5678"


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("张三反映楼上噪音", "张*反映楼上噪音"),  # a name with no cue before it, told by the verb after it
        ("市民李小红投诉工地夜间施工", "市民李**投诉工地夜间施工"),
        ("黄辉表示受理。", "黄*表示受理。"),
        ("据说，谢景斌于2019年离职", "据说，谢**于2019年离职"),
        ("刘剑光同志不接电话", "刘**同志不接电话"),
        ("蒋燕又说：", "蒋*又说："),
        ("高新区表示将整改", "高新区表示将整改"),  # an office or a place, not a name
        ("市城管局表示，黄花镇说已处理", "市城管局表示，黄花镇说已处理"),
        ("高级职称评审；余额不足；曾经来电", "高级职称评审；余额不足；曾经来电"),  # words that begin with a surname
        ("村民何处去求助", "村民何处去求助"),
    ],
)
def test_a_name_without_a_cue_is_masked_by_the_verb_after_it(text: str, masked: str) -> None:
    assert mask_text(text) == masked


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("住在三号楼二单元五〇一室", "住在*号楼*单元***室"),
        ("南塔路十二号", "南塔路**号"),
        ("六栋一单元漏水，十七栋也漏", "*栋*单元漏水，**栋也漏"),
        ("家属院一栋2单元", "家属院*栋*单元"),
        ("两室一厅，纪委一室", "两室一厅，纪委一室"),  # a flat's layout and an office are no doors
        ("新建一栋楼，五栋房，一栋四层办公楼，几百号人", "新建一栋楼，五栋房，一栋四层办公楼，几百号人"),
        ("十二月三号，十五号发工资", "十二月三号，十五号发工资"),  # dates: a bare 号 counts only after a street
        ("地铁三号线，一号文件，第三号令", "地铁三号线，一号文件，第三号令"),
        ("五一路和人民路", "五一路和人民路"),  # a street without a door stays
    ],
)
def test_a_door_in_chinese_numerals_is_masked(text: str, masked: str) -> None:
    assert mask_text(text) == masked
