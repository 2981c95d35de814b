"""User accounts: the first administrator, account administration, login with lockout, passwords.

Passwords are hashed with argon2id (``argon2-cffi``); neither a password nor its hash ever
goes into the audit trail, a log or an error message. A failed login says the same thing
whether the name is unknown, the password wrong, the account locked or deactivated, so the
login box does not reveal which accounts exist; it also takes the same time (a dummy hash is
verified for unknown names).
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db import Database
from app.models import Department, Inspector, LoginAttempt, User, UserRole
from app.models.base import utcnow
from app.models.users import Role
from app.services import audit
from app.services.context import ServiceContext
from app.services.errors import FieldError, NotFoundError, RuleViolation, ServiceError, ValidationError
from app.services.locking import ACCOUNTS_LOCK, serialize_writers
from app.services.permissions import Actor, Permission, users_exist
from app.services.records import check_version
from app.services.settings import get_setting, is_demo_database, set_setting

logger = logging.getLogger(__name__)

# Module-level so tests can swap in a cheap hasher; the parameters live in each hash, so
# hashes made with other parameters still verify (and are upgraded at the next login).
HASHER = PasswordHasher()

LOCKOUT_ATTEMPTS_KEY = "security.lockout_attempts"
LOCKOUT_MINUTES_KEY = "security.lockout_minutes"
PASSWORD_MIN_LENGTH_KEY = "security.password_min_length"
IDLE_LOCK_MINUTES_KEY = "security.idle_lock_minutes"
FIRST_ADMIN_DEFERRED_KEY = "users.first_admin_deferred"  # demo databases only, see defer_first_admin
FIRST_ADMIN_EXISTS = (
    "已经有用户账户，不能再创建首个管理员。请用管理员账户登录后在「系统管理 → 用户」中添加用户。"
)
MIN_PASSWORD_LENGTH = 8  # the floor: settings may ask for more, never less

USERNAME_MAX = 32
DISPLAY_NAME_MAX = 16


class AuthenticationFailed(ServiceError):
    """A login was refused. The message never says why (see the module docstring)."""


@dataclass(frozen=True)
class SecuritySettings:
    """Login and session rules, shared by every desk of the office."""

    lockout_attempts: int = 5
    lockout_minutes: int = 15
    password_min_length: int = MIN_PASSWORD_LENGTH
    idle_lock_minutes: int = 15  # the GUI locks itself after this long without input; 0 = never


@dataclass(frozen=True)
class UserData:
    """What an administrator sets for an account (the password is passed separately)."""

    username: str
    display_name: str
    roles: tuple[Role, ...]
    department_ids: tuple[int, ...] = ()
    inspector_id: int | None = None
    cleared_for_classified: bool = False
    note: str = ""


@dataclass(frozen=True)
class UserRow:
    """One line of the users table."""

    id: int
    username: str
    display_name: str
    roles: tuple[Role, ...]
    role_labels: str
    departments: str
    inspector: str
    cleared_for_classified: bool
    active: bool
    locked_until: datetime | None
    must_change_password: bool
    last_login_at: datetime | None
    password_changed_at: datetime | None
    version: int


@dataclass(frozen=True)
class UserDetail:
    """An account for the edit dialog."""

    id: int
    version: int
    active: bool
    data: UserData


@dataclass(frozen=True)
class LoginResult:
    """A successful login."""

    actor: Actor
    must_change_password: bool  # the GUI asks for a new password before going on
    previous_login_at: datetime | None


@dataclass(frozen=True)
class LoginAttemptRow:
    """One login attempt, for the administrator."""

    id: int
    at: datetime
    username: str  # empty for names that match no account
    success: bool
    outcome: str
    outcome_label: str
    host: str


OUTCOME_LABELS = {
    "ok": "成功",
    "bad_password": "密码错误",
    "unknown_user": "用户名不存在",
    "locked": "账户已锁定",
    "inactive": "账户已停用",
}


# ---------------------------------------------------------------------------------------------
# Settings


def security_settings(session: Session) -> SecuritySettings:
    """The office's login rules (defaults where unset)."""
    d = SecuritySettings()
    return SecuritySettings(
        lockout_attempts=int(get_setting(session, LOCKOUT_ATTEMPTS_KEY, d.lockout_attempts)),
        lockout_minutes=int(get_setting(session, LOCKOUT_MINUTES_KEY, d.lockout_minutes)),
        password_min_length=max(
            MIN_PASSWORD_LENGTH, int(get_setting(session, PASSWORD_MIN_LENGTH_KEY, d.password_min_length))
        ),
        idle_lock_minutes=int(get_setting(session, IDLE_LOCK_MINUTES_KEY, d.idle_lock_minutes)),
    )


