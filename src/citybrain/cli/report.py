"""``citybrain report``: KPIs (考核指标) of the cases in the database, for people (a table) and machines."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table

from citybrain.cases.kpis import KPI_NAMES, KPIS, KpiValue
from citybrain.cli.common import console, err_console, handle_errors, open_database, write_whole
from citybrain.core.errors import InvalidInput
from citybrain.core.i18n import bilingual, percent

if TYPE_CHECKING:
    from citybrain.cases.kpi_service import CaseCounter, KpiReport
    from citybrain.core.db import Database

app = typer.Typer(help="Reports over the cases in the database.", no_args_is_help=True)

FORMATS = ("table", "json", "csv")
ENGINES = ("duckdb", "spark", "database")
ENGINE_HELP = (
    "Where the cases are counted: duckdb or spark (over the database's cases, or the Parquet snapshot when "
    "CITYBRAIN_SNAPSHOT_DIR is set; docs/scale.md), or database (SQL in the database, as the API counts). "
    "Default: CITYBRAIN_ENGINE. The numbers are the same; JSON says which in params.engine."
)


@contextmanager
def _counting(db: Database, engine: str | None, first: date | None, last: date | None) -> Iterator[CaseCounter | None]:
    """The engine to count on (None: the database) reading the cases received from ``first`` to ``last`` (local
    dates; None: unbounded)."""
    from citybrain.core import clock

    chosen = engine or db.settings.engine
    if chosen not in ENGINES:
        raise InvalidInput(f"unknown engine {chosen!r}; choose from {', '.join(ENGINES)}")
    if chosen == "database":
        yield None
        return
    from citybrain.insight.kpis import open_counter

    zone = db.settings.timezone
    since = clock.local_midnight_utc(first - timedelta(days=1), zone) if first else None  # a day's margin:
    until = clock.local_midnight_utc(last + timedelta(days=2), zone) if last else None  # the engine filters exactly
    with open_counter(db, engine=chosen, since=since, until=until) as counter:
        yield counter


@app.command("kpis")
@handle_errors
def kpis(
    by: Annotated[
        list[str] | None,
        typer.Option("--by", help="Group by department, district, category or channel. Repeat or comma-separate."),
    ] = None,
    period: Annotated[
        str | None, typer.Option("--period", help="Also group by day, week or month (city time zone).")
    ] = None,
    start: Annotated[str | None, typer.Option("--from", help="First local date received, YYYY-MM-DD.")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last local date received (inclusive).")] = None,
    department: Annotated[str | None, typer.Option("--department", help="Only this department (code).")] = None,
    district: Annotated[str | None, typer.Option("--district", help="Only this district (code).")] = None,
    category: Annotated[
        str | None, typer.Option("--category", help="Only this category and everything below it.")
    ] = None,
    channel: Annotated[str | None, typer.Option("--channel", help="Only cases from this intake channel.")] = None,
    category_level: Annotated[int, typer.Option("--category-level", help="Group categories at level 1, 2 or 3.")] = 1,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Judge overdue and pending sign-for at this time (default now).")
    ] = None,
    kpi: Annotated[list[str] | None, typer.Option("--kpi", help="Show only these KPIs (repeat).")] = None,
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="table (for people), json or csv (for machines).")
    ] = "table",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file instead of the screen.")
    ] = None,
    engine: Annotated[str | None, typer.Option("--engine", help=ENGINE_HELP)] = None,
) -> None:
    """Show response rate 响应率, resolution rate 解决率, satisfaction rate 满意率, overdue 超期, median hours to
    accept and resolve, and case counts — over the cases received in a window, grouped as asked.

    Each case counts in the period it was received (受理), in the city's time zone (CITYBRAIN_TIMEZONE).
    Definitions: docs/kpis.md or GET /api/v1/kpis/definitions.

    Examples:

        citybrain report kpis --by department --period month --from 2026-01-01 --to 2026-03-31

        citybrain report kpis --by category --category-level 2 --format csv --output kpis.csv

        CITYBRAIN_ENGINE=spark citybrain report kpis --by district --format json
    """
    from citybrain.cases import kpi_service

    if fmt not in FORMATS:
        raise InvalidInput(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
    unknown = [k for k in kpi or [] if k not in KPI_NAMES]
    if unknown:
        raise InvalidInput(f"unknown KPI {', '.join(unknown)}; choose from {', '.join(KPI_NAMES)}")
    with open_database() as db:
        query = kpi_service.parse_query(
            timezone=db.settings.timezone,
            by=by,
            period=period,
            start=start,
            end=end,
            department=department,
            district=district,
            category=category,
            channel=channel,
            category_level=category_level,
            as_of=as_of,
        )
        with _counting(db, engine, query.start, query.end) as counter, db.reading() as session:
            report = kpi_service.kpi_report(
                session=session, query=query, language=db.settings.language, counter=counter
            )
    chosen = tuple(kpi or ()) or None
    if fmt == "table" and output is None:
        console.print(_table(report, chosen))
        return
    _emit(_render(report, fmt, chosen), output)


def _render(report: KpiReport, fmt: str, picked: tuple[str, ...] | None) -> str:
    if fmt == "table":
        buffer = io.StringIO()
        Console(file=buffer, width=200, no_color=True).print(_table(report, picked))
        return buffer.getvalue()
    chosen = picked or KPI_NAMES
    if fmt == "json":
        data = report.as_dict()
        data["rows"] = [_pick(row, report.key_columns, chosen) for row in data["rows"]]
        data["total"] = {name: data["total"][name] for name in chosen}
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    return _csv(report, chosen)


def _pick(row: dict[str, Any], keys: tuple[str, ...], chosen: tuple[str, ...]) -> dict[str, Any]:
    return {name: row[name] for name in (*keys, *chosen)}


def _csv(report: KpiReport, chosen: tuple[str, ...]) -> str:
    """One row per group, then the total (``scope`` tells them apart); empty cell = no data."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["scope", *report.key_columns, *chosen])
    for row in report.rows:
        writer.writerow(["group", *(_cell(row[c]) for c in report.key_columns), *(_cell(row[k]) for k in chosen)])
    writer.writerow(["total", *("" for _ in report.key_columns), *(_cell(report.total[k]) for k in chosen)])
    return buffer.getvalue()


