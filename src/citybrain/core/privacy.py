"""Masking of personal data (PIPL): names, phone numbers, ID-card numbers, e-mail addresses, exact locations.

Masking is applied wherever data leaves the staff roles that need it: Open311 GET, public pages, exports.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Collection
from typing import Any

from citybrain.core.earth import METRES_PER_DEGREE
from citybrain.core.errors import InvalidInput

# Chinese ID card: 17 digits and a digit or X; 15-digit old cards.
_ID_CARD = re.compile(r"(?<!\d)(\d{6})(\d{8}|\d{6})(\d{3}[\dXx]|\d{1})(?!\d)")
# Chinese mobile numbers, optionally with +86, spaces or dashes between groups.
_CN_MOBILE = re.compile(r"(?<!\d)((?:\+?86[ -]?)?1[3-9]\d)[ -]?(\d{4})[ -]?(\d{4})(?!\d)")
# Landlines: 0xx-xxxxxxxx, and North-American style (212) 555-1234 / 212-555-1234.
_LANDLINE = re.compile(r"(?<!\d)(0\d{2,3})[ -]?(\d{7,8})(?!\d)")
_NANP = re.compile(r"(?<!\d)(\(?\d{3}\)?[ .-]?)(\d{3})[ .-]?(\d{4})(?!\d)")
_EMAIL = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})")
_DIGIT = re.compile(r"\d")


def mask_phone(phone: str | None) -> str | None:
    """Keep the first three and last four digits of a phone number: ``138****5678``."""
    if not phone:
        return phone
    digits = re.sub(r"\D", "", phone)
    if len(digits) <= 4:
        return "*" * len(digits)
    keep_head = 3 if len(digits) >= 10 else 0
    return digits[:keep_head] + "*" * (len(digits) - keep_head - 4) + digits[-4:]


def mask_name(name: str | None) -> str | None:
    """Keep the first character: ``张**`` / ``J***``."""
    if not name:
        return name
    name = name.strip()
    return name[:1] + "*" * max(len(name) - 1, 1)


def mask_email(email: str | None) -> str | None:
    """Keep the first character and the domain: ``a***@example.org``."""
    if not email:
        return email
    return _EMAIL.sub(lambda m: f"{m.group(1)}***@{m.group(2)}", email)


def mask_id_number(value: str | None) -> str | None:
    """Keep the first six and last four characters of an ID-card number."""
    if not value:
        return value
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_address(address: str | None) -> str | None:
    """The street stays, house, building and room numbers go: ``桃子湖路12号3栋`` → ``桃子湖路**号*栋``.

    A case's address is often the citizen's own door (noise next door, a leak upstairs)."""
    return _DIGIT.sub("*", address) if address else address


def phone_digits(phone: str) -> str:
    """A phone number as its bare digits in the national form: how two spellings of one number are compared.

    China's +86 is dropped, and a landline written internationally gets back its trunk 0
    (``+86 731 8888 1111`` → ``073188881111``, as ``0731-88881111``).
    """
    digits = re.sub(r"\D", "", phone)
    if digits.startswith("86") and len(digits) in (12, 13):
        rest = digits[2:]
        return rest if rest.startswith(("0", "1")) else "0" + rest
    return digits


def mask_text(text: str | None, keep: Collection[str] = ()) -> str | None:
    """Mask the personal data a citizen writes inside free text (PIPL 个人信息): ID-card numbers (checksum-valid),
    phone numbers (mobile, landline), e-mail addresses, licence plates, door numbers of an exact address
    (``12号3栋2单元501室``) and names (introduced ones, ``我叫张三``, and surname + form of address, ``王师傅``).

    ``keep`` holds phone numbers (as :func:`phone_digits`) that are the city's, not a citizen's — a department's
    contact number in its reply — and stay readable.
    """
    if not text:
        return text
    if len(text) > MASK_CACHE_TEXT_MAX:
        return _mask_text(text, frozenset(keep))
    return _mask_text_kept(text, frozenset(keep) if keep else _NO_NUMBERS)


#: Masked texts remembered, the longest remembered (characters): a list page or the portal masks the same newest
#: cases poll after poll, and a text's nine regular expressions cost more than the rest of its row
#: (bench/soak_cpu.py). At most this many × this long, so a few MiB at worst.
MASK_CACHE_SIZE = 2048
MASK_CACHE_TEXT_MAX = 1000
_NO_NUMBERS: frozenset[str] = frozenset()


@functools.lru_cache(maxsize=MASK_CACHE_SIZE)
def _mask_text_kept(text: str, keep: frozenset[str]) -> str:
    return _mask_text(text, keep)


def _mask_text(text: str, keep: frozenset[str]) -> str:
    def phone(masked: Callable[[re.Match[str]], str]) -> Callable[[re.Match[str]], str]:
        return lambda m: m.group(0) if keep and phone_digits(m.group(0)) in keep else masked(m)

    text = _ID_CARD.sub(_masked_id_card, text)
    text = _CN_MOBILE.sub(phone(lambda m: m.group(1) + "****" + m.group(3)), text)
    text = _LANDLINE.sub(phone(lambda m: m.group(1) + "-****" + m.group(2)[-4:]), text)
    text = _NANP.sub(phone(lambda m: m.group(1) + "***-" + m.group(3)), text)
    text = _EMAIL.sub(lambda m: f"{m.group(1)}***@{m.group(2)}", text)
    text = _PLATE.sub(lambda m: m.group(1) + "*" * (len(m.group(2)) - 2) + m.group(2)[-2:], text)
    text = _DOOR_HAN.sub(lambda m: "*" * len(m.group(0)), text)  # first: 一栋2单元 needs its 2 to tell a door
    text = _DOOR.sub(lambda m: "*" * len(m.group(1)), text)
    return mask_named(text) or ""


def mask_tree(value: Any, keep: Collection[str] = ()) -> Any:
    """``value`` with every string in it masked (:func:`mask_text`): evidence quoted from a citizen's words, an
    alert's payload before a webhook or e-mail carries it out of the city's systems."""
    if isinstance(value, str):
        return mask_text(value, keep)
    if isinstance(value, dict):
        return {k: mask_tree(v, keep) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_tree(v, keep) for v in value]
    return value


# ID card (GB 11643-1999): weights of the 17 digits, and the check character for the sum mod 11.
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_BIRTH = re.compile(r"(?:19|20)\d\d(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])")


def is_id_card(value: str) -> bool:
    """Whether ``value`` is a Chinese resident ID number: 18 characters with a valid birth date and check
    character (GB 11643), or an old 15-digit card with a valid birth date (YYMMDD)."""
    value = value.upper()
    if len(value) == 18 and value[:17].isdigit():
        total = sum(int(d) * w for d, w in zip(value[:17], _ID_WEIGHTS, strict=True))
        return _ID_CHECK[total % 11] == value[17] and bool(_BIRTH.fullmatch(value[6:14]))
    if len(value) == 15 and value.isdigit():
        return bool(_BIRTH.fullmatch("19" + value[6:12]))
    return False


def _masked_id_card(m: re.Match[str]) -> str:
    """A checksum-valid ID number, or any number of its shape right after 身份证/证件号 (a mistyped card is still
    the citizen's); an 18-digit order or account number elsewhere stays."""
    said = any(cue in m.string[max(m.start() - 8, 0) : m.start()] for cue in ("身份证", "证件号"))
    if not (said or is_id_card(m.group(0))):
        return m.group(0)
    return m.group(1) + "*" * len(m.group(2)) + m.group(3)[-4:]


# Licence plates (机动车号牌, GA 36): province, issuing letter, then 5 characters (6 on new-energy plates) with a digit.
_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_PLATE = re.compile(
    rf"([{_PROVINCES}][A-HJ-NP-Z])[·・•\s-]?((?=[A-HJ-NP-Z\d]*\d)[A-HJ-NP-Z\d]{{5,6}}|[A-HJ-NP-Z\d]{{4}}[学警挂港澳])"
    r"(?![A-Za-z\d])"
)
# The door of an exact address: the number before 号/号楼/号院/栋/幢/单元/室 — not a date's 号 (12月3号), a metro line's
# 号线, nor a document's number (〔2013〕12号, 第22号, 2017年25号); the street and the building's name stay.
_DOOR = re.compile(r"(?<![月\d\]］〕年第字释令])([A-Za-z]?\d+)(?=号楼|号院|号(?![线文令])|栋|幢|单元|室)")
# The same door in Chinese numerals (三号楼二单元五〇一室, 人民路十二号), narrower, as these numerals also count things
# (一栋楼, 五栋房, 两室一厅, 几百号人), name offices (纪委一室) and write dates (十五号发工资): a unit (二单元) and a
# numbered building (三号楼) always; a room of two numerals or more (五〇一室); a bare 号 only after a street (七号 in
# 南塔路七号); a building (栋/幢) of two numerals or more (十七栋), or of one when more of the door follows (六栋一单元,
# 一栋2单元) — measured on real citizen messages, see docs/security.md#personal-data-pipl.
_HAN = "[〇零一二三四五六七八九十百]"
_DOOR_HAN = re.compile(
    r"(?<![月\d\]］〕年第字释令几数周初号两这那每同唯〇零一二三四五六七八九十百千万])"
    rf"(?:{_HAN}{{1,4}}(?=号楼|号院|单元)"
    rf"|{_HAN}{{2,4}}(?=室)(?!室[一二两三四五]厅)"
    rf"|(?<=[路街巷道弄里村]){_HAN}{{1,4}}(?=号(?![线文令]))"
    rf"|{_HAN}{{2,3}}(?=[栋幢])"
    rf"|{_HAN}{{1,3}}(?=[栋幢](?:\d+(?![层平户间\d])|{_HAN}+(?:单元|室|号)|单元)))"
)

# A name the writer gives as theirs or a contact's: 我叫张三, 姓名：李四, 联系人王五 (2–3 Han characters).
_SELF_NAMED = re.compile(
    r"(我叫|我的名字是|名叫|(?:姓名|联系人)[:：]?\s*|(?:投诉人|反映人|举报人|报案人|户主)[:：]\s*)([\u4e00-\u9fff]{2,3})"
)
# A surname written with a form of address (张先生, 李女士, 王师傅): common surnames only, and only forms of address
# that follow a name (not 老师/医生, which follow 主任, 向 … as often) — measured on real citizen messages, see
# docs/security.md#personal-data-pipl.
_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁沈姚卢姜崔钟谭陆"
    "汪范金石廖贾夏韦付傅方邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔汤"
)
_ADDRESSED = re.compile(rf"([{_SURNAMES}])(?=先生|女士|小姐|师傅|阿姨|大爷|大妈)")
# A name with no cue before it, told by what follows (张三反映…, 黄辉表示, 覃君君于2019年, 刘剑光同志): a common surname
# and one or two characters at the start of a clause (or after 市民/业主 …), followed by a verb of saying or
# reporting. Not a place or an office (高新区表示, 黄花镇说: the last character is no given name's) nor a word that
# starts with a surname (高级职称, 余额, 曾经, 谢谢).
_REPORTED = re.compile(
    r"(?:(?<=^)|(?<=[\s，。；、：:,;！？!?（(“\"])|(?<=市民|居民|业主|村民|网友|群众|职工|工人|家长|患者|司机|租户))"
    rf"([{_SURNAMES}])(?![级职额经多一格谢事嘴及时些曾历处致])([\u4e00-\u9fff]{{1,2}})"
    r"(?<![区市县镇乡村路街道巷局委办处科站所院校厂司店园城楼队组部馆场会家府门山湖江河桥公业民工人户主员又还却也都就曾被])"
    r"(?=(?:又|还|却|也|都|就|曾|多次|当场|随即)?(?:反映|投诉|举报|来电|致电|表示|说|咨询|求助|报警|同志|于(?:19|20)\d\d))"
)
_SURNAME_GIVEN = re.compile(r"(我姓|本人姓)(?!名)[\u4e00-\u9fff](?:名([\u4e00-\u9fff]{1,2}))?")


