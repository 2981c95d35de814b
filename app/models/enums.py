"""Enumerations of the domain, stored by their English value and shown by their Chinese label."""

from __future__ import annotations

from enum import StrEnum


class LabeledEnum(StrEnum):
    """A StrEnum whose members carry the Chinese label shown to users."""

    @property
    def label(self) -> str:
        return _LABELS[type(self).__name__][self.value]

    @classmethod
    def from_label(cls, text: str) -> LabeledEnum:
        """Find a member by its Chinese label or its stored value; raise ValueError otherwise."""
        text = text.strip()
        for member in cls:
            if text in (member.value, member.label):
                return member
        raise ValueError(text)

    @classmethod
    def labels(cls) -> list[str]:
        return [m.label for m in cls]


class TargetKind(LabeledEnum):
    ENTERPRISE = "enterprise"
    INDIVIDUAL = "individual"
    COOPERATIVE = "cooperative"
    OTHER = "other"


class TargetStatus(LabeledEnum):
    ACTIVE = "active"
    DEREGISTERED = "deregistered"
    REVOKED = "revoked"
    CANCELLED = "cancelled"
    MOVED_OUT = "moved_out"


class RiskClass(LabeledEnum):
    A = "A"
    B = "B"
    C = "C"
    D = "D"


class CodeKind(LabeledEnum):
    USCC = "uscc"
    REGNO = "regno"
    LEGACY = "legacy"
    NONE = "none"


class ItemImportance(LabeledEnum):
    KEY = "key"
    GENERAL = "general"


class TagScope(LabeledEnum):
    TARGET = "target"
    INSPECTOR = "inspector"


_LABELS: dict[str, dict[str, str]] = {
    "TargetKind": {
        "enterprise": "企业",
        "individual": "个体工商户",
        "cooperative": "农民专业合作社",
        "other": "其他",
    },
    "TargetStatus": {
        "active": "存续",
        "deregistered": "注销",
        "revoked": "吊销",
        "cancelled": "撤销",
        "moved_out": "迁出",
    },
    "RiskClass": {"A": "A 低风险", "B": "B 一般风险", "C": "C 较高风险", "D": "D 高风险"},
    "CodeKind": {"uscc": "统一社会信用代码", "regno": "注册号", "legacy": "其他编号", "none": "无"},
    "ItemImportance": {"key": "重点检查事项", "general": "一般检查事项"},
    "TagScope": {"target": "检查对象", "inspector": "检查人员"},
}

INSPECTION_METHODS: tuple[str, ...] = ("实地核查", "书面检查", "网络监测", "委托专业机构")


class TaskMode(LabeledEnum):
    SINGLE = "single"
    GENERAL_SWEEP = "general_sweep"
    RISK_GRADED = "risk_graded"
    SPECIAL_CAMPAIGN = "special_campaign"

    @property
    def is_joint(self) -> bool:
        return self is not TaskMode.SINGLE


class TaskStatus(LabeledEnum):
    DRAFT = "draft"
    TARGETS_DRAWN = "targets_drawn"
    TEAMS_DRAWN = "teams_drawn"
    IN_PROGRESS = "in_progress"
    FINISHED = "finished"
    CANCELLED = "cancelled"


class DrawKind(LabeledEnum):
    TARGETS = "targets"
    INSPECTORS = "inspectors"


class TeamRole(LabeledEnum):
    LEADER = "leader"
    OFFICER = "officer"
    EXPERT = "expert"


class InspectionState(LabeledEnum):
    NOT_ENTERED = "not_entered"
    PENDING_REVIEW = "pending_review"
    RETURNED = "returned"
    APPROVED = "approved"
    PUBLISHED = "published"


_LABELS.update(
    {
        "TaskMode": {
            "single": "部门单独抽查",
            "general_sweep": "综合性大联查",
            "risk_graded": "风险分类联查",
            "special_campaign": "专项整治联查",
        },
        "TaskStatus": {
            "draft": "待抽取",
            "targets_drawn": "已抽取对象",
            "teams_drawn": "已选派人员",
            "in_progress": "检查中",
            "finished": "已结束",
            "cancelled": "已取消",
        },
        "DrawKind": {"targets": "检查对象", "inspectors": "检查人员"},
        "TeamRole": {"leader": "组长", "officer": "执法人员", "expert": "专家"},
        "InspectionState": {
            "not_entered": "未录入",
            "pending_review": "待审核",
            "returned": "审核退回",
            "approved": "已审核",
            "published": "已公示",
        },
    }
)


class ResultVersionKind(LabeledEnum):
    ENTRY = "entry"
    CORRECTION = "correction"
    PLATFORM = "platform"


class SyncState(LabeledEnum):
    PENDING = "pending"
    SENT = "sent"
    ACKNOWLEDGED = "acknowledged"
    REJECTED = "rejected"
    LOCAL = "local"  # never leaves the machine (e.g. a laptop's copy of an office record)


class FollowUpKind(LabeledEnum):
    RECTIFY = "rectify"
    REFER = "refer"
    COPY = "copy"
    JUDICIAL = "judicial"
    CASE = "case"
    OTHER = "other"


class FollowUpState(LabeledEnum):
    OPEN = "open"
    CLOSED = "closed"


_LABELS.update(
    {
        "ResultVersionKind": {"entry": "录入", "correction": "更正", "platform": "平台更正"},
        "SyncState": {
            "pending": "待同步",
            "sent": "已发送",
            "acknowledged": "已确认",
            "rejected": "被退回",
            "local": "仅本机",
        },
        "FollowUpKind": {
            "rectify": "责令改正",
            "refer": "移交线索",
            "copy": "抄告相关部门",
            "judicial": "移送司法机关",
            "case": "立案查处",
            "other": "其他",
        },
        "FollowUpState": {"open": "办理中", "closed": "已办结"},
    }
)
