"""Check item names up to 2,000 characters (published lists name items in up to 1,272).

PostgreSQL enforces VARCHAR lengths; SQLite does not, so five real items of the Hainan list
imported on SQLite but were refused on a server. On PostgreSQL the column is altered in place.
On SQLite only the declared type in the schema text changes: a table rebuild (Alembic batch)
would drop ``check_items`` under live foreign keys, which deletes every checkpoint by cascade and
is refused by the tables that reference items. SQLite's own documentation allows editing the
schema text for changes that leave the stored data valid, as a length change of a TEXT-affinity
column does (https://www.sqlite.org/lang_altertable.html, "other kinds of schema changes").

Revision ID: 0014
Revises: 0011
Create Date: 2026-12-05 08:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0011"
branch_labels = None
depends_on = None


def _sqlite_retype(old: str, new: str) -> None:
    conn = op.get_bind()
    sql = conn.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'check_items'"
    ).scalar()
    assert isinstance(sql, str)
    if sql.count(old) != 1:
        raise RuntimeError(f"check_items: expected one '{old}' in the table definition")
    version = int(conn.exec_driver_sql("PRAGMA schema_version").scalar() or 0)
    conn.exec_driver_sql("PRAGMA writable_schema = ON")
    try:
        conn.exec_driver_sql(
            "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'check_items'",
            (sql.replace(old, new),),
        )
        # Tell other connections their cached schema is stale.
        conn.exec_driver_sql(f"PRAGMA schema_version = {version + 1}")
    finally:
        conn.exec_driver_sql("PRAGMA writable_schema = OFF")


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_retype("name VARCHAR(300) NOT NULL", "name VARCHAR(2000) NOT NULL")
    else:
        op.alter_column(
            "check_items", "name", existing_type=sa.String(length=300), type_=sa.String(length=2000)
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_retype("name VARCHAR(2000) NOT NULL", "name VARCHAR(300) NOT NULL")
    else:
        op.alter_column(
            "check_items", "name", existing_type=sa.String(length=2000), type_=sa.String(length=300)
        )