def _cell(value: Any) -> str:
    return "" if value is None else str(value)


_KINDS = {k.name: k.kind for k in KPIS}
_HEADS = {k.name: bilingual((k.name_zh, k.name_en), "\n") for k in KPIS}
#: Short heads (the registry's ``Kpi.short``) so the headline table fits 80 columns.
_SHORT = {k.name: bilingual(k.short, "\n") for k in KPIS if k.short}


def _shown(name: str, value: KpiValue) -> str:
    if value is None:
        return "—"
    if _KINDS[name] == "rate":
        return percent(value)
    return str(value)


#: The wide table (many groups) shows these unless --kpi picks others; JSON and CSV always carry every KPI.
HEADLINE = (
    "received",
    "overdue",
    "response_rate",
    "resolution_rate",
    "satisfaction_rate",
    "median_hours_to_accept",
    "median_hours_to_resolve",
)
#: Up to this many groups the table is turned: one line per KPI, one column per group — readable at 80 columns.
TURN_AT = 6


def _table(report: KpiReport, chosen: tuple[str, ...] | None) -> Table:
    from citybrain.cases.kpi_service import DIMENSIONS

    params = report.query.params()
    window = f"{params['from'] or '…'} – {params['to'] or '…'}"
    title = f"KPIs 考核指标  {window} ({params['timezone']}), as of {params['as_of']}"
    labels = [_group_label(report, row) for row in report.rows]
    if len(report.rows) <= TURN_AT:
        table = Table(title=title)
        table.add_column("指标 KPI")
        for label in [*labels, "合计 total"]:
            table.add_column(label, justify="right")
        for name in chosen or KPI_NAMES:
            values = [row[name] for row in report.rows] + [report.total[name]]
            table.add_row(_HEADS[name].replace("\n", " "), *(_shown(name, v) for v in values))
        return table
    table = Table(title=title)
    heads = [*(DIMENSIONS[d][0] for d in report.query.by), *(["期间"] if report.query.period else [])]
    width = max(cell_len(text) for text in [*labels, "合计 total"])
    table.add_column(" / ".join(heads), no_wrap=True, min_width=width)
    for name in chosen or HEADLINE:
        table.add_column(_SHORT.get(name, _HEADS[name]), justify="right")
    for label, row in zip(labels, report.rows, strict=True):
        table.add_row(label, *(_shown(k, row[k]) for k in chosen or HEADLINE))
    table.add_row("合计 total", *(_shown(k, report.total[k]) for k in chosen or HEADLINE), style="bold")
    return table


