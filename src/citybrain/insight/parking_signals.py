"""From a few days of stored car-park occupancy to fault signals (停车场传感器故障): a count above the car park's
capacity or below zero, a count stuck while cars must come and go, a feed gone silent — each an alert through the
same records, explanations and notifications as the air stations' faults (``insight.sensor_signals``).

Pure: the readings (``sensing.parking_service.CarParkWindow``) in, :class:`~citybrain.alerts.signals.Signal` out.
Every signal is addressed (``explanation.department``) to the car park's maintainer (its Thing's
``properties.maintainer`` or ``department``), else to the department the directory routes parking to.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime

import numpy as np
import numpy.typing as npt

from citybrain.alerts.signals import Signal
from citybrain.analytics.sensor_faults import Fault, detect_counter
from citybrain.sensing.parking_service import CarParkWindow

#: Who answers for car parks: the directory routes the category ``parking`` (停车管理) to 公安交通管理局
#: (directory/data/routing_rules.json), so their sensors' faults go there too unless a Thing names its maintainer.
PARKING_DEPARTMENT = "traffic_police"
#: Counter faults that become alerts; duplicates and readings out of step stay marked on the readings, not alerted.
ALERTED_COUNTER_FAULTS = ("over_capacity", "negative", "stuck", "gap")


def parking_faults(windows: Sequence[CarParkWindow], day: date, start: datetime, end: datetime) -> list[Signal]:
    """One signal per alerted fault that touches the city's ``day`` (the instants ``[start, end)``), per car park.

    Each car park is judged on its own clock (the detector's active hours); a feed silent from its last reading to
    the day's end is a gap too."""
    first, stop = int(start.timestamp()), int(end.timestamp())
    found = []
    for window in windows:
        if window.utc.size == 0:
            continue
        capacity = float(window.stream.capacity) if window.stream.capacity is not None else np.inf
        last = int(np.argmax(window.utc))
        until = int(window.local[last] + (stop - 1 - window.utc[last]))  # the day's last second, on its clock
        report = detect_counter(window.local, window.occupancy, capacity, until=until)
        for fault in report.faults:
            if fault.kind in ALERTED_COUNTER_FAULTS and _touches(fault, window.utc, first, stop):
                found.append(_signal(fault, window, day))
    return found


def _touches(fault: Fault, utc: npt.NDArray[np.int64], first: int, stop: int) -> bool:
    """Whether a reading the fault concerns falls in ``[first, stop)``; for a gap, the reading that ends the silence
    (or, for a silence to the end of the span, that end)."""
    if fault.first == fault.stop:
        if fault.first >= utc.size:
            return True  # silent up to the end of the judged day
        return bool(first <= utc[fault.first] < stop)
    concerned = utc[fault.first : fault.stop]
    return bool(((concerned >= first) & (concerned < stop)).any())


def _signal(fault: Fault, window: CarParkWindow, day: date) -> Signal:
    stream = window.stream
    props = stream.thing_properties
    name = str(props.get("name_zh") or props.get("name") or stream.code)
    who = str(props.get("maintainer") or props.get("department") or PARKING_DEPARTMENT)
    when = [datetime.fromtimestamp(t, UTC).replace(tzinfo=None).isoformat() for t in (fault.start_time, fault.end_time)]
    return Signal(
        kind="sensor_fault",
        detector=fault.kind,
        series=f"{stream.code}/occupancy",
        on=day,
        observed=float(fault.readings),
        title=f"传感器故障 sensor fault {stream.code} {name} occupancy: {fault.kind} — {fault.evidence}",
        explanation={
            "series": f"{stream.code}/occupancy",
            "station": stream.code,
            "car_park": name,
            "quantity": "occupancy",
            "capacity": stream.capacity,
            "department": who,
            "fault": fault.kind,
            "evidence": fault.evidence,
            "quality": fault.result_quality(),
            "from": when[0],
            "to": when[1],
            "readings": fault.readings,
        },
    )
