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

__all__ = [
    "AuditEntry",
    "Base",
    "CheckItem",
    "Checkpoint",
    "Department",
    "IndustryScheme",
    "Inspector",
    "InspectorCertificate",
    "RecusalConflict",
    "SchemeItem",
    "Setting",
    "Tag",
    "Target",
    "TargetLicence",
]
