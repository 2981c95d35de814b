"""`liancha info`: where the database is, its schema, and what it holds."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from app import __version__
from app.db import current_revision, head_revision
from app.models import AuditEntry, CheckItem, Department, IndustryScheme, Inspector, Target
from app.services.context import ServiceContext
from app.services.users import AccountsState, accounts_state


@dataclass(frozen=True)
class DatabaseInfo:
    """Summary of an open database."""

    app_version: str
    database: str
    dialect: str
    schema_revision: str | None
    code_revision: str
    counts: dict[str, int]
    accounts: AccountsState


COUNTED = (
    ("部门", Department),
    ("检查对象", Target),
    ("检查人员", Inspector),
    ("抽查事项", CheckItem),
    ("一业一查方案", IndustryScheme),
    ("留痕记录", AuditEntry),
)


def database_info(ctx: ServiceContext) -> DatabaseInfo:
    """Path, schema revision, row counts of the main tables, and whether accounts are in use."""
    counts: dict[str, int] = {}
    with ctx.read() as session:
        for label, model in COUNTED:
            counts[label] = int(session.execute(select(func.count()).select_from(model)).scalar_one())
    return DatabaseInfo(
        app_version=__version__,
        database=ctx.db.display_name(),
        dialect=ctx.db.engine.dialect.name,
        schema_revision=current_revision(ctx.db.engine),
        code_revision=head_revision(),
        counts=counts,
        accounts=accounts_state(ctx.db),
    )
