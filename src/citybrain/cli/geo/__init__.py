"""``citybrain geo …``: where is it (在哪里) — locate a message or a file of them, and export the city's gazetteer.

The commands live in ``locate`` and ``locate_file`` and are registered here by name; what they share (the gazetteer
options and loading) is in ``places``.
"""

from __future__ import annotations

import typer

from citybrain.cli.geo import locate, locate_file

app = typer.Typer(
    help="Where is it (在哪里): place names in a message, the city's districts and grid cells (地名库).",
    no_args_is_help=True,
)
app.command("locate")(locate.locate_cmd)
app.command("export-gazetteer")(locate.export_gazetteer)
app.command("locate-file")(locate_file.locate_file)
