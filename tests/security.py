"""Helpers for tests of accounts and permissions: a cheap password hasher, accounts per role."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from argon2 import PasswordHasher

from app.db import Database
from app.models.users import Role
from app.services import users
from app.services.context import ServiceContext
from app.services.users import UserData, authenticate, context_for, create_first_admin, create_user

PASSWORD = "correct-horse-9"


def cheap_hasher() -> PasswordHasher:
    """argon2 with tiny parameters: the production cost (~0.4 s a hash here) would slow tests down."""
    return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture
def fast_hasher(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(users, "HASHER", cheap_hasher())
    yield


def login(db: Database, username: str, password: str = PASSWORD) -> ServiceContext:
    """A service context acting as the given account."""
    return context_for(db, authenticate(db, username, password).actor)


def make_accounts(
    db: Database, *, department_id: int, inspector_id: int, cleared: bool = False
) -> dict[str, ServiceContext]:
    """One account per role (plus the first administrator), each logged in."""
    create_first_admin(db, username="admin", display_name="管理员", password=PASSWORD, roles=(Role.ADMIN,))
    admin = login(db, "admin")
    specs = {
        "office": UserData("office", "办公室", (Role.OFFICE,), cleared_for_classified=cleared),
        "department": UserData("dept", "部门员", (Role.DEPARTMENT,), department_ids=(department_id,)),
        "inspector": UserData("insp", "检查员", (Role.INSPECTOR,), inspector_id=inspector_id),
        "readonly": UserData("viewer", "只读员", (Role.READONLY,)),
    }
    contexts = {"admin": admin}
    for key, data in specs.items():
        create_user(admin, data, password=PASSWORD, must_change_password=False)
        contexts[key] = login(db, data.username)
    return contexts
