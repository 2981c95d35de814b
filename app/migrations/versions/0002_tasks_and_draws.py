"""Annual plans, tasks, draws, teams, inspections and frequency rules.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 10:49:23.787197
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "annual_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("number", sa.String(length=50), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=True),
        sa.Column("published_by", sa.String(length=50), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("uid", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_annual_plans")),
        sa.UniqueConstraint("uid", name=op.f("uq_annual_plans_uid")),
        sa.UniqueConstraint("year", name=op.f("uq_annual_plans_year")),
    )
    op.create_table(
        "frequency_rules",
        sa.Column("risk_class", sa.String(length=1), nullable=False),
        sa.Column("max_per_year", sa.Integer(), nullable=False),
        sa.Column("min_interval_days", sa.Integer(), nullable=False),
        sa.Column("default_ratio", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("risk_class", name=op.f("pk_frequency_rules")),
    )
    op.create_table(
        "tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=True),
        sa.Column("number", sa.String(length=80), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column(
            "mode",
            sa.Enum(
                "single",
                "general_sweep",
                "risk_graded",
                "special_campaign",
                name="taskmode",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "targets_drawn",
                "teams_drawn",
                "in_progress",
                "finished",
                "cancelled",
                name="taskstatus",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("lead_department_id", sa.Integer(), nullable=False),
        sa.Column("scheme_id", sa.Integer(), nullable=True),
        sa.Column("scope_json", sa.Text(), nullable=False),
        sa.Column("ratios_json", sa.Text(), nullable=False),
        sa.Column("fixed_count", sa.Integer(), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("responsibilities", sa.Text(), nullable=False),
        sa.Column("is_public", sa.Boolean(), nullable=False),
        sa.Column("is_classified", sa.Boolean(), nullable=False),
        sa.Column("advance_notice", sa.Boolean(), nullable=False),
        sa.Column("team_count", sa.Integer(), nullable=False),
        sa.Column("officers_per_department", sa.Integer(), nullable=False),
        sa.Column("min_officers_per_team", sa.Integer(), nullable=False),
        sa.Column("expert_per_team", sa.Boolean(), nullable=False),
        sa.Column("frequency_override_reason", sa.Text(), nullable=False),
        sa.Column("contact", sa.String(length=200), nullable=False),
        sa.Column("uid", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["lead_department_id"], ["departments.id"], name=op.f("fk_tasks_lead_department_id_departments")
        ),
        sa.ForeignKeyConstraint(["plan_id"], ["annual_plans.id"], name=op.f("fk_tasks_plan_id_annual_plans")),
        sa.ForeignKeyConstraint(
            ["scheme_id"], ["industry_schemes.id"], name=op.f("fk_tasks_scheme_id_industry_schemes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tasks")),
        sa.UniqueConstraint("number", name=op.f("uq_tasks_number")),
        sa.UniqueConstraint("uid", name=op.f("uq_tasks_uid")),
    )
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tasks_plan_id"), ["plan_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_tasks_year"), ["year"], unique=False)

    op.create_table(
        "draws",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("targets", "inspectors", name="drawkind", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("drawn_at", sa.DateTime(), nullable=False),
        sa.Column("operator", sa.String(length=50), nullable=False),
        sa.Column("witnesses", sa.Text(), nullable=False),
        sa.Column("seed", sa.Text(), nullable=False),
        sa.Column("seed_source", sa.Text(), nullable=False),
        sa.Column("algorithm", sa.String(length=50), nullable=False),
        sa.Column("algorithm_version", sa.String(length=20), nullable=False),
        sa.Column("record_json", sa.Text(), nullable=False),
        sa.Column("record_sha256", sa.String(length=64), nullable=False),
        sa.Column("selected_count", sa.Integer(), nullable=False),
        sa.Column("replaces_draw_id", sa.Integer(), nullable=True),
        sa.Column("voided_at", sa.DateTime(), nullable=True),
        sa.Column("voided_by", sa.String(length=50), nullable=False),
        sa.Column("void_reason", sa.Text(), nullable=False),
        sa.Column("uid", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["replaces_draw_id"], ["draws.id"], name=op.f("fk_draws_replaces_draw_id_draws")
        ),
        sa.ForeignKeyConstraint(["task_id"], ["tasks.id"], name=op.f("fk_draws_task_id_tasks")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_draws")),
        sa.UniqueConstraint("uid", name=op.f("uq_draws_uid")),
    )
    with op.batch_alter_table("draws", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_draws_task_id"), ["task_id"], unique=False)
        batch_op.create_index("ix_draws_task_kind", ["task_id", "kind"], unique=False)

    op.create_table(
        "plan_adjustments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("operator", sa.String(length=50), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["annual_plans.id"],
            name=op.f("fk_plan_adjustments_plan_id_annual_plans"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["task_id"], ["tasks.id"], name=op.f("fk_plan_adjustments_task_id_tasks")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_adjustments")),
    )
    with op.batch_alter_table("plan_adjustments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_adjustments_plan_id"), ["plan_id"], unique=False)

    op.create_table(
        "task_departments",
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"], ["departments.id"], name=op.f("fk_task_departments_department_id_departments")
        ),
        sa.ForeignKeyConstraint(
            ["task_id"], ["tasks.id"], name=op.f("fk_task_departments_task_id_tasks"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("task_id", "department_id", name=op.f("pk_task_departments")),
    )
    op.create_table(
        "task_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"], ["check_items.id"], name=op.f("fk_task_items_item_id_check_items")
        ),
        sa.ForeignKeyConstraint(
            ["task_id"], ["tasks.id"], name=op.f("fk_task_items_task_id_tasks"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_items")),
        sa.UniqueConstraint("task_id", "item_id", name="uq_task_items_task_item"),
    )
    with op.batch_alter_table("task_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_task_items_item_id"), ["item_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_task_items_task_id"), ["task_id"], unique=False)

    op.create_table(
        "teams",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("draw_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["draw_id"], ["draws.id"], name=op.f("fk_teams_draw_id_draws")),
        sa.ForeignKeyConstraint(["task_id"], ["tasks.id"], name=op.f("fk_teams_task_id_tasks")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_teams")),
        sa.UniqueConstraint("draw_id", "number", name="uq_teams_draw_number"),
    )
    with op.batch_alter_table("teams", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_teams_draw_id"), ["draw_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_teams_task_id"), ["task_id"], unique=False)

    op.create_table(
        "inspections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("target_draw_id", sa.Integer(), nullable=False),
        sa.Column("stratum", sa.String(length=10), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("ticket", sa.String(length=90), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("visit_order", sa.Integer(), nullable=True),
        sa.Column(
            "state",
            sa.Enum(
                "not_entered",
                "pending_review",
                "returned",
                "approved",
                "published",
                name="inspectionstate",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("risk_class_at_draw", sa.String(length=1), nullable=False),
        sa.Column("voided", sa.Boolean(), nullable=False),
        sa.Column("uid", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["target_draw_id"], ["draws.id"], name=op.f("fk_inspections_target_draw_id_draws")
        ),
        sa.ForeignKeyConstraint(["target_id"], ["targets.id"], name=op.f("fk_inspections_target_id_targets")),
        sa.ForeignKeyConstraint(["task_id"], ["tasks.id"], name=op.f("fk_inspections_task_id_tasks")),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name=op.f("fk_inspections_team_id_teams")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspections")),
        sa.UniqueConstraint("target_draw_id", "target_id", name="uq_inspections_draw_target"),
        sa.UniqueConstraint("uid", name=op.f("uq_inspections_uid")),
    )
    with op.batch_alter_table("inspections", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inspections_target_draw_id"), ["target_draw_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_inspections_target_id"), ["target_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_inspections_task_id"), ["task_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_inspections_team_id"), ["team_id"], unique=False)

    op.create_table(
        "team_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("inspector_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column(
            "role",
            sa.Enum("leader", "officer", "expert", name="teamrole", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("certificate_number", sa.String(length=50), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"], ["departments.id"], name=op.f("fk_team_members_department_id_departments")
        ),
        sa.ForeignKeyConstraint(
            ["inspector_id"], ["inspectors.id"], name=op.f("fk_team_members_inspector_id_inspectors")
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_team_members_team_id_teams"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_team_members")),
        sa.UniqueConstraint("team_id", "inspector_id", name="uq_team_members_team_inspector"),
    )
    with op.batch_alter_table("team_members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_team_members_inspector_id"), ["inspector_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_team_members_team_id"), ["team_id"], unique=False)

    # Defaults shown in settings (DOMAIN.md: low risk and good credit, fewer checks; high risk, more).
    rules = sa.table(
        "frequency_rules",
        sa.column("risk_class", sa.String),
        sa.column("max_per_year", sa.Integer),
        sa.column("min_interval_days", sa.Integer),
        sa.column("default_ratio", sa.Float),
    )
    op.bulk_insert(
        rules,
        [
            {"risk_class": "A", "max_per_year": 1, "min_interval_days": 365, "default_ratio": 0.02},
            {"risk_class": "B", "max_per_year": 1, "min_interval_days": 180, "default_ratio": 0.05},
            {"risk_class": "C", "max_per_year": 2, "min_interval_days": 90, "default_ratio": 0.10},
            {"risk_class": "D", "max_per_year": 4, "min_interval_days": 30, "default_ratio": 0.20},
        ],
    )


def downgrade() -> None:

    with op.batch_alter_table("team_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_team_members_team_id"))
        batch_op.drop_index(batch_op.f("ix_team_members_inspector_id"))

    op.drop_table("team_members")
    with op.batch_alter_table("inspections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inspections_team_id"))
        batch_op.drop_index(batch_op.f("ix_inspections_task_id"))
        batch_op.drop_index(batch_op.f("ix_inspections_target_id"))
        batch_op.drop_index(batch_op.f("ix_inspections_target_draw_id"))

    op.drop_table("inspections")
    with op.batch_alter_table("teams", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_teams_task_id"))
        batch_op.drop_index(batch_op.f("ix_teams_draw_id"))

    op.drop_table("teams")
    with op.batch_alter_table("task_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_task_items_task_id"))
        batch_op.drop_index(batch_op.f("ix_task_items_item_id"))

    op.drop_table("task_items")
    op.drop_table("task_departments")
    with op.batch_alter_table("plan_adjustments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_adjustments_plan_id"))

    op.drop_table("plan_adjustments")
    with op.batch_alter_table("draws", schema=None) as batch_op:
        batch_op.drop_index("ix_draws_task_kind")
        batch_op.drop_index(batch_op.f("ix_draws_task_id"))

    op.drop_table("draws")
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tasks_year"))
        batch_op.drop_index(batch_op.f("ix_tasks_plan_id"))

    op.drop_table("tasks")
    op.drop_table("frequency_rules")
    op.drop_table("annual_plans")
