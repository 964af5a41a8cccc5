"""The two deadlines an SLA policy sets at dispatch (派单), written once for the service, the intake plan and the
simulator. It belongs to the directory, which owns the SLA policies (时限), so that cases and the simulator both
reach it downwards. Pure arithmetic; the clock that watches the deadlines and the sweep that reminds (催办) and
escalates (督办) are in :mod:`citybrain.cases.sla`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol


class Policy(Protocol):
    """An SLA policy's two time limits, in hours: the directory's row, its snapshot, or the simulator's."""

    @property
    def accept_hours(self) -> float: ...
    @property
    def resolve_hours(self) -> float: ...


def deadlines(policy: Policy, at: datetime) -> tuple[datetime, datetime]:
    """(``accept_due_at``, ``due_at``) of a case dispatched at ``at``: 签收时限 and 办结时限 both run from it."""
    return at + timedelta(hours=policy.accept_hours), at + timedelta(hours=policy.resolve_hours)
