"""Right-turn blind zones (右转盲区): which intersections have more large-vehicle near-side-turn collisions with
people on foot, bicycle or motorcycle than their total collisions would lead one to expect.

A collision is a blind-zone collision when a large vehicle (heavy goods or bus, ``vehicles.LARGE``) turning toward
the near side is in it and a pedestrian, cyclist or motorcyclist is hurt. Where the source records manoeuvres
(STATS19) the large vehicle itself must be turning to the near side; where it does not (NYC crashes) the proxy is a
large vehicle and a vulnerable road user hurt at an intersection — ``proxy_check`` measures on a source with
manoeuvres how much of that proxy is really a near-side turn.

Test: over the collisions snapped to junctions, the city-wide blind-zone share ``s = B / N``. At junction ``j`` with
``n`` collisions of which ``k`` are blind-zone ones, ``k ~ Binomial(n, s)`` under the null that the junction is no
worse than the city; the one-sided p-value is ``P(X ≥ k)``, the q-values Benjamini–Hochberg over every junction
tested. A junction is recommended for warning strips when ``q ≤ alpha`` and ``k ≥ min_blind_zone``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import numpy.typing as npt
from scipy import stats

from citybrain.analytics.stats import benjamini_hochberg
from citybrain.core.errors import InvalidInput
from citybrain.scenarios.traffic_safety.junctions import SNAPS, Snapped, snap
from citybrain.scenarios.traffic_safety.records import Collisions
from citybrain.scenarios.traffic_safety.vehicles import LARGE, VEHICLE_RULES, manoeuvre_class, vehicle_class

BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class BlindZoneParams:
    snap: str = "coords"
    radius_m: float = 30.0
    alpha: float = 0.1
    min_blind_zone: int = 2

    def checked(self) -> BlindZoneParams:
        if self.snap not in SNAPS:
            raise InvalidInput(f"--snap takes {' or '.join(SNAPS)}, not {self.snap!r}")
        if not 1.0 <= self.radius_m <= 500.0:
            raise InvalidInput(f"--radius takes 1 to 500 metres, not {self.radius_m}")
        if not 0.0 < self.alpha < 1.0:
            raise InvalidInput(f"--alpha takes a level between 0 and 1, not {self.alpha}")
        if self.min_blind_zone < 1:
            raise InvalidInput(f"--min-blind-zone takes 1 or more, not {self.min_blind_zone}")
        return self


@dataclass(frozen=True)
class Junction:
    id: str
    name: str
    lat: float | None
    lon: float | None
    collisions: int
    blind_zone: int
    expected: float
    p_value: float
    q_value: float
    recommend: bool
    collision_ids: tuple[str, ...]


@dataclass(frozen=True)
class BlindZoneResult:
    junctions: tuple[Junction, ...]
    params: dict[str, object]
    summary: dict[str, object]

    def to_json(self) -> dict[str, object]:
        rows = [asdict(j) | {"collision_ids": list(j.collision_ids)} for j in self.junctions]
        return {"params": self.params, "summary": self.summary, "junctions": rows}

    @property
    def recommended(self) -> tuple[Junction, ...]:
        return tuple(j for j in self.junctions if j.recommend)


def classify(collisions: Collisions) -> tuple[BoolArray, BoolArray, str]:
    """(blind-zone, large-vehicle-with-vulnerable-hurt, method): ``manoeuvre`` when the source records manoeuvres,
    else ``proxy`` (then the two arrays are equal)."""
    near_turn = f"turn_{collisions.near_side}"
    large_vru = np.zeros(len(collisions), dtype=bool)
    turning = np.zeros(len(collisions), dtype=bool)
    for i, (vehicles, moves) in enumerate(zip(collisions.vehicles, collisions.manoeuvres, strict=True)):
        classes = [vehicle_class(v) for v in vehicles]
        large_vru[i] = any(c in LARGE for c in classes)
        turning[i] = any(c in LARGE and manoeuvre_class(m) == near_turn for c, m in zip(classes, moves, strict=False))
    large_vru &= collisions.vulnerable_hurt
    if collisions.manoeuvres_known:
        return turning & collisions.vulnerable_hurt, large_vru, "manoeuvre"
    return large_vru.copy(), large_vru, "proxy"


def analyse(collisions: Collisions, params: BlindZoneParams | None = None) -> BlindZoneResult:
    """Every junction with its collisions, blind-zone count, expectation, p and q; recommended ones first."""
    params = (params or BlindZoneParams()).checked()
    blind, large_vru, method = classify(collisions)
    snapped = snap(collisions, how=params.snap, radius_m=params.radius_m)
    junctions, share = _test(collisions, snapped, blind, params)
    at = snapped.label >= 0
    summary: dict[str, object] = {
        "collisions": len(collisions),
        "at_junction": int(collisions.at_junction.sum()),
        "snapped": int(at.sum()),
        "junctions": len(junctions),
        "blind_zone": int(blind.sum()),
        "blind_zone_snapped": int(blind[at].sum()),
        "blind_zone_share": round(share, 6),
        "recommended": sum(j.recommend for j in junctions),
    }
    if method == "manoeuvre":
        summary["proxy_check"] = proxy_check(collisions, blind, large_vru)
    record = asdict(params) | {
        "source": collisions.source,
        "near_side": collisions.near_side,
        "method": method,
        "test": "one-sided exact binomial per junction against the city-wide blind-zone share; Benjamini-Hochberg",
        "large_vehicle_classes": sorted(LARGE),
        "vehicle_rules": [list(rule) for rule in VEHICLE_RULES],
    }
    return BlindZoneResult(junctions=tuple(junctions), params=record, summary=summary)


def proxy_check(collisions: Collisions, blind: BoolArray, large_vru: BoolArray) -> dict[str, object]:
    """How the manoeuvre-free proxy (large vehicle + vulnerable road user hurt, at a junction) would have done here,
    where the manoeuvre is known: its precision, and the recall of the real near-side-turn collisions."""
    at = collisions.at_junction
    proxy, truth = large_vru & at, blind & at
    both = int((proxy & truth).sum())
    return {
        "proxy_flagged": int(proxy.sum()),
        "near_side_turn": int(truth.sum()),
        "both": both,
        "precision": round(both / int(proxy.sum()), 4) if proxy.any() else None,
        "recall": round(both / int(truth.sum()), 4) if truth.any() else None,
    }


def _test(
    collisions: Collisions, snapped: Snapped, blind: BoolArray, params: BlindZoneParams
) -> tuple[list[Junction], float]:
    at = snapped.label >= 0
    count = len(snapped.ids)
    n = np.bincount(snapped.label[at], minlength=count)
    k = np.bincount(snapped.label[at], weights=blind[at].astype(np.float64), minlength=count).astype(np.int64)
    share = float(k.sum() / n.sum()) if n.sum() else 0.0
    p = np.ones(count)
    if 0.0 < share < 1.0:
        hit = k > 0
        p[hit] = stats.binom.sf(k[hit] - 1, n[hit], share)
    q = benjamini_hochberg(p)
    members: list[list[str]] = [[] for _ in range(count)]
    for i in np.flatnonzero(at):
        members[snapped.label[i]].append(collisions.ids[i])
    order = sorted(range(count), key=lambda j: (p[j], -k[j], -n[j], snapped.ids[j]))
    junctions = [
        Junction(
            id=snapped.ids[j],
            name=snapped.names[j],
            lat=_finite(snapped.lat[j]),
            lon=_finite(snapped.lon[j]),
            collisions=int(n[j]),
            blind_zone=int(k[j]),
            expected=round(float(n[j] * share), 6),
            p_value=float(p[j]),
            q_value=float(q[j]),
            recommend=bool(q[j] <= params.alpha and k[j] >= params.min_blind_zone),
            collision_ids=tuple(members[j]),
        )  # fmt: skip
        for j in order
    ]
    return junctions, share


def _finite(value: float) -> float | None:
    return round(float(value), 6) if np.isfinite(value) else None
