"""Settings stored in the database, shared by every desk of an office."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.orm import Session

from app.models import Setting

OPERATOR_KEY = "operator.name"
DEFAULT_OPERATOR = "操作员"


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
