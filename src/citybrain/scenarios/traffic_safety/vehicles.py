"""The free-text vehicle types and manoeuvres of collision records, normalised to a few classes.

NYC's ``VEHICLE TYPE CODE`` is typed by officers and changed over the years ("Sedan", "4 dr sedan", "Box Truck",
"Tractor Truck Diesel", "Large Com Veh(6 or More Tires)", "Garbage or Refuse", truncated codes such as "TRACT" or
"FIRET"); STATS19 uses a fixed list ("GV >= 7.5t mgw", "Bus or coach >16 sea", …). One ordered list of patterns,
first match wins, turns either into a class; the list is written into every result's ``params`` and into
docs/blind_zones.md, so a reader sees exactly which text counted as a large vehicle.
"""

from __future__ import annotations

import re
from typing import Final

LARGE: Final = frozenset({"heavy_goods", "bus"})
VULNERABLE: Final = frozenset({"bicycle", "motorcycle"})

#: (class, pattern) — first match wins, on the upper-cased text. Order matters: "PICK-UP TRUCK" is light goods
#: before the bare word TRUCK makes it heavy; "MOTORBIKE" is a motorcycle before BIKE makes it a bicycle; STATS19's
#: "Van/GV <=3.5t" is light before its "GV" would make it heavy; "Minibus 8-16" is not a bus (under 16 seats).
VEHICLE_RULES: Final[tuple[tuple[str, str], ...]] = (
    (
        "light_goods",
        r"VAN/GV|MINIBUS|PICK.?UP|^PK$|SMALL COM|\bVAN\b|CARRY ALL|U-?HAU|轻型货车|微型货车|小型货车|面包车|皮卡",
    ),
    ("bus", r"\bBUS\b|COACH|^MTA B|OMNIBUS|公交|大型客车|中型客车|大客车|大巴|校车"),
    (
        "heavy_goods",
        r"\bGV\b|LARGE COM|TRACTOR|^TRACT?$|TRUCK|^TRUC|^BOX$|DUMP|GARBAGE|REFUSE|SANITATION|TANKER|CONCRETE|MIXER|"
        r"FLAT ?BED|^FLATB|FLAT RACK|STAKE|ARMORED|CHASSIS|^FIRE|FDNY|SNOW PLOW|AGRICULTURAL|MULTI-WHEELED|"
        r"LIFT BOOM|OPEN BODY|HGV|LORRY|TOW T|WRECKER|^TRAIL|HEAVY GOODS|GOODS VEHICLE|"
        r"货车|卡车|渣土|搅拌|挂车|牵引|环卫|垃圾|工程车",
    ),
    ("motorcycle", r"MOTOR ?CYCLE|MOTORBIKE|MOTOR ?SCOOT|MOPED|MINICYCLE|\d+CC|SCOOT|TWMV|摩托"),
    ("bicycle", r"BIKE|BICYCLE|PEDAL CYCLE|^E-BIK|CYCLIST|自行车|单车|电动车"),
    (
        "car",
        r"SEDAN|PASSENGER|STATION WAGON|SPORT UTILITY|TAXI|\bCAR\b|CONVERTIBLE|LIVERY|3-DOOR|SUBURBAN|PRIVATE HIRE|"
        r"小型客车|微型客车|轿车|小汽车|出租",
    ),
)
_COMPILED: Final = tuple((cls, re.compile(pattern)) for cls, pattern in VEHICLE_RULES)

#: Manoeuvre text → ``turn_left``, ``turn_right``, or ``other``. Only an actual turn counts: STATS19's "Waiting to
#: turn left" is a stationary vehicle, "Going ahead left hand bend" follows the road, "U-turning" is not a turn into
#: the near side. Chinese records: 右转 / 向右转弯 / 左转 (等待右转 is waiting, not turning).
_TURN = re.compile(r"^\s*TURN(?:ING)?\s+(LEFT|RIGHT)\b")
_TURN_ZH = {"右": "right", "左": "left"}
_ZH = re.compile(r"^\s*(?:向)?([右左])转")


def vehicle_class(text: str) -> str:
    """The class of one vehicle-type text: heavy_goods, bus, light_goods, car, motorcycle, bicycle or other."""
    upper = " ".join(text.upper().split())
    if not upper:
        return "other"
    for cls, pattern in _COMPILED:
        if pattern.search(upper):
            return cls
    return "other"


def manoeuvre_class(text: str) -> str:
    """``turn_left``, ``turn_right`` or ``other`` for one manoeuvre text (empty text: ``unknown``)."""
    if not text.strip():
        return "unknown"
    found = _TURN.match(text.upper().replace("_", " "))
    if found:
        return f"turn_{found.group(1).lower()}"
    zh = _ZH.match(text)
    return f"turn_{_TURN_ZH[zh.group(1)]}" if zh else "other"
