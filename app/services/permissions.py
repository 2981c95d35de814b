"""Who may do what: roles, permissions, department scopes and classified visibility, in one place.

Services enforce permissions themselves (the GUI only hides what a user cannot do): every
mutating service function starts with one line, ``ctx.require(Permission.X)`` — with
``department_id=`` where the record belongs to a department — and raises ``PermissionDenied``
with a Chinese message otherwise.

Reading is open to every logged-in user except classified work: a query over tasks adds
``visible_task_condition(ctx)`` to its WHERE clause, and a service that loads one task by id
calls ``require_task_visible(ctx, task)`` (which answers "not found", so an uncleared user
does not even learn the task exists). Queries over things that belong to a task (draws,
inspections, results …) join the task and add the same condition.

Single-user mode: while the database has no user account (a fresh install, the demo, a
script), the context's operator acts with every role and is cleared for classified work, so
that the first start and headless scripts work. Once an account exists, a context without a
logged-in user may read public records but change nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum, StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, and_, exists, select, true
from sqlalchemy.orm import Session

from app.models import AuditEntry, Task, User
from app.models.users import ROLE_LABELS, Role
from app.services.errors import NotFoundError, PermissionDenied

if TYPE_CHECKING:
    from app.services.context import ServiceContext


class Permission(StrEnum):
    """A capability checked by services."""

    VIEW = "view"
    MANAGE_USERS = "users.manage"
    MANAGE_SETTINGS = "settings.manage"
    BACKUP = "backup"  # make a backup, restore one
    VIEW_AUDIT = "audit.view"  # browse and export the audit trail
    EDIT_CALENDAR = "calendar.edit"  # holiday tables
    EDIT_DEPARTMENTS = "departments.edit"
    EDIT_TARGETS = "targets.edit"
    EDIT_INSPECTORS = "inspectors.edit"
    EDIT_ITEMS = "items.edit"
    EDIT_SCHEMES = "schemes.edit"
    EDIT_PLANS = "plans.edit"
    EDIT_TASKS = "tasks.edit"
    EDIT_FREQUENCY = "frequency.edit"  # 抽查频次: yearly caps and minimum intervals per risk class
    RUN_DRAWS = "draws.run"
    PUBLISH = "publish"  # plans, adjustments, results disclosure
    SYNC = "sync"  # batches to and from the platform
    ENTER_RESULTS = "results.enter"
    REVIEW_RESULTS = "results.review"

    @property
    def label(self) -> str:
        return PERMISSION_LABELS[self]


PERMISSION_LABELS: dict[Permission, str] = {
    Permission.VIEW: "查看",
    Permission.MANAGE_USERS: "管理用户",
    Permission.MANAGE_SETTINGS: "修改系统设置",
    Permission.BACKUP: "备份与恢复",
    Permission.VIEW_AUDIT: "查看留痕记录",
    Permission.EDIT_CALENDAR: "录入节假日安排",
    Permission.EDIT_DEPARTMENTS: "维护部门",
    Permission.EDIT_TARGETS: "维护检查对象名录库",
    Permission.EDIT_INSPECTORS: "维护检查人员名录库",
    Permission.EDIT_ITEMS: "维护抽查事项清单",
    Permission.EDIT_SCHEMES: "维护一业一查方案",
    Permission.EDIT_PLANS: "编制年度抽查计划",
    Permission.EDIT_TASKS: "编制抽查任务",
    Permission.EDIT_FREQUENCY: "设置抽查频次",
    Permission.RUN_DRAWS: "随机抽取",
    Permission.PUBLISH: "公布计划和结果",
    Permission.SYNC: "数据同步",
    Permission.ENTER_RESULTS: "录入检查结果",
    Permission.REVIEW_RESULTS: "审核检查结果",
}


class Scope(Enum):
    """How far a role's permission reaches."""

    ALL = "all"
    OWN_DEPARTMENTS = "own_departments"  # records of the user's assigned departments
    OWN_TEAMS = "own_teams"  # inspections of teams the user's inspector belongs to


_ALL, _DEPT, _TEAMS = Scope.ALL, Scope.OWN_DEPARTMENTS, Scope.OWN_TEAMS

