"""``citybrain settings``: every setting, its environment variable, value and meaning."""

from __future__ import annotations

from rich.table import Table

from citybrain.cli.common import console


def show_settings() -> None:
    """List every setting with its environment variable, current value and description."""
    from citybrain.core.settings import Settings, load_settings

    current = load_settings()
    table = Table("environment variable", "value", "meaning")
    for name, field in Settings.model_fields.items():
        table.add_row(f"CITYBRAIN_{name.upper()}", str(getattr(current, name)), field.description or "")
    console.print(table)