def get_security_settings(ctx: ServiceContext) -> SecuritySettings:
    """The login rules, for the settings page."""
    with ctx.read() as session:
        return security_settings(session)


def save_security_settings(ctx: ServiceContext, settings: SecuritySettings) -> None:
    """Change the login rules (administrator only)."""
    ctx.require(Permission.MANAGE_SETTINGS)
    errors: list[FieldError] = []
    if not 3 <= settings.lockout_attempts <= 20:
        errors.append(FieldError("锁定前允许的失败次数", "应在 3 到 20 之间"))
    if not 1 <= settings.lockout_minutes <= 1440:
        errors.append(FieldError("锁定时长（分钟）", "应在 1 到 1440 之间"))
    if not MIN_PASSWORD_LENGTH <= settings.password_min_length <= 64:
        errors.append(FieldError("密码最短长度", f"应在 {MIN_PASSWORD_LENGTH} 到 64 之间"))
    if not 0 <= settings.idle_lock_minutes <= 240:
        errors.append(FieldError("无操作自动锁定（分钟）", "应在 0（不锁定）到 240 之间"))
    if errors:
        raise ValidationError(errors)
    with ctx.write() as session:
        before = security_settings(session)
        set_setting(session, LOCKOUT_ATTEMPTS_KEY, settings.lockout_attempts)
        set_setting(session, LOCKOUT_MINUTES_KEY, settings.lockout_minutes)
        set_setting(session, PASSWORD_MIN_LENGTH_KEY, settings.password_min_length)
        set_setting(session, IDLE_LOCK_MINUTES_KEY, settings.idle_lock_minutes)
        ctx.audit(
            session,
            action="update",
            entity="settings",
            entity_id="security",
            summary="修改登录与安全设置",
            before=asdict(before),
            after=asdict(settings),
        )


# ---------------------------------------------------------------------------------------------
# Helpers


def normalize_username(text: str) -> str:
    """Names are compared case-insensitively: ``ZhangSan`` and ``zhangsan`` are one account."""
    return text.strip().lower()


def _hostname() -> str:
    try:
        return socket.gethostname()[:100]
    except OSError:  # pragma: no cover - a host without a name
        return ""


def _validate_password(password: str, username: str, settings: SecuritySettings) -> None:
    errors = _password_errors(password, username, settings)
    if errors:
        raise ValidationError(errors)


def _password_errors(password: str, username: str, settings: SecuritySettings) -> list[FieldError]:
    errors: list[FieldError] = []
    if len(password) < settings.password_min_length:
        errors.append(FieldError("密码", f"至少 {settings.password_min_length} 个字符"))
    elif normalize_username(password) == normalize_username(username):
        errors.append(FieldError("密码", "不能与用户名相同"))
    elif len(set(password)) == 1:
        errors.append(FieldError("密码", "不能由同一个字符重复组成"))
    return errors


