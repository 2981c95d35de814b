"""Text lengths PostgreSQL enforces: check item names, review states.

PostgreSQL refuses a value longer than its VARCHAR; SQLite stores it anyway, so these were
found only by the first run on a server (issue 11):

- ``check_items.name`` 300 → 2,000: the published Hainan list names items in up to 1,272 characters.
- ``review_events.from_state`` / ``to_state`` 20 → 60: a correction of a published result
  records ``published:pending_review`` (24 characters).

On PostgreSQL the columns are altered in place. On SQLite only the declared type in the schema
text changes: a table rebuild (Alembic batch) would drop the table under live foreign keys,
which deletes every checkpoint by cascade and is refused by the tables that reference items.
SQLite's documentation allows editing the schema text for changes that leave the stored data
valid, as a length change of a TEXT-affinity column does
(https://www.sqlite.org/lang_altertable.html, "making other kinds of table schema changes").

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 08:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

# (table, column, old length, new length)
CHANGES = (
    ("check_items", "name", 300, 2000),
    ("review_events", "from_state", 20, 60),
    ("review_events", "to_state", 20, 60),
)


def _sqlite_retype(table: str, old: str, new: str) -> None:
    conn = op.get_bind()
    sql = conn.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
    ).scalar()
    assert isinstance(sql, str)
    if sql.count(old) != 1:
        raise RuntimeError(f"{table}: expected one '{old}' in the table definition")
    version = int(conn.exec_driver_sql("PRAGMA schema_version").scalar() or 0)
    conn.exec_driver_sql("PRAGMA writable_schema = ON")
    try:
        conn.exec_driver_sql(
            "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = ?",
            (sql.replace(old, new), table),
        )
        # Tell other connections their cached schema is stale.
        conn.exec_driver_sql(f"PRAGMA schema_version = {version + 1}")
    finally:
        conn.exec_driver_sql("PRAGMA writable_schema = OFF")


def _change(table: str, column: str, old: int, new: int) -> None:
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_retype(table, f"{column} VARCHAR({old}) NOT NULL", f"{column} VARCHAR({new}) NOT NULL")
    else:
        op.alter_column(table, column, existing_type=sa.String(length=old), type_=sa.String(length=new))


def upgrade() -> None:
    for table, column, old, new in CHANGES:
        _change(table, column, old, new)


def downgrade() -> None:
    for table, column, old, new in CHANGES:
        _change(table, column, new, old)