def mask_named(text: str | None) -> str | None:
    """Mask names: introduced ones (``我叫张三丰`` → ``我叫张**``), a name told by the verb after it (``张三反映`` →
    ``张*反映``), a surname given as one (``我姓王`` → ``我姓*``) and a surname before a form of address
    (``张先生`` → ``*先生``, ``王师傅`` → ``*师傅``)."""
    if not text:
        return text
    text = _SELF_NAMED.sub(lambda m: m.group(1) + (mask_name(m.group(2)) or ""), text)
    text = _SURNAME_GIVEN.sub(lambda m: m.group(1) + "*" + ("名" + "*" * len(m.group(2)) if m.group(2) else ""), text)
    text = _ADDRESSED.sub("*", text)  # before the next: 张先生说 is *先生说, not a name 张先生
    return _REPORTED.sub(lambda m: m.group(1) + "*" * len(m.group(2)), text)


def coarsen_point(lat: float | None, lon: float | None, metres: float) -> tuple[float | None, float | None]:
    """The centre of the ~``metres`` square cell that holds the point (公开位置): what the public may see of it.

    A case's exact point is often the citizen's own door (noise next door, a leak upstairs), so public outputs
    show the cell instead. The grid is anchored at (0°, 0°): rows are ``metres / 111,320`` degrees of latitude,
    and each row's columns are as many metres wide at the row's centre latitude, so a point always maps to the
    same public point — repeated requests cannot be averaged back to the door. The centre lies at most about
    ``metres·√2/2`` from the point. ``metres == 0`` keeps the point exact; a missing point (either half ``None``)
    stays missing. Decimals are cut to about a hundredth of the cell, so the figures do not pretend to a precision
    the cell does not have.
    """
    if lat is None or lon is None:
        return None, None
    _check_point(lat, lon, metres)
    if metres == 0:
        return lat, lon
    dlat = metres / METRES_PER_DEGREE
    row_lat = (math.floor(lat / dlat) + 0.5) * dlat
    dlon = min(dlat / max(math.cos(math.radians(row_lat)), 1e-9), 360.0)
    row_lon = (math.floor(lon / dlon) + 0.5) * dlon
    decimals = min(max(math.ceil(math.log10(100 * METRES_PER_DEGREE / 2 / metres)), 0), 7)
    return round(min(max(row_lat, -90.0), 90.0), decimals), round(min(max(row_lon, -180.0), 180.0), decimals)


def _check_point(lat: float, lon: float, metres: float) -> None:
    if not (math.isfinite(metres) and metres >= 0):
        raise InvalidInput(f"cell size must be a number of metres >= 0, not {metres!r} / 网格边长须为非负米数")
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        raise InvalidInput(f"({lat}, {lon}) is not a point on Earth / 经纬度超出范围")
