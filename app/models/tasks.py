"""Annual plans, tasks, draws, teams and inspections (the task × target unit of work in the field)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Column,
    Date,
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

from app.models.base import Base, TimestampMixin, UidMixin, UtcDateTime, VersionedMixin
from app.models.enums import DrawKind, InspectionState, TaskMode, TaskStatus, TeamRole
from app.models.registry import CheckItem, Department, IndustryScheme, Inspector, Target, enum_column

task_departments = Table(
    "task_departments",
    Base.metadata,
    Column("task_id", ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True),
    Column("department_id", ForeignKey("departments.id"), primary_key=True),
)


class AnnualPlan(UidMixin, TimestampMixin, VersionedMixin, Base):
    """年度抽查计划: the year's tasks; published, and after that changed only by recorded adjustments."""

    __tablename__ = "annual_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer, unique=True)
    title: Mapped[str] = mapped_column(String(200))
    number: Mapped[str] = mapped_column(String(50), default="")  # 抽查计划编号
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    published_by: Mapped[str] = mapped_column(String(50), default="")
    note: Mapped[str] = mapped_column(Text, default="")

    tasks: Mapped[list[Task]] = relationship(back_populates="plan", order_by="Task.id")
    adjustments: Mapped[list[PlanAdjustment]] = relationship(
        back_populates="plan", order_by="PlanAdjustment.id", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": VersionedMixin.version}  # noqa: RUF012


class PlanAdjustment(Base):
    """A change to a published plan (备案): what changed and why; published like the plan."""

    __tablename__ = "plan_adjustments"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("annual_plans.id", ondelete="CASCADE"), index=True)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id"))
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    operator: Mapped[str] = mapped_column(String(50))
    kind: Mapped[str] = mapped_column(String(20))  # add / change / cancel
    description: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    plan: Mapped[AnnualPlan] = relationship(back_populates="adjustments")


class Task(UidMixin, TimestampMixin, VersionedMixin, Base):
    """抽查任务 / 联合抽查任务."""

    __tablename__ = "tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("annual_plans.id"), index=True)
    number: Mapped[str] = mapped_column(String(80), unique=True)  # e.g. 青山市监抽查〔2026〕3号
    year: Mapped[int] = mapped_column(Integer, index=True)
    sequence: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(300))
    mode: Mapped[TaskMode] = mapped_column(enum_column(TaskMode))
    status: Mapped[TaskStatus] = mapped_column(enum_column(TaskStatus), default=TaskStatus.DRAFT)
    lead_department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    scheme_id: Mapped[int | None] = mapped_column(ForeignKey("industry_schemes.id"))
    # Directed scope as JSON (kinds, industries, regions, tag ids, risk classes, licence names); "{}" = undirected.
    scope_json: Mapped[str] = mapped_column(Text, default="{}")
    # Ratios per risk class as JSON {"A": 0.01, …}; a class absent is not drawn. fixed_count overrides ratios.
    ratios_json: Mapped[str] = mapped_column(Text, default="{}")
    fixed_count: Mapped[int | None] = mapped_column(Integer)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    responsibilities: Mapped[str] = mapped_column(Text, default="")  # 责任分工
    is_public: Mapped[bool] = mapped_column(Boolean, default=True)
    is_classified: Mapped[bool] = mapped_column(Boolean, default=False)
    advance_notice: Mapped[bool] = mapped_column(Boolean, default=True)
    team_count: Mapped[int] = mapped_column(Integer, default=1)
    officers_per_department: Mapped[int] = mapped_column(Integer, default=1)
    min_officers_per_team: Mapped[int] = mapped_column(Integer, default=2)
    expert_per_team: Mapped[bool] = mapped_column(Boolean, default=False)
    # Override of the yearly frequency cap, allowed only with a recorded reason.
    frequency_override_reason: Mapped[str] = mapped_column(Text, default="")
    contact: Mapped[str] = mapped_column(String(200), default="")  # 联系人及电话 on notices

    plan: Mapped[AnnualPlan | None] = relationship(back_populates="tasks")
    lead_department: Mapped[Department] = relationship(lazy="joined")
    scheme: Mapped[IndustryScheme | None] = relationship()
    joint_departments: Mapped[list[Department]] = relationship(secondary=task_departments, lazy="selectin")
    task_items: Mapped[list[TaskItem]] = relationship(
        back_populates="task", cascade="all, delete-orphan", order_by="TaskItem.position", lazy="selectin"
    )

    __mapper_args__ = {"version_id_col": VersionedMixin.version}  # noqa: RUF012


