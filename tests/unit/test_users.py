"""Accounts: first administrator, login with lockout, passwords, CLI login, and what the trail keeps."""

from __future__ import annotations

import argparse
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.cli.common import CliError, open_context
from app.models import AuditEntry, LoginAttempt, User
from app.models.base import utcnow
from app.models.users import Role
from app.services import users
from app.services.context import ServiceContext
from app.services.errors import PermissionDenied, RuleViolation, ValidationError
from app.services.targets import TargetData, create_target, search_target_ids
from app.services.targets import TargetFilter as TF
from app.services.users import (
    AuthenticationFailed,
    SecuritySettings,
    UserData,
    authenticate,
    change_password,
    create_first_admin,
    create_user,
    list_users,
    recent_login_attempts,
    reset_password,
    save_security_settings,
    set_user_active,
    unlock_user,
    update_user,
)
from tests.security import PASSWORD, fast_hasher, login  # noqa: F401 - fast_hasher is a fixture

pytestmark = pytest.mark.usefixtures("fast_hasher")


def _admin(ctx: ServiceContext) -> ServiceContext:
    create_first_admin(ctx.db, username="Admin", display_name="王管理", password=PASSWORD)
    return login(ctx.db, "admin")


def test_first_admin_only_once_and_then_login_is_required(ctx: ServiceContext) -> None:
    with pytest.raises(RuleViolation, match="首个管理员"):
        create_user(ctx, UserData("early", "某人", (Role.READONLY,)), password=PASSWORD)
    admin_id = create_first_admin(ctx.db, username="Admin", display_name="王管理", password=PASSWORD)
    with pytest.raises(RuleViolation, match="已经有用户账户"):
        create_first_admin(ctx.db, username="other", display_name="李", password=PASSWORD)
    # The operator context of before now changes nothing …
    with pytest.raises(PermissionDenied, match="登录"):
        create_target(ctx, TargetData(name="某店"))
    # … but may still read public records.
    assert search_target_ids(ctx, TF()) == []
    admin = login(ctx.db, "ADMIN ")  # names are case-insensitive, spaces trimmed
    assert admin.user is not None and admin.user.user_id == admin_id
    assert admin.user.roles == frozenset({Role.ADMIN, Role.OFFICE})
    assert admin.operator == "王管理（admin）"
    create_target(admin, TargetData(name="某店"))
    with ctx.read() as session:
        entry = session.execute(select(AuditEntry).where(AuditEntry.entity == "targets")).scalar_one()
        assert entry.operator == "王管理（admin）"


def test_lockout_after_five_failures_for_fifteen_minutes(ctx: ServiceContext) -> None:
    _admin(ctx)
    now = utcnow()
    messages = set()
    for _ in range(5):
        with pytest.raises(AuthenticationFailed) as exc:
            authenticate(ctx.db, "admin", "wrong-password", now=now)
        messages.add(str(exc.value))
    # Locked: even the right password is refused, with the very same message.
    with pytest.raises(AuthenticationFailed) as exc:
        authenticate(ctx.db, "admin", PASSWORD, now=now + timedelta(minutes=14))
    messages.add(str(exc.value))
    with pytest.raises(AuthenticationFailed) as exc:
        authenticate(ctx.db, "nobody", PASSWORD, now=now)
    messages.add(str(exc.value))
    assert len(messages) == 1
    assert "用户名或密码不正确" in messages.pop()
    result = authenticate(ctx.db, "admin", PASSWORD, now=now + timedelta(minutes=16))
    assert result.actor.username == "admin"
    with ctx.read() as session:
        user = session.execute(select(User)).scalar_one()
        assert user.failed_logins == 0 and user.locked_until is None
        actions = [e.action for e in session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars()]
    assert actions.count("login_failed") == 5  # four wrong passwords, one while locked
    assert actions.count("lock") == 1
    assert actions[-1] == "login"


def test_lockout_is_configurable_and_admin_can_unlock(ctx: ServiceContext) -> None:
    admin = _admin(ctx)
    save_security_settings(admin, SecuritySettings(lockout_attempts=3, lockout_minutes=60))
    create_user(admin, UserData("zhang", "张三", (Role.READONLY,)), password=PASSWORD)
    for _ in range(3):
        with pytest.raises(AuthenticationFailed, match="连续输错 3 次后账户将锁定 60 分钟"):
            authenticate(ctx.db, "zhang", "bad-password")
    with pytest.raises(AuthenticationFailed):
        authenticate(ctx.db, "zhang", PASSWORD)
    [row] = [u for u in list_users(admin) if u.username == "zhang"]
    assert row.locked_until is not None
    unlock_user(admin, row.id)
    assert authenticate(ctx.db, "zhang", PASSWORD).actor.username == "zhang"
    with pytest.raises(ValidationError, match="3 到 20"):
        save_security_settings(admin, SecuritySettings(lockout_attempts=1))
    with pytest.raises(ValidationError, match="密码最短长度"):
        save_security_settings(admin, SecuritySettings(password_min_length=6))


