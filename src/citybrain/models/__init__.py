"""All ORM tables, importable at once (Alembic's target metadata)."""

from citybrain.models.access import AccessLogEntry
from citybrain.models.alerts import Alert, AlertEvent, NotificationDelivery
from citybrain.models.analysis import AnalysisResult, AnalysisRun
from citybrain.models.auth import ApiKey, OidcFlow, OidcLink, SignInFailure, StaffSession, StaffUser
from citybrain.models.base import Base
from citybrain.models.cases import Callback, Case, CaseContact, CaseEvent
from citybrain.models.collisions import CollisionRecord
from citybrain.models.directory import (
    Category,
    Department,
    District,
    RoutingRule,
    ServiceAttribute,
    SlaPolicy,
)
from citybrain.models.grid import GridAssignment, GridCell, GridWorker, Inspection, PatrolPlan, PatrolVisit
from citybrain.models.idempotency import IdempotencyKey
from citybrain.models.imports import ImportBatch
from citybrain.models.joint import CasePart, Whistle, WhistleSummons
from citybrain.models.knowledge import KnowledgeItem, KnowledgeVersion
from citybrain.models.parking import CarPark, GateEvent, GateKey, ParkingBill, ParkingPass, ParkingSession
from citybrain.models.rollup import CaseRollup, CaseRollupState
from citybrain.models.sensing import (
    Datastream,
    FeatureOfInterest,
    HistoricalLocation,
    HistoricalLocationLocation,
    Location,
    MqttReceipt,
    Observation,
    ObservedProperty,
    Sensor,
    Thing,
    ThingLocation,
)
from citybrain.models.services import (
    OnlineService,
    ServiceApplication,
    ServiceApplicationEvent,
    ServiceApplicationMaterial,
    ServiceAttachment,
)
from citybrain.models.triage import CaseSuggestion, DeskDecision
from citybrain.models.voices import CaseComment, CaseMeToo

__all__ = [
    "ServiceAttachment",
    "ServiceApplicationMaterial",
    "ServiceApplicationEvent",
    "ServiceApplication",
    "OnlineService",
    "AccessLogEntry",
    "Alert",
    "AlertEvent",
    "AnalysisResult",
    "AnalysisRun",
    "ApiKey",
    "Base",
    "Callback",
    "Case",
    "CaseComment",
    "CaseContact",
    "CaseRollup",
    "CaseRollupState",
    "CollisionRecord",
    "CaseEvent",
    "CaseMeToo",
    "CasePart",
    "CaseSuggestion",
    "CarPark",
    "Category",
    "Datastream",
    "Department",
    "DeskDecision",
    "District",
    "FeatureOfInterest",
    "GateEvent",
    "GateKey",
    "GridAssignment",
    "GridCell",
    "GridWorker",
    "Inspection",
    "PatrolPlan",
    "PatrolVisit",
    "HistoricalLocation",
    "HistoricalLocationLocation",
    "IdempotencyKey",
    "ImportBatch",
    "KnowledgeItem",
    "KnowledgeVersion",
    "Location",
    "MqttReceipt",
    "NotificationDelivery",
    "OidcFlow",
    "OidcLink",
    "Observation",
    "ParkingBill",
    "ParkingPass",
    "ParkingSession",
    "ObservedProperty",
    "RoutingRule",
    "Sensor",
    "SignInFailure",
    "ServiceAttribute",
    "SlaPolicy",
    "StaffSession",
    "StaffUser",
    "Thing",
    "ThingLocation",
    "Whistle",
    "WhistleSummons",
]
