"""One collision table for every source: what the blind-zone analysis needs, nothing more.

Readers (``readers``) turn NYC crashes, STATS19 and the canonical CSV into a ``Collisions``; the stored records
(``collision_records``) come back as one too. Arrays, not objects: the analysis is array work.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

NEAR_SIDES = ("right", "left")


@dataclass(frozen=True)
class Collisions:
    """Collisions of one source, one row each.

    ``vehicles`` are the raw vehicle-type texts; ``manoeuvres`` the raw manoeuvre texts aligned with them ("" when
    not recorded — NYC records none). ``vulnerable_hurt``: a pedestrian, cyclist or motorcyclist hurt.
    ``near_side``: the side a driver turns across no traffic — right where traffic keeps right (China, the US),
    left in the UK.
    """

    source: str
    near_side: str
    ids: tuple[str, ...]
    lat: FloatArray
    lon: FloatArray
    on_street: tuple[str, ...]
    cross_street: tuple[str, ...]
    at_junction: BoolArray
    vehicles: tuple[tuple[str, ...], ...]
    manoeuvres: tuple[tuple[str, ...], ...]
    vulnerable_hurt: BoolArray
    dates: tuple[str, ...] = field(default=())
    rows: tuple[int, ...] = field(default=())  # each collision's row in its file (the header is row 1)

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def manoeuvres_known(self) -> bool:
        """Whether the source records what each vehicle was doing (else the analysis uses the proxy)."""
        return any(any(m.strip() for m in row) for row in self.manoeuvres)
