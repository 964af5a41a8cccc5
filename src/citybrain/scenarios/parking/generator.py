"""Gate reads consistent with an occupancy series, with planted misreads and duplicate reads — pure, seeded.

For each car park and day, vehicles come and go so that the count inside follows the readings: between two readings
``max(Δ, 0)`` more vehicles enter than leave (or the reverse), plus a churn of vehicles that both enter and leave
(``churn`` × the count inside per half-hour). The vehicles inside at the first reading entered in the hour before;
those inside after the last leave in the hours after. Every vehicle has its own plate (one in ten new-energy); each
exit read is, with probability ``misread``, a look-alike misread of one character (0→O/D, 8→B, 1→I, 2→Z and back),
and each read is, with probability ``duplicate``, read twice a few seconds apart. The truth comes back beside the
reads, so a test can say whether pairing recovered every planted misread.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from citybrain.scenarios.parking.plates import plate_key

LETTERS = "ABCEFGHJKLMNPRSTUVWXY"  # office letters and plate letters a camera reads without confusion
DIGITS = "34567923"
SWAPS = {"0": "OD", "O": "0", "D": "0", "8": "B", "B": "8", "1": "I", "I": "1", "2": "Z", "Z": "2"}


@dataclass(frozen=True)
class Read:
    car_park: str
    gate: str
    direction: str
    plate: str
    at: int  # seconds since 1970
    confidence: float


@dataclass
class Truth:
    """``vehicle_of[read]``: the true plate behind each read; ``misreads``: (read index, true plate, read plate);
    ``duplicates``: indexes of second reads; ``exits``: true plate → index of its (first) exit read."""

    vehicle_of: list[str] = field(default_factory=list)
    misreads: list[tuple[int, str, str]] = field(default_factory=list)
    duplicates: list[int] = field(default_factory=list)
    exits: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Series:
    """One car park's day: reading times (seconds) and vehicles inside."""

    code: str
    times: npt.NDArray[np.int64]
    occupancy: npt.NDArray[np.float64]


class _Plates:
    def __init__(self, rng: np.random.Generator) -> None:
        self.rng, self.keys = rng, set[str]()

    def new(self) -> str:
        while True:
            office = LETTERS[self.rng.integers(len(LETTERS))]
            n = 6 if self.rng.random() < 0.1 else 5
            pool = "0123456789" + LETTERS + "08122"  # weight the confusable characters a little
            body = "".join(pool[i] for i in self.rng.integers(len(pool), size=n))
            plate = "粤" + office + ("D" + body[1:] if n == 6 else body)
            if plate_key(plate) not in self.keys:
                self.keys.add(plate_key(plate))
                return plate


def _misread(plate: str, rng: np.random.Generator) -> str | None:
    spots = [i for i, c in enumerate(plate) if i >= 2 and c in SWAPS]
    if not spots:
        return None
    i = int(spots[rng.integers(len(spots))])
    options = SWAPS[plate[i]]
    return plate[:i] + options[rng.integers(len(options))] + plate[i + 1 :]


def generate(series: Sequence[Series], *, seed: int = 0, churn: float = 0.05, misread: float = 0.03,
             duplicate: float = 0.02) -> tuple[list[Read], Truth]:  # fmt: skip
    """Reads of every car park's day in time order, and their truth."""
    rng = np.random.default_rng(seed)
    plates = _Plates(rng)
    passes: list[tuple[int, str, str, str]] = []  # (time, car park, direction, true plate)
    for s in series:
        passes += _day(s, rng, plates, churn)
    passes.sort(key=lambda p: (p[0], p[2] == "out"))  # an entry before an exit of the same second
    return _reads(passes, rng, misread, duplicate)


def _day(s: Series, rng: np.random.Generator, plates: _Plates, churn: float) -> list[tuple[int, str, str, str]]:
    occupancy = np.clip(np.nan_to_num(s.occupancy), 0, None).astype(np.int64)
    inside: list[str] = []
    entered: dict[str, int] = {}
    out: list[tuple[int, str, str, str]] = []
    start = int(s.times[0])
    for _ in range(int(occupancy[0])):
        plate = plates.new()
        inside.append(plate)
        entered[plate] = start - int(rng.integers(60, 3600))
        out.append((entered[plate], s.code, "in", plate))
    for i in range(1, len(s.times)):
        t0, t1 = int(s.times[i - 1]), int(s.times[i])
        delta = int(occupancy[i]) - len(inside)
        both = int(rng.poisson(churn * len(inside) * max(t1 - t0, 1) / 1800))
        entering, leaving = max(delta, 0) + both, min(max(-delta, 0) + both, len(inside) + max(delta, 0) + both)
        for _ in range(entering):
            plate = plates.new()
            inside.append(plate)
            entered[plate] = int(rng.integers(t0 + 1, t1 + 1))  # in (t0, t1]: counted at t1, not at t0
            out.append((entered[plate], s.code, "in", plate))
        for _ in range(leaving):
            if not inside:
                break
            plate = inside.pop(int(rng.integers(len(inside))))
            low = max(t0 + 1, min(entered[plate] + 60, t1))
            out.append((int(rng.integers(low, t1 + 1)), s.code, "out", plate))
    end = int(s.times[-1])
    for plate in inside:
        out.append((end + int(rng.integers(60, 6 * 3600)), s.code, "out", plate))
    return out


def _reads(passes: list[tuple[int, str, str, str]], rng: np.random.Generator, misread: float,
           duplicate: float) -> tuple[list[Read], Truth]:  # fmt: skip
    reads: list[Read] = []
    truth = Truth()
    for at, park, direction, plate in passes:
        shown = plate
        if direction == "out" and rng.random() < misread:
            wrong = _misread(plate, rng)
            if wrong is not None:
                shown = wrong
                truth.misreads.append((len(reads), plate, wrong))
        if direction == "out":
            truth.exits[plate] = len(reads)
        confidence = round(float(rng.uniform(0.6, 0.85) if shown != plate else rng.uniform(0.85, 1.0)), 3)
        reads.append(Read(park, f"{park}-{direction}", direction, shown, at, confidence))
        truth.vehicle_of.append(plate)
        if rng.random() < duplicate:
            truth.duplicates.append(len(reads))
            reads.append(Read(park, f"{park}-{direction}", direction, shown, at + int(rng.integers(1, 30)), confidence))
            truth.vehicle_of.append(plate)
    return reads, truth
