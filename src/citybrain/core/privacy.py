"""Masking of personal data (PIPL): names, phone numbers, ID-card numbers, e-mail addresses, exact locations.

Masking is applied wherever data leaves the staff roles that need it: Open311 GET, public pages, exports.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Collection

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
    """Mask ID-card numbers, phone numbers and e-mail addresses written inside free text.

    ``keep`` holds phone numbers (as :func:`phone_digits`) that are the city's, not a citizen's — a department's
    contact number in its reply — and stay readable.
    """
    if not text:
        return text

    def phone(masked: Callable[[re.Match[str]], str]) -> Callable[[re.Match[str]], str]:
        return lambda m: m.group(0) if keep and phone_digits(m.group(0)) in keep else masked(m)

    text = _ID_CARD.sub(lambda m: m.group(1) + "*" * len(m.group(2)) + m.group(3)[-4:], text)
    text = _CN_MOBILE.sub(phone(lambda m: m.group(1) + "****" + m.group(3)), text)
    text = _LANDLINE.sub(phone(lambda m: m.group(1) + "-****" + m.group(2)[-4:]), text)
    text = _NANP.sub(phone(lambda m: m.group(1) + "***-" + m.group(3)), text)
    return _EMAIL.sub(lambda m: f"{m.group(1)}***@{m.group(2)}", text)


# A name the writer gives as theirs or a contact's: 我叫张三, 姓名：李四, 联系人王五 (2–3 Han characters).
_SELF_NAMED = re.compile(r"(我叫|我的名字是|名叫|姓名[:：]?\s*|联系人[:：]?\s*)([\u4e00-\u9fff]{2,3})")


def mask_named(text: str | None) -> str | None:
    """Mask a name introduced as one (``我叫张三丰`` → ``我叫张**``); names written without such words stay."""
    if not text:
        return text
    return _SELF_NAMED.sub(lambda m: m.group(1) + (mask_name(m.group(2)) or ""), text)


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
