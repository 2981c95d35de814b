"""The context every service call runs in: which database and who is acting."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app.db import Database
from app.services import audit
from app.services.errors import ConflictError
from app.services.permissions import Actor, Permission, check_permission, current_actor


def _is_unique_violation(exc: IntegrityError) -> bool:
    # PostgreSQL: SQLSTATE 23505; SQLite: "UNIQUE constraint failed".
    code = getattr(exc.orig, "sqlstate", None)
    return code == "23505" or "unique constraint" in str(exc.orig).lower()


@dataclass
class ServiceContext:
    """Database plus the acting person, passed to every service function.

    ``user`` is the logged-in account (``app.services.users.context_for``), whose label is
    also ``operator``. Without one, while the database has no account, ``operator`` (from
    settings or ``--operator``) acts with every role; see ``app.services.permissions``.
    """

    db: Database
    operator: str
    user: Actor | None = None
    accounts_known: bool = field(default=False, init=False, repr=False, compare=False)

    def actor(self) -> Actor:
        """Who is acting: the user, the single-user operator, or nobody (accounts exist, no login)."""
        return current_actor(self)

    def require(
        self,
        permission: Permission,
        *,
        department_id: int | None = None,
        team_member_ids: Iterable[int] | None = None,
    ) -> None:
        """Raise ``PermissionDenied`` unless the actor may do this (to a record of ``department_id``)."""
        check_permission(
            self.actor(), permission, department_id=department_id, team_member_ids=team_member_ids
        )

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One unit of work: it commits once, or not at all.

        Two desks saving the same record at the same moment both pass the service's own version
        check; the version column then lets only the first UPDATE through (``StaleDataError`` for
        the second), which is reported as the same conflict message, never a silent overwrite.
        """
        try:
            with self.db.write() as session:
                yield session
        except StaleDataError as exc:
            raise ConflictError(
                "您修改的记录刚刚已被其他人修改并保存。为免覆盖他人的修改，本次没有保存：请刷新后重新编辑。"
            ) from exc
        except IntegrityError as exc:
            # The services check for duplicates before writing; a unique index still refusing the
            # row means another desk saved the same thing (same code, same name) a moment ago.
            if not _is_unique_violation(exc):
                raise
            raise ConflictError(
                "其他人刚刚保存了相同的记录（编号或名称重复），本次没有保存。请刷新后查看，再决定是否重新录入。"
            ) from exc

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self.db.read() as session:
            yield session

    def audit(
        self,
        session: Session,
        *,
        action: str,
        entity: str,
        entity_id: str | int = "",
        summary: str = "",
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
        reason: str = "",
        task_id: int | None = None,
        classified: bool | None = None,
    ) -> None:
        """Record a change in the audit trail, in the same transaction as the change.

        ``task_id`` names the task the change concerns (automatic for entity "tasks"); entries
        of a classified task are marked so, and shown only to cleared users.
        """
        audit.record(
            session,
            operator=self.operator,
            action=action,
            entity=entity,
            entity_id=entity_id,
            summary=summary,
            before=before,
            after=after,
            reason=reason,
            task_id=task_id,
            classified=classified,
        )
