from __future__ import annotations

from pathlib import Path

from citybrain.cli.reference import render

DOC = Path(__file__).resolve().parents[2] / "docs" / "cli.md"


def test_docs_cli_md_is_current() -> None:
    """docs/cli.md must match the commands; regenerate with `python -m citybrain.cli.reference > docs/cli.md`."""
    assert DOC.read_text(encoding="utf-8") == render()


def test_every_command_has_help() -> None:
    text = render()
    for needed in (
        "citybrain db init",
        "citybrain serve",
        "citybrain apikey create",
        "citybrain import canonical",
        "citybrain report kpis",
        "citybrain demo",
    ):
        assert f"### `{needed}`" in text
    sections = text.split("### ")[1:]
    assert all(len(s.strip().splitlines()) > 2 for s in sections), "a command without help text"
