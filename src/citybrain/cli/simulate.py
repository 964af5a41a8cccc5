"""``citybrain simulate …``: what the Demo City's simulator makes, written to files (sensor readings)."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from citybrain.cli.common import console, handle_errors, write_whole
from citybrain.core.errors import InvalidInput

if TYPE_CHECKING:
    from citybrain.simulate.sensors import SensorCity

app = typer.Typer(help="Write what the Demo City simulator makes to files.", no_args_is_help=True)


@app.command("sensors")
@handle_errors
def sensors(
    out: Annotated[Path, typer.Option("--out", help="Sensor CSV to write (station, district, …, time, value).")],
    seed: Annotated[int, typer.Option("--seed", help="The Demo City's seed (as for `citybrain demo`).")] = 1,
    days: Annotated[
        int, typer.Option("--days", help="Days of readings, ending today (as the Demo City's cases).")
    ] = 365,
    planted: Annotated[
        Path | None, typer.Option("--planted", help="Also write what was planted (episode, faults) as JSON here.")
    ] = None,
) -> None:
    """Air-quality stations and car parks of the Demo City: hourly pollutants, 30-minute occupancy, with the planted
    PM2.5 episode (odour complaints follow two days later) and planted faults. Same seed and days → same file.

    Example:

        citybrain simulate sensors --out demo-sensors.csv --planted demo-sensors-planted.json
    """
    from citybrain.core import clock
    from citybrain.core.settings import load_settings
    from citybrain.simulate.city import build_city
    from citybrain.simulate.sensors import simulate_sensors

    if not 1 <= days <= 3660:
        raise InvalidInput("days must be 1–3660")
    for target in (out, planted):
        if target is not None and not target.parent.is_dir():
            raise InvalidInput(f"{target.parent}: no such directory")
    zone = clock.city_zone(load_settings().timezone)
    start = clock.city_today(zone) - timedelta(days=days - 1)
    city = simulate_sensors(build_city(seed), start=start, days=days, seed=seed, zone=zone)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(("station", "district", "lat", "lon", "quantity", "unit", "time", "value"))
    writer.writerows(city.rows())
    write_whole(out, buffer.getvalue())
    if planted is not None:
        write_whole(planted, json.dumps(planted_record(city), ensure_ascii=False, indent=2) + "\n")
    console.print(f"{len(city.stations)} stations, {days} days from {start} → {out}")


def planted_record(city: SensorCity) -> dict[str, object]:
    """The episode and faults as plain JSON (for the fault detector's and the link test's key)."""
    episode = city.episode
    faults = [
        {"station": f.station, "quantity": f.quantity, "kind": f.kind, "start": f.start.isoformat(),
         "end": f.end.isoformat()}
        for f in city.faults
    ]  # fmt: skip
    record: dict[str, object] = {"seed": city.seed, "start": city.start.isoformat(), "days": city.days}
    record["episode"] = (
        {"district": episode.district, "quantity": episode.quantity, "start": episode.start.isoformat(),
         "days": episode.days, "added": episode.added, "complaint_category": episode.complaint_category,
         "complaint_lag": episode.complaint_lag, "complaint_days": [d.isoformat() for d in episode.complaint_days]}
        if episode else None
    )  # fmt: skip
    record["faults"] = faults
    return record
