"""English place names by pattern: house numbers and street types, named districts and communities, boroughs.

``123 Main St``, ``WEST 42 STREET``, ``Renmin Road``, ``Broadway and West 42nd Street`` (an intersection: two
roads), ``Xingfu Community``, ``Central District``, ``Hi-Tech Zone``, ``Brooklyn``, ``Building 12``. Names are
capitalised words (or an all-capitals text such as NYC 311's addresses); a lower-case "the main road" is not a name.
"""

from __future__ import annotations

import re

from citybrain.geo.folding import Folded

Span = tuple[int, int, str]

_WORD = r"(?:[A-Z][a-z]{0,2}\.|[A-Z][A-Za-z'’\-]*|\d+(?:st|nd|rd|th|ST|ND|RD|TH)?)"  # St. Mt. but not Code.
_STREET_TYPES = (
    r"Street|St|Avenue|Ave|Av|Road|Rd|Boulevard|Blvd|Place|Pl|Lane|Ln|Drive|Dr|Court|Ct|Parkway|Pkwy|Terrace|Ter|"
    r"Way|Highway|Hwy|Expressway|Expy|Square|Sq|Plaza|Turnpike|Tpke|Alley|Crescent|Loop|Circle|Row|Concourse|Walk|Path|"
    r"Oval|Slip|Bridge"
)
_TYPES = rf"(?:{_STREET_TYPES}|{_STREET_TYPES.upper()})"
_DIRECTION = r"(?:North|South|East|West|NORTH|SOUTH|EAST|WEST|N\.?|S\.?|E\.?|W\.?)"
_NUMBER = r"\d{1,6}(?:-\d{1,5})?[A-Za-z]?"
_COMPASS = r"(?:North|South|East|West|NORTH|SOUTH|EAST|WEST)"
_ROAD = re.compile(
    rf"\b(?:(?:No\.?\s*)?(?P<number>{_NUMBER})\s+)?(?:{_DIRECTION}\s+)?{_WORD}(?:\s+{_WORD}){{0,3}}?\s+{_TYPES}\b\.?"
    rf"(?:\s+{_COMPASS}\b)?"
)
#: Roads named without a street type after the name: Broadway, Avenue X, Avenue of the Americas (with a number or not).
_BARE_ROADS = re.compile(
    rf"\b(?:(?P<number>{_NUMBER})\s+)?(?:Broadway|BROADWAY|Bowery|BOWERY|"
    r"(?:Avenue|AVENUE)\s+(?:[A-Z]\b|of the Americas|OF THE AMERICAS))"
)
_LATIN_WORD = re.compile(r"[A-Za-z]{2}")
_AREA = re.compile(
    rf"\b{_WORD}(?:\s+{_WORD}){{0,2}}?\s+(?P<kind>District|Zone|Community|Borough|Township|Town|Village|County|City|"
    r"Estate|Compound|Residence|Gardens|DISTRICT|ZONE|COMMUNITY|COUNTY|CITY)\b"
)
_AREA_LEVEL = {
    "district": "district",
    "zone": "district",
    "borough": "district",
    "township": "town",
    "town": "town",
    "village": "community",
    "county": "county",
    "city": "city",
    "community": "community",
    "estate": "community",
    "compound": "community",
    "residence": "community",
    "gardens": "community",
}
_BOROUGHS = re.compile(
    r"\b(?:Manhattan|Brooklyn|Queens|The Bronx|Bronx|Staten Island|MANHATTAN|BROOKLYN|QUEENS|BRONX|STATEN ISLAND)\b"
)
_CITIES = re.compile(r"\b(?:New York City|New York|NYC)\b")
_BUILDING = re.compile(r"\b(?:Building|Bldg|Block|Tower|BUILDING|BLDG)\.?\s+[A-Za-z]?\d{1,4}[A-Za-z]?\b")
_CROSS = re.compile(rf"\s+(?:and|&|AND|at|AT|/)\s+(?P<name>(?:{_DIRECTION}\s+)?{_WORD}(?:\s+{_WORD}){{0,2}})\b")
_CROSS_BEFORE = re.compile(rf"\b(?P<name>(?:{_DIRECTION}\s+)?{_WORD}(?:\s+{_WORD}){{0,2}})\s+(?:and|&|AND)\s+$")
#: Capitalised words that begin a sentence or a phrase but are not part of a name.
_LEADING = frozenset(
    "The A An At On In Near Along Off Of And From To By Between Corner Behind Opposite Outside Inside Across Past "
    "I We My Our Your Their There This That These Those Construction Loud Dust Road Street Cars Trucks Buses Bins "
    "Someone Nobody Which When Where Please Call Power Noise No Yes Hello Dear Sir Madam Residents Neighbours Shop "
    "THE AT ON IN NEAR OF AND".split()
)


def en_spans(folded: Folded) -> list[Span]:
    """English place spans of the folded text (may overlap each other; the caller keeps the longest)."""
    text = folded.text
    spans: list[Span] = []
    if _LATIN_WORD.search(text) is None:
        return spans
    for match in _ROAD.finditer(text):
        start = _skip_leading(text, match.start(), match.end())
        if start is None:
            continue
        level = "building" if match.group("number") and start == match.start() else "road"
        spans.append((start, match.end(), level))
        spans.extend(_cross_street(text, start, match.end()))
    for match in _AREA.finditer(text):
        start = _skip_leading(text, match.start(), match.end() - len(match.group("kind")))
        if start is not None:
            spans.append((start, match.end(), _AREA_LEVEL[match.group("kind").lower()]))
    spans += [(m.start(), m.end(), "building" if m.group("number") else "road") for m in _BARE_ROADS.finditer(text)]
    spans += [(m.start(), m.end(), "district") for m in _BOROUGHS.finditer(text)]
    spans += [(m.start(), m.end(), "city") for m in _CITIES.finditer(text)]
    spans += [(m.start(), m.end(), "building") for m in _BUILDING.finditer(text)]
    return spans


def _skip_leading(text: str, start: int, name_end: int) -> int | None:
    """Drop leading words that are not part of a name ("Near Main Street" → "Main Street"); None if none is left."""
    while start < name_end:
        word = re.match(r"\S+", text[start:name_end])
        if word is None or word.group() not in _LEADING:
            break
        start += word.end()
        while start < name_end and text[start].isspace():
            start += 1
    if start >= name_end or not re.match(r"[A-Z0-9]", text[start]):
        return None
    rest = text[start:name_end].split()
    if len(rest) <= 1 and not re.search(r"[A-Za-z]", text[start:name_end]):
        return None
    return start


def _cross_street(text: str, start: int, end: int) -> list[Span]:
    """The other road of an intersection written "X and Y" where only one of them has a street type."""
    spans: list[Span] = []
    after = _CROSS.match(text, end)
    if after is not None and after.group("name").split()[0] not in _LEADING:
        spans.append((after.start("name"), after.end("name"), "road"))
    window = max(0, start - 60)
    before = _CROSS_BEFORE.search(text[window:start])
    if before is not None:
        name_start = _skip_leading(text, window + before.start("name"), window + before.end("name"))
        if name_start is not None:
            spans.append((name_start, window + before.end("name"), "road"))
    return spans
