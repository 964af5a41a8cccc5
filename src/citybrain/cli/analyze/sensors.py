"""``citybrain analyze sensors``: the sensor warnings of one day on the live database (the nightly job's step)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer

from citybrain.cli.common import checked_as_of, console, handle_errors, open_database, write_whole


@handle_errors
def command(
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="The day judged (YYYY-MM-DD, not in the future). Default: yesterday.")
    ] = None,
    store: Annotated[
        bool, typer.Option("--store/--no-store", help="Raise or grow alerts (default), or only look.")
    ] = True,
    json_out: Annotated[Path | None, typer.Option("--json", help="Also write the signals here (JSON).")] = None,
) -> None:
    """Sensor warnings (传感器预警) for one day, from the stored air and car-park Datastreams.

    Three kinds of signal, each an alert through the same records, de-duplication and notifications as complaint
    warnings: a station's daily AQI above 200 (重度污染 or worse; to the environment department, with the AQI,
    category, primary pollutant and the hours that carried it); a daily mean unusual for its station (the temporal
    detectors, as for complaint series); and a sensor fault — stuck value, gap, jump unlike the neighbouring
    stations, out of physical range; for car parks a count over capacity or below zero, stuck, or a gap — to whoever
    maintains the station (car parks: traffic_police unless named). The same trouble on consecutive days grows one
    alert. See docs/sensing.md and docs/sensor_faults.md.

    Example: citybrain analyze sensors --as-of 2017-01-02 --no-store --json sensors.json
    """
    import json

    from citybrain.core import clock
    from citybrain.insight import sensors

    with open_database() as db:
        today = clock.city_today(db.settings.timezone)
        day = checked_as_of(as_of, today) or today - timedelta(days=1)
        if store:
            findings, lines = sensors.judge_and_store(db, day=day)
        else:
            findings = sensors.judge(db, day=day)
            lines = findings.lines()
    for line in lines:
        console.print(line, highlight=False)
    if json_out is not None:
        found = [asdict(s) | {"on": s.on.isoformat()} for s in findings.signals]
        write_whole(json_out, json.dumps({"day": day.isoformat(), "signals": found}, ensure_ascii=False, indent=1))
