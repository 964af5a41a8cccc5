"""``citybrain analyze …``: the insight plane's commands (associations, hot issues, warnings, replies, daily).

Each topic is a module of this package with a ``command`` function, a thin shell over the registry of analyses
(``insight.jobs``); they are registered here, by name, so no module imports this one back. Their heavy imports
(numpy, DuckDB, the statistics) happen when the command runs, not when ``citybrain --help`` lists it.
"""

from __future__ import annotations

import typer

from citybrain.cli.analyze import (
    aqi,
    associations,
    blind_zones,
    daily,
    hot_issues,
    replies,
    sensors,
    sensors_vs_cases,
    topics,
    warnings,
)

app = typer.Typer(
    help=(
        "Analyse cases: which problems travel together, what is hot, what citizens write about (topics), "
        "where trouble is starting, "
        "how good replies are, the air quality index (AQI), sensor warnings, which complaints follow the "
        "sensors, where large vehicles' blind zones hurt people at intersections.\n\n"
        "Most commands read a canonical CSV/Parquet (--input) or, without it, the live database, and write JSON."
    ),
    no_args_is_help=True,
)
app.command("aqi")(aqi.command)
app.command("associations")(associations.command)
app.command("blind-zones")(blind_zones.command)
app.command("daily")(daily.command)
app.command("hot-issues")(hot_issues.command)
app.command("replies")(replies.command)
app.command("sensors")(sensors.command)
app.command("sensors-vs-cases")(sensors_vs_cases.command)
app.command("topics")(topics.command)
app.command("warnings")(warnings.command)
