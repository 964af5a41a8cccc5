"""The Demo City's grid workers at work (pure): check-ins and problems found, with the rhythms of a patrol.

Workers walk Monday to Friday, half of them on Saturday (a rota), nobody on Sunday: one of their two cells in the
morning round (08:30–11:30 local), the other in the afternoon (14:00–17:00). Each round finds a few problems —
more in busier cells — of the kinds a patrol sees (garbage, street vendors, small ads, broken pavement, lamps,
manholes, bikes); the minor ones are often dealt with on the spot (就地解决). Same seed, same patrols.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from citybrain.grid.demo import DemoWorker
from citybrain.simulate.city import City


@dataclass(frozen=True)
class Kind:
    category: str
    weight: float
    on_spot: float  # share the worker deals with there and then
    found_zh: str  # what the worker writes ({road} is the cell's road)
    done_zh: str  # the on-the-spot record


KINDS: tuple[Kind, ...] = (
    Kind("sanitation.garbage", 0.26, 0.55, "{road}垃圾桶满溢，周边散落生活垃圾。", "已联系保洁员现场清理，恢复整洁。"),
    Kind("sanitation.vendors", 0.16, 0.60, "{road}人行道有流动摊贩占道经营。", "已劝导摊主撤离至规定区域。"),
    Kind("sanitation.ads", 0.14, 0.75, "{road}电线杆及墙面张贴小广告。", "已现场清除小广告。"),
    Kind("roads.damage", 0.10, 0.0, "{road}人行道地砖松动破损，存在绊倒隐患。", ""),
    Kind("roads.lighting", 0.08, 0.0, "{road}有路灯夜间不亮（巡查时确认灯具损坏）。", ""),
    Kind("public_safety.manhole", 0.06, 0.0, "{road}井盖破损移位，已设置临时警示。", ""),
    Kind("parking.bikes", 0.12, 0.70, "{road}共享单车乱停乱放，堵塞盲道。", "已将单车摆放整齐，清出盲道。"),
    Kind("greenery.damage", 0.05, 0.20, "{road}绿化带被踩踏，有毁绿现象。", "已设置围挡并提醒周边商户。"),
    Kind("construction.site.muck", 0.03, 0.10, "{road}有渣土洒落路面。", "已通知施工单位现场清扫。"),
)

MORNING, AFTERNOON = (time(8, 30), time(11, 30)), (time(14, 0), time(17, 0))
FINDS_PER_ROUND = 0.45  # problems found per round in a cell of median population
MISSED_ROUND = 0.06  # planned rounds not walked (a meeting, a sick day, a flood elsewhere)


@dataclass(frozen=True)
class SimVisit:
    worker: str
    cell: str
    at: datetime  # aware, UTC
    lat: float
    lon: float


@dataclass(frozen=True)
class SimPlan:
    worker: str
    cell: str
    day: date


@dataclass(frozen=True)
class SimPatrols:
    plans: list[SimPlan]
    visits: list[SimVisit]
    inspections: list[SimInspection]


@dataclass(frozen=True)
class SimInspection:
    worker: str
    cell: str
    at: datetime
    lat: float
    lon: float
    category: str
    description: str
    photo_ref: str
    on_spot_record: str | None


def _works(index: int, day: date) -> bool:
    weekday = day.weekday()
    return weekday < 5 or (weekday == 5 and index % 2 == 0)


def _moment(rng: random.Random, day: date, window: tuple[time, time], zone: ZoneInfo) -> datetime:
    start = datetime.combine(day, window[0], zone)
    span = (datetime.combine(day, window[1], zone) - start).total_seconds()
    return (start + timedelta(seconds=rng.uniform(0, span))).astimezone(ZoneInfo("UTC"))


def _poisson(rng: random.Random, mean: float) -> int:
    threshold, count, product = math.exp(-mean), 0, rng.random()
    while product > threshold:
        count += 1
        product *= rng.random()
    return count


def patrols(city: City, workers: list[DemoWorker], *, start: date, days: int, seed: int, zone: ZoneInfo) -> SimPatrols:
    """The plan (every working day, both cells), each round walked and every problem found from ``start`` for
    ``days`` days, in time order."""
    rng = random.Random(f"grid-patrols-{seed}")
    cells = {c.id: c for c in city.cells}
    median = sorted(c.population for c in city.cells)[len(city.cells) // 2] or 1
    weights = [k.weight for k in KINDS]
    plans: list[SimPlan] = []
    visits: list[SimVisit] = []
    found: list[SimInspection] = []
    for offset in range(days):
        day = start + timedelta(days=offset)
        for index, worker in enumerate(workers):
            if not _works(index, day):
                continue
            for cell_id, window in zip(worker.cells, (MORNING, AFTERNOON), strict=False):
                plans.append(SimPlan(worker.code, cell_id, day))
                if rng.random() < MISSED_ROUND:
                    continue
                cell = cells[cell_id]
                at = _moment(rng, day, window, zone)
                lat, lon = cell.lat + rng.uniform(-0.003, 0.003), cell.lon + rng.uniform(-0.003, 0.003)
                visits.append(SimVisit(worker.code, cell_id, at, round(lat, 6), round(lon, 6)))
                for n in range(_poisson(rng, FINDS_PER_ROUND * math.sqrt(cell.population / median))):
                    kind = rng.choices(KINDS, weights)[0]
                    moment = at + timedelta(minutes=7 * (n + 1) + rng.uniform(0, 5))
                    spot = kind.done_zh if rng.random() < kind.on_spot else None
                    found.append(
                        SimInspection(
                            worker.code,
                            cell_id,
                            moment,
                            round(lat, 6),
                            round(lon, 6),
                            kind.category,
                            kind.found_zh.format(road=cell.road_zh),
                            f"photos/{day:%Y/%m/%d}/{worker.code}-{len(found)}.jpg",
                            spot,
                        )  # fmt: skip
                    )
    return SimPatrols(plans, sorted(visits, key=lambda v: v.at), sorted(found, key=lambda f: f.at))