class TaskItem(Base):
    """An item checked in a task, in checklist order."""

    __tablename__ = "task_items"
    __table_args__ = (UniqueConstraint("task_id", "item_id", name="uq_task_items_task_item"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("check_items.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)

    task: Mapped[Task] = relationship(back_populates="task_items")
    item: Mapped[CheckItem] = relationship(lazy="joined")


class Draw(UidMixin, Base):
    """随机抽取: one recorded draw of a task's targets or inspectors. Voided draws stay, with the reason."""

    __tablename__ = "draws"
    __table_args__ = (Index("ix_draws_task_kind", "task_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id"), index=True)
    kind: Mapped[DrawKind] = mapped_column(enum_column(DrawKind))
    drawn_at: Mapped[datetime] = mapped_column(UtcDateTime())
    operator: Mapped[str] = mapped_column(String(50))
    witnesses: Mapped[str] = mapped_column(Text, default="")  # names joined by '，'
    seed: Mapped[str] = mapped_column(Text)
    seed_source: Mapped[str] = mapped_column(Text)  # how the seed was produced (dice, lottery, os, combined)
    algorithm: Mapped[str] = mapped_column(String(50))
    algorithm_version: Mapped[str] = mapped_column(String(20))
    record_json: Mapped[str] = mapped_column(Text)  # the full verifiable record (docs/draw-record.md)
    record_sha256: Mapped[str] = mapped_column(String(64))
    selected_count: Mapped[int] = mapped_column(Integer)
    replaces_draw_id: Mapped[int | None] = mapped_column(ForeignKey("draws.id"))
    voided_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    voided_by: Mapped[str] = mapped_column(String(50), default="")
    void_reason: Mapped[str] = mapped_column(Text, default="")

    task: Mapped[Task] = relationship()


class Team(Base):
    """检查组: inspectors grouped for a task, with the targets they visit."""

    __tablename__ = "teams"
    __table_args__ = (UniqueConstraint("draw_id", "number", name="uq_teams_draw_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id"), index=True)
    draw_id: Mapped[int] = mapped_column(ForeignKey("draws.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)  # k in "<task number>/team-<k>"

    members: Mapped[list[TeamMember]] = relationship(
        back_populates="team", cascade="all, delete-orphan", order_by="TeamMember.position", lazy="selectin"
    )


class TeamMember(Base):
    """A person in a team: leader, officer (counts toward the two-officer minimum) or expert (never counts)."""

    __tablename__ = "team_members"
    __table_args__ = (UniqueConstraint("team_id", "inspector_id", name="uq_team_members_team_inspector"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    inspector_id: Mapped[int] = mapped_column(ForeignKey("inspectors.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    role: Mapped[TeamRole] = mapped_column(enum_column(TeamRole))
    certificate_number: Mapped[str] = mapped_column(String(50), default="")
    position: Mapped[int] = mapped_column(Integer)

    team: Mapped[Team] = relationship(back_populates="members")
    inspector: Mapped[Inspector] = relationship(lazy="joined")


class Inspection(UidMixin, TimestampMixin, VersionedMixin, Base):
    """One target drawn in one task (task × target): what a team visits and what results are recorded on."""

    __tablename__ = "inspections"
    __table_args__ = (UniqueConstraint("target_draw_id", "target_id", name="uq_inspections_draw_target"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id"), index=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("targets.id"), index=True)
    target_draw_id: Mapped[int] = mapped_column(ForeignKey("draws.id"), index=True)
    stratum: Mapped[str] = mapped_column(String(10))  # the risk class stratum it was drawn from
    rank: Mapped[int] = mapped_column(Integer)  # position in ticket order within its stratum
    ticket: Mapped[str] = mapped_column(String(90))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), index=True)
    visit_order: Mapped[int | None] = mapped_column(Integer)
    state: Mapped[InspectionState] = mapped_column(
        enum_column(InspectionState), default=InspectionState.NOT_ENTERED
    )
    # Results (issue 6) may not change the risk class used at draw time: keep what the draw saw.
    risk_class_at_draw: Mapped[str] = mapped_column(String(1))
    voided: Mapped[bool] = mapped_column(Boolean, default=False)  # its draw was voided
    # A published result changes only by a correction, which goes through review again while the
    # inspection stays published: none / pending_review / returned / approved (docs/results.md).
    correction_state: Mapped[str] = mapped_column(String(20), default="none", server_default="none")
    # The version the public sees (the last one approved for publication); a plain uid, like prev_uid.
    published_version_uid: Mapped[str | None] = mapped_column(String(36))

    task: Mapped[Task] = relationship()
    target: Mapped[Target] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": VersionedMixin.version}  # noqa: RUF012


class FrequencyRule(Base):
    """Per risk class: the most draws a target may have in a year, and the minimum days since its last one."""

    __tablename__ = "frequency_rules"

    risk_class: Mapped[str] = mapped_column(String(1), primary_key=True)
    max_per_year: Mapped[int] = mapped_column(Integer)
    min_interval_days: Mapped[int] = mapped_column(Integer)
    default_ratio: Mapped[float] = mapped_column(Float)
