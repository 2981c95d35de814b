"""Sync: installation keys, trusted keys, batches, receipts, registry versions, conflicts.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 12:10:29.105105
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_uid", sa.String(length=36), nullable=False),
        sa.Column("direction", sa.String(length=3), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("origin", sa.String(length=36), nullable=False),
        sa.Column("origin_office", sa.String(length=200), nullable=False),
        sa.Column("batch_seq", sa.Integer(), nullable=False),
        sa.Column("previous_batch_uid", sa.String(length=36), nullable=True),
        sa.Column("manifest_sha256", sa.String(length=64), nullable=False),
        sa.Column("stream", sa.String(length=20), nullable=True),
        sa.Column("seq_first", sa.Integer(), nullable=True),
        sa.Column("seq_last", sa.Integer(), nullable=True),
        sa.Column("file_name", sa.String(length=300), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("imported_at", sa.DateTime(), nullable=True),
        sa.Column("receipt_bytes", sa.Text(), nullable=True),
        sa.Column("log_json", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_batches")),
        sa.UniqueConstraint("direction", "batch_uid", name="uq_sync_batches_direction_uid"),
    )
    with op.batch_alter_table("sync_batches", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sync_batches_batch_uid"), ["batch_uid"], unique=False)

    op.create_table(
        "sync_conflicts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("record_uid", sa.String(length=36), nullable=False),
        sa.Column("version_uid", sa.String(length=36), nullable=False),
        sa.Column("other_uid", sa.String(length=36), nullable=False),
        sa.Column("batch_uid", sa.String(length=36), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("resolved", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_conflicts")),
    )
    op.create_table(
        "sync_held_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_uid", sa.String(length=36), nullable=False),
        sa.Column("prev_uid", sa.String(length=36), nullable=True),
        sa.Column("origin", sa.String(length=36), nullable=False),
        sa.Column("stream", sa.String(length=20), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("item_json", sa.Text(), nullable=False),
        sa.Column("batch_uid", sa.String(length=36), nullable=False),
        sa.Column("held_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_held_items")),
        sa.UniqueConstraint("version_uid", name=op.f("uq_sync_held_items_version_uid")),
    )
    with op.batch_alter_table("sync_held_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sync_held_items_prev_uid"), ["prev_uid"], unique=False)

    op.create_table(
        "sync_identity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("installation_id", sa.String(length=36), nullable=False),
        sa.Column("keys_json", sa.Text(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_identity")),
        sa.UniqueConstraint("fingerprint", name=op.f("uq_sync_identity_fingerprint")),
    )
    op.create_table(
        "sync_stream_marks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("origin", sa.String(length=36), nullable=False),
        sa.Column("stream", sa.String(length=20), nullable=False),
        sa.Column("received_through", sa.Integer(), nullable=False),
        sa.Column("acknowledged_through", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_stream_marks")),
        sa.UniqueConstraint("origin", "stream", name="uq_sync_stream_marks_origin_stream"),
    )
    op.create_table(
        "sync_trusted_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("key_json", sa.Text(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("installation_id", sa.String(length=36), nullable=False),
        sa.Column("office", sa.String(length=200), nullable=False),
        sa.Column("trusted_at", sa.DateTime(), nullable=False),
        sa.Column("trusted_by", sa.String(length=50), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_trusted_keys")),
        sa.UniqueConstraint("fingerprint", name=op.f("uq_sync_trusted_keys_fingerprint")),
    )


def downgrade() -> None:
    op.drop_table("sync_trusted_keys")
    op.drop_table("sync_stream_marks")
    op.drop_table("sync_identity")
    with op.batch_alter_table("sync_held_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sync_held_items_prev_uid"))

    op.drop_table("sync_held_items")
    op.drop_table("sync_conflicts")
    with op.batch_alter_table("sync_batches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sync_batches_batch_uid"))

    op.drop_table("sync_batches")
