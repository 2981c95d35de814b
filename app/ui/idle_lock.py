"""Idle auto-lock: after N minutes without input the program covers itself and asks for the password.

Nothing is closed or hidden while locked — an editor the user left open keeps what was typed
(and a dialog in ``exec()`` would end if hidden). Instead every open window gets an opaque
cover, and the password is asked in a separate application-modal window on top of them, so
no other window takes input and nothing of their content shows. Unlocking checks the
password like a login (a wrong one counts towards the lockout and is in the audit trail).

Another user may take over only when no editor is open: work half-typed by one user must
not be saved under another's name.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.db import Database
from app.services.context import ServiceContext
from app.services.errors import ServiceError
from app.services.users import authenticate, context_for, normalize_username

logger = logging.getLogger(__name__)

# Input that counts as "someone is at the desk".
ACTIVITY_EVENTS = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseMove,
        QEvent.Type.Wheel,
        QEvent.Type.TouchBegin,
    }
)
BLOCKED_WHILE_LOCKED = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.KeyRelease,
        QEvent.Type.ShortcutOverride,
        QEvent.Type.Shortcut,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseButtonRelease,
        QEvent.Type.MouseButtonDblClick,
        QEvent.Type.Wheel,
        QEvent.Type.InputMethod,
    }
)


class LockCover(QWidget):
    """An opaque sheet over one window while the program is locked."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.setObjectName("lockCover")
        self.setAutoFillBackground(True)
        self.setStyleSheet("#lockCover { background: #2f3b4a; } QLabel { color: white; }")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        label = QLabel(self.tr("联查已锁定"))
        font = label.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        label.setFont(font)
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        self.setGeometry(window.rect())
        window.installEventFilter(self)
        self.raise_()
        self.show()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and isinstance(watched, QWidget):
            self.setGeometry(watched.rect())
            self.raise_()
        return False