def test_passwords_policy_and_change(ctx: ServiceContext) -> None:
    admin = _admin(ctx)
    with pytest.raises(ValidationError, match="至少 8 个字符"):
        create_user(admin, UserData("li", "李四", (Role.READONLY,)), password="short")
    with pytest.raises(ValidationError, match="不能与用户名相同"):
        create_user(admin, UserData("lisi12345", "李四", (Role.READONLY,)), password="LiSi12345")
    user_id = create_user(admin, UserData("li", "李四", (Role.READONLY,)), password="temporary-1")
    first = authenticate(ctx.db, "li", "temporary-1")
    assert first.must_change_password
    li = users.context_for(ctx.db, first.actor)
    with pytest.raises(ValidationError, match="当前密码"):
        change_password(li, current_password="guess-guess", new_password="brand-new-pass")
    with pytest.raises(ValidationError, match="至少 8"):
        change_password(li, current_password="temporary-1", new_password="1234567")
    change_password(li, current_password="temporary-1", new_password="brand-new-pass")
    again = authenticate(ctx.db, "li", "brand-new-pass")
    assert not again.must_change_password and again.previous_login_at is not None
    with pytest.raises(AuthenticationFailed):
        authenticate(ctx.db, "li", "temporary-1")
    reset_password(admin, user_id, new_password="reset-pass-1")
    assert authenticate(ctx.db, "li", "reset-pass-1").must_change_password


def test_audit_and_attempts_never_hold_passwords_or_hashes(ctx: ServiceContext) -> None:
    admin = _admin(ctx)
    uid = create_user(admin, UserData("wang", "王五", (Role.READONLY,)), password="secret-one-1")
    li = users.context_for(ctx.db, authenticate(ctx.db, "wang", "secret-one-1").actor)
    change_password(li, current_password="secret-one-1", new_password="secret-two-2")
    reset_password(admin, uid, new_password="secret-three-3")
    with pytest.raises(AuthenticationFailed):
        authenticate(ctx.db, "wang", "secret-wrong-4")
    with pytest.raises(AuthenticationFailed):
        authenticate(ctx.db, "secret-typed-into-name", "x")  # a password typed into the name box
    with ctx.read() as session:
        texts = [
            " ".join(str(v) for v in (e.summary, e.before_json, e.after_json, e.reason, e.operator))
            for e in session.execute(select(AuditEntry)).scalars()
        ]
        texts += [a.username for a in session.execute(select(LoginAttempt)).scalars()]
    blob = "\n".join(texts)
    for secret in (
        "secret-one-1",
        "secret-two-2",
        "secret-three-3",
        "secret-wrong-4",
        "secret-typed",
        "$argon2",
    ):
        assert secret not in blob
    attempts = recent_login_attempts(admin)
    assert attempts[0].username == "" and attempts[0].outcome == "unknown_user"
    assert attempts[1].username == "wang" and attempts[1].outcome_label == "密码错误"


def test_last_admin_is_protected(ctx: ServiceContext) -> None:
    admin = _admin(ctx)
    assert admin.user is not None and admin.user.user_id is not None
    admin_id = admin.user.user_id
    with pytest.raises(RuleViolation, match="自己"):
        set_user_active(admin, admin_id, False, reason="离职")
    with pytest.raises(RuleViolation, match="唯一的在用管理员"):
        update_user(admin, admin_id, UserData("admin", "王管理", (Role.OFFICE,)), expected_version=None)
    other = create_user(admin, UserData("zhao", "赵六", (Role.ADMIN,)), password=PASSWORD)
    update_user(admin, admin_id, UserData("admin", "王管理", (Role.OFFICE,)), expected_version=None)
    zhao = login(ctx.db, "zhao")
    set_user_active(zhao, admin_id, False, reason="调岗")
    with pytest.raises(AuthenticationFailed):
        authenticate(ctx.db, "admin", PASSWORD)
    with pytest.raises(RuleViolation, match="自己"):
        set_user_active(zhao, other, False, reason="离职")


def test_user_data_is_validated(ctx: ServiceContext) -> None:
    admin = _admin(ctx)
    with pytest.raises(ValidationError) as exc:
        create_user(admin, UserData("a b", "", (), department_ids=(999,)), password=PASSWORD)
    text = str(exc.value)
    for part in (
        "用户名：不能含空格",
        "姓名：不能为空",
        "角色：请至少选择一个角色",
        "部门（编号 999）不存在",
    ):
        assert part in text
    with pytest.raises(ValidationError, match="部门操作员须至少分配一个部门"):
        create_user(admin, UserData("dept", "部门", (Role.DEPARTMENT,)), password=PASSWORD)
    with pytest.raises(ValidationError, match="检查员角色须对应"):
        create_user(admin, UserData("insp", "检查", (Role.INSPECTOR,)), password=PASSWORD)
    with pytest.raises(ValidationError, match="已被使用"):
        create_user(admin, UserData("ADMIN", "重名", (Role.READONLY,)), password=PASSWORD)


