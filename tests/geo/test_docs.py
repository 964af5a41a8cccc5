"""docs/geo.md names every level, command and confidence figure the code uses."""

from __future__ import annotations

import re
from pathlib import Path

from citybrain.cli.geo import app
from citybrain.geo import resolution
from citybrain.geo.places import LEVELS

DOC = (Path(__file__).resolve().parents[2] / "docs" / "geo.md").read_text(encoding="utf-8")


def test_every_level_is_documented() -> None:
    for level in LEVELS:
        assert f"`{level}`" in DOC, level


def test_every_command_is_documented() -> None:
    for command in app.registered_commands:
        assert f"citybrain geo {command.name}" in DOC, command.name


def test_the_confidence_table_matches_the_code() -> None:
    code_figures = set(re.findall(r"\b0\.\d\d\b", resolution.__doc__ or ""))
    assert code_figures
    assert code_figures <= set(re.findall(r"\b[01]\.\d\d\b", DOC))
