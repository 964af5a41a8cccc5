"""``citybrain demo``: a synthetic city in SQLite and the server running."""

from __future__ import annotations


def demo() -> None:
    """Load a synthetic city and serve it."""
    raise NotImplementedError("being built")
