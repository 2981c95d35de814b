"""创建系统管理员: asked at start-up while the database has no account (single-user mode)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QCheckBox,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.services.context import ServiceContext
from app.services.errors import FieldError, ValidationError
from app.services.progress import Progress
from app.services.users import LoginResult, authenticate, context_for, create_first_admin
from app.ui.context import UiContext
from app.ui.dialogs.base import RecordDialog


class FirstAdminDialog(RecordDialog):
    """User name, name, password twice and clearance of the first administrator.

    Accepted: the account exists and ``services`` is its logged-in context. Rejected
    (「暂不创建（单用户模式）」, Escape, closing the window): nothing is created; the caller
    decides whether the choice is remembered (the demo database only).
    """

    changes = ("users",)

    def __init__(
        self, ui: UiContext, *, demo: bool, at_startup: bool = True, parent: QWidget | None = None
    ) -> None:
        super().__init__(ui, self.tr("创建系统管理员"), parent)
        self.setObjectName("firstAdminDialog")
        self.demo = demo
        self.services: ServiceContext | None = None
        self.login: LoginResult | None = None

        body = QWidget()
        column = QVBoxLayout(body)
        column.setContentsMargins(0, 0, 0, 0)
        self.reason = QLabel(self._reason_text(demo, at_startup=at_startup))
        self.reason.setObjectName("firstAdminReason")
        self.reason.setWordWrap(True)
        column.addWidget(self.reason)
        form = QFormLayout()
        column.addLayout(form)
        self.username = QLineEdit()
        self.username.setObjectName("username")
        self.username.setPlaceholderText(self.tr("登录用，如 zhangsan"))
        self.display_name = QLineEdit()
        self.display_name.setObjectName("displayName")
        self.password = QLineEdit()
        self.password.setObjectName("password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_again = QLineEdit()
        self.password_again.setObjectName("passwordAgain")
        self.password_again.setEchoMode(QLineEdit.EchoMode.Password)
        self.errors.add_row(form, self.tr("用户名"), self.username, "用户名")
        self.errors.add_row(form, self.tr("姓名"), self.display_name, "姓名")
        self.errors.add_row(form, self.tr("密码"), self.password, "密码")
        self.errors.add_row(form, self.tr("再输一次"), self.password_again, "确认密码")
        self.cleared = QCheckBox(self.tr("可接触涉密任务（涉密检查、涉密结果及其附件）"))
        self.cleared.setObjectName("cleared")
        form.addRow(self.tr("涉密权限"), self.cleared)
        hint = QLabel(
            self.tr(
                "管理员同时是「办公室」角色，可以管理用户和系统设置、制定计划和抽取。"
                "创建后即以该账户登录，此后每次启动都须登录；其他用户在「系统管理 → 用户」中添加。"
            )
        )
        hint.setWordWrap(True)
        column.addWidget(hint)

        create = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        create.setText(self.tr("创建并登录"))
        create.setObjectName("createAdmin")
        later = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        # At start-up the choice is 「not now」 (remembered for the demo only); from the users page, a plain cancel.
        later.setText(self.tr("暂不创建（单用户模式）") if at_startup else self.tr("取消"))
        later.setObjectName("deferAdmin")
        self.finish_layout(body)
        self.setMinimumWidth(560)  # the explanations wrap to a fixed width, so the height is known

    def _reason_text(self, demo: bool, *, at_startup: bool) -> str:
        text = self.tr(
            "本数据库还没有任何用户账户，正处于单用户模式：任何打开本程序的人都拥有全部权限，"
            "包括涉密任务，留痕记录也无法确认是谁操作的。请现在创建系统管理员。"
        )
        if not at_startup:
            return text
        if demo:
            return text + self.tr(
                "\n\n这是示范县数据库。选择「暂不创建」后继续以单用户模式使用，以后启动不再询问。"
            )
        return text + self.tr("\n\n在创建管理员之前，每次启动都会询问。")

    def operation(self) -> Callable[[Progress], object]:
        username = self.username.text()
        display_name = self.display_name.text().strip()
        password = self.password.text()
        cleared = self.cleared.isChecked()
        if password != self.password_again.text():
            raise ValidationError([FieldError("确认密码", "两次输入的密码不一致")])
        db = self.ui.services.db

        def create(_progress: Progress) -> LoginResult:
            # Both hash with argon2 (slow on purpose): off the UI thread.
            create_first_admin(
                db,
                username=username,
                display_name=display_name,
                password=password,
                cleared_for_classified=cleared,
            )
            return authenticate(db, username, password)

        return create

    # 暂不创建 is an answer here, not lost input: nothing typed is worth keeping without the account.
    confirm_discard = False

    def reject(self) -> None:
        """Not while the account is being created: it would exist while this session went on without it."""
        if not self.saving:
            super().reject()

    def _saved(self, result: object) -> None:
        assert isinstance(result, LoginResult)
        self.login = result
        self.services = context_for(self.ui.services.db, result.actor)
        super()._saved(result)