# The one table of who may do what. Targets are a registry shared by every department, so only
# the office edits them (a department operator's change would alter other departments' draws);
# inspectors and items belong to a department and its operators maintain their own. The
# administrator runs the system (users, settings, backups, departments for scoping users) but
# does no business work unless also given a business role: separation of duties.
ROLE_PERMISSIONS: dict[Role, dict[Permission, Scope]] = {
    Role.ADMIN: {
        Permission.VIEW: _ALL,
        Permission.MANAGE_USERS: _ALL,
        Permission.MANAGE_SETTINGS: _ALL,
        Permission.BACKUP: _ALL,
        Permission.VIEW_AUDIT: _ALL,
        Permission.EDIT_CALENDAR: _ALL,
        Permission.EDIT_DEPARTMENTS: _ALL,
        Permission.EDIT_FREQUENCY: _ALL,
    },
    Role.OFFICE: {
        Permission.VIEW: _ALL,
        Permission.VIEW_AUDIT: _ALL,
        Permission.EDIT_CALENDAR: _ALL,
        Permission.EDIT_DEPARTMENTS: _ALL,
        Permission.EDIT_TARGETS: _ALL,
        Permission.EDIT_INSPECTORS: _ALL,
        Permission.EDIT_ITEMS: _ALL,
        Permission.EDIT_SCHEMES: _ALL,
        Permission.EDIT_PLANS: _ALL,
        Permission.EDIT_TASKS: _ALL,
        Permission.EDIT_FREQUENCY: _ALL,
        Permission.RUN_DRAWS: _ALL,
        Permission.PUBLISH: _ALL,
        Permission.SYNC: _ALL,
        Permission.REVIEW_RESULTS: _ALL,
    },
    Role.DEPARTMENT: {
        Permission.VIEW: _ALL,
        Permission.EDIT_INSPECTORS: _DEPT,
        Permission.EDIT_ITEMS: _DEPT,
        Permission.ENTER_RESULTS: _DEPT,
        Permission.REVIEW_RESULTS: _DEPT,
    },
    Role.INSPECTOR: {
        Permission.VIEW: _ALL,
        Permission.ENTER_RESULTS: _TEAMS,
    },
    Role.READONLY: {
        Permission.VIEW: _ALL,
        Permission.VIEW_AUDIT: _ALL,
    },
}


@dataclass(frozen=True)
class Actor:
    """The person a service call acts for: a logged-in user, or the single-user operator."""

    user_id: int | None
    username: str
    display_name: str
    roles: frozenset[Role]
    department_ids: frozenset[int] = frozenset()
    department_names: tuple[str, ...] = ()
    inspector_id: int | None = None
    cleared: bool = False
    implicit: bool = False  # single-user mode: no account exists yet

    @property
    def label(self) -> str:
        """How the audit trail names the actor: 张三（zhangsan）."""
        if self.implicit or not self.username or self.display_name == self.username:
            return self.display_name or self.username
        return f"{self.display_name}（{self.username}）"

    @property
    def role_labels(self) -> str:
        return "、".join(ROLE_LABELS[r] for r in Role if r in self.roles) or "无"

    def scopes(self, permission: Permission) -> set[Scope]:
        """Every scope in which the actor's roles grant ``permission``."""
        if self.implicit:
            # Single-user mode (no account exists yet): the operator may do everything, everywhere.
            return {Scope.ALL}
        return {ROLE_PERMISSIONS[r][permission] for r in self.roles if permission in ROLE_PERMISSIONS[r]}

    def may(self, permission: Permission) -> bool:
        """Whether the actor holds the permission in some scope (for enabling menu entries)."""
        return bool(self.scopes(permission))

    def allows(
        self,
        permission: Permission,
        *,
        department_id: int | None = None,
        team_member_ids: Iterable[int] | None = None,
    ) -> bool:
        """Whether the actor may do this to a record of ``department_id`` / of a team with these inspectors."""
        scopes = self.scopes(permission)
        if Scope.ALL in scopes:
            return True
        if (
            Scope.OWN_DEPARTMENTS in scopes
            and department_id is not None
            and department_id in self.department_ids
        ):
            return True
        return (
            Scope.OWN_TEAMS in scopes
            and team_member_ids is not None
            and self.inspector_id is not None
            and self.inspector_id in set(team_member_ids)
        )


