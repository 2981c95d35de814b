"""Background operations: run a service call off the UI thread and come back with its result.

Shaped after Anki's ``CollectionOp`` / ``QueryOp``:

* ``CollectionOp`` changes the database. All of them run on one writer thread, in order,
  because SQLite has one writer; on success the runner announces what changed
  (``TaskRunner.changed``) so every open page can decide whether to reload.
* ``QueryOp`` only reads. Reads run on a small pool beside the writer (SQLite's WAL lets
  readers and the writer work at once). A query with a ``key`` supersedes an earlier one
  with the same key: a search typed letter by letter only ever delivers the latest result.

The operation is a plain callable taking a ``Progress``; the worker never touches a
widget. With ``with_progress(label)`` a dialog polls that ``Progress`` every 100 ms and its
cancel button calls ``progress.cancel()``; the core then raises ``Interrupted`` at a safe
point and the operation ends silently. Errors go to ``failure`` if given, otherwise to an
error dialog (``app.ui.errors``).
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any, Generic, Self, TypeVar

import shiboken6
from PySide6.QtCore import QElapsedTimer, QObject, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import QDialog, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from app.services.errors import Interrupted
from app.services.progress import Progress, ProgressState
from app.ui.errors import is_connection_lost, show_error

logger = logging.getLogger(__name__)

T = TypeVar("T")

POLL_INTERVAL_MS = 100
# A dialog that flashes for a fraction of a second is worse than none.
SHOW_PROGRESS_AFTER_MS = 300
ALL_CHANGED = "*"


@dataclass(frozen=True)
class _Outcome:
    result: Any = None
    error: BaseException | None = None
    traceback: str | None = None
    interrupted: bool = False


class _Relay(QObject):
    """Lives on the UI thread as long as its runner; workers emit on it, Qt queues the call.

    Why one long-lived relay and plain Python worker threads instead of a QRunnable and a
    QObject per operation: a per-operation object deleted on the UI thread (``deleteLater``)
    while its worker was still returning from ``emit``/``run`` corrupted the heap — the print
    preview test crashed in ``QObject::~QObject`` after a few hundred operations. A worker
    here touches only this relay, which its runner keeps until every worker has returned.
    """

    finished = Signal(object)  # (_Running, _Outcome)


def _execute(fn: Callable[[Progress], Any], progress: Progress) -> _Outcome:
    try:
        return _Outcome(result=fn(progress))
    except Interrupted:
        return _Outcome(interrupted=True)
    except BaseException as exc:  # a worker must always report back, or the UI waits forever
        return _Outcome(error=exc, traceback=traceback.format_exc())


class TaskRunner(QObject):
    """Owns the worker threads. One per main window; pages reach it through ``UiContext``."""

    changed = Signal(object)  # frozenset[str]: table names changed by a CollectionOp, or {"*"}
    connection_lost = Signal()  # an operation failed because the database server did not answer
    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None, *, readers: int = 2) -> None:
        super().__init__(parent)
        self._reader_count = readers
        self._writer: ThreadPoolExecutor | None = None
        self._readers: ThreadPoolExecutor | None = None
        # No Qt parent: the relay belongs to this Python object, so a worker that still holds
        # the runner can always emit on it, even while the window is being torn down.
        self._relay = _Relay()
        self._relay.finished.connect(self._deliver)
        self._running: set[_Running] = set()
        self._keyed: dict[str, _Running] = {}

    @property
    def active_count(self) -> int:
        """Operations started and not yet delivered."""
        return len(self._running)

    def is_idle(self) -> bool:
        """True when no operation is waiting, running or undelivered."""
        return not self._running

    def _pool(self, writes: bool) -> ThreadPoolExecutor:
        # One writer thread, because SQLite has one writer; a few readers beside it (WAL).
        if writes:
            if self._writer is None:
                self._writer = ThreadPoolExecutor(1, thread_name_prefix="liancha-writer")
            return self._writer
        if self._readers is None:
            self._readers = ThreadPoolExecutor(self._reader_count, thread_name_prefix="liancha-reader")
        return self._readers

    def _start(self, running: _Running, *, writes: bool, key: str | None) -> None:
        if key is not None:
            previous = self._keyed.get(key)
            if previous is not None:
                self._supersede(previous)
            self._keyed[key] = running
        was_idle = self.is_idle()
        self._running.add(running)
        running.future = self._pool(writes).submit(self._work, running)
        if was_idle:
            self.busy_changed.emit(True)

    def _work(self, running: _Running) -> None:
        """Runs on a worker thread: compute, then hand the outcome to the UI thread."""
        outcome = _execute(running.op.fn, running.progress)
        self._relay.finished.emit((running, outcome))

    @Slot(object)
    def _deliver(self, payload: tuple[_Running, _Outcome]) -> None:
        running, outcome = payload
        running.close_dialog()
        if running not in self._running:  # superseded and already finished
            return
        self._finished(running)
        if running.superseded:
            return
        running.op._deliver(outcome, self)

    def _supersede(self, running: _Running) -> None:
        running.superseded = True
        running.progress.cancel()
        if running.future is not None and running.future.cancel():
            # never started: it will never report, so finish it here
            running.close_dialog()
            self._finished(running)

    def _finished(self, running: _Running) -> None:
        self._running.discard(running)
        if running.key is not None and self._keyed.get(running.key) is running:
            del self._keyed[running.key]
        if self.is_idle():
            self.busy_changed.emit(False)

    def cancel_all(self) -> None:
        """Ask every running operation to stop (at its next safe point)."""
        for running in list(self._running):
            running.progress.cancel()

    def shutdown(self, timeout_ms: int = 30_000) -> bool:
        """Cancel everything and wait for the workers; True if they all stopped in time.

        The runner stays usable: its threads are released and made again on the next start.
        """
        self.cancel_all()
        futures = [r.future for r in self._running if r.future is not None]
        _, not_done = wait(futures, timeout=timeout_ms / 1000)
        ok = not not_done
        if ok:
            for pool in (self._writer, self._readers):
                if pool is not None:
                    pool.shutdown(wait=True)
            self._writer = self._readers = None
        else:
            logger.warning("background operations still running at shutdown")
        return ok


class ProgressDialog(QDialog):
    """Shows a ``Progress`` polled on a timer; its cancel button asks the operation to stop."""

    def __init__(
        self,
        parent: QWidget | None,
        label: str,
        progress: Progress,
        *,
        show_after_ms: int,
        cancellable: bool = True,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("progressDialog")
        self.setWindowTitle(self.tr("请稍候"))
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setMinimumWidth(420)
        self._label_text = label
        self._progress = progress
        self._show_after_ms = show_after_ms
        self.label = QLabel(label)
        self.label.setWordWrap(True)
        self.bar = QProgressBar()
        self.bar.setRange(0, 0)
        self.cancel_button = QPushButton(self.tr("取消"))
        self.cancel_button.clicked.connect(self.request_cancel)
        self.cancellable = cancellable
        # An operation that cannot stop half-way (a restore, a signed batch) offers no 取消 that
        # would do nothing; it says so instead.
        self.cancel_button.setVisible(cancellable)
        self.no_cancel = QLabel(self.tr("此操作不能中途取消，完成后会自动关闭本窗口。"))
        self.no_cancel.setVisible(not cancellable)
        layout = QVBoxLayout(self)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addWidget(self.cancel_button)
        layout.addWidget(self.no_cancel)
        self._clock = QElapsedTimer()
        self._clock.start()
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_INTERVAL_MS)
        self._timer.timeout.connect(self.poll)
        self._timer.start()

    @Slot()
    def poll(self) -> None:
        """Read the progress and show it (called every 100 ms)."""
        state: ProgressState = self._progress.snapshot()
        if state.cancelled:
            self.label.setText(self.tr("正在取消，请稍候…"))
        else:
            self.label.setText(state.message or self._label_text)
        if state.total > 0:
            self.bar.setRange(0, state.total)
            self.bar.setValue(min(state.done, state.total))
        else:
            self.bar.setRange(0, 0)
        if not self.isVisible() and self._clock.elapsed() >= self._show_after_ms:
            self.show()

    @Slot()
    def request_cancel(self) -> None:
        """Ask the operation to stop at its next safe point."""
        self._progress.cancel()
        self.cancel_button.setEnabled(False)
        self.poll()

    def reject(self) -> None:
        # Escape or the window's close button: cancel the operation, keep the dialog until it stops.
        if self.cancellable:
            self.request_cancel()

    def finish(self) -> None:
        """Stop polling and close (the operation has been delivered)."""
        self._timer.stop()
        self.hide()
        self.deleteLater()


class _Running:
    """One started operation: its progress, its future, and its progress dialog."""

    def __init__(self, op: _BackgroundOp[Any]) -> None:
        self.op = op
        self.writes = op.writes
        self.key = op.key
        self.superseded = False
        self.progress = op.progress or Progress()
        self.future: Future[None] | None = None
        self.dialog: ProgressDialog | None = None
        if op.label is not None:
            self.dialog = ProgressDialog(
                op.parent, op.label, self.progress, show_after_ms=op.show_after_ms, cancellable=op.cancellable
            )

    def close_dialog(self) -> None:
        if self.dialog is not None:
            if shiboken6.isValid(self.dialog):
                self.dialog.finish()
            self.dialog = None


class _BackgroundOp(Generic[T]):
    writes = False

    def __init__(
        self,
        *,
        parent: QWidget | None,
        runner: TaskRunner,
        op: Callable[[Progress], T],
        key: str | None = None,
    ) -> None:
        self.parent = parent
        self.runner = runner
        self.fn = op
        self.key = key
        self.label: str | None = None
        self.show_after_ms = SHOW_PROGRESS_AFTER_MS
        self.cancellable = True
        self.progress: Progress | None = None
        self._success: Callable[[T], object] | None = None
        self._failure: Callable[[BaseException], object] | None = None
        self._cancelled: Callable[[], object] | None = None
        self.changes: frozenset[str] = frozenset()

    def success(self, callback: Callable[[T], object] | None) -> Self:
        """Called on the UI thread with the operation's result."""
        self._success = callback
        return self

    def failure(self, callback: Callable[[BaseException], object] | None) -> Self:
        """Called on the UI thread instead of the error dialog when the operation raises."""
        self._failure = callback
        return self

    def cancelled(self, callback: Callable[[], object] | None) -> Self:
        """Called when the user cancelled (the core raised ``Interrupted``); nothing is shown."""
        self._cancelled = callback
        return self

    def with_progress(
        self, label: str, *, show_after_ms: int = SHOW_PROGRESS_AFTER_MS, cancellable: bool = True
    ) -> Self:
        """Show a progress dialog while the operation runs, with a cancel button if ``cancellable``.

        Pass ``cancellable=False`` when the operation never checks its ``Progress``: a 取消 that
        changes nothing is worse than none.
        """
        self.label = label
        self.show_after_ms = show_after_ms
        self.cancellable = cancellable
        return self

    def with_progress_object(self, progress: Progress) -> Self:
        """Use a given ``Progress`` (tests and callers that want to watch or cancel it)."""
        self.progress = progress
        return self

    def run_in_background(self) -> Progress:
        """Start the operation; returns its ``Progress`` (for cancelling from elsewhere)."""
        running = _Running(self)
        self.runner._start(running, writes=self.writes, key=self.key)
        return running.progress

    def _parent_alive(self) -> bool:
        return self.parent is None or shiboken6.isValid(self.parent)

    def _deliver(self, outcome: _Outcome, runner: TaskRunner) -> None:
        if outcome.interrupted:
            logger.info("operation cancelled by the user")
            if self._cancelled is not None and self._parent_alive():
                self._cancelled()
            return
        if outcome.error is not None:
            if not isinstance(outcome.error, Exception):
                raise outcome.error  # SystemExit, KeyboardInterrupt: not ours to swallow
            if is_connection_lost(outcome.error):
                runner.connection_lost.emit()
            if self._failure is not None and self._parent_alive():
                self._failure(outcome.error)
            else:
                show_error(self.parent if self._parent_alive() else None, outcome.error, outcome.traceback)
            return
        try:
            if self._success is not None and self._parent_alive():
                self._success(outcome.result)
        finally:
            if self.changes:
                runner.changed.emit(self.changes)


class QueryOp(_BackgroundOp[T]):
    """A read-only operation. ``key``: a newer query with the same key discards this one's result."""

    writes = False


class CollectionOp(_BackgroundOp[T]):
    """An operation that changes the database; ``changes`` names the tables it touches."""

    writes = True

    def __init__(
        self,
        *,
        parent: QWidget | None,
        runner: TaskRunner,
        op: Callable[[Progress], T],
        changes: Iterable[str] = (ALL_CHANGED,),
    ) -> None:
        super().__init__(parent=parent, runner=runner, op=op)
        self.changes = frozenset(changes)


def affects(changes: frozenset[str], *tables: str) -> bool:
    """Whether a ``TaskRunner.changed`` payload concerns any of ``tables``."""
    return ALL_CHANGED in changes or any(t in changes for t in tables)
