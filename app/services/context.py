"""The context every service call runs in: which database and who is acting."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from app.db import Database
from app.services import audit


@dataclass
class ServiceContext:
    """Database plus the acting person, passed to every service function.

    Until user accounts exist (issue 8) the actor is the operator name from settings or
    ``--operator``; the audit trail records it as "who".
    """

    db: Database
    operator: str

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One unit of work: it commits once, or not at all."""
        with self.db.write() as session:
            yield session

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
    ) -> None:
        """Record a change in the audit trail, in the same transaction as the change."""
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
        )
