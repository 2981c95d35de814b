"""Noticing, at start-up, a long operation that a crash or power cut interrupted.

A long operation (an import, a draw, a batch import …) is one unit of work, so a crash leaves
nothing of it in the database — but the user should be told it did not happen. Before the
operation's unit of work begins, ``begin_operation`` commits a marker row in its own short
transaction; ``end_operation`` removes it when the operation ends, whether it succeeded or
failed cleanly (a clean failure rolls back and is reported by the operation itself). A marker
still there after its process is gone means the process died mid-way.

Whether the owner is alive is decided by an OS file lock, not by a process id: the owner
holds an exclusive lock on ``<data dir>/locks/<token>.lock`` for the whole operation, and the
operating system releases it when the process dies however it dies. Process ids are reused
(especially after the reboot that follows a power cut), locks are not. Markers of other
workstations (PostgreSQL shared by several desks) are left to those workstations.

Usage by a long operation::

    with tracked_operation(ctx, "导入检查对象"):
        import_targets(ctx, ...)

and at start-up (GUI or CLI)::

    for op in interrupted_operations(db):
        show(op.message)
"""

from __future__ import annotations

import functools
import logging
import os
import socket
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Concatenate, ParamSpec, TypeVar

from sqlalchemy import delete, select

from app.config import data_dir
from app.db import Database
from app.models import OperationInProgress
from app.models.base import utcnow
from app.services.context import ServiceContext

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class OperationHandle:
    """A running operation, as returned by ``begin_operation``."""

    id: int
    token: str
    name: str
    started_at: datetime


@dataclass(frozen=True)
class InterruptedOperation:
    """An operation whose process died before it ended."""

    id: int
    name: str
    started_at: datetime
    operator: str

    @property
    def message(self) -> str:
        """What to tell the user, in Chinese."""
        local = self.started_at.astimezone()
        return (
            f"上次的{self.name}在 {local:%Y-%m-%d %H:%M} 被中断，未保存任何部分结果。如仍需要，请重新执行。"
        )


def _locks_dir() -> Path:
    path = data_dir() / "locks"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _hostname() -> str:
    try:
        return socket.gethostname()[:100]
    except OSError:  # pragma: no cover
        return ""


def _try_lock(handle: IO[bytes]) -> bool:
    """Take an exclusive, non-blocking lock on the open file; False if another process holds it."""
    if sys.platform == "win32":
        import msvcrt

        try:
            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


# Lock files held by this process, by token; closing the file releases the lock.
_held: dict[str, IO[bytes]] = {}


def begin_operation(ctx: ServiceContext, name: str) -> OperationHandle:
    """Mark the start of a long operation (committed at once, in its own transaction).

    Args:
        ctx: the service context (its operator is recorded).
        name: the operation as the user knows it, e.g. "导入检查对象", "随机抽取".
    """
    token = str(uuid.uuid4())
    # The lock is taken before the marker exists, so nobody can see a marker without its lock.
    handle = open(_locks_dir() / f"{token}.lock", "a+b")  # noqa: SIM115 - held until end_operation
    if not _try_lock(handle):  # pragma: no cover - a fresh uuid cannot be locked by anyone else
        handle.close()
        raise RuntimeError("could not lock a fresh operation token")
    _held[token] = handle
    try:
        started = utcnow()
        with ctx.write() as session:
            marker = OperationInProgress(
                token=token,
                name=name[:100],
                started_at=started,
                operator=ctx.operator[:50],
                host=_hostname(),
                pid=os.getpid(),
            )
            session.add(marker)
            session.flush()
            marker_id = marker.id
    except BaseException:
        _release(token)
        raise
    return OperationHandle(marker_id, token, name, started)


def _release(token: str) -> None:
    handle = _held.pop(token, None)
    if handle is not None:
        handle.close()
    with suppress(OSError):
        (_locks_dir() / f"{token}.lock").unlink()


def end_operation(ctx: ServiceContext, handle: OperationHandle) -> None:
    """Mark the operation as ended (successfully or cleanly failed): remove its marker."""
    try:
        with ctx.write() as session:
            session.execute(delete(OperationInProgress).where(OperationInProgress.id == handle.id))
    finally:
        _release(handle.token)


@contextmanager
def tracked_operation(ctx: ServiceContext, name: str) -> Iterator[OperationHandle]:
    """``begin_operation`` … ``end_operation`` around a block; a crash inside leaves the marker."""
    handle = begin_operation(ctx, name)
    try:
        yield handle
    finally:
        end_operation(ctx, handle)


P = ParamSpec("P")
R = TypeVar("R")


def tracked(
    name: str,
) -> Callable[[Callable[Concatenate[ServiceContext, P], R]], Callable[Concatenate[ServiceContext, P], R]]:
    """Decorate a long use case ``fn(ctx, ...)`` so that each call runs in ``tracked_operation``.

    A call with ``dry_run=True`` writes nothing and is not tracked. The name must be generic
    (see ``interrupted_operations``).
    """

    def decorate(
        fn: Callable[Concatenate[ServiceContext, P], R],
    ) -> Callable[Concatenate[ServiceContext, P], R]:
        @functools.wraps(fn)
        def wrapper(ctx: ServiceContext, /, *args: P.args, **kwargs: P.kwargs) -> R:
            if kwargs.get("dry_run"):
                return fn(ctx, *args, **kwargs)
            with tracked_operation(ctx, name):
                return fn(ctx, *args, **kwargs)

        return wrapper

    return decorate


def _owner_alive(token: str) -> bool:
    if token in _held:
        return True
    path = _locks_dir() / f"{token}.lock"
    if not path.exists():
        return False
    with open(path, "a+b") as handle:
        return not _try_lock(handle)


def interrupted_operations(db: Database, *, clear: bool = True) -> list[InterruptedOperation]:
    """Operations of this workstation whose process died before they ended, oldest first.

    Call it at start-up and show each one's ``message``. With ``clear`` (the default) the
    markers are removed, so each interruption is reported once. Operation names must be
    generic ("随机抽取"), never a task's name or number: they are shown and logged to anyone.
    """
    host = _hostname()
    with db.read() as session:
        markers = session.execute(
            select(OperationInProgress)
            .where(OperationInProgress.host == host)
            .order_by(OperationInProgress.id)
        ).scalars()
        tokens = {m.id: m.token for m in markers}
    dead = [marker_id for marker_id, token in tokens.items() if not _owner_alive(token)]
    if not dead:
        return []
    # Re-read under the write lock: an owner that ended normally deleted its marker before
    # releasing its lock, so a marker still present now really was left behind.
    with db.write() if clear else db.read() as session:
        left = session.execute(
            select(OperationInProgress)
            .where(OperationInProgress.id.in_(dead))
            .order_by(OperationInProgress.id)
        ).scalars()
        found = [InterruptedOperation(m.id, m.name, m.started_at, m.operator) for m in left]
        if clear and found:
            session.execute(
                delete(OperationInProgress).where(OperationInProgress.id.in_([op.id for op in found]))
            )
    for op in found:
        logger.warning("interrupted operation found: %s started %s", op.name, op.started_at.isoformat())
        if clear:
            with suppress(OSError):
                (_locks_dir() / f"{tokens[op.id]}.lock").unlink()
    return found
