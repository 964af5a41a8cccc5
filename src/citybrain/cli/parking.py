"""``citybrain parking``: barrier-free car parks — car parks and gate keys, overstays, the gate-read generator and the
forecast's evaluation on the Birmingham file."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from citybrain.cli.common import console, err_console, handle_errors, open_database, parse_day, write_whole

app = typer.Typer(
    help=(
        "Barrier-free car parks (无杆停车): gates post plate reads, sessions are paired and billed in fen.\n\n"
        "Example: citybrain parking car-park P1 --name 人民广场 --lat 31.2304 --lon 121.4737 --capacity 400\n"
        "         citybrain parking gate-key P1 'P1 north gate'      (prints the gate's key once)\n"
        "         citybrain parking forecast-eval                     (Birmingham: MAE vs seasonal-naive)"
    ),
    no_args_is_help=True,
)

BIRMINGHAM = Path("../shared/data/birmingham_parking/parking_birmingham_uci_dataset.csv.gz")
FileOpt = Annotated[Path, typer.Option("--file", help="Occupancy file in the Birmingham layout (CSV, .gz).")]


@app.command("car-park")
@handle_errors
def car_park(
    code: str = typer.Argument(..., help="The car park's code, as gates will send it (e.g. P1)."),
    name: str = typer.Option(..., "--name", help="Its name (shown in nearby answers)."),
    lat: float = typer.Option(..., "--lat", help="Latitude of its entrance (WGS 84)."),
    lon: float = typer.Option(..., "--lon", help="Longitude of its entrance (WGS 84)."),
    capacity: int = typer.Option(..., "--capacity", min=0, help="Spaces."),
    tariff: str | None = typer.Option(
        None, "--tariff",
        help='Tariff as JSON, money in fen, e.g. \'{"free_minutes": 15, "unit_minutes": 30, "day_rate_fen": 300, '
        '"night_rate_fen": 100, "daily_cap_fen": 4000}\' (see docs/parking.md). Default: the built-in tariff.',
    ),
    timezone: str | None = typer.Option(None, "--timezone", help="Its clock, if not the city's (IANA name)."),
) -> None:  # fmt: skip
    """Create or change a car park (its tariff is checked before anything is written)."""
    from citybrain.core.errors import InvalidInput
    from citybrain.scenarios.parking import service

    try:
        rules = json.loads(tariff) if tariff else None
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"--tariff is not JSON: {exc}") from None
    with open_database() as db, db.transaction() as session:
        park = service.save_car_park(session=session, code=code, name=name, lat=lat, lon=lon, capacity=capacity,
                                     tariff=rules, timezone=timezone)  # fmt: skip
        console.print(f"car park {park.code} ({park.name}), {park.capacity} spaces, tariff {park.tariff}")


@app.command("gate-key")
@handle_errors
def gate_key(
    code: str = typer.Argument(..., help="The car park the gate belongs to."),
    name: str = typer.Argument(..., help="Which gate holds the key, e.g. 'P1 north gate'."),
) -> None:
    """Make an API key of role gate that may post reads for this car park only. Printed once, as the last line."""
    from citybrain.scenarios.parking import service

    with open_database() as db, db.transaction() as session:
        plaintext = service.create_gate_key(session=session, code=code, name=name)
    console.print(f"gate key for {code} ({name}); it posts to POST /api/v1/parking/events. Store it now:")
    print(plaintext)


@app.command("overstays")
@handle_errors
def overstays(
    hours: float | None = typer.Option(None, "--hours", min=0.01, help="Default: CITYBRAIN_PARKING_OVERSTAY_HOURS."),
) -> None:
    """Flag open sessions older than the limit as overstay (超时未出场) for staff review, and list them."""
    from citybrain.scenarios.parking import service

    with open_database() as db, db.transaction() as session:
        limit = hours if hours is not None else db.settings.parking_overstay_hours
        found = service.flag_overstays(session=session, hours=limit)
        for s in found:
            console.print(f"session {s.id}\t{s.plate}\tcar park {s.car_park_id}\tentered {s.entered_at}")
    console.print(f"{len(found)} session(s) flagged overstay (open more than {limit:g} h)")


@app.command("forecast-eval")
@handle_errors
def forecast_eval(
    file: FileOpt = BIRMINGHAM,
    test_from: int = typer.Option(35, "--test-from", min=14, help="First day forecast (0 = the file's first day)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of tables."),
) -> None:
    """Forecast 1–4 h ahead from every reading from --test-from on and compare with seasonal-naive (same time last
    week): MAE in vehicles per horizon, overall and per car park.

    Example: citybrain parking forecast-eval --file parking_birmingham_uci_dataset.csv.gz --json
    """
    from citybrain.core.errors import InvalidInput
    from citybrain.scenarios.parking import birmingham
    from citybrain.scenarios.parking.forecast import evaluate

    if not file.exists():
        raise InvalidInput(f"{file} does not exist; give the Birmingham file with --file")
    grid = birmingham.grid(file)
    if test_from >= grid.values.shape[1]:
        raise InvalidInput(f"--test-from {test_from}: the file has only {grid.values.shape[1]} days")
    found = evaluate(grid, test_from=test_from)
    if as_json:
        print(json.dumps([{"hours": h.hours, "mae": h.mae, "seasonal_naive_mae": h.naive_mae, "points": h.points,
                           "per_car_park": {c: [a, b] for c, a, b in zip(grid.codes, h.mae_per_park,
                                                                         h.naive_mae_per_park, strict=True)}}
                          for h in found], ensure_ascii=False, indent=2))  # fmt: skip
        return
    from rich.table import Table

    overall = Table(title=f"{len(grid.codes)} car parks, days {test_from}… of {grid.values.shape[1]}: MAE (vehicles)")
    for column in ("hours", "forecast", "seasonal-naive", "better by", "points"):
        overall.add_column(column, justify="right")
    for h in found:
        overall.add_row(f"{h.hours:g}", f"{h.mae:.1f}", f"{h.naive_mae:.1f}", f"{1 - h.mae / h.naive_mae:.0%}",
                        str(h.points))  # fmt: skip
    console.print(overall)
    per = Table(title="per car park: forecast / seasonal-naive MAE")
    per.add_column("car park")
    for h in found:
        per.add_column(f"{h.hours:g} h", justify="right")
    for i, code in enumerate(grid.codes):
        per.add_row(code, *(f"{h.mae_per_park[i]:.1f} / {h.naive_mae_per_park[i]:.1f}" for h in found))
    console.print(per)


@app.command("generate")
@handle_errors
def generate_reads(
    out: Annotated[Path, typer.Argument(help="Where to write the reads (JSON lines, each a POST /events body).")],
    file: FileOpt = BIRMINGHAM,
    day: str = typer.Option("2016-11-08", "--day", help="First day (YYYY-MM-DD) of the file to follow."),
    days: int = typer.Option(1, "--days", min=1, max=60, help="How many days."),
    seed: int = typer.Option(0, "--seed", help="Random seed (the same seed, the same reads)."),
    misread: float = typer.Option(0.03, "--misread", min=0, max=1, help="Share of exit reads misread (look-alikes)."),
    duplicate: float = typer.Option(0.02, "--duplicate", min=0, max=1, help="Share of reads read twice."),
) -> None:
    """Write gate reads that follow the file's occupancy, with planted misreads and duplicate reads.

    Times are the file's local clock written as UTC. Example: citybrain parking generate reads.jsonl --days 2
    """
    from datetime import UTC, datetime

    from citybrain.scenarios.parking import birmingham
    from citybrain.scenarios.parking.generator import generate

    first: date = parse_day(day, "--day")
    reads, truth = generate(birmingham.days(file, first, count=days), seed=seed, misread=misread,
                            duplicate=duplicate)  # fmt: skip
    lines = [json.dumps({"car_park": r.car_park, "gate": r.gate, "direction": r.direction, "plate": r.plate,
                         "time": datetime.fromtimestamp(r.at, UTC).isoformat(), "confidence": r.confidence},
                        ensure_ascii=False) for r in reads]  # fmt: skip
    write_whole(out, "\n".join(lines) + "\n")
    err_console.print(f"{len(reads)} reads of {len({r.car_park for r in reads})} car parks to {out}: "
                      f"{len(truth.misreads)} planted misreads, {len(truth.duplicates)} duplicate reads")  # fmt: skip
