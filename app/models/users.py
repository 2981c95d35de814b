"""User accounts, their roles and department scopes, login attempts, and interrupted-operation markers."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, Column, ForeignKey, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, TimestampMixin, UidMixin, UtcDateTime, VersionedMixin
from app.models.registry import Department, Inspector, enum_column


class Role(StrEnum):
    """What a user is for. A user may hold several roles; permissions are their union."""

    ADMIN = "admin"
    OFFICE = "office"
    DEPARTMENT = "department"
    INSPECTOR = "inspector"
    READONLY = "readonly"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]

    @classmethod
    def from_label(cls, text: str) -> Role:
        """A role by its Chinese label or stored value; ValueError otherwise."""
        text = text.strip()
        for role in cls:
            if text in (role.value, role.label):
                return role
        raise ValueError(text)


ROLE_LABELS: dict[Role, str] = {
    Role.ADMIN: "管理员",
    Role.OFFICE: "办公室",
    Role.DEPARTMENT: "部门操作员",
    Role.INSPECTOR: "检查员",
    Role.READONLY: "只读",
}


user_departments = Table(
    "user_departments",
    Base.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("department_id", ForeignKey("departments.id"), primary_key=True, index=True),
)


class User(UidMixin, TimestampMixin, VersionedMixin, Base):
    """A person who logs in. Never deleted (the audit trail names them): deactivated instead."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(32), unique=True)
    display_name: Mapped[str] = mapped_column(String(16))
    # argon2id, in the PHC string form that carries its own parameters and salt.
    password_hash: Mapped[str] = mapped_column(String(200))
    inspector_id: Mapped[int | None] = mapped_column(ForeignKey("inspectors.id"), index=True)
    cleared_for_classified: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_login_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    password_changed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    note: Mapped[str] = mapped_column(Text, default="")

    roles: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin", order_by="UserRole.role"
    )
    departments: Mapped[list[Department]] = relationship(
        secondary=user_departments, lazy="selectin", order_by=Department.sort_order
    )
    inspector: Mapped[Inspector | None] = relationship()

    __mapper_args__ = {"version_id_col": VersionedMixin.version}  # noqa: RUF012

    @property
    def role_set(self) -> frozenset[Role]:
        return frozenset(Role(r.role) for r in self.roles)


class UserRole(Base):
    """One role held by a user."""

    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[Role] = mapped_column(enum_column(Role), primary_key=True)

    user: Mapped[User] = relationship(back_populates="roles")


class LoginAttempt(Base):
    """One login attempt, for the administrator's view of who tried what.

    The name typed is kept only when it belongs to an account: a password typed into the
    user-name box by mistake must not end up stored in clear.
    """

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    username: Mapped[str] = mapped_column(String(32), default="")
    success: Mapped[bool] = mapped_column(Boolean)
    outcome: Mapped[str] = mapped_column(String(20))  # ok / bad_password / unknown_user / locked / inactive
    host: Mapped[str] = mapped_column(String(100), default="")


class OperationInProgress(Base):
    """A long operation (import, draw …) that has started and not finished.

    Written and committed in its own short transaction before the operation's unit of work
    begins, removed after it ends. A row whose process is gone is an interrupted operation.
    """

    __tablename__ = "operations_in_progress"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(36), unique=True)  # names the owner's lock file
    name: Mapped[str] = mapped_column(String(100))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())
    operator: Mapped[str] = mapped_column(String(50), default="")
    host: Mapped[str] = mapped_column(String(100), default="")
    pid: Mapped[int] = mapped_column(Integer, default=0)
