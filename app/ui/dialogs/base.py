"""Base of the record editors, the reason prompt, and input parsing shared by the dialogs."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import date

from PySide6.QtCore import QCoreApplication, Signal, Slot
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from app.services.errors import FieldError, ValidationError
from app.services.progress import Progress
from app.ui.context import UiContext
from app.ui.errors import show_error
from app.ui.operations import CollectionOp
from app.ui.widgets import FieldErrors

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


class RecordDialog(QDialog):
    """An editor that saves through a ``CollectionOp`` and shows validation next to the fields.

    Subclasses build their form, register fields with ``self.errors`` under the names the
    service uses in its ``FieldError``s, and implement ``operation()``.
    """

    saved = Signal(object)  # what the save returned (the new record's id, or None)
    changes: tuple[str, ...] = ("*",)

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

    def finish_layout(self, body: QWidget) -> None:
        """Put the form, the error summary and the buttons together."""
        self.layout_.addWidget(body, 1)
        self.layout_.addWidget(self.summary)
        self.layout_.addWidget(self.buttons)

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


class ReasonDialog(QDialog):
    """Asks why (停用, 恢复 …); OK stays disabled until a reason is written."""

    def __init__(self, title: str, prompt: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reasonDialog")
        self.setWindowTitle(title)
        self.prompt = QLabel(prompt)
        self.prompt.setWordWrap(True)
        self.text = QPlainTextEdit()
        self.text.setPlaceholderText(self.tr("请写明原因（将记入留痕）"))
        self.text.setFixedHeight(self.fontMetrics().height() * 5)
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
        layout.addWidget(self.buttons)
        self.resize(440, self.sizeHint().height())
        self._update()

    def reason(self) -> str:
        """The reason as written, stripped."""
        return self.text.toPlainText().strip()

    @Slot()
    def _update(self) -> None:
        self.ok_button.setEnabled(bool(self.reason()))

    def accept(self) -> None:
        if self.reason():
            super().accept()


def ask_reason(
    parent: QWidget, *, title: str, prompt: str, on_reason: Callable[[str], object]
) -> ReasonDialog:
    """Open a ``ReasonDialog`` without blocking; ``on_reason`` gets the reason if confirmed."""
    dialog = ReasonDialog(title, prompt, parent)
    dialog.accepted.connect(lambda: on_reason(dialog.reason()))
    dialog.finished.connect(dialog.deleteLater)
    dialog.open()
    return dialog
