"""``citybrain analyze …``: the insight plane's commands (associations, hot issues, warnings, replies).

Each topic lives in its own module (``analyze_<topic>.py``) that adds its command to :data:`app`; they are imported
at the bottom so that ``citybrain analyze --help`` lists them all.
"""

from __future__ import annotations

import typer

app = typer.Typer(
    help=(
        "Analyse cases: which problems travel together, what is hot, where trouble is starting, "
        "how good replies are.\n\n"
        "Most commands read a canonical CSV/Parquet (--input) or, without it, the live database, and write JSON."
    ),
    no_args_is_help=True,
)

from citybrain.cli import analyze_associations as _analyze_associations  # noqa: E402,F401  (registers the command)
from citybrain.cli import analyze_daily as _analyze_daily  # noqa: E402,F401  (registers the command)
from citybrain.cli import analyze_hot as _analyze_hot  # noqa: E402,F401  (registers the command)
from citybrain.cli import analyze_replies as _analyze_replies  # noqa: E402,F401  (registers the command)
from citybrain.cli import analyze_warnings as _analyze_warnings  # noqa: E402,F401  (registers the command)
