"""``citybrain analyze sensors-vs-cases``: do complaints follow the sensors nearby? (感知与诉求关联)"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from citybrain.cli.common import console, handle_errors, open_database, write_whole
from citybrain.core.errors import InvalidInput


@handle_errors
def command(
    sensors: Annotated[
        Path | None,
        typer.Option(
            "--sensors",
            help="Sensor CSV: station, district, lat, lon, quantity, unit, time, value. Omit for the stored "
            "SensorThings Datastreams of the Things that name their district.",
        ),
    ] = None,
    input: Annotated[
        Path | None, typer.Option("--input", "-i", help="Canonical CSV/Parquet of cases; omit for the live DB.")
    ] = None,
    since: Annotated[datetime | None, typer.Option("--from", help="First day (default: the sensors' first).")] = None,
    until: Annotated[datetime | None, typer.Option("--to", help="Last day (default: the sensors' last).")] = None,
    max_lag: Annotated[int, typer.Option("--max-lag", help="Days the complaints may lag the sensor (0…30).")] = 7,
    max_q: Annotated[float, typer.Option("--q", help="Report links with a q-value (FDR) at most this.")] = 0.05,
    categories: Annotated[
        list[str] | None,
        typer.Option(
            "--category",
            help="Complaint category (or code prefix) to test, repeatable; default: environment.air, "
            "construction.site.dust, noise.",
        ),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed (the test is exact; kept for reproducible runs).")] = 1,
    json_out: Annotated[str, typer.Option("--json", help="Write the result as JSON here ('-' = stdout).")] = "-",
) -> None:
    """Which complaint categories (odour, dust, smoke, noise, air) rise days after a sensor reading in their district.

    Complaints are counted per district, category and local day; the sensors — a file, or without --sensors the
    stored readings (marked pass) of every Thing whose properties name its district — are averaged per district and
    day (each station's daily median). For every pair and lag 0…--max-lag a negative-binomial score test with
    day-of-week and a smooth trend as the null, the sensor prewhitened; Benjamini–Hochberg over all tests. Each
    link names the district, category, quantity, best lag, rate ratio per +10 units, p, q and the days that carry
    it. With the cases of the live database (no --input) the links are also stored as an analysis run of kind
    "sensor_links" (GET /api/v1/insight/latest/sensor_links), as the nightly job does. See docs/sensor_links.md.

    Examples:

        citybrain analyze sensors-vs-cases --json links.json
        citybrain analyze sensors-vs-cases --sensors demo-sensors.csv --input cases.parquet --json links.json
    """
    from citybrain.analytics.sensor_links.analysis import LinkParams
    from citybrain.core.settings import load_settings
    from citybrain.insight import jobs, sensor_links

    settings = load_settings()
    params = LinkParams(max_lag=max_lag, max_q=max_q, seed=seed)
    try:
        params.check()
    except ValueError as exc:
        raise InvalidInput(str(exc)) from exc
    if json_out != "-" and not Path(json_out).parent.is_dir():
        raise InvalidInput(f"{Path(json_out).parent}: no such directory for --json")
    job = sensor_links.SensorJob(
        sensors,
        params,
        settings.timezone,
        since.date() if since else None,
        until.date() if until else None,
        tuple(categories) if categories else sensor_links.SENSED_CATEGORIES,
    )
    run_id = None  # a run is stored when the complaints are the live database's, as the nightly job stores it
    if input is not None and sensors is not None:
        result, source = sensor_links.from_file(input, job)
    else:
        with open_database() as database:
            if input is not None:
                result, source = sensor_links.from_file(input, job, database)
            else:
                result, source = sensor_links.from_database(database, job)
                run_id = jobs.store(database, sensor_links.links_record(result, source, job))
    document = result.to_json()
    document["params"].update(source=source, sensors=job.sensor_source)
    if run_id is not None:
        document["run_id"] = run_id
    text = json.dumps(document, ensure_ascii=False, indent=2)
    if json_out == "-":
        sys.stdout.write(text + "\n")
        return
    write_whole(Path(json_out), text + "\n")
    console.print(
        f"{len(result.links)} link(s) at q ≤ {max_q} from {result.tests:,} tests over {result.days} days → {json_out}"
    )
