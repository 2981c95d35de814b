"""Licence issuer (许可发证机关) on target licences: the platform's special-registry templates carry it.

Existing licences get an empty issuer. A plain ``ADD COLUMN`` (no batch "move and copy"):
``target_licences`` has no triggers, and SQLite adds a NOT NULL column with a default in place.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "target_licences", sa.Column("authority", sa.String(length=100), server_default="", nullable=False)
    )


def downgrade() -> None:
    with op.batch_alter_table("target_licences", schema=None) as batch_op:
        batch_op.drop_column("authority")
