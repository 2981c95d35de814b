"""Exceptions nobody caught on the GUI thread: logged, and shown to the operator once.

Background operations report their own errors (``app/ui/operations.py``). An exception raised
in a slot or an event handler, though, reached only ``sys.excepthook``: Python printed it on
a console the operator does not have, and the click simply did nothing. The hook installed
here writes it to the log (``app/logfile.py``) and opens the standard 程序错误 dialog
(``app/ui/errors.py``) without blocking. While that dialog is open, further exceptions are only
logged: an error in a paint handler repeats at every repaint and must not pile up dialogs.
"""

from __future__ import annotations

import logging
import sys
import traceback
from types import TracebackType

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QMessageBox, QWidget

from app.ui.errors import show_error

logger = logging.getLogger(__name__)


class UncaughtErrorReporter(QObject):
    """Install with :meth:`install`; :meth:`uninstall` puts the previous hook back."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self._window = window
        self._box: QMessageBox | None = None
        self._previous = sys.excepthook
        self.repeated = 0  # exceptions logged while the dialog was open

    def install(self) -> None:
        self._previous = sys.excepthook
        sys.excepthook = self._hook

    def uninstall(self) -> None:
        if sys.excepthook == self._hook:
            sys.excepthook = self._previous

    @property
    def dialog(self) -> QMessageBox | None:
        """The open error dialog, if any."""
        return self._box

    def _hook(self, exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            self._previous(exc_type, exc, tb)
            return
        details = "".join(traceback.format_exception(exc_type, exc, tb))
        if self._previous is not sys.__excepthook__:
            # A host's hook (pytest-qt's capture, a debugger) still hears of it.
            self._previous(exc_type, exc, tb)
        if self._box is not None:
            self.repeated += 1
            logger.error("uncaught exception while the error dialog is open: %s", details)
            return
        # show_error logs the traceback (a bug) before opening the dialog.
        self._box = show_error(self._window, exc, details)
        self._box.finished.connect(self._closed)

    def _closed(self) -> None:
        self._box = None
