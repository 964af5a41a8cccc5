"""示例市 / Demo City: districts, ~1 km² grid cells and place names, generated from a seed.

The layout is fixed (eight rectangular districts tiling an 18 km × 18 km square around 28.2°N 112.9°E, downtown
in the middle) so that documentation and tests can name places; the seed decides each cell's population, the
streets and communities, and so where complaints come from. Pure: no I/O, same seed → same city.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

CENTER_LAT = 28.2
CENTER_LON = 112.9
KM_PER_DEG_LAT = 111.0
KM_PER_DEG_LON = 111.32 * math.cos(math.radians(CENTER_LAT))


@dataclass(frozen=True)
class DistrictSpec:
    """Where a district lies (km east/north of the centre, south-west corner), its size and character."""

    code: str
    name_zh: str
    name_en: str
    x0: int
    y0: int
    width: int
    height: int
    density: float  # residents per km² (average), downtown highest
    development: float  # how much building and road work goes on (new districts most)


DISTRICT_SPECS: tuple[DistrictSpec, ...] = (
    DistrictSpec("D01", "中心区", "Central District", -3, -3, 6, 6, 21000, 0.6),
    DistrictSpec("D02", "东湖区", "Donghu District", 3, -3, 6, 6, 12000, 0.8),
    DistrictSpec("D03", "西山区", "Xishan District", -9, -3, 6, 6, 6500, 0.7),
    DistrictSpec("D04", "北城区", "Beicheng District", -9, 3, 12, 6, 8000, 0.9),
    DistrictSpec("D05", "高新区", "Hi-Tech Zone", 3, 3, 6, 6, 5000, 2.2),
    DistrictSpec("D06", "南港区", "Nangang District", -9, -9, 6, 6, 4500, 1.0),
    DistrictSpec("D07", "滨江区", "Binjiang District", -3, -9, 6, 6, 11000, 1.2),
    DistrictSpec("D08", "新城区", "Xincheng District", 3, -9, 6, 6, 3500, 2.5),
)

_ROADS = (
    ("人民路", "Renmin Road"),
    ("解放路", "Jiefang Road"),
    ("建设大道", "Jianshe Avenue"),
    ("中山路", "Zhongshan Road"),
    ("湘江路", "Xiangjiang Road"),
    ("枫林路", "Fenglin Road"),
    ("芙蓉路", "Furong Road"),
    ("岳麓大道", "Yuelu Avenue"),
    ("东风路", "Dongfeng Road"),
    ("劳动路", "Laodong Road"),
    ("五一大道", "Wuyi Avenue"),
    ("桐梓坡路", "Tongzipo Road"),
    ("银杏路", "Yinxing Road"),
    ("麓谷大道", "Lugu Avenue"),
    ("金星路", "Jinxing Road"),
    ("韶山路", "Shaoshan Road"),
    ("万家丽路", "Wanjiali Road"),
    ("新民路", "Xinmin Road"),
    ("朝阳路", "Chaoyang Road"),
    ("望城路", "Wangcheng Road"),
    ("桂花路", "Guihua Road"),
    ("曙光路", "Shuguang Road"),
    ("车站路", "Chezhan Road"),
    ("滨江路", "Binjiang Road"),
)
_COMMUNITY_STEMS = (
    ("幸福", "Xingfu"),
    ("和平", "Heping"),
    ("阳光", "Yangguang"),
    ("锦绣", "Jinxiu"),
    ("翠湖", "Cuihu"),
    ("兴华", "Xinghua"),
    ("东塘", "Dongtang"),
    ("桃园", "Taoyuan"),
    ("丽景", "Lijing"),
    ("金桥", "Jinqiao"),
    ("南湖", "Nanhu"),
    ("长青", "Changqing"),
    ("春华", "Chunhua"),
    ("明珠", "Mingzhu"),
    ("文昌", "Wenchang"),
    ("博雅", "Boya"),
)


@dataclass(frozen=True)
class Cell:
    """A grid cell (网格) of about 1 km², id ``<district>-<row><col>`` (``D01-0102``)."""

    id: str
    district_code: str
    row: int
    col: int
    lat: float
    lon: float
    population: int
    road_zh: str
    road_en: str
    community_zh: str
    community_en: str


@dataclass(frozen=True)
class District:
    code: str
    name_zh: str
    name_en: str
    center_lat: float
    center_lon: float
    geometry: dict[str, Any]
    development: float


@dataclass(frozen=True)
class City:
    name_zh: str
    name_en: str
    seed: int
    districts: tuple[District, ...]
    cells: tuple[Cell, ...]

    def district(self, code: str) -> District:
        return next(d for d in self.districts if d.code == code)

    def cell(self, cell_id: str) -> Cell:
        return next(c for c in self.cells if c.id == cell_id)


def to_lat_lon(x_km: float, y_km: float) -> tuple[float, float]:
    """A point given in km east/north of the city centre, in degrees (equirectangular: fine at city scale)."""
    return CENTER_LAT + y_km / KM_PER_DEG_LAT, CENTER_LON + x_km / KM_PER_DEG_LON


def _rectangle(spec: DistrictSpec) -> dict[str, Any]:
    corners = [(spec.x0, spec.y0), (spec.x0 + spec.width, spec.y0), (spec.x0 + spec.width, spec.y0 + spec.height)]
    corners += [(spec.x0, spec.y0 + spec.height), (spec.x0, spec.y0)]
    ring = [[round(lon, 6), round(lat, 6)] for lat, lon in (to_lat_lon(x, y) for x, y in corners)]
    return {"type": "Polygon", "coordinates": [ring]}


def _cells(spec: DistrictSpec, rng: np.random.Generator) -> list[Cell]:
    roads = rng.choice(len(_ROADS), size=min(len(_ROADS), spec.width + spec.height), replace=False)
    stems = rng.choice(len(_COMMUNITY_STEMS), size=min(len(_COMMUNITY_STEMS), spec.width * 2), replace=False)
    cells: list[Cell] = []
    for row in range(spec.height):
        for col in range(spec.width):
            x, y = spec.x0 + col + 0.5, spec.y0 + row + 0.5
            # People live closer to downtown; each cell also varies on its own (parks, lakes, towers).
            decay = math.exp(-math.hypot(x, y) / 9.0)
            population = spec.density * (0.4 + 1.2 * decay) * rng.lognormal(0.0, 0.45)
            lat, lon = to_lat_lon(x, y)
            road = _ROADS[int(roads[(row + col) % len(roads)])]
            stem = _COMMUNITY_STEMS[int(stems[(row * spec.width + col) % len(stems)])]
            cells.append(
                Cell(
                    id=f"{spec.code}-{row + 1:02d}{col + 1:02d}",
                    district_code=spec.code,
                    row=row + 1,
                    col=col + 1,
                    lat=round(lat, 6),
                    lon=round(lon, 6),
                    population=int(population),
                    road_zh=road[0],
                    road_en=road[1],
                    community_zh=f"{stem[0]}社区",
                    community_en=f"{stem[1]} Community",
                )
            )
    return cells


def build_city(seed: int = 1) -> City:
    """The Demo City for ``seed``: same seed, same city."""
    rng = np.random.default_rng([seed, 7001])
    districts: list[District] = []
    cells: list[Cell] = []
    for spec in DISTRICT_SPECS:
        lat, lon = to_lat_lon(spec.x0 + spec.width / 2, spec.y0 + spec.height / 2)
        districts.append(
            District(
                code=spec.code,
                name_zh=spec.name_zh,
                name_en=spec.name_en,
                center_lat=round(lat, 6),
                center_lon=round(lon, 6),
                geometry=_rectangle(spec),
                development=spec.development,
            )
        )
        cells.extend(_cells(spec, rng))
    return City("示例市", "Demo City", seed, tuple(districts), tuple(cells))
