"""The one clock. Everything that stamps time asks it, so tests can move time without sleeping."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

_frozen: datetime | None = None


def utcnow() -> datetime:
    """Now, as an aware UTC datetime (or the frozen instant inside :func:`frozen`)."""
    return _frozen if _frozen is not None else datetime.now(UTC)


@contextmanager
def frozen(at: datetime) -> Iterator[None]:
    """Freeze :func:`utcnow` at ``at`` (must be aware) for the duration of the block."""
    global _frozen
    if at.tzinfo is None:
        raise ValueError("frozen() needs an aware datetime")
    previous, _frozen = _frozen, at.astimezone(UTC)
    try:
        yield
    finally:
        _frozen = previous


def advance(delta: timedelta) -> None:
    """Move a frozen clock forward (only valid inside :func:`frozen`)."""
    global _frozen
    if _frozen is None:
        raise RuntimeError("advance() only works inside clock.frozen()")
    _frozen = _frozen + delta


def as_utc(value: datetime) -> datetime:
    """Read a naive datetime as UTC, convert an aware one to UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def iso(value: datetime | None) -> str | None:
    """W3C / ISO 8601 with an explicit zone, as Open311 requires (``2026-01-01T08:00:00Z``)."""
    if value is None:
        return None
    return as_utc(value).replace(microsecond=0).isoformat().replace("+00:00", "Z")
