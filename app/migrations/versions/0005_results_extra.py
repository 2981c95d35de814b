"""Results review: correction state and published version on inspections, publication time on versions, version on review events.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 11:17:03.444218
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("inspections", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("correction_state", sa.String(length=20), server_default="none", nullable=False)
        )
        batch_op.add_column(sa.Column("published_version_uid", sa.String(length=36), nullable=True))

    with op.batch_alter_table("result_versions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("published_at", sa.DateTime(), nullable=True))

    with op.batch_alter_table("review_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version_uid", sa.String(length=36), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("review_events", schema=None) as batch_op:
        batch_op.drop_column("version_uid")

    with op.batch_alter_table("result_versions", schema=None) as batch_op:
        batch_op.drop_column("published_at")

    with op.batch_alter_table("inspections", schema=None) as batch_op:
        batch_op.drop_column("published_version_uid")
        batch_op.drop_column("correction_state")