def _validate_user(session: Session, data: UserData, own_id: int | None) -> str:
    """Check an account's fields; return the normalised user name or raise ValidationError."""
    errors: list[FieldError] = []
    username = normalize_username(data.username)
    if not username:
        errors.append(FieldError("用户名", "不能为空"))
    elif len(username) > USERNAME_MAX:
        errors.append(FieldError("用户名", f"不超过 {USERNAME_MAX} 个字符"))
    elif any(c.isspace() for c in username):
        errors.append(FieldError("用户名", "不能含空格"))
    else:
        query = select(User.id).where(User.username == username)
        if own_id is not None:
            query = query.where(User.id != own_id)
        if session.execute(query).first():
            errors.append(FieldError("用户名", f"「{username}」已被使用"))
    name = data.display_name.strip()
    if not name:
        errors.append(FieldError("姓名", "不能为空"))
    elif len(name) > DISPLAY_NAME_MAX:
        errors.append(FieldError("姓名", f"不超过 {DISPLAY_NAME_MAX} 个字"))
    if not data.roles:
        errors.append(FieldError("角色", "请至少选择一个角色"))
    for dept_id in data.department_ids:
        if session.get(Department, dept_id) is None:
            errors.append(FieldError("负责部门", f"部门（编号 {dept_id}）不存在"))
    if Role.DEPARTMENT in data.roles and not data.department_ids:
        errors.append(FieldError("负责部门", "部门操作员须至少分配一个部门"))
    if data.inspector_id is not None:
        if session.get(Inspector, data.inspector_id) is None:
            errors.append(FieldError("对应检查人员", f"检查人员（编号 {data.inspector_id}）不存在"))
        else:
            other = session.execute(
                select(User.username).where(User.inspector_id == data.inspector_id, User.id != (own_id or 0))
            ).first()
            if other is not None:
                errors.append(FieldError("对应检查人员", f"该检查人员已对应账户「{other.username}」"))
    if Role.INSPECTOR in data.roles and data.inspector_id is None:
        errors.append(FieldError("对应检查人员", "检查员角色须对应检查人员名录中的一人"))
    if errors:
        raise ValidationError(errors)
    return username


def _apply(session: Session, user: User, data: UserData, username: str) -> None:
    user.username = username
    user.display_name = data.display_name.strip()
    user.inspector_id = data.inspector_id
    user.cleared_for_classified = data.cleared_for_classified
    user.note = data.note
    wanted = sorted(set(data.roles))
    if sorted(user.role_set) != wanted:
        if user.roles:
            user.roles = []
            session.flush()  # (user, role) is the key: delete the old rows before inserting
        user.roles = [UserRole(role=r) for r in wanted]
    user.departments = [
        d for d in (session.get(Department, i) for i in dict.fromkeys(data.department_ids)) if d
    ]


def _audit_view(user: User) -> dict[str, Any]:
    """What the audit trail keeps of an account: never the password hash."""
    return {
        "username": user.username,
        "display_name": user.display_name,
        "roles": sorted(r.value for r in user.role_set),
        "departments": [d.id for d in user.departments],
        "inspector_id": user.inspector_id,
        "cleared_for_classified": user.cleared_for_classified,
        "active": user.active,
        "must_change_password": user.must_change_password,
    }


def _label(user: User) -> str:
    if user.display_name == user.username:
        return user.username
    return f"{user.display_name}（{user.username}）"


def actor_for(user: User) -> Actor:
    """The ``Actor`` a logged-in account acts as (a frozen snapshot of its roles and scopes)."""
    return Actor(
        user_id=user.id,
        username=user.username,
        display_name=user.display_name,
        roles=user.role_set,
        department_ids=frozenset(d.id for d in user.departments),
        department_names=tuple(d.name for d in user.departments),
        inspector_id=user.inspector_id,
        cleared=user.cleared_for_classified,
    )


def context_for(db: Database, actor: Actor) -> ServiceContext:
    """The service context of a logged-in user; the audit trail names the user."""
    return ServiceContext(db=db, operator=actor.label, user=actor)


def _active_admins(session: Session, *, excluding: int | None = None) -> int:
    query = (
        select(func.count(func.distinct(User.id)))
        .join(UserRole, UserRole.user_id == User.id)
        .where(User.active.is_(True), UserRole.role == Role.ADMIN)
    )
    if excluding is not None:
        query = query.where(User.id != excluding)
    return int(session.execute(query).scalar_one())


def _require_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFoundError(f"用户（编号 {user_id}）不存在。请刷新列表后重试。")
    return user


# ---------------------------------------------------------------------------------------------
# Accounts


def accounts_exist(db: Database) -> bool:
    """Whether any account exists: then the GUI asks for a login and the CLI for ``--user``."""
    with db.read() as session:
        return users_exist(session)


