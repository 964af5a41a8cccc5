"""``citybrain imports``."""

from __future__ import annotations

import typer

app = typer.Typer(help="imports commands.", no_args_is_help=True)
