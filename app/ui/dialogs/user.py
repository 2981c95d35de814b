"""用户: create or edit an account (roles, departments, inspector link, clearance), reset a password."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.models.users import Role
from app.services.departments import list_departments
from app.services.errors import FieldError, ValidationError
from app.services.inspectors import InspectorFilter, list_inspectors
from app.services.progress import Progress
from app.services.users import UserData, create_user, get_user, reset_password, update_user
from app.ui.context import UiContext
from app.ui.dialogs.base import RecordDialog
from app.ui.errors import show_error
from app.ui.operations import CollectionOp
from app.ui.widgets import ChoiceCombo

ID_ROLE = Qt.ItemDataRole.UserRole


class UserDialog(RecordDialog):
    """An account's name, roles, departments, inspector and clearance; a first password when new."""

    changes = ("users",)

    def __init__(self, ui: UiContext, user_id: int | None, parent: QWidget | None = None) -> None:
        super().__init__(ui, self.tr("新增用户") if user_id is None else self.tr("编辑用户"), parent)
        self.setObjectName("userDialog")
        self.user_id = user_id
        self._version: int | None = None
        body = QWidget()
        form = QFormLayout(body)
        self.username = QLineEdit()
        self.username.setObjectName("username")
        self.username.setPlaceholderText(self.tr("登录用，如 zhangsan"))
        self.display_name = QLineEdit()
        self.display_name.setObjectName("displayName")
        self.errors.add_row(form, self.tr("用户名"), self.username, "用户名")
        self.errors.add_row(form, self.tr("姓名"), self.display_name, "姓名")

        roles_box = QWidget()
        roles_row = QHBoxLayout(roles_box)
        roles_row.setContentsMargins(0, 0, 0, 0)
        self.role_checks: dict[Role, QCheckBox] = {}
        for role in Role:
            check = QCheckBox(role.label)
            check.setObjectName(f"role_{role.value}")
            self.role_checks[role] = check
            roles_row.addWidget(check)
        roles_row.addStretch(1)
        self.errors.add_row(form, self.tr("角色"), roles_box, "角色")

        self.departments = QListWidget()
        self.departments.setObjectName("departments")
        self.departments.setMaximumHeight(self.fontMetrics().height() * 8)
        for dept in list_departments(ui.services, include_inactive=False):
            item = QListWidgetItem(dept.name)
            item.setData(ID_ROLE, dept.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.departments.addItem(item)
        self.errors.add_row(form, self.tr("负责部门"), self.departments, "负责部门")

        self.inspector = ChoiceCombo(all_label=self.tr("（无）"))
        self.inspector.setObjectName("inspector")
        self.inspector.set_choices(
            [
                (f"{r.name}（{r.department}）", r.id)
                for r in list_inspectors(ui.services, InspectorFilter(include_inactive=False))
            ]
        )
        self.errors.add_row(form, self.tr("对应检查人员"), self.inspector, "对应检查人员")

        self.cleared = QCheckBox(self.tr("可接触涉密任务（涉密检查、涉密结果及其附件）"))
        self.cleared.setObjectName("cleared")
        form.addRow(self.tr("涉密权限"), self.cleared)
        self.note = QLineEdit()
        form.addRow(self.tr("备注"), self.note)

        self.password = QLineEdit()
        self.password.setObjectName("password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_again = QLineEdit()
        self.password_again.setObjectName("passwordAgain")
        self.password_again.setEchoMode(QLineEdit.EchoMode.Password)
        if user_id is None:
            self.errors.add_row(form, self.tr("初始密码"), self.password, "密码")
            self.errors.add_row(form, self.tr("再输一次"), self.password_again, "确认密码")
            hint = QLabel(self.tr("用户首次登录时须修改初始密码。"))
            form.addRow("", hint)
        else:
            self._load(user_id)
        self.finish_layout(body)
        self.resize(560, self.sizeHint().height())

    def _load(self, user_id: int) -> None:
        detail = get_user(self.ui.services, user_id)
        self._version = detail.version
        data = detail.data
        self.username.setText(data.username)
        self.display_name.setText(data.display_name)
        for role, check in self.role_checks.items():
            check.setChecked(role in data.roles)
        for row in range(self.departments.count()):
            item = self.departments.item(row)
            checked = item.data(ID_ROLE) in data.department_ids
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        self.inspector.set_value(data.inspector_id)
        self.cleared.setChecked(data.cleared_for_classified)
        self.note.setText(data.note)

    def form_data(self) -> UserData:
        """The account as filled in."""
        departments = tuple(
            int(self.departments.item(row).data(ID_ROLE))
            for row in range(self.departments.count())
            if self.departments.item(row).checkState() == Qt.CheckState.Checked
        )
        inspector = self.inspector.value()
        return UserData(
            username=self.username.text(),
            display_name=self.display_name.text().strip(),
            roles=tuple(role for role, check in self.role_checks.items() if check.isChecked()),
            department_ids=departments,
            inspector_id=int(inspector) if inspector is not None else None,
            cleared_for_classified=self.cleared.isChecked(),
            note=self.note.text().strip(),
        )

    def operation(self) -> Callable[[Progress], object]:
        data = self.form_data()
        services = self.ui.services
        if self.user_id is None:
            password = self.password.text()
            if password != self.password_again.text():
                raise ValidationError([FieldError("确认密码", "两次输入的密码不一致")])
            return lambda _p: create_user(services, data, password=password)
        user_id, version = self.user_id, self._version
        return lambda _p: update_user(services, user_id, data, expected_version=version)


class ResetPasswordDialog(QDialog):
    """Sets a temporary password; the user must change it at the next login."""

    def __init__(self, ui: UiContext, user_id: int, label: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("resetPasswordDialog")
        self.setWindowTitle(self.tr("重置密码"))
        self.ui = ui
        self.user_id = user_id
        prompt = QLabel(self.tr("为「{user}」设置临时密码。该用户下次登录时须修改密码。").format(user=label))
        prompt.setWordWrap(True)
        self.password = QLineEdit()
        self.password.setObjectName("newPassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_again = QLineEdit()
        self.password_again.setObjectName("newPasswordAgain")
        self.password_again.setEchoMode(QLineEdit.EchoMode.Password)
        self.message = QLabel()
        self.message.setObjectName("resetMessage")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b00020")
        form = QFormLayout()
        form.addRow(self.tr("临时密码"), self.password)
        form.addRow(self.tr("再输一次"), self.password_again)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("重置"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("取消"))
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(prompt)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.resize(420, self.sizeHint().height())

    def save(self) -> None:
        """Check the two entries agree, then set the password in the background."""
        password = self.password.text()
        if password != self.password_again.text():
            self.message.setText(self.tr("两次输入的密码不一致"))
            return
        services, user_id = self.ui.services, self.user_id
        self.buttons.setEnabled(False)
        CollectionOp(
            parent=self,
            runner=self.ui.runner,
            op=lambda _p: reset_password(services, user_id, new_password=password),
            changes=("users",),
        ).success(lambda _r: self.accept()).failure(self._failed).run_in_background()

    def _failed(self, exc: BaseException) -> None:
        self.buttons.setEnabled(True)
        if isinstance(exc, ValidationError):
            self.message.setText("；".join(f"{e.field}：{e.message}" for e in exc.errors))
        else:
            show_error(self, exc)
