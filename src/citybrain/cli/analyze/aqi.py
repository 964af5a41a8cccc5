"""``citybrain analyze aqi``: the air quality index (AQI, HJ 633-2012) of hourly air files, daily or hourly.

The index and the file reader (numpy, pyarrow) are imported when the command runs, not when ``--help`` lists it.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from citybrain.cli.common import console, handle_errors
from citybrain.core.errors import InvalidInput

PERIODS = ("day", "hour")


@handle_errors
def command(
    json_out: Annotated[
        Path, typer.Option("--json", help="Write the records here (JSON, written whole or not at all).")
    ],
    inputs: Annotated[
        list[Path] | None,
        typer.Option(
            "--input",
            "-i",
            help="Hourly air file(s) in the Beijing layout (CSV or CSV.gz; columns year, month, day, hour, PM2.5, "
            "PM10, SO2, NO2, CO, O3, station; 'NA' = missing; every pollutant in µg/m³, CO included). Repeat the "
            "option for more files. Without it: the stored Datastreams of the live database.",
        ),
    ] = None,
    period: Annotated[
        str, typer.Option("--period", help="day: the daily report (日报); hour: the hourly real-time report (实时报).")
    ] = "day",
    station: Annotated[
        str | None, typer.Option("--station", help="Stored data only: one station (the Thing's name).")
    ] = None,
    first: Annotated[
        str | None, typer.Option("--from", help="Stored data only: the first local day (YYYY-MM-DD).")
    ] = None,
    last: Annotated[str | None, typer.Option("--to", help="Stored data only: the last local day (YYYY-MM-DD).")] = None,
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

    Without --input the readings are the stored Datastreams (a Thing per station, an ObservedProperty named by the
    pollutant code, the unit as measured; readings whose resultQuality is not pass left out), over --from … --to
    (default: everything stored) — the same records as GET /api/v1/air/aqi.

    Example:

        citybrain analyze aqi --input PRSA_Data_Aotizhongxin_20130301-20170228.csv.gz --period day --json aqi.json
        citybrain analyze aqi --station Aotizhongxin --from 2017-01-01 --to 2017-01-31 --json aqi.json
    """
    from citybrain.sensing.air_files import read_air_series
    from citybrain.sensing.air_grid import INDEX_UNITS
    from citybrain.sensing.air_report import DailyRules, daily_index, hourly_index, records_by_station

    if period not in PERIODS:
        raise InvalidInput(f"--period takes day or hour, not {period!r}")
    if not inputs:
        _stored(json_out, period, station, first, last)
        return
    series = read_air_series(inputs)
    grid = daily_index(series) if period == "day" else hourly_index(series)
    head = {
        "standard": "HJ 633-2012",
        "period": period,
        "inputs": [str(p) for p in inputs],
        "rules": asdict(DailyRules()) if period == "day" else {"min_hours_24h": 20, "min_hours_8h": 6},
        "units": dict(INDEX_UNITS),
        "measured_units": series.measured_units,
        "stations": list(series.stations),
    }
    counts: Counter[str] = Counter()
    written = write_records_whole(json_out, head, records_by_station(grid), counts)
    with_aqi = sum(counts.values())
    console.print(
        f"{len(series.stations)} station(s), {written:,} {period}(s), {with_aqi:,} with an AQI → {json_out}",
        highlight=False,
    )


def _stored(json_out: Path, period: str, station: str | None, first: str | None, last: str | None) -> None:
    """The index of the stored Datastreams (``sensing.air_service``), written as the file path writes it."""
    from citybrain.cli.common import open_database
    from citybrain.sensing import air_service

    days = [_day(v, name) for v, name in ((first, "--from"), (last, "--to"))]
    if days[0] and days[1]:
        air_service.check_span(period, days[0], days[1])
    with open_database() as db, db.reading() as session:
        report = air_service.aqi_report(
            session, timezone=db.settings.timezone, period=period, station=station, first=days[0], last=days[1]
        )
    records = report.pop("records")
    counts: Counter[str] = Counter()
    written = write_records_whole(json_out, report, [records], counts)
    console.print(
        f"{len(report['stations'])} station(s), {written:,} {period}(s), {sum(counts.values()):,} with an AQI "
        f"(stored Datastreams) → {json_out}",
        highlight=False,
    )


def _day(value: str | None, name: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{name} takes a date YYYY-MM-DD, not {value!r}") from None


def write_records_whole(
    path: Path, head: Mapping[str, object], chunks: Iterable[list[dict[str, object]]], counts: Counter[str]
) -> int:
    """Write ``{…head, "records": […], "summary": {…}}`` whole or not at all, as ``cli.common.write_whole`` does,
    but one station's records at a time: the hourly report of 12 stations × 4 years is 420,768 records, too many to
    hold as objects and text at once. ``counts`` receives the categories; returns the number of records."""
    from citybrain.sensing.aqi import CATEGORIES

    tmp = path.with_name(f".{path.name}.tmp")
    total = 0
    try:
        with tmp.open("w", encoding="utf-8") as out:
            out.write(json.dumps(dict(head), ensure_ascii=False)[:-1] + ',"records":[')
            for chunk in chunks:
                if not chunk:
                    continue
                out.write(("," if total else "") + json.dumps(chunk, ensure_ascii=False, separators=(",", ":"))[1:-1])
                total += len(chunk)
                counts.update(str(r["category"]) for r in chunk if r["aqi"] is not None)
            summary = {
                "records": total,
                "with_aqi": sum(counts.values()),
                "without_aqi": total - sum(counts.values()),
                "categories": {c.zh: counts.get(c.zh, 0) for c in CATEGORIES},
            }
            out.write('],"summary":' + json.dumps(summary, ensure_ascii=False) + "}")
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise InvalidInput(f"cannot write {path}: {exc.strerror or exc}") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return total
