"""The one clock and the city's calendar. Everything that stamps time asks it, so tests can move time without
sleeping; everything that needs the city's zone, its "today" or the UTC instant of a local midnight asks it too.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from citybrain.core.errors import InvalidInput

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


def city_zone(name: str) -> ZoneInfo:
    """The city's time zone (``CITYBRAIN_TIMEZONE``), e.g. ``Asia/Shanghai``.

    An unknown name is InvalidInput, never a silent fixed offset: a wrong guess would shift every day boundary.
    """
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(
            f"unknown time zone {name!r} (CITYBRAIN_TIMEZONE): give an IANA name such as Asia/Shanghai"
        ) from None


def _zone(zone: ZoneInfo | str) -> ZoneInfo:
    return city_zone(zone) if isinstance(zone, str) else zone


def city_today(zone: ZoneInfo | str, now: datetime | None = None) -> date:
    """The city's date at ``now`` (default: :func:`utcnow`): the day a person there means by "today"."""
    return as_utc(now or utcnow()).astimezone(_zone(zone)).date()


def local_midnight_utc(day: date, zone: ZoneInfo | str) -> datetime:
    """The first instant of the city's ``day``, in UTC (the lower bound of a query from that day on)."""
    return datetime.combine(day, time.min, tzinfo=_zone(zone)).astimezone(UTC)
