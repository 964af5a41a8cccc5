"""Sign-in throttling (登录限流): too many recent failures for a user name, or from a client address, and further
attempts get 429 with Retry-After until the oldest failure leaves the window.

Counted in the database, so every server process shares one budget. Per user name stops guessing one account's
password from many addresses; per address stops one client spraying many names. A success clears the user name's
failures (not the address's).
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from citybrain.auth import account_repository as repo
from citybrain.core.errors import TooManyRequests
from citybrain.core.settings import Settings
from citybrain.models import SignInFailure

MESSAGE = "登录失败次数过多，请 {minutes} 分钟后再试 / too many failed sign-ins: try again in {minutes} minute(s)"


def check(session: Session, *, username: str | None, address: str, now: datetime, settings: Settings) -> None:
    """429 while the user name or the address has too many recent failures (``username=None``: the address only,
    for a sign-in at the identity provider, where no name is typed here)."""
    window = timedelta(minutes=settings.sign_in_window_minutes)
    since = now - window
    limits = [
        (repo.failures_since(session, since=since, address=address[:64]), settings.sign_in_max_failures_per_address)
    ]
    if username is not None:
        limits.append((repo.failures_since(session, since=since, username=username), settings.sign_in_max_failures))
    waits = [(oldest + window - now).total_seconds() for (count, oldest), limit in limits
             if count >= limit and oldest is not None]  # fmt: skip
    if waits:
        seconds = max(1, math.ceil(max(waits)))
        minutes = max(1, math.ceil(seconds / 60))
        raise TooManyRequests(MESSAGE.format(minutes=minutes), retry_after=seconds, code="too_many_sign_ins")


def failed(session: Session, *, username: str, address: str, now: datetime) -> None:
    """Count one failed sign-in against the user name and the address."""
    repo.add(session, SignInFailure(username=username[:64], address=address[:64], at=now))
