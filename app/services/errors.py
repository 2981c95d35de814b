"""Errors raised by services. Their messages are Chinese and say what to do."""

from __future__ import annotations

from dataclasses import dataclass, field


class ServiceError(Exception):
    """A failure the user can act on (bad input, a rule refused, a record missing)."""


class NotFoundError(ServiceError):
    """The record asked for does not exist (any more)."""


class ConflictError(ServiceError):
    """Someone else changed the record since it was read (optimistic version check)."""


class RuleViolation(ServiceError):
    """A rule of the domain refuses the operation (e.g. a second draw of the same task)."""


class PermissionDenied(ServiceError):
    """The current user may not do this."""


class Interrupted(Exception):
    """The user cancelled a long operation; nothing was committed. The UI ignores it silently."""


@dataclass(frozen=True)
class FieldError:
    """One invalid field: which one, and why (Chinese)."""

    field: str
    message: str


@dataclass
class ValidationError(ServiceError):
    """One or more fields are invalid; nothing was changed."""

    errors: list[FieldError] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(self.message)

    @property
    def message(self) -> str:
        return "；".join(f"{e.field}：{e.message}" for e in self.errors)

    def __str__(self) -> str:
        return self.message
