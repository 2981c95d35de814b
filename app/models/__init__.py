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
from app.models.results import (
    Attachment,
    FollowUp,
    InspectionAttachment,
    JointPunishment,
    ResultDraft,
    ResultVersion,
    ReviewEvent,
    RiskProposal,
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
from app.models.users import LoginAttempt, OperationInProgress, Role, User, UserRole

__all__ = [
    "AnnualPlan",
    "Attachment",
    "AuditEntry",
    "Base",
    "CheckItem",
    "Checkpoint",
    "Department",
    "Draw",
    "FollowUp",
    "FrequencyRule",
    "IndustryScheme",
    "Inspection",
    "InspectionAttachment",
    "Inspector",
    "InspectorCertificate",
    "JointPunishment",
    "LoginAttempt",
    "OperationInProgress",
    "PlanAdjustment",
    "RecusalConflict",
    "ResultDraft",
    "ResultVersion",
    "ReviewEvent",
    "RiskProposal",
    "Role",
    "SchemeItem",
    "Setting",
    "Tag",
    "Target",
    "TargetLicence",
    "Task",
    "TaskItem",
    "Team",
    "TeamMember",
    "User",
    "UserRole",
]
