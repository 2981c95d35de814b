"""Inspection results: versions, drafts, review, follow-up, risk proposals, 联合惩戒, attachments.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 10:52:32.840149
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("original_name", sa.String(length=300), nullable=False),
        sa.Column("encrypted", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachments")),
        sa.UniqueConstraint("sha256", name=op.f("uq_attachments_sha256")),
    )
    op.create_table(
        "follow_ups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inspection_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "rectify",
                "refer",
                "copy",
                "judicial",
                "case",
                "other",
                name="followupkind",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("recheck_on", sa.Date(), nullable=True),
        sa.Column(
            "state",
            sa.Enum("open", "closed", name="followupstate", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("created_by", sa.String(length=50), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("closed_by", sa.String(length=50), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("uid", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"], ["departments.id"], name=op.f("fk_follow_ups_department_id_departments")
        ),
        sa.ForeignKeyConstraint(
            ["inspection_id"], ["inspections.id"], name=op.f("fk_follow_ups_inspection_id_inspections")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follow_ups")),
        sa.UniqueConstraint("uid", name=op.f("uq_follow_ups_uid")),
    )
    with op.batch_alter_table("follow_ups", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_follow_ups_inspection_id"), ["inspection_id"], unique=False)

    op.create_table(
        "inspection_attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inspection_id", sa.Integer(), nullable=False),
        sa.Column("attachment_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.Column("added_by", sa.String(length=50), nullable=False),
        sa.ForeignKeyConstraint(
            ["attachment_id"],
            ["attachments.id"],
            name=op.f("fk_inspection_attachments_attachment_id_attachments"),
        ),
        sa.ForeignKeyConstraint(
            ["inspection_id"],
            ["inspections.id"],
            name=op.f("fk_inspection_attachments_inspection_id_inspections"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_attachments")),
        sa.UniqueConstraint("inspection_id", "attachment_id", name="uq_inspection_attachments_pair"),
    )
    with op.batch_alter_table("inspection_attachments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inspection_attachments_attachment_id"), ["attachment_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_inspection_attachments_inspection_id"), ["inspection_id"], unique=False
        )

    op.create_table(
        "joint_punishments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("inspection_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("added_on", sa.Date(), nullable=False),
        sa.Column("added_by", sa.String(length=50), nullable=False),
        sa.Column("removed_on", sa.Date(), nullable=True),
        sa.Column("removed_by", sa.String(length=50), nullable=False),
        sa.Column("removal_reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["inspection_id"], ["inspections.id"], name=op.f("fk_joint_punishments_inspection_id_inspections")
        ),
        sa.ForeignKeyConstraint(
            ["target_id"], ["targets.id"], name=op.f("fk_joint_punishments_target_id_targets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_joint_punishments")),
    )
    with op.batch_alter_table("joint_punishments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_joint_punishments_target_id"), ["target_id"], unique=False)

    op.create_table(
        "result_drafts",
        sa.Column("inspection_id", sa.Integer(), nullable=False),
        sa.Column("payload_json", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=50), nullable=False),
        sa.ForeignKeyConstraint(
            ["inspection_id"],
            ["inspections.id"],
            name=op.f("fk_result_drafts_inspection_id_inspections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("inspection_id", name=op.f("pk_result_drafts")),
    )
    op.create_table(
        "result_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inspection_id", sa.Integer(), nullable=False),
        sa.Column("record_uid", sa.String(length=36), nullable=False),
        sa.Column("prev_uid", sa.String(length=36), nullable=True),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "entry", "correction", "platform", name="resultversionkind", native_enum=False, length=20
            ),
            nullable=False,
        ),
        sa.Column("payload_json", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=50), nullable=False),
        sa.Column("origin", sa.String(length=36), nullable=False),
        sa.Column("stream", sa.String(length=20), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("is_current", sa.Boolean(), nullable=False),
        sa.Column("withheld", sa.Boolean(), nullable=False),
        sa.Column(
            "sync_state",
            sa.Enum(
                "pending",
                "sent",
                "acknowledged",
                "rejected",
                "local",
                name="syncstate",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("sync_batch_uid", sa.String(length=36), nullable=True),
        sa.Column("sync_message", sa.Text(), nullable=False),
        sa.Column("uid", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["inspection_id"], ["inspections.id"], name=op.f("fk_result_versions_inspection_id_inspections")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_result_versions")),
        sa.UniqueConstraint("origin", "stream", "seq", name="uq_result_versions_origin_stream_seq"),
        sa.UniqueConstraint("uid", name=op.f("uq_result_versions_uid")),
    )
    with op.batch_alter_table("result_versions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_result_versions_inspection_id"), ["inspection_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_result_versions_prev_uid"), ["prev_uid"], unique=False)
        batch_op.create_index(batch_op.f("ix_result_versions_record_uid"), ["record_uid"], unique=False)

    op.create_table(
        "review_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inspection_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("by", sa.String(length=50), nullable=False),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("from_state", sa.String(length=20), nullable=False),
        sa.Column("to_state", sa.String(length=20), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["inspection_id"], ["inspections.id"], name=op.f("fk_review_events_inspection_id_inspections")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_events")),
    )
    with op.batch_alter_table("review_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_review_events_inspection_id"), ["inspection_id"], unique=False)

    op.create_table(
        "risk_proposals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("inspection_id", sa.Integer(), nullable=True),
        sa.Column("from_class", sa.String(length=1), nullable=False),
        sa.Column("to_class", sa.String(length=1), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("proposed_at", sa.DateTime(), nullable=False),
        sa.Column("proposed_by", sa.String(length=50), nullable=False),
        sa.Column("decision", sa.String(length=20), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decided_by", sa.String(length=50), nullable=False),
        sa.ForeignKeyConstraint(
            ["inspection_id"], ["inspections.id"], name=op.f("fk_risk_proposals_inspection_id_inspections")
        ),
        sa.ForeignKeyConstraint(
            ["target_id"], ["targets.id"], name=op.f("fk_risk_proposals_target_id_targets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_proposals")),
    )
    with op.batch_alter_table("risk_proposals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_risk_proposals_target_id"), ["target_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("risk_proposals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_risk_proposals_target_id"))

    op.drop_table("risk_proposals")
    with op.batch_alter_table("review_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_events_inspection_id"))

    op.drop_table("review_events")
    with op.batch_alter_table("result_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_result_versions_record_uid"))
        batch_op.drop_index(batch_op.f("ix_result_versions_prev_uid"))
        batch_op.drop_index(batch_op.f("ix_result_versions_inspection_id"))

    op.drop_table("result_versions")
    op.drop_table("result_drafts")
    with op.batch_alter_table("joint_punishments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_joint_punishments_target_id"))

    op.drop_table("joint_punishments")
    with op.batch_alter_table("inspection_attachments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inspection_attachments_inspection_id"))
        batch_op.drop_index(batch_op.f("ix_inspection_attachments_attachment_id"))

    op.drop_table("inspection_attachments")
    with op.batch_alter_table("follow_ups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_follow_ups_inspection_id"))

    op.drop_table("follow_ups")
    op.drop_table("attachments")
