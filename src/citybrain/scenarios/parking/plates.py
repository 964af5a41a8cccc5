"""Chinese number plates (车牌) as gate cameras read them: the checked form, and the key under which look-alike
reads of one plate meet.

A plate is a province character (京, 粤 …), a letter for the issuing office, then 5 characters (ordinary plates,
7 in all) or 6 (new-energy plates 新能源, 8 in all); a few end in a use character (警 police, 学 learner, 挂 trailer,
港/澳/领/使). Cameras confuse 0/O/D/Q, 8/B, 1/I, 2/Z and the province character; :func:`plate_key` folds each
confusable group to one character and drops the province, so every plate a misread could have come from shares the
read's key. :func:`compare` then says how far two plates of one key differ.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from citybrain.core.errors import InvalidInput

PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼使领"
SUFFIXES = "警学挂港澳领使"
#: Confusable characters → the one each group folds to.
LOOKALIKE = str.maketrans({"O": "0", "D": "0", "Q": "0", "B": "8", "I": "1", "Z": "2"})
_PLATE = re.compile(rf"^[{PROVINCES}][A-Z][A-Z0-9]{{4,5}}[A-Z0-9{SUFFIXES}]$")
_STRIP = re.compile(r"[\s·.\-_]")
#: Plates of vehicles that never pay (police, and the like) are marked by their last character.
EXEMPT_SUFFIXES = frozenset("警")


def normalize(raw: str) -> str:
    """The plate as stored: upper case, without spaces, dots or dashes; InvalidInput if it is not a plate."""
    plate = _STRIP.sub("", raw or "").upper()
    if not plate or set(plate) <= set("?*#"):
        raise InvalidInput("unreadable plate: the camera sent no characters; send the event with plate '' only "
                           "after a person has read the image")  # fmt: skip
    if not _PLATE.match(plate):
        raise InvalidInput(
            f"unreadable plate {raw!r}: a plate is a province character, an office letter and 5 characters "
            "(6 for a new-energy plate), e.g. 粤B12345 or 粤BD12345"
        )
    return plate


def is_new_energy(plate: str) -> bool:
    return len(plate) == 8


def plate_key(plate: str) -> str:
    """The key of every plate a look-alike misread could be: no province, each confusable group folded."""
    return plate[1:].translate(LOOKALIKE)


@dataclass(frozen=True)
class Likeness:
    """How two plates of one key differ: ``lookalikes`` confusable positions, ``province`` whether the province
    characters differ; ``confidence`` 1.0 for the same plate, lower for each difference."""

    lookalikes: int
    province: bool
    confidence: float

    @property
    def exact(self) -> bool:
        return self.lookalikes == 0 and not self.province

    def explain(self) -> str:
        if self.exact:
            return "same plate"
        parts = []
        if self.lookalikes:
            parts.append(f"{self.lookalikes} look-alike character(s) 形近字")
        if self.province:
            parts.append("another province character 省份简称不同")
        return ", ".join(parts) + f"; confidence {self.confidence:.2f}"


LOOKALIKE_PENALTY = 0.15
PROVINCE_PENALTY = 0.25


def compare(a: str, b: str) -> Likeness | None:
    """How ``a`` and ``b`` differ, or None when they cannot be one plate (lengths or a non-confusable character)."""
    if len(a) != len(b) or plate_key(a) != plate_key(b):
        return None
    lookalikes = sum(1 for x, y in zip(a[1:], b[1:], strict=True) if x != y)
    province = a[0] != b[0]
    confidence = max(0.0, 1.0 - LOOKALIKE_PENALTY * lookalikes - (PROVINCE_PENALTY if province else 0.0))
    return Likeness(lookalikes, province, round(confidence, 4))


def is_exempt(plate: str) -> bool:
    return plate[-1] in EXEMPT_SUFFIXES
