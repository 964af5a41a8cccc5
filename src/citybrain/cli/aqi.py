"""``citybrain analyze aqi``: the air quality index (AQI, HJ 633-2012) of hourly air files, daily or hourly.

The lead registers :func:`command` under ``analyze`` (e.g. ``app.command("aqi")(command)`` in cli/analyze.py).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer

from citybrain.cli.common import console, handle_errors, write_whole
from citybrain.core.errors import InvalidInput
from citybrain.sensing.air_files import read_air_series
from citybrain.sensing.air_grid import INDEX_UNITS
from citybrain.sensing.air_report import DailyRules, daily_report, hourly_report
from citybrain.sensing.aqi import CATEGORIES

PERIODS = ("day", "hour")


@handle_errors
def command(
    inputs: Annotated[
        list[Path],
        typer.Option(
            "--input",
            "-i",
            help="Hourly air file(s) in the Beijing layout (CSV or CSV.gz; columns year, month, day, hour, PM2.5, "
            "PM10, SO2, NO2, CO, O3, station; 'NA' = missing; every pollutant in µg/m³, CO included). Repeat the "
            "option for more files.",
        ),
    ],
    json_out: Annotated[
        Path, typer.Option("--json", help="Write the records here (JSON, written whole or not at all).")
    ],
    period: Annotated[
        str, typer.Option("--period", help="day: the daily report (日报); hour: the hourly real-time report (实时报).")
    ] = "day",
) -> None:
    """Air quality index (空气质量指数 AQI) by HJ 633-2012 for every station and day (or hour) of the files.

    Each record gives the station, the date (YYYY-MM-DD) or time (ISO 8601, the file's local time), the AQI, its
    level (级别 一级…六级), category (类别 优, 良, 轻度污染, 中度污染, 重度污染, 严重污染) and colour, the primary
    pollutants (首要污染物, when AQI > 50), the exceeding pollutants (超标污染物, IAQI > 100) and each pollutant's
    IAQI (空气质量分指数) under its code: PM2.5, PM10, SO2, NO2, CO, O3_1h, O3_8h.

    The daily report uses 24-h means of PM2.5, PM10, SO2, NO2 and CO and O3's daily maximum 1-h value and maximum
    8-h moving mean; the hourly report uses 1-h SO2, NO2, CO and O3, the O3 8-h moving mean and the PM2.5/PM10 24-h
    moving means. Data validity (GB 3095-2012): a 24-h mean needs 20 hourly values, an 8-h mean 6, a day's maximum
    8-h mean 14 valid 8-h means; a pollutant short of data gets no index, and a record without any index has no
    AQI and says why (reason, zh and en). See docs/air.md.

    Example:

        citybrain analyze aqi --input PRSA_Data_Aotizhongxin_20130301-20170228.csv.gz --period day --json aqi.json
    """
    if period not in PERIODS:
        raise InvalidInput(f"--period takes day or hour, not {period!r}")
    series = read_air_series(inputs)
    records = daily_report(series) if period == "day" else hourly_report(series)
    counts = Counter(str(r["category"]) for r in records if r["aqi"] is not None)
    document = {
        "standard": "HJ 633-2012",
        "period": period,
        "inputs": [str(p) for p in inputs],
        "rules": asdict(DailyRules()) if period == "day" else {"min_hours_24h": 20, "min_hours_8h": 6},
        "units": dict(INDEX_UNITS),
        "measured_units": series.measured_units,
        "stations": list(series.stations),
        "summary": {
            "records": len(records),
            "with_aqi": sum(counts.values()),
            "without_aqi": len(records) - sum(counts.values()),
            "categories": {c.zh: counts.get(c.zh, 0) for c in CATEGORIES},
        },
        "records": records,
    }
    write_whole(json_out, json.dumps(document, ensure_ascii=False, separators=(",", ":")))
    console.print(
        f"{len(series.stations)} station(s), {len(records):,} {period}(s), {sum(counts.values()):,} with an AQI "
        f"→ {json_out}",
        highlight=False,
    )