def _group_label(report: KpiReport, row: dict[str, Any]) -> str:
    parts = [_key_label(row, dim) for dim in report.query.by]
    if report.query.period:
        parts.append(str(row["period"]))
    return " · ".join(parts)


def _key_label(row: dict[str, Any], dim: str) -> str:
    code, name = row[dim], row.get(f"{dim}_name")
    if code is None:
        return "(无 none)"
    return f"{name} {code}" if name else str(code)


def _emit(text: str, output: Path | None) -> None:
    """Print, or write the file whole (a temporary file renamed into place, never a half-written report)."""
    if output is None:
        typer.echo(text, nl=False)
        return
    write_whole(output, text)
    console.print(f"wrote {output}")


@app.command("monthly")
@handle_errors
def monthly(
    month: Annotated[str | None, typer.Option("--month", help="The month, YYYY-MM (or give --from and --to).")] = None,
    start: Annotated[str | None, typer.Option("--from", help="First local date, YYYY-MM-DD (any period).")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last local date (inclusive).")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="json, xlsx (workbook) or csv (zip of CSVs).")] = "json",
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write here (xlsx and csv need it).")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Judge overdue at this time (default now).")] = None,
    category_level: Annotated[int, typer.Option("--category-level", help="Category level of 每月一题: 1-3.")] = 2,
    top: Annotated[int, typer.Option("--top", help="How many 每月一题 candidates to list.")] = 10,
    save: Annotated[bool, typer.Option("--save/--no-save", help="Store it as an insight run (kind report).")] = True,
    engine: Annotated[str | None, typer.Option("--engine", help=ENGINE_HELP)] = None,
) -> None:
    """The KPI and ranking report of a period (月度考核报告): 响应率 / 解决率 / 满意率, overdue 超期 and 退单 by
    department and by district, ranked; and the period's 每月一题 candidates (high volume, a significant rise over
    the previous period, low satisfaction), with a header of definitions. Method: docs/reports.md.

    Examples:

        citybrain report monthly --month 2026-02 --format xlsx --out report-2026-02.xlsx

        citybrain report monthly --from 2026-02-01 --to 2026-02-14 --format csv --out fortnight.zip

        citybrain report monthly --month 2026-02 > report.json

        CITYBRAIN_ENGINE=spark CITYBRAIN_SNAPSHOT_DIR=var/snapshot citybrain report monthly --month 2026-02

    The JSON's header.engine says where the cases were counted (duckdb, spark or database).
    """
    from citybrain.insight import jobs
    from citybrain.reports import excel as report_files
    from citybrain.reports import service as report_service

    if fmt not in ("json", "xlsx", "csv"):
        raise InvalidInput(f"unknown format {fmt!r}; choose from json, xlsx, csv")
    if fmt != "json" and out is None:
        raise InvalidInput(f"--format {fmt} writes a file: give --out PATH")
    period = report_service.parse_period(month=month, start=start, end=end)
    with open_database() as db:
        options = report_service.ReportOptions(
            timezone=db.settings.timezone, language=db.settings.language, as_of=as_of,
            category_level=category_level, top=top,
        )  # fmt: skip
        first = period.previous[0]
        with _counting(db, engine, first, period.end) as counter, db.reading() as session:
            report = report_service.monthly_report(session=session, period=period, options=options, counter=counter)
        if save:
            run_id = jobs.store(db, report_service.report_record(report))
            err_console.print(f"stored as insight run {run_id} (GET /api/v1/insight/runs/{run_id})")
    if fmt == "json":
        _emit(json.dumps(report, ensure_ascii=False, indent=2) + "\n", out)
        return
    _write_bytes(report_files.to_xlsx(report) if fmt == "xlsx" else report_files.to_csv_zip(report), out)


def _write_bytes(body: bytes, output: Path | None) -> None:
    """Write a binary report whole (temporary file renamed into place)."""
    assert output is not None
    write_whole(output, body)
    console.print(f"wrote {output}")
