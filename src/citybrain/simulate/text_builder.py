"""Fill the text templates with a place, a time and a made-up citizen."""

from __future__ import annotations

import random
from dataclasses import dataclass

from citybrain.simulate.city import Cell, District
from citybrain.simulate.phrasing import title_of, vary
from citybrain.simulate.texts import (
    EN_NAMES,
    GIVEN,
    PHONE_PREFIXES,
    PRAISE_EN,
    PRAISE_ZH,
    REPLIES_EN,
    REPLIES_ZH,
    SURNAMES,
    TIMES_EN,
    TIMES_ZH,
    TOPICS,
)

CITY_ZH = "示例市"
CITY_EN = "Demo City"


@dataclass(frozen=True)
class CaseText:
    language: str
    title: str
    text: str
    address: str
    reply: str
    citizen: str
    phone: str | None
    email: str | None


def fake_phone(r: random.Random) -> str:
    """A mobile number of the right form whose middle ``0000`` marks it as made up: ``13800001234``."""
    return f"{r.choice(PHONE_PREFIXES)}0000{r.randint(0, 9999):04d}"


def _citizen(r: random.Random, english: bool) -> str:
    return r.choice(EN_NAMES) if english else r.choice(SURNAMES) + r.choice(GIVEN)


def compose(
    r: random.Random, category: str, cell: Cell, district: District, *, request_type: str, english: bool
) -> CaseText:
    """Title, text, address and the department's eventual reply for one request.

    ``r`` makes the same draws as it always has (so every case's life, drawn from ``r`` too, stays what it was);
    the wording's variety (:mod:`citybrain.simulate.phrasing`) comes from a second generator seeded by ``r``'s
    state, so the same seed still gives the same texts.
    """
    v = random.Random(hash(r.getstate()[1]))
    topic_zh, topic_en, templates_zh, template_en = TOPICS[category]
    number, building = r.randint(1, 399), r.randint(1, 30)
    phone = fake_phone(r) if r.random() < 0.7 else None
    citizen = _citizen(r, english)
    email = f"demo{r.randint(100, 99999)}@example.org" if r.random() < 0.1 else None
    praise = request_type == "表扬"
    if english:
        place = f"{cell.road_en} (Building {building}, {cell.community_en}, {district.name_en})"
        body = PRAISE_EN if praise else vary(v, category, template_en, english=True)
        text = body.format(p=place, t=r.choice(TIMES_EN), topic=topic_en)
        parts = {"d": district.name_en, "r": cell.road_en, "c": cell.community_en, "k": request_type}
        title = (
            f"Thanks for fixing the {topic_en} at {cell.road_en}"
            if praise
            else title_of(v, topic_en, category, parts, english=True)
        )
        address = f"No. {number} {cell.road_en}, {cell.community_en}, {district.name_en}, {CITY_EN}"
        reply = r.choice(REPLIES_EN).format(dept="The department", topic=topic_en)
        if phone and r.random() < 0.08:
            text += f" Call me back at {phone}."
    else:
        place = f"{district.name_zh}{cell.road_zh}{cell.community_zh}{building}栋"
        body = PRAISE_ZH if praise else vary(v, category, r.choice(templates_zh), english=False)
        text = body.format(p=place, t=r.choice(TIMES_ZH), topic=topic_zh)
        parts = {"d": district.name_zh, "r": cell.road_zh, "c": cell.community_zh, "k": request_type}
        title = f"关于{district.name_zh}{cell.road_zh}{topic_zh}的{request_type}"
        title = title if praise else title_of(v, topic_zh, category, parts, english=False)
        address = f"{CITY_ZH}{district.name_zh}{cell.road_zh}{number}号{cell.community_zh}{building}栋"
        reply = r.choice(REPLIES_ZH).format(dept="承办单位", topic=topic_zh)
        if phone and r.random() < 0.08:
            text += f"联系电话：{phone}。"
    return CaseText("en" if english else "zh", title, text, address, reply, citizen, phone, email)
