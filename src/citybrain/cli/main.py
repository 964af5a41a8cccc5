"""The ``citybrain`` command, grouped by noun.

Every command is registered here by name (sub-apps build their own lists the same way). Command modules import
only Typer, Rich and ``cli.common`` at the top; their domains — the database, numpy, DuckDB, the statistics, the
classifier — are imported inside the command when it runs, so ``citybrain --help`` and a plain command start in a
fraction of a second (tests/cli/test_startup.py keeps it so; bench/cli_startup.py measures it).
"""

from __future__ import annotations

import typer

import citybrain.cli.alerts as alerts
import citybrain.cli.geo as geo
from citybrain.cli import (
    analyze,
    apikey,
    cases,
    classify,
    db,
    demo,
    directory,
    export,
    grid,
    imports,
    knowledge,
    parking,
    privacy,
    report,
    sensing,
    serve,
    services,
    settings_cmd,
    simulate,
    user,
)

app = typer.Typer(
    name="citybrain",
    help=(
        "CityBrain 城市大脑 — the case platform of a 12345 / 311 centre.\n\n"
        "Start with `citybrain demo` (a synthetic city in SQLite, server running), or `citybrain db init` "
        "then `citybrain serve`. The database is chosen by CITYBRAIN_DATABASE_URL."
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(db.app, name="db")
app.add_typer(apikey.app, name="apikey")
app.add_typer(user.app, name="user")
app.add_typer(imports.app, name="import")
app.add_typer(report.app, name="report")
app.add_typer(directory.app, name="directory")
app.add_typer(cases.app, name="cases")
app.add_typer(export.app, name="export")
app.add_typer(privacy.app, name="privacy")
app.add_typer(classify.app, name="classify")
app.add_typer(analyze.app, name="analyze")
app.add_typer(geo.app, name="geo")
app.add_typer(alerts.app, name="alerts")
app.add_typer(simulate.app, name="simulate")
app.add_typer(sensing.app, name="sensing")
app.add_typer(parking.app, name="parking")
app.add_typer(grid.app, name="grid")
app.add_typer(services.app, name="services")
app.add_typer(knowledge.app, name="knowledge")
app.command("serve")(serve.serve)
app.command("demo")(demo.demo)
app.command("settings")(settings_cmd.show_settings)
