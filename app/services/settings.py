"""Settings stored in the database, shared by every desk of an office."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import AuditEntry, Setting

OPERATOR_KEY = "operator.name"
DEFAULT_OPERATOR = "操作员"
# Written by the demo-county builder in the same unit of work as its data: it tells a demo
# database from a real one (a demo may stay in single-user mode; a real office's may not).
DEMO_DATABASE_KEY = "demo.county"
DEMO_AUDIT_ENTITY = "demo_county"


def get_setting(session: Session, key: str, default: Any = None) -> Any:
    """Return the JSON value of a setting, or ``default`` when unset."""
    row = session.get(Setting, key)
    if row is None:
        return default
    return json.loads(row.value)


def set_setting(session: Session, key: str, value: Any) -> None:
    """Store a setting inside the caller's unit of work."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    row = session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value=text))
    else:
        row.value = text


def is_demo_database(session: Session) -> bool:
    """Whether this database holds the demo county (built by the first-start offer or ``liancha demo``).

    Databases built before the demo wrote its setting are recognised by the demo's audit entry,
    which the builder records in the same unit of work as its data.
    """
    if session.get(Setting, DEMO_DATABASE_KEY) is not None:
        return True
    found = session.execute(
        select(AuditEntry.id).where(AuditEntry.entity == DEMO_AUDIT_ENTITY).limit(1)
    ).first()
    return found is not None