def test_production_hasher_is_argon2id() -> None:
    from argon2 import PasswordHasher

    assert isinstance(users.HASHER, PasswordHasher)
    assert PasswordHasher().hash("x" * 8).startswith("$argon2id$")


def _args(**values: object) -> argparse.Namespace:
    return argparse.Namespace(**{"db": None, "operator": None, "user": None} | values)


def test_cli_login(ctx: ServiceContext, monkeypatch: pytest.MonkeyPatch) -> None:
    db_arg = ctx.db.url
    plain = open_context(_args(db=db_arg, operator="脚本"))  # no accounts yet: operator mode
    assert plain.user is None and plain.actor().implicit
    plain.db.dispose()
    _admin(ctx)
    monkeypatch.delenv("LIANCHA_USER", raising=False)
    monkeypatch.delenv("LIANCHA_PASSWORD", raising=False)
    with pytest.raises(CliError, match="--user"):
        open_context(_args(db=db_arg))
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    with pytest.raises(CliError, match="LIANCHA_PASSWORD"):
        open_context(_args(db=db_arg, user="admin"))
    monkeypatch.setenv("LIANCHA_PASSWORD", "wrong-password")
    with pytest.raises(CliError, match="用户名或密码不正确"):
        open_context(_args(db=db_arg, user="admin"))
    monkeypatch.setenv("LIANCHA_PASSWORD", PASSWORD)
    monkeypatch.setenv("LIANCHA_USER", "admin")
    logged = open_context(_args(db=db_arg))
    try:
        assert logged.user is not None and logged.user.username == "admin"
        create_target(logged, TargetData(name="脚本录入"))
    finally:
        logged.db.dispose()
    anonymous = open_context(_args(db=db_arg), login=False)
    try:
        with pytest.raises(PermissionDenied):
            create_target(anonymous, TargetData(name="不可"))
    finally:
        anonymous.db.dispose()


def _users_cli(*argv: str) -> int:
    from app.cli import users as users_cli

    parser = argparse.ArgumentParser(prog="liancha")
    parser.add_argument("--db", default=None)
    parser.add_argument("--operator", default=None)
    parser.add_argument("--user", default=None)
    users_cli.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(list(argv))
    try:
        return int(args.func(args))
    except CliError as exc:
        return exc.exit_code


def test_users_cli(
    ctx: ServiceContext, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from app.services.departments import create_department

    create_department(ctx, name="青山县市场监督管理局", short_name="青山市监")
    db = ctx.db.url
    monkeypatch.setenv("LIANCHA_NEW_PASSWORD", PASSWORD)
    assert _users_cli("users", "create-admin", "--username", "root", "--name", "管理员", "--db", db) == 0
    assert _users_cli("users", "create-admin", "--username", "again", "--name", "又一个", "--db", db) == 2
    monkeypatch.setenv("LIANCHA_USER", "root")
    monkeypatch.setenv("LIANCHA_PASSWORD", PASSWORD)
    monkeypatch.setenv("LIANCHA_NEW_PASSWORD", "temporary-pass")
    argv = (
        "users",
        "add",
        "--username",
        "dept",
        "--name",
        "部门员",
        "--role",
        "部门操作员",
        "--department",
        "青山市监",
    )
    assert _users_cli(*argv, "--db", db) == 0
    assert _users_cli("users", "add", "--username", "x", "--name", "某", "--role", "老板", "--db", db) == 2
    for _ in range(5):
        with pytest.raises(AuthenticationFailed):
            authenticate(ctx.db, "dept", "wrong-password")
    capsys.readouterr()
    assert _users_cli("users", "list", "--db", db) == 0
    out = capsys.readouterr().out
    assert "dept\t部门员\t部门操作员\t锁定；部门：青山县市场监督管理局" in out
    assert _users_cli("users", "unlock", "dept", "--db", db) == 0
    assert authenticate(ctx.db, "dept", "temporary-pass").must_change_password
    monkeypatch.setenv("LIANCHA_NEW_PASSWORD", "another-pass")
    assert _users_cli("users", "reset-password", "dept", "--db", db) == 0
    assert authenticate(ctx.db, "dept", "another-pass").actor.department_names == ("青山县市场监督管理局",)
    monkeypatch.setenv("LIANCHA_USER", "dept")
    monkeypatch.setenv("LIANCHA_PASSWORD", "another-pass")
    assert _users_cli("users", "list", "--db", db) == 2  # not an administrator
