"""All ORM tables, importable at once (Alembic's target metadata)."""

from citybrain.models.alerts import Alert, AlertEvent, NotificationDelivery
from citybrain.models.analysis import AnalysisResult, AnalysisRun
from citybrain.models.auth import ApiKey
from citybrain.models.base import Base
from citybrain.models.cases import Callback, Case, CaseContact, CaseEvent
from citybrain.models.directory import (
    Category,
    Department,
    District,
    RoutingRule,
    ServiceAttribute,
    SlaPolicy,
)
from citybrain.models.imports import ImportBatch
from citybrain.models.triage import CaseSuggestion

__all__ = [
    "Alert",
    "AlertEvent",
    "AnalysisResult",
    "AnalysisRun",
    "ApiKey",
    "Base",
    "Callback",
    "Case",
    "CaseContact",
    "CaseEvent",
    "CaseSuggestion",
    "Category",
    "Department",
    "District",
    "ImportBatch",
    "NotificationDelivery",
    "RoutingRule",
    "ServiceAttribute",
    "SlaPolicy",
]
