"""The command reference in docs/cli.md, generated from the commands themselves.

``python -m citybrain.cli.reference > docs/cli.md`` rewrites it; a test fails when the file is stale, so the
documentation can never drift from ``--help``.
"""

from __future__ import annotations

import inspect
from typing import Any

import typer

from citybrain.cli.main import app

# Typer carries its own copy of Click, so parameters and groups are recognised by what they have, not their class.


def _option_line(param: Any) -> str:
    if param.param_type_name == "argument":
        kind = "argument" if param.required else "argument (optional)"
        return f"| `{(param.name or '').upper()}` | {kind}: {(param.help or '').replace('|', '/')} | |"
    names = ", ".join(f"`{o}`" for o in [*param.opts, *param.secondary_opts])
    default = "" if param.default in (None, False, ()) or param.required else f"`{param.default}`"
    return f"| {names} | {(param.help or '').replace('|', '/')} | {default} |"


def _command_section(path: str, command: Any) -> list[str]:
    lines = [f"### `{path}`", "", inspect.cleandoc(command.help or "").strip(), ""]
    params = [p for p in command.params if p.name not in ("help",) and not getattr(p, "hidden", False)]
    if params:
        lines += ["| option | meaning | default |", "|---|---|---|", *(_option_line(p) for p in params), ""]
    return lines


def _walk(path: str, command: Any) -> list[str]:
    if hasattr(command, "commands"):
        lines: list[str] = []
        for name in sorted(command.commands):
            lines += _walk(f"{path} {name}", command.commands[name])
        return lines
    return _command_section(path, command)


def render() -> str:
    root = typer.main.get_command(app)
    head = [
        "# Command reference",
        "",
        "Generated from the commands by `python -m citybrain.cli.reference > docs/cli.md`; `citybrain COMMAND --help`",
        "shows the same. The database is chosen by `CITYBRAIN_DATABASE_URL` (see settings.md).",
        "",
    ]
    return "\n".join(head + _walk("citybrain", root)).rstrip() + "\n"


if __name__ == "__main__":
    print(render(), end="")
