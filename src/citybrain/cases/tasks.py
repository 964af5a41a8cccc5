"""Side effects after commit: what the outside world should hear about a case's change.

Notification channels (SMS to a department, the supervision desk) belong to the alerts domain; until it
exists these hooks write one log line each — case ids and actions only, never a citizen's data.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from citybrain.cases.sla import Raise

log = logging.getLogger("citybrain.cases")


def after_transition(case_id: int, action: str) -> None:
    log.info("case %s: %s", case_id, action)


def after_sweep(raised: Sequence[Raise]) -> None:
    """催办 / 督办 raised by the SLA sweep, announced once the sweep's transaction is committed."""
    for item in raised:
        log.info("case %s: %s (%s deadline %s)", item.case_id, item.action, item.deadline, item.due.isoformat())
