"""All ORM tables, importable at once (Alembic's target metadata)."""

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

__all__ = [
    "ApiKey",
    "Base",
    "Callback",
    "Case",
    "CaseContact",
    "CaseEvent",
    "Category",
    "Department",
    "District",
    "ImportBatch",
    "RoutingRule",
    "ServiceAttribute",
    "SlaPolicy",
]
