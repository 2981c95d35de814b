"""Target search: an index in the default display order and, on SQLite, a trigram FTS5 index.

The FTS5 table is contentless and kept in step by triggers; each value is padded with two
spaces so one- and two-character queries can be answered from its vocabulary (see
``app/services/sqlite_search.py``). A batch ("move and copy") migration of ``targets``
drops these triggers with the old table: such a migration must recreate them.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

logger = logging.getLogger(__name__)

_PADDED_NEW = "new.name || '  ', coalesce(new.code, '') || '  ', new.name_initials || '  '"
_PADDED_OLD = "old.name || '  ', coalesce(old.code, '') || '  ', old.name_initials || '  '"

_FTS_DDL = (
    "CREATE VIRTUAL TABLE targets_fts USING fts5(name, code, initials, content='', tokenize='trigram')",
    "CREATE VIRTUAL TABLE targets_fts_vocab USING fts5vocab(targets_fts, 'row')",
    f"""CREATE TRIGGER targets_fts_ai AFTER INSERT ON targets BEGIN
        INSERT INTO targets_fts(rowid, name, code, initials) VALUES (new.id, {_PADDED_NEW});
    END""",
    f"""CREATE TRIGGER targets_fts_ad AFTER DELETE ON targets BEGIN
        INSERT INTO targets_fts(targets_fts, rowid, name, code, initials) VALUES ('delete', old.id, {_PADDED_OLD});
    END""",
    f"""CREATE TRIGGER targets_fts_au AFTER UPDATE OF id, name, code, name_initials ON targets BEGIN
        INSERT INTO targets_fts(targets_fts, rowid, name, code, initials) VALUES ('delete', old.id, {_PADDED_OLD});
        INSERT INTO targets_fts(rowid, name, code, initials) VALUES (new.id, {_PADDED_NEW});
    END""",
    """INSERT INTO targets_fts(rowid, name, code, initials)
        SELECT id, name || '  ', coalesce(code, '') || '  ', name_initials || '  ' FROM targets""",
)


def _sqlite_has_trigram(conn: sa.Connection) -> bool:
    try:
        conn.exec_driver_sql("CREATE VIRTUAL TABLE temp.liancha_probe USING fts5(x, tokenize='trigram')")
    except sa.exc.OperationalError:
        return False
    conn.exec_driver_sql("DROP TABLE temp.liancha_probe")
    return True


def upgrade() -> None:
    with op.batch_alter_table("targets", schema=None) as batch_op:
        batch_op.create_index("ix_targets_active_name", ["active", "name", "id"], unique=False)
    conn = op.get_bind()
    if conn.dialect.name != "sqlite":
        return
    if not _sqlite_has_trigram(conn):
        # The services fall back to the portable LIKE search; slower on big registries, same results.
        logger.warning("this SQLite has no FTS5 trigram tokenizer; target search will scan")
        return
    for statement in _FTS_DDL:
        conn.exec_driver_sql(statement)


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        for trigger in ("targets_fts_ai", "targets_fts_ad", "targets_fts_au"):
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {trigger}")
        conn.exec_driver_sql("DROP TABLE IF EXISTS targets_fts_vocab")
        conn.exec_driver_sql("DROP TABLE IF EXISTS targets_fts")
    with op.batch_alter_table("targets", schema=None) as batch_op:
        batch_op.drop_index("ix_targets_active_name")
