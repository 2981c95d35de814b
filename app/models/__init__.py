"""ORM models. Importing this package registers every table on ``Base.metadata``."""

from app.models.audit import AuditEntry
from app.models.base import Base
from app.models.registry import (
    CheckItem,
    Checkpoint,
    Department,
    IndustryScheme,
    Inspector,
    InspectorCertificate,
    RecusalConflict,
    SchemeItem,
    Tag,
    Target,
    TargetLicence,
)
from app.models.settings import Setting
from app.models.tasks import (
    AnnualPlan,
    Draw,
    FrequencyRule,
    Inspection,
    PlanAdjustment,
    Task,
    TaskItem,
    Team,
    TeamMember,
)

__all__ = [
    "AnnualPlan",
    "AuditEntry",
    "Base",
    "CheckItem",
    "Checkpoint",
    "Department",
    "Draw",
    "FrequencyRule",
    "IndustryScheme",
    "Inspection",
    "Inspector",
    "InspectorCertificate",
    "PlanAdjustment",
    "RecusalConflict",
    "SchemeItem",
    "Setting",
    "Tag",
    "Target",
    "TargetLicence",
    "Task",
    "TaskItem",
    "Team",
    "TeamMember",
]
