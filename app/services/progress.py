"""Thread-safe progress and cancellation for long operations.

The core never calls the UI: a worker updates a ``Progress``, the UI polls it on a timer
(as Anki does), and cancelling sets a flag that the core checks at safe points, where it
raises ``Interrupted`` so that the unit of work rolls back.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from app.services.errors import Interrupted


@dataclass(frozen=True)
class ProgressState:
    """A snapshot for display."""

    done: int
    total: int  # 0 = unknown
    message: str
    cancelled: bool


class Progress:
    """Shared between the worker (writes) and the UI (reads, cancels)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._done = 0
        self._total = 0
        self._message = ""
        self._cancelled = threading.Event()

    def update(self, done: int | None = None, total: int | None = None, message: str | None = None) -> None:
        """Record progress; raise ``Interrupted`` if the user cancelled meanwhile."""
        with self._lock:
            if done is not None:
                self._done = done
            if total is not None:
                self._total = total
            if message is not None:
                self._message = message
        self.check()

    def advance(self, step: int = 1) -> None:
        with self._lock:
            self._done += step
        self.check()

    def cancel(self) -> None:
        self._cancelled.set()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def check(self) -> None:
        """Raise ``Interrupted`` if cancelled; call it at points where stopping is safe."""
        if self._cancelled.is_set():
            raise Interrupted

    def report(self, done: int, total: int) -> None:
        """A plain ``(done, total)`` callback for libraries that take one (printing, io readers)."""
        self.update(done=done, total=total)

    def is_cancelled(self) -> bool:
        """A plain ``() -> bool`` callback for libraries that poll for cancellation."""
        return self._cancelled.is_set()

    def snapshot(self) -> ProgressState:
        with self._lock:
            return ProgressState(self._done, self._total, self._message, self._cancelled.is_set())
