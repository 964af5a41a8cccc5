"""A metric grid over lat/lon: the SQL expression that puts a case in a cell of ``size_m`` metres.

Cells are squares in an equirectangular projection around the data's mean latitude: good to a fraction of a percent
inside one city, and computable in any SQL engine. A cell's id is ``"<row>_<col>"``; its centre comes back with
:func:`cell_center`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from citybrain.core.earth import METRES_PER_DEGREE


@dataclass(frozen=True)
class Grid:
    size_m: float
    ref_lat: float  # latitude whose cosine scales longitude
    origin_lat: float
    origin_lon: float

    @property
    def dlat(self) -> float:
        return self.size_m / METRES_PER_DEGREE

    @property
    def dlon(self) -> float:
        return self.size_m / (METRES_PER_DEGREE * math.cos(math.radians(self.ref_lat)))

    def row_sql(self, lat: str = "lat") -> str:
        return f"CAST(floor(({lat} - {self.origin_lat!r}) / {self.dlat!r}) AS BIGINT)"

    def col_sql(self, lon: str = "lon") -> str:
        return f"CAST(floor(({lon} - {self.origin_lon!r}) / {self.dlon!r}) AS BIGINT)"

    def cell_center(self, row: int, col: int) -> tuple[float, float]:
        """(lat, lon) of the centre of cell (row, col)."""
        return (self.origin_lat + (row + 0.5) * self.dlat, self.origin_lon + (col + 0.5) * self.dlon)


def grid_for(con: object, size_m: float) -> Grid:
    """A grid of ``size_m`` metres fitted to the cases in the view ``cases`` (with coordinates)."""
    if size_m <= 0:
        from citybrain.core.errors import InvalidInput

        raise InvalidInput(f"cell size must be positive metres, got {size_m}")
    row = con.execute(  # type: ignore[attr-defined]
        "SELECT avg(lat), min(lat), min(lon) FROM cases WHERE lat IS NOT NULL AND lon IS NOT NULL"
        " AND lat BETWEEN -90 AND 90 AND lon BETWEEN -180 AND 180"
    ).fetchone()
    if row is None or row[0] is None:
        return Grid(size_m=size_m, ref_lat=0.0, origin_lat=0.0, origin_lon=0.0)
    return Grid(size_m=size_m, ref_lat=float(row[0]), origin_lat=float(row[1]), origin_lon=float(row[2]))
