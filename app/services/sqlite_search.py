"""SQLite-only fast text search over the target registry (the one dialect module for search).

Migration ``0002`` keeps a contentless FTS5 table ``targets_fts`` with the trigram
tokenizer in step with ``targets`` by triggers. Every indexed value carries two trailing
spaces so that one- and two-character queries can be answered from the index too: a
two-character query ``ab`` is a substring of a value exactly when some trigram of the
padded value starts with ``ab``, and the vocabulary table lists those trigrams.

Anything this module cannot answer (no FTS5 in this SQLite build, another database, an
over-broad one-character query) returns ``None`` and the caller falls back to the portable
``LIKE`` conditions in ``app.services.targets``, which have the same meaning: a
case-insensitive substring of the name, the code or the pinyin initials.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import ColumnElement, Engine, Select, false, literal_column, select, text
from sqlalchemy.orm import Session

from app.models import Target

logger = logging.getLogger(__name__)

FTS_TABLE = "targets_fts"
VOCAB_TABLE = "targets_fts_vocab"
# Tables SQLite creates for the FTS5 index; schema comparisons must not mistake them for strays.
FTS_TABLE_NAMES = frozenset(
    {
        FTS_TABLE,
        VOCAB_TABLE,
        f"{FTS_TABLE}_data",
        f"{FTS_TABLE}_idx",
        f"{FTS_TABLE}_docsize",
        f"{FTS_TABLE}_config",
        f"{FTS_TABLE}_content",
    }
)


def include_name(name: str | None, type_: Any, _parents: Any) -> bool:
    """Alembic ``include_name`` hook: the FTS5 tables are made by raw SQL, not by the models."""
    return not (type_ == "table" and name in FTS_TABLE_NAMES)


# A one-letter query expands to every trigram starting with it; past this many the OR of
# phrases costs more than the portable scan.
MAX_EXPANDED_TERMS = 2000

_available: weakref.WeakKeyDictionary[Engine, bool] = weakref.WeakKeyDictionary()


def fts_available(session: Session) -> bool:
    """Whether this database has the trigram index (cached per engine)."""
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    known = _available.get(engine)
    if known is None:
        if engine.dialect.name != "sqlite":
            known = False
        else:
            found = session.execute(
                text("SELECT count(*) FROM sqlite_master WHERE name IN (:fts, :vocab)"),
                {"fts": FTS_TABLE, "vocab": VOCAB_TABLE},
            ).scalar_one()
            known = int(found) == 2
        if not known:
            logger.info("target search: no FTS5 index, using the portable LIKE search")
        _available[engine] = known
    return known


def _phrase(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def fts_text_condition(session: Session, raw: str) -> ColumnElement[bool] | None:
    """A condition on ``Target.id`` matching ``raw`` as a substring of name, code or initials.

    Returns None when the portable LIKE search must be used instead.
    """
    needle = raw.strip()
    if not needle or not fts_available(session):
        return None
    if len(needle) >= 3:
        query = _phrase(needle)
    else:
        # The trigram tokenizer folds case; its vocabulary holds lower-case terms.
        low = needle.lower()
        terms = list(
            session.execute(
                text(f"SELECT term FROM {VOCAB_TABLE} WHERE term >= :lo AND term < :hi LIMIT :cap"),
                {"lo": low, "hi": low + "\U0010ffff", "cap": MAX_EXPANDED_TERMS + 1},
            ).scalars()
        )
        if len(terms) > MAX_EXPANDED_TERMS:
            return None
        if not terms:
            return false()
        query = " OR ".join(_phrase(t) for t in terms)
    matching: Select[Any] = (
        select(literal_column("rowid"))
        .select_from(text(FTS_TABLE))
        .where(text(f"{FTS_TABLE} MATCH :fts_query").bindparams(fts_query=query))
    )
    return Target.id.in_(matching)


# ------------------------------------------------------------------ bulk inserts

INSERT_TRIGGER = "targets_fts_ai"
# The values the insert trigger of migration 0006 indexes (padded with two spaces); the
# delete and update triggers remove exactly these values, so they must stay identical.
_FTS_VALUES = "name || '  ', coalesce(code, '') || '  ', name_initials || '  '"
BULK_INSERT_MIN = 1000
"""New targets from which an insert runs without the per-row trigger (tests lower it)."""
INDEX_REBUILD_SHARE = 4
"""Secondary indexes are rebuilt when the new rows are at least 1/4 of the table after the insert."""


@contextmanager
def bulk_target_inserts(session: Session, *, adding: int) -> Iterator[None]:
    """Insert many targets at once: the FTS index filled in one statement, not row by row.

    The per-row trigger costs ~170 µs a target (100,000 new targets: 17 s); filling the
    index for all new rows in one ``INSERT … SELECT`` costs ~10 µs a target. When the new
    rows are a large share of the table, the secondary indexes are also dropped and built
    again afterwards (sorting once is ~5× cheaper than 100,000 random b-tree inserts);
    the unique constraints (code, uid) stay and keep checking every row.

    SQLite DDL is transactional: the body must run in the caller's write transaction,
    which is rolled back on any error (cancel, crash, a failed statement), taking the
    dropped trigger and indexes back with it. On other databases, or for a few rows,
    this does nothing.

    Args:
        session: the session of the write transaction.
        adding: how many targets the body inserts.
    """
    bind = session.get_bind()
    if adding < BULK_INSERT_MIN or bind.dialect.name != "sqlite":
        yield
        return
    conn = session.connection()
    trigger_sql = conn.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?", (INSERT_TRIGGER,)
    ).scalar()
    existing, floor = conn.exec_driver_sql("SELECT count(*), coalesce(max(id), 0) FROM targets").one()
    indexes: list[tuple[str, str]] = []
    if adding * INDEX_REBUILD_SHARE >= existing + adding:
        # Explicit indexes only: the automatic ones of UNIQUE constraints have no SQL and stay.
        indexes = [
            (str(name), str(sql))
            for name, sql in conn.exec_driver_sql(
                "SELECT name, sql FROM sqlite_master"
                " WHERE type = 'index' AND tbl_name = 'targets' AND sql IS NOT NULL"
            )
        ]
    if trigger_sql:
        conn.exec_driver_sql(f'DROP TRIGGER "{INSERT_TRIGGER}"')
    for name, _ in indexes:
        conn.exec_driver_sql(f'DROP INDEX "{name}"')
    yield
    for _, sql in indexes:
        conn.exec_driver_sql(sql)
    if trigger_sql:
        conn.exec_driver_sql(
            f"INSERT INTO {FTS_TABLE}(rowid, name, code, initials) "
            f"SELECT id, {_FTS_VALUES} FROM targets WHERE id > ?",
            (floor,),
        )
        conn.exec_driver_sql(str(trigger_sql))
    logger.info(
        "bulk insert of %d targets: FTS filled once%s", adding, ", indexes rebuilt" if indexes else ""
    )
