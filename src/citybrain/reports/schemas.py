"""Request bodies of the reports domain."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from citybrain.core.inputs import Input


class ReplyToScore(Input):
    """One message and its reply (答复意见), with the two times when known."""

    message: str = Field(max_length=200_000, description="The citizen's message (title and text).")
    reply: str = Field(max_length=200_000, description="The department's reply.")
    message_at: datetime | None = Field(default=None, description="When the message was received.")
    reply_at: datetime | None = Field(default=None, description="When the reply was given.")
    sla_hours: float | None = Field(
        default=None, gt=0, le=24 * 365, description="Resolve time limit in hours (办结时限); default 168 (7 days)."
    )
