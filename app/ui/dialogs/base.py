"""Base of the record editors, the reason prompt, and input parsing shared by the dialogs."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import date

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QHideEvent, QShowEvent, QTextCursor
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QPlainTextEdit,
    QScrollArea,
    QTabBar,
    QTableWidget,
    QTextEdit,
    QTreeWidget,
    QTreeWidgetItemIterator,
    QVBoxLayout,
    QWidget,
)

from app.services.errors import FieldError, ValidationError
from app.services.progress import Progress
from app.ui.context import UiContext
from app.ui.errors import show_error
from app.ui.operations import CollectionOp
from app.ui.widgets import ERROR_STYLE, FieldErrors

LONG_TERM = "长期"
_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")


def parse_date(text: str, field: str) -> date | None:
    """Parse 2026-03-31, 2026/3/31, 2026年3月31日 or 20260331; empty, 长期 or 9999-09-09 mean none.

    Raises ``ValidationError`` naming ``field`` when the text is not a date.
    """
    raw = text.strip()
    if not raw or raw == LONG_TERM:
        return None
    match = _DATE.match(raw)
    if match is None and re.fullmatch(r"\d{8}", raw):
        match = _DATE.match(f"{raw[:4]}-{raw[4:6]}-{raw[6:]}")
    try:
        if match is None:
            raise ValueError(raw)
        value = date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        message = QCoreApplication.translate(
            "Dialogs", "「{text}」不是日期，请写成 2026-03-31 的形式（留空表示长期）"
        )
        raise ValidationError([FieldError(field, message.format(text=raw))]) from None
    if value.year == 9999:  # the provincial platform's way of writing 长期
        return None
    return value


def format_date(value: date | None, *, empty: str = "") -> str:
    """A date as the dialogs show it (ISO), ``empty`` for none."""
    return value.isoformat() if value is not None else empty


def collect_errors(checks: Iterable[Callable[[], object]]) -> None:
    """Run parsers that may raise ``ValidationError`` and raise one error listing every problem."""
    errors: list[FieldError] = []
    for check in checks:
        try:
            check()
        except ValidationError as exc:
            errors.extend(exc.errors)
    if errors:
        raise ValidationError(errors)


# What a user does to change a field: a key, a click, the wheel on a combo box, or Chinese from the
# input method (which arrives as one InputMethod event, not as key presses).
_INPUT_EVENTS = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseButtonDblClick,
        QEvent.Type.Wheel,
        QEvent.Type.InputMethod,
        QEvent.Type.Drop,
    }
)


def form_state(root: QWidget, *, skip: QWidget | None = None) -> tuple[object, ...]:
    """Everything typed or chosen in the input widgets under ``root`` (not under ``skip``).

    Compared before and after the user's edits to tell whether closing would lose input.
    """
    state: list[object] = []
    for widget in root.findChildren(QWidget):
        if skip is not None and (widget is skip or skip.isAncestorOf(widget)):
            continue
        if isinstance(widget, QLineEdit | QAbstractSpinBox):
            state.append(widget.text())
        elif isinstance(widget, QComboBox):
            state.append(widget.currentText())
        elif isinstance(widget, QAbstractButton) and widget.isCheckable():
            state.append(widget.isChecked())
        elif isinstance(widget, QPlainTextEdit | QTextEdit):
            state.append(widget.toPlainText())
        elif isinstance(widget, QListWidget):
            items = (widget.item(n) for n in range(widget.count()))
            state.append(tuple((i.text(), i.checkState().value) for i in items if i is not None))
        elif isinstance(widget, QTableWidget):
            cells = []
            for row in range(widget.rowCount()):
                for column in range(widget.columnCount()):
                    item = widget.item(row, column)
                    cells.append("" if item is None else item.text())
            state.append((widget.rowCount(), tuple(cells)))
        elif isinstance(widget, QTreeWidget):
            it = QTreeWidgetItemIterator(widget)
            checks = []
            while it.value() is not None:
                checks.append(it.value().checkState(0).value)
                it += 1
            state.append(tuple(checks))
    return tuple(state)


class RecordDialog(QDialog):
    """An editor that saves through a ``CollectionOp`` and shows validation next to the fields.

    Subclasses build their form, register fields with ``self.errors`` under the names the
    service uses in its ``FieldError``s, and implement ``operation()``.
    """

    saved = Signal(object)  # what the save returned (the new record's id, or None)
    changes: tuple[str, ...] = ("*",)
    # Closing (取消, Esc, the title bar's ×) with changed input asks first: a form of twenty fields
    # typed from a paper list is lost to one stray Esc otherwise.
    confirm_discard = True

    def __init__(self, ui: UiContext, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ui = ui
        self.setWindowTitle(title)
        self.summary = QLabel()
        self.errors = FieldErrors(self.summary)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        save = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        save.setText(self.tr("保存"))
        save.setDefault(True)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("取消"))
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        self.layout_ = QVBoxLayout(self)
        self.saving = False
        # The form as it was when the user first touched it (loads run in the background, so the
        # state at opening may still be empty); None until then.
        self._baseline: tuple[object, ...] | None = None
        self.discard_box: QMessageBox | None = None

    def finish_layout(self, body: QWidget) -> None:
        """Put the form, the error summary and the buttons together."""
        self.layout_.addWidget(body, 1)
        self.layout_.addWidget(self.summary)
        self.layout_.addWidget(self.buttons)
        # Tab leaves a multi-line field (备注, 检查依据 …) as it leaves every other field: a tab
        # character is never wanted there, and keyboard users were trapped before 保存.
        for edit in body.findChildren(QPlainTextEdit):
            edit.setTabChangesFocus(True)

    def operation(self) -> Callable[[Progress], object]:
        """Read the form (UI thread) and return the save as a closure over plain values.

        Raise ``ValidationError`` for input that cannot even be parsed (a date, a number).
        """
        raise NotImplementedError

    @Slot()
    def save(self) -> None:
        """Validate and save in the background; the dialog closes only when the save succeeded."""
        if self.saving:
            return
        try:
            op = self.operation()
        except ValidationError as exc:
            self.show_validation(exc)
            return
        self.errors.clear()
        self._set_saving(True)
        CollectionOp(parent=self, runner=self.ui.runner, op=op, changes=self.changes).success(
            self._saved
        ).failure(self._failed).run_in_background()

    def _set_saving(self, saving: bool) -> None:
        self.saving = saving
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setEnabled(not saving)

    def _saved(self, result: object) -> None:
        self._set_saving(False)
        self.saved.emit(result)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self._set_saving(False)
        if isinstance(exc, ValidationError):
            self.show_validation(exc)
        else:
            show_error(self, exc)  # ConflictError and the like: said plainly, the dialog stays open

    def show_validation(self, exc: ValidationError) -> None:
        """Show a ValidationError next to the fields it names (the rest above the buttons)."""
        self.errors.show([(e.field, e.message) for e in exc.errors])

    # --- closing with unsaved input ---------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)  # the fields' own events, to see the first edit
        if not event.spontaneous():
            # After Qt has given the focus to the first widget of the chain (often the tab bar).
            QTimer.singleShot(0, self.focus_first_field)

    @Slot()
    def focus_first_field(self) -> None:
        """Put the cursor in the first field, unless the user or the dialog already chose one.

        Qt gives the focus to the first widget of the focus chain, which in a tabbed editor is
        the tab bar: typing the name of a new record went nowhere.
        """
        focused = self.focusWidget()
        if focused is not None and not isinstance(focused, QTabBar | QScrollArea):
            return
        for widget in self.findChildren(QWidget):
            if (
                isinstance(widget, QLineEdit | QComboBox | QAbstractSpinBox | QPlainTextEdit)
                and widget.isVisible()
                and widget.isEnabled()
                and widget.focusPolicy() & Qt.FocusPolicy.TabFocus
                and not (isinstance(widget, QLineEdit) and widget.isReadOnly())
                and not isinstance(widget.parentWidget(), QComboBox | QAbstractSpinBox)
            ):
                widget.setFocus(Qt.FocusReason.OtherFocusReason)
                return

    def hideEvent(self, event: QHideEvent) -> None:
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        super().hideEvent(event)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            self._baseline is None
            and event.type() in _INPUT_EVENTS
            and isinstance(watched, QWidget)
            and self.isAncestorOf(watched)
            and not self.buttons.isAncestorOf(watched)
        ):
            self._baseline = form_state(self, skip=self.buttons)
        return False

    def has_unsaved_input(self) -> bool:
        """Whether the user changed anything since the dialog opened (and has not saved it)."""
        return self._baseline is not None and form_state(self, skip=self.buttons) != self._baseline

    def reject(self) -> None:
        if self.confirm_discard and not self.saving and self.has_unsaved_input():
            self.ask_discard()
            return
        super().reject()

    def ask_discard(self) -> QMessageBox:
        """Ask whether to save, discard or keep editing; the answer comes back through the box."""
        if self.discard_box is not None and self.discard_box.isVisible():
            return self.discard_box
        box = QMessageBox(
            QMessageBox.Icon.Question,
            self.windowTitle(),
            self.tr("填写的内容尚未保存。"),
            parent=self,
        )
        box.setObjectName("discardChanges")
        box.setInformativeText(self.tr("保存后关闭，还是放弃这些修改？"))
        save = box.addButton(self.tr("保存"), QMessageBox.ButtonRole.AcceptRole)
        discard = box.addButton(self.tr("放弃修改"), QMessageBox.ButtonRole.DestructiveRole)
        keep = box.addButton(self.tr("继续编辑"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(keep)
        box.setEscapeButton(keep)
        box.setWindowModality(Qt.WindowModality.WindowModal)

        def answered(button: QAbstractButton) -> None:
            if button is save:
                self.save()  # closes the dialog only if the save succeeds
            elif button is discard:
                QDialog.reject(self)

        box.buttonClicked.connect(answered)
        box.finished.connect(box.deleteLater)
        self.discard_box = box
        box.open()
        return box


# A reason goes into the audit trail (and to the person a result is returned to): one character
# or a blank line explains nothing. The services refuse only an empty reason; the prompt asks for
# a little more, at the moment it is typed.
MIN_REASON_CHARS = 2


def reason_problem(text: str) -> str:
    """What is missing from a reason as typed (empty when it will do)."""
    written = "".join(text.split())  # spaces, full-width spaces and line breaks do not count
    if not written:
        return QCoreApplication.translate("Dialogs", "原因不能是空白，请写明原因（至少 {n} 个字）。").format(
            n=MIN_REASON_CHARS
        )
    if len(written) < MIN_REASON_CHARS:
        return QCoreApplication.translate("Dialogs", "原因太短，请写明原因（至少 {n} 个字）。").format(
            n=MIN_REASON_CHARS
        )
    return ""


class ReasonDialog(QDialog):
    """Asks why (停用, 恢复, 退回, 作废 …) and stays open until a usable reason is written.

    确定 is greyed out while the field is empty; a reason that is only spaces or too short is
    answered in the prompt itself (in red, the typed text kept), not by the service's error
    after the prompt has gone.
    """

    def __init__(self, title: str, prompt: str, parent: QWidget | None = None, *, text: str = "") -> None:
        super().__init__(parent)
        self.setObjectName("reasonDialog")
        self.setWindowTitle(title)
        self.prompt = QLabel(prompt)
        self.prompt.setWordWrap(True)
        self.text = QPlainTextEdit(text)
        self.text.setPlaceholderText(self.tr("请写明原因（将记入留痕）"))
        self.text.setFixedHeight(self.fontMetrics().height() * 5)
        self.text.setTabChangesFocus(True)  # Tab reaches 确定, as in every other field
        self.problem = QLabel()
        self.problem.setObjectName("reasonProblem")
        self.problem.setStyleSheet(ERROR_STYLE)
        self.problem.setWordWrap(True)
        self.problem.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(self.tr("确定"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("取消"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.text.textChanged.connect(self._update)
        layout = QVBoxLayout(self)
        layout.addWidget(self.prompt)
        layout.addWidget(self.text)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self.resize(440, self.sizeHint().height())
        self._update()

    def reason(self) -> str:
        """The reason as written, stripped."""
        return self.text.toPlainText().strip()

    @Slot()
    def _update(self) -> None:
        self.ok_button.setEnabled(bool(self.text.toPlainText()))
        if self.problem.isVisible() and not reason_problem(self.text.toPlainText()):
            self.problem.hide()  # put right: the red line goes as soon as the reason will do

    def accept(self) -> None:
        problem = reason_problem(self.text.toPlainText())
        if problem:
            # Ask again here, keeping what was typed: the caller's service would refuse it later.
            self.problem.setText(problem)
            self.problem.show()
            self.text.setFocus(Qt.FocusReason.OtherFocusReason)
            self.text.moveCursor(QTextCursor.MoveOperation.End)
            return
        super().accept()


def ask_reason(
    parent: QWidget, *, title: str, prompt: str, on_reason: Callable[[str], object], text: str = ""
) -> ReasonDialog:
    """Open a ``ReasonDialog`` without blocking; ``on_reason`` gets the reason if confirmed.

    ``text`` starts the field (a description to adapt, say); it must still be a usable reason.
    """
    dialog = ReasonDialog(title, prompt, parent, text=text)
    dialog.accepted.connect(lambda: on_reason(dialog.reason()))
    dialog.finished.connect(dialog.deleteLater)
    dialog.open()
    return dialog
