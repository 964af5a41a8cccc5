"""The Demo City's cases and sensors as the files ``analyze sensors-vs-cases`` reads (shared by tests and bench)."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

from citybrain.simulate.city import build_city
from citybrain.simulate.sensors import SensorCity, simulate_sensors
from citybrain.simulate.streams import Stream, generate

NOW = datetime(2026, 6, 30, 12, tzinfo=UTC)


def demo_files(folder: Path, *, seed: int = 1, days: int = 365) -> tuple[Path, Path, Path, Stream, SensorCity]:
    """A year of Demo City cases (canonical CSV), its sensor CSV, and the same sensors without the episode (a null)."""
    city = build_city(seed)
    stream = generate(city, days=days, seed=seed, now=NOW)
    sensors = simulate_sensors(city, start=stream.start, days=days, seed=seed)
    cases_path = folder / f"cases-{seed}.csv"
    with cases_path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(("id", "created_at", "category", "lat", "lon", "district"))
        writer.writerows(
            (c.index, c.created_at.isoformat(), c.category, c.lat, c.lon, c.district) for c in stream.cases
        )
    with_episode, without = folder / f"sensors-{seed}.csv", folder / f"sensors-{seed}-null.csv"
    write_sensors(with_episode, sensors)
    write_sensors(without, simulate_sensors(city, start=stream.start, days=days, seed=seed, episode=False))
    return cases_path, with_episode, without, stream, sensors


def write_sensors(path: Path, sensors: SensorCity) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(("station", "district", "lat", "lon", "quantity", "unit", "time", "value"))
        writer.writerows(sensors.rows())
