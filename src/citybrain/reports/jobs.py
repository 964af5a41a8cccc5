"""Reply quality (答复意见评价) in the registry of analyses (``insight.jobs``).

It is registered here, not in ``insight.jobs.ANALYSES``: its reading of replies (``reports.repository``, the
report's local dates, the departments' names) belongs to the reports domain, and insight must stay below reports.
It runs on demand (``citybrain analyze replies``), not at night; its result is stored with ``insight.jobs.store``
as a run of kind ``replies`` (``reply_service.replies_record``).
"""

from __future__ import annotations

from citybrain.insight.jobs import ANALYSES as INSIGHT_ANALYSES
from citybrain.insight.jobs import Analysis

REPLIES = Analysis("replies", "replies", "how good the departments' replies are")

#: Every analysis a command can run: the insight plane's and reply quality.
ANALYSES = (*INSIGHT_ANALYSES, REPLIES)
