"""The Demo City's grid (示例市网格): its ~1 km² cells as GeoJSON polygons with their communities, and its grid
workers — one per two neighbouring cells of a row. Pure: same seed, same grid and workers."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from citybrain.simulate.city import DISTRICT_SPECS, Cell, City, to_lat_lon

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
_GIVEN = "丽敏静芳娟秀英华慧强磊军洋勇杰涛明超刚平辉鹏建红霞玲燕萍"


@dataclass(frozen=True)
class DemoWorker:
    code: str
    name: str
    cells: tuple[str, ...]


def _square(cell: Cell) -> dict[str, Any]:
    spec = next(s for s in DISTRICT_SPECS if s.code == cell.district_code)
    x0, y0 = spec.x0 + cell.col - 1, spec.y0 + cell.row - 1
    corners = [(x0, y0), (x0 + 1, y0), (x0 + 1, y0 + 1), (x0, y0 + 1), (x0, y0)]
    ring = [[round(lon, 6), round(lat, 6)] for lat, lon in (to_lat_lon(x, y) for x, y in corners)]
    return {"type": "Polygon", "coordinates": [ring]}


def grid_geojson(city: City) -> dict[str, Any]:
    """The city's cells as a FeatureCollection in the form ``citybrain grid import`` reads."""
    features = [
        {
            "type": "Feature",
            "properties": {
                "code": cell.id,
                "name": f"{cell.community_zh}{cell.road_zh}网格 {cell.community_en}, {cell.road_en}",
                "district": cell.district_code,
                "community": f"{cell.community_zh} {cell.community_en}",
            },
            "geometry": _square(cell),
        }
        for cell in city.cells
    ]
    return {"type": "FeatureCollection", "features": features}


def grid_workers(city: City) -> list[DemoWorker]:
    """One worker per pair of neighbouring cells in a row (a row's odd last cell goes with its neighbour)."""
    rng = random.Random(f"grid-workers-{city.seed}")
    rows: dict[tuple[str, int], list[Cell]] = {}
    for cell in city.cells:
        rows.setdefault((cell.district_code, cell.row), []).append(cell)
    workers = []
    for (district, row), cells in sorted(rows.items()):
        ordered = sorted(cells, key=lambda c: c.col)
        for i in range(0, len(ordered), 2):
            pair = tuple(c.id for c in ordered[i : i + 2])
            name = rng.choice(_SURNAMES) + rng.choice(_GIVEN) + rng.choice(_GIVEN)
            workers.append(DemoWorker(code=f"W{district}-{row:02d}{i // 2 + 1:02d}", name=name, cells=pair))
    return workers
