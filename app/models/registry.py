"""The registries (一单两库 + 专家): departments, targets, inspectors, tags, check items, schemes.

One module holds them because they reference each other tightly (tags, recusal
conflicts between inspectors and targets, schemes over items of departments).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, TimestampMixin, UidMixin, VersionedMixin
from app.models.enums import CodeKind, ItemImportance, RiskClass, TagScope, TargetKind, TargetStatus


def enum_column(enum_cls: type[Any], length: int = 20) -> Enum:
    """A portable enum column storing the member's value as VARCHAR."""
    return Enum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        length=length,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


target_tags = Table(
    "target_tags",
    Base.metadata,
    Column("target_id", ForeignKey("targets.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True),
)

inspector_tags = Table(
    "inspector_tags",
    Base.metadata,
    Column("inspector_id", ForeignKey("inspectors.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True),
)

scheme_departments = Table(
    "scheme_departments",
    Base.metadata,
    Column("scheme_id", ForeignKey("industry_schemes.id", ondelete="CASCADE"), primary_key=True),
    Column("department_id", ForeignKey("departments.id"), primary_key=True),
)


class Department(UidMixin, TimestampMixin, Base):
    """A participating authority (部门)."""

    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    short_name: Mapped[str] = mapped_column(
        String(30), default=""
    )  # used in task numbers: <简称>抽查〔2026〕3号
    code: Mapped[str | None] = mapped_column(String(30), unique=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    def __repr__(self) -> str:
        return f"Department({self.id}, {self.name!r})"


class Tag(Base):
    """A free label with a kind (许可类别, 行业, 地域, 执法资质, 业务专长 …) on targets or inspectors."""

    __tablename__ = "tags"
    __table_args__ = (UniqueConstraint("scope", "kind", "name", name="uq_tags_scope_kind_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[TagScope] = mapped_column(enum_column(TagScope))
    kind: Mapped[str] = mapped_column(String(30))
    name: Mapped[str] = mapped_column(String(100))


class Target(UidMixin, TimestampMixin, VersionedMixin, Base):
    """检查对象: a market entity (or product, site …) that can be drawn for inspection."""

    __tablename__ = "targets"
    __table_args__ = (
        Index("ix_targets_risk_status", "risk_class", "status"),
        Index("ix_targets_name", "name"),
        # The table's default order (active ones by name): walking this index needs no table
        # lookups and no sort, which keeps listing 500,000 targets well under a second.
        Index("ix_targets_active_name", "active", "name", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str | None] = mapped_column(String(32), unique=True)  # USCC, 注册号 or legacy number
    code_kind: Mapped[CodeKind] = mapped_column(enum_column(CodeKind), default=CodeKind.NONE)
    name: Mapped[str] = mapped_column(String(200))
    # Pinyin initials of the name, computed once on save: computing them at search time is far too slow.
    name_initials: Mapped[str] = mapped_column(String(200), default="", index=True)
    kind: Mapped[TargetKind] = mapped_column(enum_column(TargetKind), default=TargetKind.ENTERPRISE)
    legal_rep: Mapped[str] = mapped_column(String(50), default="")
    phone: Mapped[str] = mapped_column(String(50), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    reg_authority: Mapped[str] = mapped_column(String(100), default="")  # 登记机关
    jurisdiction: Mapped[str] = mapped_column(String(100), default="")  # 管辖单位
    region: Mapped[str] = mapped_column(String(50), default="", index=True)  # 乡镇/街道
    industry: Mapped[str] = mapped_column(String(50), default="", index=True)
    risk_class: Mapped[RiskClass] = mapped_column(enum_column(RiskClass, 1), default=RiskClass.B)
    status: Mapped[TargetStatus] = mapped_column(enum_column(TargetStatus), default=TargetStatus.ACTIVE)
    # False when the platform removed it from the registry; rows are never deleted because results point at them.
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    note: Mapped[str] = mapped_column(Text, default="")

    tags: Mapped[list[Tag]] = relationship(secondary=target_tags, lazy="selectin")
    licences: Mapped[list[TargetLicence]] = relationship(
        back_populates="target", cascade="all, delete-orphan", lazy="selectin", order_by="TargetLicence.id"
    )

    __mapper_args__ = {"version_id_col": VersionedMixin.version}  # noqa: RUF012

    @property
    def draw_id(self) -> str:
        """The id used in draws (DRAW.md): the code where there is one, else the permanent uid."""
        return self.code or self.uid


class TargetLicence(Base):
    """A licence held by a target (许可证), with validity; valid_to None means 长期."""

    __tablename__ = "target_licences"

    id: Mapped[int] = mapped_column(primary_key=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("targets.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    number: Mapped[str] = mapped_column(String(100), default="")
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    authority: Mapped[str] = mapped_column(String(100), default="", server_default="")  # 许可发证机关

    target: Mapped[Target] = relationship(back_populates="licences")


class Inspector(UidMixin, TimestampMixin, VersionedMixin, Base):
    """执法检查人员 (and 专家 when ``is_expert``): a person who may be sent to inspect."""

    __tablename__ = "inspectors"

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    staff_no: Mapped[str] = mapped_column(String(50), default="", index=True)  # 单位工号
    name: Mapped[str] = mapped_column(String(50))
    name_initials: Mapped[str] = mapped_column(String(50), default="")
    gender: Mapped[str] = mapped_column(String(4), default="")
    id_number: Mapped[str] = mapped_column(String(30), default="")
    phone: Mapped[str] = mapped_column(String(30), default="")
    education: Mapped[str] = mapped_column(String(30), default="")
    major: Mapped[str] = mapped_column(String(100), default="")
    post_category: Mapped[str] = mapped_column(String(50), default="")  # 岗位大类
    post_since: Mapped[date | None] = mapped_column(Date)
    qualifications: Mapped[str] = mapped_column(String(200), default="")  # 岗位资质资格
    enforcement_scope: Mapped[str] = mapped_column(Text, default="")  # 执法事项范围, values joined by '，'
    region: Mapped[str] = mapped_column(String(50), default="")
    level: Mapped[str] = mapped_column(String(30), default="")  # 层级
    title: Mapped[str] = mapped_column(String(50), default="")  # 担任职务
    unit: Mapped[str] = mapped_column(String(100), default="")  # 所在业务部门（机构）
    is_expert: Mapped[bool] = mapped_column(Boolean, default=False)
    # 执法人员状态: 有效/失效. An inactive inspector is never drawn.
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    note: Mapped[str] = mapped_column(Text, default="")

    department: Mapped[Department] = relationship(lazy="joined")
    certificates: Mapped[list[InspectorCertificate]] = relationship(
        back_populates="inspector",
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="InspectorCertificate.id",
    )
    tags: Mapped[list[Tag]] = relationship(secondary=inspector_tags, lazy="selectin")
    conflicts: Mapped[list[RecusalConflict]] = relationship(
        back_populates="inspector", cascade="all, delete-orphan", lazy="selectin"
    )

    __mapper_args__ = {"version_id_col": VersionedMixin.version}  # noqa: RUF012

    @property
    def draw_id(self) -> str:
        """The id used in draws (DRAW.md): the first 执法证号, else the 工号, else the uid."""
        for cert in self.certificates:
            if cert.number:
                return cert.number
        return self.staff_no or self.uid

    def valid_certificate_on(self, start: date, end: date | None = None) -> InspectorCertificate | None:
        """Return a certificate valid over the whole window ``start``..``end``, if any."""
        end = end or start
        for cert in self.certificates:
            if not cert.number:
                continue
            if cert.valid_from is not None and cert.valid_from > start:
                continue
            if cert.valid_to is not None and cert.valid_to < end:
                continue
            return cert
        return None


class InspectorCertificate(Base):
    """An enforcement certificate (执法证); an inspector may hold two (工商执法证 and 省执法证)."""

    __tablename__ = "inspector_certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    inspector_id: Mapped[int] = mapped_column(ForeignKey("inspectors.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(30), default="执法证")
    number: Mapped[str] = mapped_column(String(50), index=True)
    issuer: Mapped[str] = mapped_column(String(100), default="")
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)  # None = 长期 (the platform writes 9999-09-09)

    inspector: Mapped[Inspector] = relationship(back_populates="certificates")


class RecusalConflict(Base):
    """A declared conflict (回避): the inspector must never be drawn for this target."""

    __tablename__ = "recusal_conflicts"
    __table_args__ = (UniqueConstraint("inspector_id", "target_id", name="uq_recusal_conflicts_pair"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    inspector_id: Mapped[int] = mapped_column(ForeignKey("inspectors.id", ondelete="CASCADE"), index=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("targets.id"), index=True)
    reason: Mapped[str] = mapped_column(String(200))
    declared_on: Mapped[date | None] = mapped_column(Date)

    inspector: Mapped[Inspector] = relationship(back_populates="conflicts")


class CheckItem(UidMixin, TimestampMixin, VersionedMixin, Base):
    """抽查事项: one department's inspection matter, with its ordered checklist."""

    __tablename__ = "check_items"
    __table_args__ = (UniqueConstraint("department_id", "name", name="uq_check_items_department_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    seq_no: Mapped[str] = mapped_column(String(20), default="")  # 序号 in the published list
    category: Mapped[str] = mapped_column(String(100), default="")  # 抽查类别
    name: Mapped[str] = mapped_column(String(2000))
    target_scope: Mapped[str] = mapped_column(String(300), default="")  # 检查对象
    importance: Mapped[ItemImportance] = mapped_column(
        enum_column(ItemImportance), default=ItemImportance.GENERAL
    )
    methods: Mapped[str] = mapped_column(String(200), default="")  # 检查方式, joined by '，'
    subject: Mapped[str] = mapped_column(String(200), default="")  # 检查主体 / 实施主体
    legal_basis: Mapped[str] = mapped_column(Text, default="")
    # Upper bound of the sampling ratio (0..1) for 一般 items; None = no cap configured.
    ratio_cap: Mapped[float | None] = mapped_column(Float)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    department: Mapped[Department] = relationship(lazy="joined")
    checkpoints: Mapped[list[Checkpoint]] = relationship(
        back_populates="item", cascade="all, delete-orphan", order_by="Checkpoint.position", lazy="selectin"
    )

    __mapper_args__ = {"version_id_col": VersionedMixin.version}  # noqa: RUF012


class Checkpoint(Base):
    """检查要点: one line of an item's checklist, what a field team ticks."""

    __tablename__ = "checkpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("check_items.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    content: Mapped[str] = mapped_column(Text)  # 检查内容
    method_guide: Mapped[str] = mapped_column(Text, default="")  # 操作方法与要领
    materials: Mapped[str] = mapped_column(Text, default="")  # 要求提供材料

    item: Mapped[CheckItem] = relationship(back_populates="checkpoints")


class IndustryScheme(UidMixin, TimestampMixin, VersionedMixin, Base):
    """一业一查 scheme: one industry's lead and cooperating departments and their items in checklist order."""

    __tablename__ = "industry_schemes"

    id: Mapped[int] = mapped_column(primary_key=True)
    industry: Mapped[str] = mapped_column(String(50))
    name: Mapped[str] = mapped_column(String(200), unique=True)
    field: Mapped[str] = mapped_column(String(100), default="")  # 抽查领域
    lead_department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    handbook_text: Mapped[str] = mapped_column(Text, default="")  # 一业一册 合规手册
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    lead_department: Mapped[Department] = relationship(lazy="joined")
    cooperating_departments: Mapped[list[Department]] = relationship(
        secondary=scheme_departments, lazy="selectin"
    )
    scheme_items: Mapped[list[SchemeItem]] = relationship(
        back_populates="scheme", cascade="all, delete-orphan", order_by="SchemeItem.position", lazy="selectin"
    )

    __mapper_args__ = {"version_id_col": VersionedMixin.version}  # noqa: RUF012


class SchemeItem(Base):
    """An item's place on a scheme's 行业统一检查单."""

    __tablename__ = "scheme_items"
    __table_args__ = (UniqueConstraint("scheme_id", "item_id", name="uq_scheme_items_scheme_item"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scheme_id: Mapped[int] = mapped_column(ForeignKey("industry_schemes.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("check_items.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)

    scheme: Mapped[IndustryScheme] = relationship(back_populates="scheme_items")
    item: Mapped[CheckItem] = relationship(lazy="joined")
