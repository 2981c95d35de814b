"""Online upload attempts.

Revision ID: 0011
Revises: 0007
Create Date: 2026-11-23 14:12:33.341563
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_upload_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_uid", sa.String(length=36), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("endpoint", sa.String(length=500), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("offset", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_upload_attempts")),
    )
    with op.batch_alter_table("sync_upload_attempts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sync_upload_attempts_batch_uid"), ["batch_uid"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("sync_upload_attempts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sync_upload_attempts_batch_uid"))

    op.drop_table("sync_upload_attempts")