@dataclass(frozen=True)
class AccountsState:
    """Whether a database is in single-user mode, and whether start-up should ask for an administrator."""

    accounts: int  # 0: single-user mode, everyone who opens the database has every right
    active_admins: int
    demo: bool  # the demo county (see ``settings.is_demo_database``)
    first_admin_deferred: bool  # 「暂不创建」 was chosen on the demo database

    @property
    def single_user(self) -> bool:
        """No account exists: whoever opens the database has every right, classified work included."""
        return self.accounts == 0

    @property
    def ask_first_admin(self) -> bool:
        """Start-up asks for the first administrator.

        A real office's database is asked at every start until an administrator exists: an
        open door to classified work must not be forgotten. Only the demo county may stay in
        single-user mode once its user said so.
        """
        return self.single_user and not (self.demo and self.first_admin_deferred)


def accounts_state(db: Database) -> AccountsState:
    """Accounts, administrators and the single-user-mode decision of the open database (needs no login)."""
    with db.read() as session:
        accounts = int(session.execute(select(func.count()).select_from(User)).scalar_one())
        return AccountsState(
            accounts=accounts,
            active_admins=_active_admins(session) if accounts else 0,
            demo=is_demo_database(session),
            first_admin_deferred=bool(get_setting(session, FIRST_ADMIN_DEFERRED_KEY, False)),
        )


def defer_first_admin(ctx: ServiceContext) -> bool:
    """「暂不创建（单用户模式）」: remember it for the demo database; return whether it was remembered.

    On a real database nothing is stored, so the question comes again at the next start.
    Refused once an account exists (single-user mode is then over).
    """
    ctx.require(Permission.MANAGE_SETTINGS)
    with ctx.write() as session:
        if users_exist(session):
            raise RuleViolation(FIRST_ADMIN_EXISTS)
        if not is_demo_database(session):
            return False
        if get_setting(session, FIRST_ADMIN_DEFERRED_KEY, False):
            return True
        set_setting(session, FIRST_ADMIN_DEFERRED_KEY, True)
        ctx.audit(
            session,
            action="update",
            entity="settings",
            entity_id=FIRST_ADMIN_DEFERRED_KEY,
            summary="示范县数据库暂不创建系统管理员，继续以单用户模式使用，启动时不再询问",
            before={"first_admin_deferred": False},
            after={"first_admin_deferred": True},
        )
        return True


def create_first_admin(
    db: Database,
    *,
    username: str,
    display_name: str,
    password: str,
    roles: Iterable[Role] = (Role.ADMIN, Role.OFFICE),
    cleared_for_classified: bool = False,
) -> int:
    """Create the first account, an administrator; refused once any account exists.

    From then on the database requires a login. By default the first account is also the
    office (a small county often has one person doing both); more roles can be set later.
    """
    wanted = tuple(dict.fromkeys((Role.ADMIN, *roles)))
    data = UserData(
        username=username,
        display_name=display_name,
        roles=wanted,
        cleared_for_classified=cleared_for_classified,
    )
    with db.read() as session:
        if users_exist(session):
            raise RuleViolation(FIRST_ADMIN_EXISTS)
        settings = security_settings(session)
        # Every refusal at once (an empty name and a short password), so the form shows them all.
        errors: list[FieldError] = []
        try:
            _validate_user(session, data, None)
        except ValidationError as exc:
            errors.extend(exc.errors)
        errors.extend(_password_errors(password, username, settings))
    if errors:
        raise ValidationError(errors)
    password_hash = HASHER.hash(password)
    with db.write() as session:
        serialize_writers(session, ACCOUNTS_LOCK)
        if users_exist(session):  # another desk was quicker
            raise RuleViolation(FIRST_ADMIN_EXISTS)
        name = _validate_user(session, data, None)
        now = utcnow()
        user = User(password_hash=password_hash, password_changed_at=now, failed_logins=0)
        session.add(user)
        _apply(session, user, data, name)
        session.flush()
        audit.record(
            session,
            operator=_label(user),
            action="create",
            entity="users",
            entity_id=user.id,
            summary=f"创建首个管理员账户「{_label(user)}」，此后须登录使用",
            after=_audit_view(user),
        )
        logger.info("first administrator account created")
        return user.id