class LockScreen(QDialog):
    """Asks the locked-out user's password, or (with no editor open) another user's name and password."""

    unlocked = Signal(object)  # ServiceContext: the same user's (fresh roles) or the new user's

    def __init__(
        self, db: Database, services: ServiceContext, *, can_switch: bool, parent: QWidget | None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("lockScreen")
        self.setWindowTitle(self.tr("联查已锁定"))
        self.setWindowModality(Qt.WindowModality.ApplicationModal)
        self.setWindowFlag(Qt.WindowType.WindowCloseButtonHint, False)
        self._db = db
        user = services.user
        assert user is not None
        self._username = user.username
        self.title = QLabel(
            self.tr("长时间无操作，联查已锁定。\n请输入「{name}」的密码继续；未保存的内容都还在。").format(
                name=user.label
            )
        )
        self.title.setWordWrap(True)
        self.username = QLineEdit(user.username)
        self.username.setObjectName("lockUsername")
        self.username.setReadOnly(True)
        self.password = QLineEdit()
        self.password.setObjectName("lockPassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.returnPressed.connect(self.try_unlock)
        self.message = QLabel()
        self.message.setObjectName("lockMessage")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b00020")
        form = QFormLayout()
        form.addRow(self.tr("用户名"), self.username)
        form.addRow(self.tr("密码"), self.password)
        self.unlock_button = QPushButton(self.tr("解锁"))
        self.unlock_button.setObjectName("unlockButton")
        self.unlock_button.setDefault(True)
        self.unlock_button.clicked.connect(lambda _c=False: self.try_unlock())
        self.switch_button = QPushButton(self.tr("切换用户"))
        self.switch_button.setObjectName("switchUser")
        self.switch_button.clicked.connect(lambda _c=False: self.start_switch())
        self.switch_button.setEnabled(can_switch)
        if not can_switch:
            self.switch_button.setToolTip(self.tr("还有未关闭的编辑窗口：请先解锁，保存或关闭后再切换用户。"))
        buttons = QHBoxLayout()
        buttons.addWidget(self.switch_button)
        buttons.addStretch(1)
        buttons.addWidget(self.unlock_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.resize(440, self.sizeHint().height())

    def reject(self) -> None:
        # Escape must not unlock.
        return

    @Slot()
    def start_switch(self) -> None:
        """Let another user log in instead."""
        self.username.setReadOnly(False)
        self.username.clear()
        self.password.clear()
        self.title.setText(self.tr("请输入另一位用户的用户名和密码。当前用户将退出。"))
        self.username.setFocus()

    @Slot()
    def try_unlock(self) -> None:
        """Check the password like a login; on success close and hand over the context."""
        try:
            result = authenticate(self._db, self.username.text().strip(), self.password.text())
        except ServiceError as exc:
            self.message.setText(str(exc))
            self.password.clear()
            self.password.setFocus()
            return
        self.unlocked.emit(context_for(self._db, result.actor))
        self.accept()

    def switching(self) -> bool:
        """Whether the name typed is another user's."""
        return normalize_username(self.username.text()) != self._username


class IdleLock(QObject):
    """Watches the application's input and locks the window after ``timeout_ms`` without any.

    Args:
        window: the main window (its ``ui`` holds the current user's services).
        timeout_ms: idle time before locking; 0 or less: never lock.
        switch_user: called with the new user's services when another user unlocked.
    """

    locked_changed = Signal(bool)

    def __init__(
        self,
        window: QWidget,
        services: Callable[[], ServiceContext | None],
        *,
        timeout_ms: int,
        switch_user: Callable[[ServiceContext], object],
    ) -> None:
        super().__init__(window)
        self.window = window
        self._services = services
        self._switch_user = switch_user
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self.lock)
        self.screen: LockScreen | None = None
        self._covers: list[LockCover] = []
        self.set_timeout(timeout_ms)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)
        window.destroyed.connect(self.stop)

    def set_timeout(self, timeout_ms: int) -> None:
        """Change the idle time (0: off) and start counting again."""
        self.timeout_ms = timeout_ms
        if timeout_ms > 0:
            self.timer.start(timeout_ms)
        else:
            self.timer.stop()

    @property
    def locked(self) -> bool:
        return self.screen is not None

    def stop(self) -> None:
        """Stop watching input and never lock (the window is going away)."""
        self.timer.stop()
        self.timeout_ms = 0
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # An application-wide filter is called for every event, also while Python tears the
        # object down; without its attributes it must simply let everything through.
        try:
            screen, timeout_ms = self.screen, self.timeout_ms
        except AttributeError:
            return False
        kind = event.type()
        if screen is not None:
            # Nothing reaches the covered windows while locked.
            return kind in BLOCKED_WHILE_LOCKED and not self._inside_screen(watched)
        if kind in ACTIVITY_EVENTS and timeout_ms > 0:
            self.timer.start(timeout_ms)
        return False

    def _inside_screen(self, watched: QObject) -> bool:
        screen = self.screen
        if screen is None or not shiboken6.isValid(screen):
            return False
        node: QObject | None = watched
        while node is not None:
            if node is screen:
                return True
            node = node.parent()
        return False

    def _open_windows(self) -> list[QWidget]:
        return [
            w
            for w in QApplication.topLevelWidgets()
            if w.isVisible() and w is not self.screen and w.objectName() != "lockScreen"
        ]

    @Slot()
    def lock(self) -> LockScreen | None:
        """Cover every window and ask for the password (nothing is closed)."""
        services = self._services()
        if self.screen is not None or services is None or services.user is None or services.user.implicit:
            return self.screen
        windows = self._open_windows()
        editors_open = any(w is not self.window for w in windows)
        self._covers = [LockCover(w) for w in windows]
        screen = LockScreen(services.db, services, can_switch=not editors_open, parent=self.window)
        screen.unlocked.connect(self._unlocked)
        self.screen = screen
        logger.info("window locked after %d ms without input", self.timeout_ms)
        screen.show()
        screen.activateWindow()
        screen.password.setFocus()
        self.locked_changed.emit(True)
        return screen

    @Slot(object)
    def _unlocked(self, new_services: ServiceContext) -> None:
        screen = self.screen
        self.screen = None
        for cover in self._covers:
            if shiboken6.isValid(cover):
                cover.hide()
                cover.deleteLater()
        self._covers = []
        current = self._services()
        if (
            current is not None
            and current.user is not None
            and new_services.user is not None
            and new_services.user.user_id != current.user.user_id
        ):
            self._switch_user(new_services)
        if screen is not None:
            screen.deleteLater()
        self.set_timeout(self.timeout_ms)
        self.locked_changed.emit(False)
