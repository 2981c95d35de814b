"""Single-user mode and the first administrator: the demo mark, 暂不创建, refusals, the CLI."""

from __future__ import annotations

import argparse

import pytest
from sqlalchemy import select

from app.cli import info as info_cli
from app.cli import users as users_cli
from app.cli.common import CliError
from app.models import AuditEntry, Setting, User
from app.models.users import Role
from app.services import audit
from app.services.context import ServiceContext
from app.services.demo import build_demo_county
from app.services.errors import PermissionDenied, RuleViolation, ValidationError
from app.services.info import database_info
from app.services.settings import DEMO_DATABASE_KEY, is_demo_database
from app.services.users import (
    FIRST_ADMIN_DEFERRED_KEY,
    accounts_state,
    authenticate,
    create_first_admin,
    defer_first_admin,
)
from tests.security import PASSWORD, fast_hasher, login  # noqa: F401 - fast_hasher is a fixture

pytestmark = pytest.mark.usefixtures("fast_hasher")


def _user_count(ctx: ServiceContext) -> int:
    with ctx.read() as session:
        return len(session.execute(select(User.id)).all())


def test_a_fresh_database_is_in_single_user_mode_and_asks(ctx: ServiceContext) -> None:
    state = accounts_state(ctx.db)
    assert state.single_user and not state.demo and not state.first_admin_deferred
    assert state.ask_first_admin
    assert state.accounts == 0 and state.active_admins == 0


def test_deferring_on_a_real_database_is_not_remembered(ctx: ServiceContext) -> None:
    assert defer_first_admin(ctx) is False
    assert accounts_state(ctx.db).ask_first_admin  # asked again at the next start
    with ctx.read() as session:
        assert session.get(Setting, FIRST_ADMIN_DEFERRED_KEY) is None


def test_the_demo_county_marks_its_database_and_may_stay_single_user(ctx: ServiceContext) -> None:
    build_demo_county(ctx, targets=100, seed=7)
    with ctx.read() as session:
        assert is_demo_database(session)
        mark = session.get(Setting, DEMO_DATABASE_KEY)
        assert mark is not None and '"seed": 7' in mark.value
    state = accounts_state(ctx.db)
    assert state.demo and state.ask_first_admin  # asked once at least
    assert defer_first_admin(ctx) is True
    state = accounts_state(ctx.db)
    assert state.single_user and state.first_admin_deferred and not state.ask_first_admin
    with ctx.read() as session:
        entry = session.execute(
            select(AuditEntry).where(AuditEntry.entity_id == FIRST_ADMIN_DEFERRED_KEY)
        ).scalar_one()
        assert entry.operator == "测试员" and "暂不创建" in entry.summary
    assert defer_first_admin(ctx) is True  # again: no second audit entry
    with ctx.read() as session:
        assert len(session.execute(select(AuditEntry.id).where(AuditEntry.entity == "settings")).all()) == 1


def test_a_demo_database_built_before_the_mark_is_recognised_by_its_audit_entry(ctx: ServiceContext) -> None:
    with ctx.write() as session:
        assert not is_demo_database(session)
        audit.record(
            session,
            operator="x",
            action="create",
            entity="demo_county",
            entity_id="1",
            summary="生成演示县数据",
        )
    with ctx.read() as session:
        assert is_demo_database(session)


def test_deferring_is_refused_once_an_account_exists(ctx: ServiceContext) -> None:
    create_first_admin(ctx.db, username="admin", display_name="王管理", password=PASSWORD)
    with pytest.raises(PermissionDenied, match="须先登录"):
        defer_first_admin(ctx)  # the anonymous context no longer acts with every right
    with pytest.raises(RuleViolation, match="已经有用户账户"):
        defer_first_admin(login(ctx.db, "admin"))
    state = accounts_state(ctx.db)
    assert not state.single_user and not state.ask_first_admin
    assert state.accounts == 1 and state.active_admins == 1


def test_first_admin_refusals_come_together_and_create_nothing(ctx: ServiceContext) -> None:
    with pytest.raises(ValidationError) as caught:
        create_first_admin(ctx.db, username="  ", display_name="", password="short")
    fields = {e.field: e.message for e in caught.value.errors}
    assert fields == {"用户名": "不能为空", "姓名": "不能为空", "密码": "至少 8 个字符"}
    with pytest.raises(ValidationError, match="密码：不能与用户名相同"):
        create_first_admin(ctx.db, username="Administrator", display_name="王", password="administrator")
    with pytest.raises(ValidationError, match="用户名：不能含空格"):
        create_first_admin(ctx.db, username="wang er", display_name="王", password=PASSWORD)
    assert _user_count(ctx) == 0
    assert accounts_state(ctx.db).single_user


def test_first_admin_with_clearance_can_log_in(ctx: ServiceContext) -> None:
    create_first_admin(
        ctx.db, username="Admin", display_name="王管理", password=PASSWORD, cleared_for_classified=True
    )
    actor = authenticate(ctx.db, "admin", PASSWORD).actor
    assert actor.cleared and actor.roles == frozenset({Role.ADMIN, Role.OFFICE})


def _cli(module: object, *argv: str) -> int:
    parser = argparse.ArgumentParser(prog="liancha")
    parser.add_argument("--db", default=None)
    parser.add_argument("--operator", default=None)
    parser.add_argument("--user", default=None)
    module.register(parser.add_subparsers(dest="command"))  # type: ignore[attr-defined]
    args = parser.parse_args(list(argv))
    try:
        return int(args.func(args))
    except CliError as exc:
        print(f"ERROR {exc}")
        return exc.exit_code


def test_cli_info_says_single_user_mode_and_create_admin_ends_it(
    ctx: ServiceContext, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = ctx.db.url  # a file path on SQLite, the server URL on PostgreSQL
    assert _cli(info_cli, "info", "--db", db) == 0
    out = capsys.readouterr().out
    assert "用户账户：无（单用户模式" in out and "liancha users create-admin" in out

    monkeypatch.setenv("LIANCHA_NEW_PASSWORD", "short")
    assert _cli(users_cli, "users", "create-admin", "--username", "root", "--name", "", "--db", db) == 2
    out = capsys.readouterr().out
    assert "ERROR 姓名：不能为空；密码：至少 8 个字符" in out
    assert _user_count(ctx) == 0

    monkeypatch.setenv("LIANCHA_NEW_PASSWORD", PASSWORD)
    argv = ("users", "create-admin", "--username", " Root ", "--name", "王管理", "--cleared", "--db", db)
    assert _cli(users_cli, *argv) == 0
    out = capsys.readouterr().out
    assert "已创建系统管理员「root」（可接触涉密任务）" in out
    assert authenticate(ctx.db, "root", PASSWORD).actor.cleared

    monkeypatch.setenv("LIANCHA_USER", "root")
    monkeypatch.setenv("LIANCHA_PASSWORD", PASSWORD)
    assert _cli(info_cli, "info", "--db", db) == 0
    assert "用户账户：1 个，其中在用管理员 1 个（使用须登录）" in capsys.readouterr().out
    assert not database_info(ctx).accounts.single_user


def test_cli_info_on_a_deferred_demo_database(
    ctx: ServiceContext, capsys: pytest.CaptureFixture[str]
) -> None:
    build_demo_county(ctx, targets=100, seed=3)
    defer_first_admin(ctx)
    assert _cli(info_cli, "info", "--db", ctx.db.url) == 0
    assert "单用户模式：示范县数据库，已选择暂不创建管理员" in capsys.readouterr().out