def create_user(
    ctx: ServiceContext, data: UserData, *, password: str, must_change_password: bool = True
) -> int:
    """Add an account (administrator only). By default the user must change the password at first login."""
    ctx.require(Permission.MANAGE_USERS)
    with ctx.read() as session:
        if not users_exist(session):
            raise RuleViolation("请先创建首个管理员账户，再添加其他用户。")
        settings = security_settings(session)
    _validate_password(password, data.username, settings)
    password_hash = HASHER.hash(password)
    with ctx.write() as session:
        name = _validate_user(session, data, None)
        user = User(
            password_hash=password_hash,
            password_changed_at=utcnow(),
            must_change_password=must_change_password,
            failed_logins=0,
        )
        session.add(user)
        _apply(session, user, data, name)
        session.flush()
        ctx.audit(
            session,
            action="create",
            entity="users",
            entity_id=user.id,
            summary=f"新增用户「{_label(user)}」（{'、'.join(r.label for r in Role if r in user.role_set)}）",
            after=_audit_view(user),
        )
        return user.id


def update_user(ctx: ServiceContext, user_id: int, data: UserData, *, expected_version: int | None) -> None:
    """Change an account's name, roles, departments, inspector link or clearance (administrator only)."""
    ctx.require(Permission.MANAGE_USERS)
    with ctx.write() as session:
        user = _require_user(session, user_id)
        check_version(user, expected_version, "用户")
        name = _validate_user(session, data, user_id)
        if (
            Role.ADMIN in user.role_set
            and Role.ADMIN not in data.roles
            and user.active
            and _active_admins(session, excluding=user_id) == 0
        ):
            raise RuleViolation(
                "这是唯一的在用管理员，不能取消其管理员角色。请先为另一位用户设置管理员角色。"
            )
        before = _audit_view(user)
        _apply(session, user, data, name)
        session.flush()
        ctx.audit(
            session,
            action="update",
            entity="users",
            entity_id=user.id,
            summary=f"修改用户「{_label(user)}」",
            before=before,
            after=_audit_view(user),
        )


def set_user_active(ctx: ServiceContext, user_id: int, active: bool, *, reason: str) -> None:
    """Deactivate (or reactivate) an account, with a reason. Accounts are never deleted."""
    ctx.require(Permission.MANAGE_USERS)
    if not reason.strip():
        raise ValidationError([FieldError("原因", "停用或恢复用户须填写原因")])
    with ctx.write() as session:
        user = _require_user(session, user_id)
        if user.active == active:
            return
        if not active:
            if ctx.user is not None and ctx.user.user_id == user_id:
                raise RuleViolation("不能停用自己正在使用的账户。请由另一位管理员操作。")
            if Role.ADMIN in user.role_set and _active_admins(session, excluding=user_id) == 0:
                raise RuleViolation("这是唯一的在用管理员，不能停用。请先为另一位用户设置管理员角色。")
        before = _audit_view(user)
        user.active = active
        session.flush()
        ctx.audit(
            session,
            action="activate" if active else "deactivate",
            entity="users",
            entity_id=user.id,
            summary=f"{'恢复' if active else '停用'}用户「{_label(user)}」",
            before=before,
            after=_audit_view(user),
            reason=reason.strip(),
        )


def reset_password(ctx: ServiceContext, user_id: int, *, new_password: str) -> None:
    """Set a temporary password (administrator only); the user must change it at the next login."""
    ctx.require(Permission.MANAGE_USERS)
    with ctx.read() as session:
        settings = security_settings(session)
        username = _require_user(session, user_id).username
    _validate_password(new_password, username, settings)
    password_hash = HASHER.hash(new_password)
    with ctx.write() as session:
        user = _require_user(session, user_id)
        user.password_hash = password_hash
        user.password_changed_at = utcnow()
        user.must_change_password = True
        user.failed_logins = 0
        user.locked_until = None
        session.flush()
        ctx.audit(
            session,
            action="reset_password",
            entity="users",
            entity_id=user.id,
            summary=f"重置用户「{_label(user)}」的密码（下次登录须修改）",
        )


def unlock_user(ctx: ServiceContext, user_id: int) -> None:
    """Lift a lockout before it expires (administrator only)."""
    ctx.require(Permission.MANAGE_USERS)
    with ctx.write() as session:
        user = _require_user(session, user_id)
        if user.locked_until is None and user.failed_logins == 0:
            return
        user.locked_until = None
        user.failed_logins = 0
        session.flush()
        ctx.audit(
            session, action="unlock", entity="users", entity_id=user.id, summary=f"解锁用户「{_label(user)}」"
        )