def single_user_actor(operator: str) -> Actor:
    """The operator of a database without accounts: every role, cleared for classified work."""
    return Actor(
        user_id=None,
        username="",
        display_name=operator,
        roles=frozenset(Role),
        cleared=True,
        implicit=True,
    )


ANONYMOUS = Actor(user_id=None, username="", display_name="未登录", roles=frozenset())


def users_exist(session: Session) -> bool:
    """Whether any account exists (then every change needs a logged-in user)."""
    return session.execute(select(User.id).limit(1)).first() is not None


def current_actor(ctx: ServiceContext) -> Actor:
    """The context's actor: its user, the single-user operator, or nobody once accounts exist."""
    if ctx.user is not None:
        return ctx.user
    if not ctx.accounts_known:
        # Accounts never disappear (only deactivated), so once seen the answer is cached.
        with ctx.db.read() as session:
            if not users_exist(session):
                return single_user_actor(ctx.operator)
        ctx.accounts_known = True
    return ANONYMOUS


def check_permission(
    actor: Actor,
    permission: Permission,
    *,
    department_id: int | None = None,
    team_member_ids: Iterable[int] | None = None,
) -> None:
    """Raise ``PermissionDenied`` (Chinese, saying what to do) unless the actor may do this."""
    members = list(team_member_ids) if team_member_ids is not None else None
    if actor.allows(permission, department_id=department_id, team_member_ids=members):
        return
    if actor is ANONYMOUS or (actor.user_id is None and not actor.implicit):
        raise PermissionDenied(f"本数据库已启用用户账户，{permission.label}须先登录。请登录后再试。")
    scopes = actor.scopes(permission)
    if Scope.OWN_DEPARTMENTS in scopes:
        own = "、".join(actor.department_names) or "（未分配部门）"
        raise PermissionDenied(
            f"您只能{permission.label}中属于本部门（{own}）的记录，这条记录属于其他部门。"
            "如需调整负责部门，请联系管理员。"
        )
    if Scope.OWN_TEAMS in scopes:
        raise PermissionDenied(f"您只能{permission.label}中本人所在检查组的记录。")
    raise PermissionDenied(
        f"您没有「{permission.label}」的权限（当前角色：{actor.role_labels}）。如需此权限，请联系管理员。"
    )


# ---------------------------------------------------------------------------------------------
# Classified work (涉密任务)


def visible_task_condition(ctx: ServiceContext) -> ColumnElement[bool]:
    """WHERE condition on ``Task`` that hides classified tasks from users not cleared for them.

    Use it in every query that lists tasks or things of tasks (join ``Task`` first)::

        select(Task).where(visible_task_condition(ctx), ...)
    """
    if current_actor(ctx).cleared:
        return true()
    return Task.is_classified.is_(False)


def can_see_classified(ctx: ServiceContext) -> bool:
    """Whether the context's actor is cleared for classified work."""
    return current_actor(ctx).cleared


def require_task_visible(ctx: ServiceContext, task: Task | None, reference: Any = None) -> Task:
    """Return the task, or raise ``NotFoundError`` as if it did not exist when the actor may not see it.

    The message is the one for a missing task, so an uncleared user does not learn that a
    classified task exists.
    """
    if task is None or (task.is_classified and not can_see_classified(ctx)):
        ref = reference if reference is not None else (task.id if task is not None else "")
        raise NotFoundError(f"抽查任务（{ref}）不存在，或您无权查看。请刷新列表后重试。")
    return task


def visible_audit_condition(ctx: ServiceContext) -> ColumnElement[bool]:
    """WHERE condition on ``AuditEntry`` hiding entries about classified work from uncleared users.

    An entry is hidden if it was recorded as classified, or if the task it concerns is
    classified now (a task may become classified after its first entries).
    """
    if current_actor(ctx).cleared:
        return true()
    task_classified = exists().where(and_(Task.id == AuditEntry.task_id, Task.is_classified.is_(True)))
    return and_(AuditEntry.classified.is_(False), ~task_classified)
