"""Registries (departments, targets, inspectors, tags, items, schemes), audit trail and settings.

Revision ID: 0001
Revises:
Create Date: 2026-11-23 10:45:34.365727
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "audit_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("operator", sa.String(length=50), nullable=False),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("entity", sa.String(length=50), nullable=False),
        sa.Column("entity_id", sa.String(length=64), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("before_json", sa.Text(), nullable=True),
        sa.Column("after_json", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_entries")),
        sa.UniqueConstraint("hash", name=op.f("uq_audit_entries_hash")),
    )
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_entries_at"), ["at"], unique=False)
        batch_op.create_index("ix_audit_entries_entity", ["entity", "entity_id"], unique=False)

    op.create_table(
        "departments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("short_name", sa.String(length=30), nullable=False),
        sa.Column("code", sa.String(length=30), nullable=True),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("uid", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_departments")),
        sa.UniqueConstraint("code", name=op.f("uq_departments_code")),
        sa.UniqueConstraint("name", name=op.f("uq_departments_name")),
        sa.UniqueConstraint("uid", name=op.f("uq_departments_uid")),
    )
    op.create_table(
        "settings",
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_settings")),
    )
    op.create_table(
        "tags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "scope",
            sa.Enum("target", "inspector", name="tagscope", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tags")),
        sa.UniqueConstraint("scope", "kind", "name", name="uq_tags_scope_kind_name"),
    )
    op.create_table(
        "targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=True),
        sa.Column(
            "code_kind",
            sa.Enum("uscc", "regno", "legacy", "none", name="codekind", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("name_initials", sa.String(length=200), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "enterprise",
                "individual",
                "cooperative",
                "other",
                name="targetkind",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("legal_rep", sa.String(length=50), nullable=False),
        sa.Column("phone", sa.String(length=50), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("reg_authority", sa.String(length=100), nullable=False),
        sa.Column("jurisdiction", sa.String(length=100), nullable=False),
        sa.Column("region", sa.String(length=50), nullable=False),
        sa.Column("industry", sa.String(length=50), nullable=False),
        sa.Column(
            "risk_class", sa.Enum("A", "B", "C", "D", name="riskclass", native_enum=False), nullable=False
        ),
        sa.Column(
            "status",
            sa.Enum(
                "active",
                "deregistered",
                "revoked",
                "cancelled",
                "moved_out",
                name="targetstatus",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("uid", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_targets")),
        sa.UniqueConstraint("code", name=op.f("uq_targets_code")),
        sa.UniqueConstraint("uid", name=op.f("uq_targets_uid")),
    )
    with op.batch_alter_table("targets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_targets_industry"), ["industry"], unique=False)
        batch_op.create_index("ix_targets_name", ["name"], unique=False)
        batch_op.create_index(batch_op.f("ix_targets_name_initials"), ["name_initials"], unique=False)
        batch_op.create_index(batch_op.f("ix_targets_region"), ["region"], unique=False)
        batch_op.create_index("ix_targets_risk_status", ["risk_class", "status"], unique=False)

    op.create_table(
        "check_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("seq_no", sa.String(length=20), nullable=False),
        sa.Column("category", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("target_scope", sa.String(length=300), nullable=False),
        sa.Column(
            "importance",
            sa.Enum("key", "general", name="itemimportance", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("methods", sa.String(length=200), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("legal_basis", sa.Text(), nullable=False),
        sa.Column("ratio_cap", sa.Float(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("uid", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"], ["departments.id"], name=op.f("fk_check_items_department_id_departments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_check_items")),
        sa.UniqueConstraint("department_id", "name", name="uq_check_items_department_name"),
        sa.UniqueConstraint("uid", name=op.f("uq_check_items_uid")),
    )
    with op.batch_alter_table("check_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_check_items_department_id"), ["department_id"], unique=False)

    op.create_table(
        "industry_schemes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("industry", sa.String(length=50), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("field", sa.String(length=100), nullable=False),
        sa.Column("lead_department_id", sa.Integer(), nullable=False),
        sa.Column("handbook_text", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("uid", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["lead_department_id"],
            ["departments.id"],
            name=op.f("fk_industry_schemes_lead_department_id_departments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_industry_schemes")),
        sa.UniqueConstraint("name", name=op.f("uq_industry_schemes_name")),
        sa.UniqueConstraint("uid", name=op.f("uq_industry_schemes_uid")),
    )
    op.create_table(
        "inspectors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("staff_no", sa.String(length=50), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("name_initials", sa.String(length=50), nullable=False),
        sa.Column("gender", sa.String(length=4), nullable=False),
        sa.Column("id_number", sa.String(length=30), nullable=False),
        sa.Column("phone", sa.String(length=30), nullable=False),
        sa.Column("education", sa.String(length=30), nullable=False),
        sa.Column("major", sa.String(length=100), nullable=False),
        sa.Column("post_category", sa.String(length=50), nullable=False),
        sa.Column("post_since", sa.Date(), nullable=True),
        sa.Column("qualifications", sa.String(length=200), nullable=False),
        sa.Column("enforcement_scope", sa.Text(), nullable=False),
        sa.Column("region", sa.String(length=50), nullable=False),
        sa.Column("level", sa.String(length=30), nullable=False),
        sa.Column("title", sa.String(length=50), nullable=False),
        sa.Column("unit", sa.String(length=100), nullable=False),
        sa.Column("is_expert", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("uid", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"], ["departments.id"], name=op.f("fk_inspectors_department_id_departments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspectors")),
        sa.UniqueConstraint("uid", name=op.f("uq_inspectors_uid")),
    )
    with op.batch_alter_table("inspectors", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inspectors_department_id"), ["department_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_inspectors_staff_no"), ["staff_no"], unique=False)

    op.create_table(
        "target_licences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("number", sa.String(length=100), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["target_id"],
            ["targets.id"],
            name=op.f("fk_target_licences_target_id_targets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_target_licences")),
    )
    with op.batch_alter_table("target_licences", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_target_licences_target_id"), ["target_id"], unique=False)

    op.create_table(
        "target_tags",
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("tag_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tag_id"], ["tags.id"], name=op.f("fk_target_tags_tag_id_tags"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["target_id"], ["targets.id"], name=op.f("fk_target_tags_target_id_targets"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("target_id", "tag_id", name=op.f("pk_target_tags")),
    )
    with op.batch_alter_table("target_tags", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_target_tags_tag_id"), ["tag_id"], unique=False)

    op.create_table(
        "checkpoints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("method_guide", sa.Text(), nullable=False),
        sa.Column("materials", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["check_items.id"],
            name=op.f("fk_checkpoints_item_id_check_items"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkpoints")),
    )
    with op.batch_alter_table("checkpoints", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_checkpoints_item_id"), ["item_id"], unique=False)

    op.create_table(
        "inspector_certificates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inspector_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("number", sa.String(length=50), nullable=False),
        sa.Column("issuer", sa.String(length=100), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["inspector_id"],
            ["inspectors.id"],
            name=op.f("fk_inspector_certificates_inspector_id_inspectors"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspector_certificates")),
    )
    with op.batch_alter_table("inspector_certificates", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inspector_certificates_inspector_id"), ["inspector_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_inspector_certificates_number"), ["number"], unique=False)

    op.create_table(
        "inspector_tags",
        sa.Column("inspector_id", sa.Integer(), nullable=False),
        sa.Column("tag_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["inspector_id"],
            ["inspectors.id"],
            name=op.f("fk_inspector_tags_inspector_id_inspectors"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tag_id"], ["tags.id"], name=op.f("fk_inspector_tags_tag_id_tags"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("inspector_id", "tag_id", name=op.f("pk_inspector_tags")),
    )
    with op.batch_alter_table("inspector_tags", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inspector_tags_tag_id"), ["tag_id"], unique=False)

    op.create_table(
        "recusal_conflicts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inspector_id", sa.Integer(), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("declared_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["inspector_id"],
            ["inspectors.id"],
            name=op.f("fk_recusal_conflicts_inspector_id_inspectors"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["target_id"], ["targets.id"], name=op.f("fk_recusal_conflicts_target_id_targets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recusal_conflicts")),
        sa.UniqueConstraint("inspector_id", "target_id", name="uq_recusal_conflicts_pair"),
    )
    with op.batch_alter_table("recusal_conflicts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_recusal_conflicts_inspector_id"), ["inspector_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_recusal_conflicts_target_id"), ["target_id"], unique=False)

    op.create_table(
        "scheme_departments",
        sa.Column("scheme_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["departments.id"],
            name=op.f("fk_scheme_departments_department_id_departments"),
        ),
        sa.ForeignKeyConstraint(
            ["scheme_id"],
            ["industry_schemes.id"],
            name=op.f("fk_scheme_departments_scheme_id_industry_schemes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("scheme_id", "department_id", name=op.f("pk_scheme_departments")),
    )
    op.create_table(
        "scheme_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scheme_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"], ["check_items.id"], name=op.f("fk_scheme_items_item_id_check_items")
        ),
        sa.ForeignKeyConstraint(
            ["scheme_id"],
            ["industry_schemes.id"],
            name=op.f("fk_scheme_items_scheme_id_industry_schemes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scheme_items")),
        sa.UniqueConstraint("scheme_id", "item_id", name="uq_scheme_items_scheme_item"),
    )
    with op.batch_alter_table("scheme_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_scheme_items_item_id"), ["item_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_scheme_items_scheme_id"), ["scheme_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("scheme_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scheme_items_scheme_id"))
        batch_op.drop_index(batch_op.f("ix_scheme_items_item_id"))

    op.drop_table("scheme_items")
    op.drop_table("scheme_departments")
    with op.batch_alter_table("recusal_conflicts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recusal_conflicts_target_id"))
        batch_op.drop_index(batch_op.f("ix_recusal_conflicts_inspector_id"))

    op.drop_table("recusal_conflicts")
    with op.batch_alter_table("inspector_tags", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inspector_tags_tag_id"))

    op.drop_table("inspector_tags")
    with op.batch_alter_table("inspector_certificates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inspector_certificates_number"))
        batch_op.drop_index(batch_op.f("ix_inspector_certificates_inspector_id"))

    op.drop_table("inspector_certificates")
    with op.batch_alter_table("checkpoints", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_checkpoints_item_id"))

    op.drop_table("checkpoints")
    with op.batch_alter_table("target_tags", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_target_tags_tag_id"))

    op.drop_table("target_tags")
    with op.batch_alter_table("target_licences", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_target_licences_target_id"))

    op.drop_table("target_licences")
    with op.batch_alter_table("inspectors", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inspectors_staff_no"))
        batch_op.drop_index(batch_op.f("ix_inspectors_department_id"))

    op.drop_table("inspectors")
    op.drop_table("industry_schemes")
    with op.batch_alter_table("check_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_check_items_department_id"))

    op.drop_table("check_items")
    with op.batch_alter_table("targets", schema=None) as batch_op:
        batch_op.drop_index("ix_targets_risk_status")
        batch_op.drop_index(batch_op.f("ix_targets_region"))
        batch_op.drop_index(batch_op.f("ix_targets_name_initials"))
        batch_op.drop_index("ix_targets_name")
        batch_op.drop_index(batch_op.f("ix_targets_industry"))

    op.drop_table("targets")
    op.drop_table("tags")
    op.drop_table("settings")
    op.drop_table("departments")
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_entries_entity")
        batch_op.drop_index(batch_op.f("ix_audit_entries_at"))

    op.drop_table("audit_entries")
