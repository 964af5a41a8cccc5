"""Street names: NYC's ``ON STREET`` × ``CROSS STREET``, and the two roads inside STATS19's free ``Location`` text.

STATS19's Location is typed by officers: "A603 EAST RD JUNCTION DOVER ST CAMBRIDGE", "HIGH ST JW CHURCH ST
BUCKEN", "MITCHAMS CORNER AT JUNCTION WITH MILTON ROAD", "CLIFTON ROAD 25M SOUTH OF JUNCTION WITH CLIFTON WAY".
A junction word (JUNCTION [WITH], JW, J/W, JCT) splits it; a distance ("25M SOUTH OF") before it means the place is
near, not at, the junction and the text gives no pair. The town at the end of the second road stays (no gazetteer
of Cambridgeshire's places here), so "DOVER ST CAMBRIDGE" and "DOVER ST" are different names — one reason the
coordinate snapping is the default.
"""

from __future__ import annotations

import re
from typing import Final

_JUNCTION_WORD = re.compile(r"\s+(?:AT\s+)?(?:JUNCTION|JUNCTN|JNCTN|JCT|JN|J/W|JW)(?:\s+WITH)?\s+")
_DISTANCE = re.compile(r"\b\d+(?:\.\d+)?\s*(?:M|METRES?|METERS?|KM|YDS?|YARDS?|MILES?)\b")
_ROAD_NUMBER = re.compile(r"^(?:[ABCM]\d+[A-Z]?(?:\(M\))?)\s+(?=[A-Z])")
_ABBREVIATIONS: Final = {
    "ROAD": "RD", "STREET": "ST", "AVENUE": "AVE", "LANE": "LN", "PLACE": "PL", "BOULEVARD": "BLVD",
    "PARKWAY": "PKWY", "DRIVE": "DR", "COURT": "CT", "TERRACE": "TER", "HIGHWAY": "HWY", "EXPRESSWAY": "EXPY",
    "NORTH": "N", "SOUTH": "S", "EAST": "E", "WEST": "W", "SAINT": "ST", "CLOSE": "CL", "SQUARE": "SQ",
}  # fmt: skip


def split_location(text: str) -> tuple[str, str]:
    """The two roads of a STATS19 Location, or (text, "") when it names no junction of two roads."""
    upper = " ".join(text.upper().split())
    parts = _JUNCTION_WORD.split(upper, maxsplit=1)
    if len(parts) != 2 or not parts[0] or not parts[1] or _DISTANCE.search(parts[0]):
        return upper, ""
    return parts[0], parts[1]


def street_name(text: str) -> str:
    """One spelling per street: upper case, single spaces, usual abbreviations, no leading road number when a name
    follows ("A603 EAST RD" → "E RD" and "EAST ROAD" → "E RD")."""
    upper = re.sub(r"[^A-Z0-9/ ]", " ", text.upper())
    upper = _ROAD_NUMBER.sub("", " ".join(upper.split()))
    return " ".join(_ABBREVIATIONS.get(word, word) for word in upper.split())


def junction_key(on_street: str, cross_street: str) -> str | None:
    """The same key for A × B and B × A; None without two different street names."""
    names = sorted({street_name(on_street), street_name(cross_street)} - {""})
    return " & ".join(names) if len(names) == 2 else None