def change_password(ctx: ServiceContext, *, current_password: str, new_password: str) -> None:
    """The logged-in user changes their own password (the current one is asked again)."""
    actor = ctx.user
    if actor is None or actor.user_id is None:
        raise RuleViolation("请先登录，再修改自己的密码。")
    with ctx.read() as session:
        settings = security_settings(session)
        stored = _require_user(session, actor.user_id).password_hash
    if not _verify(stored, current_password):
        raise ValidationError([FieldError("当前密码", "不正确")])
    _validate_password(new_password, actor.username, settings)
    if new_password == current_password:
        raise ValidationError([FieldError("新密码", "不能与当前密码相同")])
    password_hash = HASHER.hash(new_password)
    with ctx.write() as session:
        user = _require_user(session, actor.user_id)
        user.password_hash = password_hash
        user.password_changed_at = utcnow()
        user.must_change_password = False
        session.flush()
        ctx.audit(
            session,
            action="change_password",
            entity="users",
            entity_id=user.id,
            summary=f"用户「{_label(user)}」修改了自己的密码",
        )


# ---------------------------------------------------------------------------------------------
# Login


_dummy: tuple[PasswordHasher, str] | None = None


def _dummy_hash() -> str:
    """A hash with the current parameters, verified for unknown names so that they take as long."""
    global _dummy
    if _dummy is None or _dummy[0] is not HASHER:
        _dummy = (HASHER, HASHER.hash("联查-not-a-password"))
    return _dummy[1]


def _verify(stored: str, password: str) -> bool:
    try:
        return bool(HASHER.verify(stored, password))
    except (VerificationError, InvalidHashError):
        return False


def failure_message(settings: SecuritySettings) -> str:
    """The one message for every refused login."""
    return (
        f"用户名或密码不正确。连续输错 {settings.lockout_attempts} 次后账户将锁定 "
        f"{settings.lockout_minutes} 分钟；如已锁定，请稍后再试或请管理员解锁。"
    )


def authenticate(
    db: Database, username: str, password: str, *, host: str | None = None, now: datetime | None = None
) -> LoginResult:
    """Log a user in, or raise ``AuthenticationFailed`` with the same message whatever went wrong.

    After ``lockout_attempts`` wrong passwords in a row the account is locked for
    ``lockout_minutes`` (settings); while locked even the right password is refused. Every
    attempt is recorded in ``login_attempts``; attempts on an existing account also in the
    audit trail.

    Args:
        db: the open database.
        username: as typed (case and surrounding spaces do not matter).
        password: as typed.
        host: the workstation's name (default: this machine's).
        now: the current time (tests).
    """
    now = now or utcnow()
    host = _hostname() if host is None else host[:100]
    name = normalize_username(username)
    with db.read() as session:
        settings = security_settings(session)
        found = session.execute(select(User).where(User.username == name)).scalar_one_or_none()
        user_id = found.id if found is not None else None
        stored = found.password_hash if found is not None else _dummy_hash()
    # Verified before taking the write lock: argon2 is slow on purpose.
    password_ok = _verify(stored, password) and user_id is not None
    new_hash = HASHER.hash(password) if password_ok and HASHER.check_needs_rehash(stored) else None
    result: LoginResult | None = None
    with db.write() as session:
        user = session.get(User, user_id) if user_id is not None else None
        if user is None:
            outcome = "unknown_user"
        elif not user.active:
            outcome = "inactive"
        elif user.locked_until is not None and user.locked_until > now:
            outcome = "locked"
        elif not password_ok or user.password_hash != stored:
            outcome = "bad_password"
        else:
            outcome = "ok"
        session.add(
            LoginAttempt(
                at=now,
                user_id=user.id if user else None,
                username=user.username if user else "",
                success=outcome == "ok",
                outcome=outcome,
                host=host,
            )
        )
        if user is not None:
            label = _label(user)
            if outcome == "ok":
                previous = user.last_login_at
                user.failed_logins = 0
                user.locked_until = None
                user.last_login_at = now
                if new_hash is not None:
                    user.password_hash = new_hash
                session.flush()
                audit.record(
                    session,
                    operator=label,
                    action="login",
                    entity="users",
                    entity_id=user.id,
                    summary=f"「{label}」在 {host or '本机'} 登录",
                )
                result = LoginResult(actor_for(user), user.must_change_password, previous)
            else:
                if outcome == "bad_password":
                    user.failed_logins += 1
                    if user.failed_logins >= settings.lockout_attempts:
                        user.locked_until = now + timedelta(minutes=settings.lockout_minutes)
                        user.failed_logins = 0
                        outcome = "locked_now"
                session.flush()
                audit.record(
                    session,
                    operator=label,
                    action="lock" if outcome == "locked_now" else "login_failed",
                    entity="users",
                    entity_id=user.id,
                    summary=(
                        f"「{label}」连续 {settings.lockout_attempts} 次密码错误，账户锁定 {settings.lockout_minutes} 分钟"
                        if outcome == "locked_now"
                        else f"「{label}」登录失败（{OUTCOME_LABELS[outcome]}）"
                    ),
                )
    if result is None:
        raise AuthenticationFailed(failure_message(settings))
    return result


