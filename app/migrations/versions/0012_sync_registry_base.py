"""Registry update bases: what each registry row looked like when last taken from an update.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 08:27:11.122316
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_registry_base",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("origin", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("uid", sa.String(length=36), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_registry_base")),
        sa.UniqueConstraint("origin", "kind", "uid", name="uq_sync_registry_base_origin_kind_uid"),
    )


def downgrade() -> None:
    op.drop_table("sync_registry_base")
