"""What has just come in to Demo City's 12345 centre when ``citybrain demo`` starts: messages without a category,
for intake to read (the classifier, the gazetteer, the repeat index, routing), so a newcomer finds real work.

Two kinds, both pure and seeded:

* a **burst** — a water main has failed in one grid cell of 东湖区 Donghu District: :data:`BURST_SIZE` complaints
  about no water (``utilities.water``) from the evening of the day before yesterday through yesterday, a few metres
  to a few hundred apart. Intake dispatches most of them to the water company and suggests the near-copies as
  repeats (重复件); the nightly early warning sees the jump in Donghu's water complaints and the space-time cluster;
* **vague messages** — written by people who do not say what the problem is, or name two at once, over the last
  hours: the classifier is not sure, so they wait in the human dispatch queue (人工派单).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo

from citybrain.simulate.city import Cell, City
from citybrain.simulate.text_builder import compose, fake_phone

BURST_CATEGORY = "utilities.water"
BURST_DISTRICT = "D02"
BURST_SIZE = 16
BURST_EVE = 4  # of them on the evening of the day before yesterday, the rest yesterday
KEY = "s{seed}-fresh-{n}"  # their source keys, beside the loaded cases' ``s<seed>-<n>``

#: (channel, text, title) of messages that do not say clearly what they are about.
VAGUE: tuple[tuple[str, str, str], ...] = (
    ("hotline", "市民来电：你好，我想反映一个问题，拖了很久了，麻烦尽快处理，谢谢。", "市民来电"),
    ("web", "楼下一直有声音，味道也很大，晚上睡不着，物业也不管。", "晚上睡不着"),
    ("app", "Please help, the situation near my building has been bad for a week and nobody answers.", "Please help"),
    ("wechat", "小区门口的路又挖开了，车停不进去，还到处是灰。", "门口又挖开了"),
    ("hotline", "市民来电：上次反映的问题还没解决，请再催一下，单号不记得了。", "再次来电"),
    ("web", "房东不退押金，还说要涨房租，这个归谁管？", "押金不退"),
    ("mailbox", "建议把这件事放到网上公开，让大家都知道处理到哪一步了。", "建议公开"),
    ("app", "有人在群里说明天要停电停气，是真的吗？", "停电停气？"),
)


@dataclass(frozen=True)
class FreshMessage:
    """A citizen's message as intake receives it: no category; a place when the channel gives one."""

    source_key: str
    channel: str
    title: str
    text: str
    created_at: datetime
    address: str | None = None
    lat: float | None = None
    lon: float | None = None
    name: str | None = None
    phone: str | None = None


def burst_cell(city: City) -> Cell:
    """The most populous cell of Donghu District, where the water main fails."""
    return max((c for c in city.cells if c.district_code == BURST_DISTRICT), key=lambda c: (c.population, c.id))


def fresh_messages(city: City, *, seed: int, now: datetime, zone: tzinfo) -> tuple[FreshMessage, ...]:
    """The burst and the vague messages, dated before ``now`` (aware), in the city's time zone ``zone``."""
    r = random.Random(seed * 7919 + 12345)
    today = now.astimezone(zone).date()
    burst = _burst(r, city, seed, datetime.combine(today - timedelta(days=2), time(18), zone), now)
    vague = [
        FreshMessage(
            source_key=KEY.format(seed=seed, n=BURST_SIZE + i),
            channel=channel,
            title=title,
            text=text,
            created_at=now - timedelta(minutes=25 + 37 * i),
            name=None if channel == "app" else "市民",
            phone=fake_phone(r) if channel == "hotline" else None,
        )
        for i, (channel, text, title) in enumerate(VAGUE)
    ]
    return (*burst, *vague)


def _burst(r: random.Random, city: City, seed: int, eve: datetime, now: datetime) -> list[FreshMessage]:
    cell = burst_cell(city)
    district = city.district(cell.district_code)
    messages = []
    for n in range(BURST_SIZE):
        # the first few on the evening it fails, the rest through the next day (yesterday)
        hours = r.uniform(0.2, 5.5) if n < BURST_EVE else r.uniform(6.5, 29.5)
        created = min(eve + timedelta(hours=hours), now - timedelta(hours=1))
        text = compose(r, BURST_CATEGORY, cell, district, request_type="投诉", english=r.random() < 0.1)
        messages.append(
            FreshMessage(
                source_key=KEY.format(seed=seed, n=n),
                channel=r.choice(("hotline", "hotline", "web", "wechat", "app")),
                title=text.title,
                text=text.text,
                created_at=created,
                address=text.address,
                lat=round(cell.lat + r.uniform(-0.002, 0.002), 6),
                lon=round(cell.lon + r.uniform(-0.002, 0.002), 6),
                name=text.citizen,
                phone=text.phone,
            )
        )
    return sorted(messages, key=lambda m: m.created_at)