def reload_actor(db: Database, user_id: int) -> Actor:
    """The account's current roles and scopes (after an administrator changed them, or on unlock).

    Raises ``AuthenticationFailed`` if the account has been deactivated meanwhile.
    """
    with db.read() as session:
        user = session.get(User, user_id)
        if user is None or not user.active:
            raise AuthenticationFailed("此账户已被停用。请联系管理员。")
        return actor_for(user)


# ---------------------------------------------------------------------------------------------
# Reading


def _row(user: User) -> UserRow:
    roles = tuple(r for r in Role if r in user.role_set)
    return UserRow(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        roles=roles,
        role_labels="、".join(r.label for r in roles),
        departments="，".join(d.name for d in user.departments),
        inspector=user.inspector.name if user.inspector is not None else "",
        cleared_for_classified=user.cleared_for_classified,
        active=user.active,
        locked_until=user.locked_until,
        must_change_password=user.must_change_password,
        last_login_at=user.last_login_at,
        password_changed_at=user.password_changed_at,
        version=user.version,
    )


def list_users(ctx: ServiceContext, *, include_inactive: bool = True) -> list[UserRow]:
    """Accounts by user name (administrator only)."""
    ctx.require(Permission.MANAGE_USERS)
    with ctx.read() as session:
        query = select(User).order_by(User.username)
        if not include_inactive:
            query = query.where(User.active.is_(True))
        return [_row(u) for u in session.execute(query).scalars()]


def get_user(ctx: ServiceContext, user_id: int) -> UserDetail:
    """One account for the edit dialog (administrator only)."""
    ctx.require(Permission.MANAGE_USERS)
    with ctx.read() as session:
        user = _require_user(session, user_id)
        data = UserData(
            username=user.username,
            display_name=user.display_name,
            roles=tuple(r for r in Role if r in user.role_set),
            department_ids=tuple(d.id for d in user.departments),
            inspector_id=user.inspector_id,
            cleared_for_classified=user.cleared_for_classified,
            note=user.note,
        )
        return UserDetail(user.id, user.version, user.active, data)


def user_by_name(ctx: ServiceContext, username: str) -> UserRow | None:
    """An account by user name (administrator only)."""
    ctx.require(Permission.MANAGE_USERS)
    with ctx.read() as session:
        user = session.execute(
            select(User).where(User.username == normalize_username(username))
        ).scalar_one_or_none()
        return _row(user) if user is not None else None


def recent_login_attempts(ctx: ServiceContext, *, limit: int = 200) -> list[LoginAttemptRow]:
    """The latest login attempts, newest first (administrator only)."""
    ctx.require(Permission.MANAGE_USERS)
    with ctx.read() as session:
        rows = session.execute(select(LoginAttempt).order_by(LoginAttempt.id.desc()).limit(limit)).scalars()
        return [
            LoginAttemptRow(
                a.id, a.at, a.username, a.success, a.outcome, OUTCOME_LABELS.get(a.outcome, a.outcome), a.host
            )
            for a in rows
        ]
