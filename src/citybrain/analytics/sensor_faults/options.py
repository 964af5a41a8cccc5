"""Thresholds of the fault detectors, declared once: per quantity (:class:`QuantityLimits`) and per run
(:class:`FaultOptions`). docs/sensor_faults.md explains every default; the numbers below say where each comes from.

Ranges are what a monitor can report, not what the air usually holds: particulate monitors measure 0–1,000 µg/m³
(HJ 653-2013); gas analysers commonly run at 0–500 nmol/mol full scale, i.e. SO2 1,428, NO2 1,026, O3 1,071 µg/m³
and CO 62.5 mg/m³ at 0 °C — the Beijing files' own O3 maximum is exactly 1,071, 500 nmol/mol at 0 °C. Concentrations
are in the units the AQI uses (µg/m³; CO mg/m³), as ``sensing.air_grid`` lays them out.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

UG = "µg/m³"
MG = "mg/m³"


@dataclass(frozen=True)
class QuantityLimits:
    """What is physically possible for one quantity, and what is too small to judge.

    - ``lower``/``upper``: a reading outside is ``out_of_range`` (``upper`` None: no upper limit, e.g. a
      counter whose limit is its capacity, given per series);
    - ``ceiling``: the instrument's reporting cap — a reading at or above it is ``at_ceiling``, censored (the true
      value is at least that): kept, marked suspect, left out of means. None where no cap is known;
    - ``floor``: repeats at or below it are not ``stuck``: near zero the instrument's resolution makes equal
      successive readings ordinary (twenty resolution steps: a change under 5 % rounds to nothing);
    - ``min_jump``: the smallest change, beyond what the neighbours did, that can count as a ``jump``.
    """

    unit: str
    lower: float
    upper: float | None
    ceiling: float | None
    floor: float
    min_jump: float


#: Defaults for hourly concentrations; ``min_jump`` is about the 99.9th percentile of a station's hour-to-hour change
#: beyond its neighbours' median change in four years of Beijing data (bench/sensor_faults_eval.py reports it as
#: ``change_beyond_neighbours_p999``).
QUANTITY_LIMITS: dict[str, QuantityLimits] = {
    "PM2.5": QuantityLimits(UG, 0.0, 1000.0, None, floor=20.0, min_jump=150.0),
    "PM10": QuantityLimits(UG, 0.0, 1000.0, None, floor=20.0, min_jump=250.0),
    "SO2": QuantityLimits(UG, 0.0, 1428.0, None, floor=20.0, min_jump=50.0),
    "NO2": QuantityLimits(UG, 0.0, 1026.0, None, floor=20.0, min_jump=70.0),
    "CO": QuantityLimits(MG, 0.0, 62.5, None, floor=2.0, min_jump=3.0),
    "O3": QuantityLimits(UG, 0.0, 1071.0, None, floor=20.0, min_jump=80.0),
    "occupancy": QuantityLimits("cars", 0.0, None, None, floor=0.0, min_jump=float("inf")),
}

#: The Beijing multi-site files cap PM2.5 and PM10 at 999 µg/m³, O3 at 1,071 µg/m³ (500 nmol/mol) and CO at
#: 10 mg/m³ (56 readings sit at exactly 10.0, against about 30 at each of 9.7, 9.8 and 9.9).
BEIJING_CEILINGS: dict[str, float] = {"PM2.5": 999.0, "PM10": 999.0, "O3": 1071.0, "CO": 10.0}
BEIJING_LIMITS: dict[str, QuantityLimits] = {
    name: replace(limits, ceiling=BEIJING_CEILINGS.get(name)) for name, limits in QUANTITY_LIMITS.items()
}


@dataclass(frozen=True)
class FaultOptions:
    """How the detectors judge a series (defaults for hourly data; :data:`PARKING_OPTIONS` for the car parks).

    - ``stuck_readings``: this many equal successive valid readings (above the quantity's floor) are ``stuck``;
      one fewer is not. Missing readings inside the run do not break it. 6 hourly readings: across four years
      and 12 Beijing stations, runs of 6 equal hours above the floor are rare outside a few bad periods
      (docs/sensor_faults.md).
    - ``stuck_min_seconds``: and the run must last at least this long (for irregular series; 0 = any).
    - ``gap_factor``/``spacing``: a silence longer than ``gap_factor`` × ``spacing`` seconds between valid readings
      is a ``gap`` (``spacing`` None: the series' median spacing). 3 × 1 h: three missing hours are the first run
      that can leave an 8-h mean with fewer than the 6 valid hours GB 3095-2012 needs.
    - ``active_hours``: (from, to) hours of the day when readings are expected (a car-park feed that sleeps at
      night); silences are measured in active time only. None: around the clock.
    - ``jump_z``/``min_neighbours``: a change is a ``jump`` when its distance from the other stations' median
      change is more than ``jump_z`` robust standard deviations (1.4826 × MAD) of their changes, at least the
      quantity's ``min_jump``, with at least ``min_neighbours`` other stations measuring that hour.
    - ``spike_return``: a jump followed within this many readings by a jump back the other way is one excursion;
      the readings between are flagged, not the one the series came back on.
    - ``soon_factor``: a reading less than ``soon_factor`` × ``spacing`` after the one before (or earlier than it)
      is ``irregular_time``.
    """

    stuck_readings: int = 6
    stuck_min_seconds: float = 0.0
    gap_factor: float = 3.0
    spacing: float | None = None
    active_hours: tuple[float, float] | None = None
    jump_z: float = 6.0
    min_neighbours: int = 3
    spike_return: int = 6
    soon_factor: float = 0.5

    def __post_init__(self) -> None:
        if self.stuck_readings < 2 or self.gap_factor <= 1 or self.jump_z <= 0 or self.min_neighbours < 1:
            raise ValueError("need stuck_readings ≥ 2, gap_factor > 1, jump_z > 0, min_neighbours ≥ 1")
        if self.active_hours is not None and not 0 <= self.active_hours[0] < self.active_hours[1] <= 24:
            raise ValueError("active_hours must be (from, to) with 0 ≤ from < to ≤ 24")


#: Birmingham car parks report about every 30 min from about 08:00 to 16:30 (PROVENANCE): 6 equal readings are 3 h
#: of a busy car park without one car in or out; the night is not a gap.
PARKING_OPTIONS = FaultOptions(stuck_readings=6, active_hours=(8.0, 16.5))
