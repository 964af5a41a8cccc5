"""The city's local day of a case, as SQL: the one definition the daily series, the baskets and the scan's cube share.

A day is the city's calendar day (``CITYBRAIN_TIMEZONE``), exactly as DuckDB's ``timezone('{zone}', …)`` cuts it
(``counting/cube.py``). That conversion costs about 30 times plain epoch arithmetic on millions of rows, so a count
first cuts days with one UTC offset, the zone's offset now (``floor((epoch + offset) / 86400)``), then checks with
:func:`holds` that the zone kept that offset over every day the count produced. Only when it did not (daylight
saving, as in New York, or a zone whose rules changed) is the count redone with :func:`day_sql` ``(zone, None)``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from citybrain.core import clock

DAY_S = 86_400
EPOCH = date(1970, 1, 1)


def current_offset(timezone: str) -> int:
    """The zone's UTC offset now, in seconds (InvalidInput when the zone is unknown): the first guess of a count."""
    return _seconds(timezone, clock.utcnow())


def day_sql(timezone: str, offset: int | None, column: str = "created_at") -> str:
    """A BIGINT expression: the local day of ``column`` (naive UTC) as days since 1970-01-01.

    With ``offset`` (seconds) the day is cut at that fixed offset; with ``None``, by the zone's own rules.
    """
    if offset is not None:
        return f"CAST(floor(({_epoch_sql(column)} + {offset}) / {DAY_S}) AS BIGINT)"
    zone = clock.city_zone(timezone).key.replace("'", "")
    return f"CAST(CAST(timezone('{zone}', timezone('UTC', {column})) AS DATE) - DATE '{EPOCH.isoformat()}' AS BIGINT)"


def holds(timezone: str, offset: int, first: date, last: date) -> bool:
    """Whether the zone's offset was ``offset`` throughout ``first`` … ``last`` (a day of margin each side, sampled
    every 12 hours: no zone changes its offset twice within half a day)."""
    moment = datetime.combine(first - timedelta(days=1), time(), UTC)
    end = datetime.combine(last + timedelta(days=2), time(), UTC)
    while moment <= end:
        if _seconds(timezone, moment) != offset:
            return False
        moment += timedelta(hours=12)
    return True


def _seconds(timezone: str, moment: datetime) -> int:
    offset = moment.astimezone(clock.city_zone(timezone)).utcoffset()
    return int(offset.total_seconds()) if offset is not None else 0


def _epoch_sql(column: str) -> str:
    """Seconds since 1970 of a naive UTC timestamp (DuckDB ``epoch``; Spark SQL: ``unix_timestamp``)."""
    return f"epoch({column})"
