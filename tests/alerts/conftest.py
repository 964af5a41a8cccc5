"""Alert fixtures: signals of either kind, built by hand so each test says exactly what the detectors saw."""

from __future__ import annotations

from datetime import date

from citybrain.alerts.signals import Signal

DAY = date(2026, 3, 2)


def temporal(on: date = DAY, *, series: str = "noise", observed: float = 30.0, cases: tuple[str, ...] = ()) -> Signal:
    return Signal(
        kind="temporal",
        detector="ears_c2",
        series=series,
        on=on,
        observed=observed,
        expected=10.0,
        p_value=0.001,
        recurrence_days=1000.0,
        title=f"{series}: {observed:g} cases",
        explanation={"series": series, "threshold": 18.0},
        case_ids=cases,
    )


def cluster(on: date = DAY, *, cells: tuple[str, ...] = ("10_10",), cases: tuple[str, ...] = ("1", "2")) -> Signal:
    return Signal(
        kind="cluster",
        detector="stpscan",
        series="all",
        on=on,
        observed=float(len(cases)),
        expected=1.5,
        p_value=0.001,
        recurrence_days=1000.0,
        title="cluster",
        explanation={"center": {"lat": 28.2, "lon": 112.9}, "radius_m": 400.0, "start": on.isoformat()},
        case_ids=cases,
        cells=cells,
    )
