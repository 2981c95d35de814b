"""系统设置: login rules, idle auto-lock and automatic backups (administrator only, checked by the services)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QCheckBox, QFormLayout, QLabel, QSpinBox, QWidget

from app.services.backup import BackupSettings, backup_settings, check_backup_settings, save_backup_settings
from app.services.progress import Progress
from app.services.users import SecuritySettings, get_security_settings, save_security_settings
from app.ui.context import UiContext
from app.ui.dialogs.base import RecordDialog


def _spin(low: int, high: int, value: int, suffix: str = "") -> QSpinBox:
    box = QSpinBox()
    box.setRange(low, high)
    box.setValue(value)
    if suffix:
        box.setSuffix(suffix)
    return box


class SystemSettingsDialog(RecordDialog):
    """The office-wide rules every desk follows; saved with an audit entry each."""

    changes = ("settings",)

    def __init__(self, ui: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(ui, self.tr("系统设置"), parent)
        self.setObjectName("systemSettingsDialog")
        security = get_security_settings(ui.services)
        backup = backup_settings(ui.services.db)
        body = QWidget()
        form = QFormLayout(body)
        # Ranges wider than the service allows, so that the service's message is what the user sees.
        self.lockout_attempts = _spin(0, 99, security.lockout_attempts, self.tr(" 次"))
        self.lockout_minutes = _spin(0, 9999, security.lockout_minutes, self.tr(" 分钟"))
        self.password_min_length = _spin(0, 99, security.password_min_length, self.tr(" 个字符"))
        self.idle_lock_minutes = _spin(0, 999, security.idle_lock_minutes, self.tr(" 分钟"))
        self.idle_lock_minutes.setSpecialValueText(self.tr("不自动锁定"))
        self.daily = QCheckBox(self.tr("每天首次启动时自动备份"))
        self.daily.setChecked(backup.daily)
        self.keep_days = _spin(0, 9999, backup.keep_days, self.tr(" 天"))
        for widget, label in (
            (self.lockout_attempts, "锁定前允许的失败次数"),
            (self.lockout_minutes, "锁定时长（分钟）"),
            (self.password_min_length, "密码最短长度"),
            (self.idle_lock_minutes, "无操作自动锁定（分钟）"),
        ):
            self.errors.add_row(form, self.tr(label), widget, label)
        hint = QLabel(self.tr("0 表示不自动锁定。"))
        hint.setWordWrap(True)
        form.addRow("", hint)
        form.addRow(self.tr("自动备份"), self.daily)
        self.errors.add_row(form, self.tr("备份保留天数"), self.keep_days, "备份保留天数")
        self.finish_layout(body)
        self.resize(460, self.sizeHint().height())

    def operation(self) -> Callable[[Progress], object]:
        services = self.ui.services
        security = SecuritySettings(
            lockout_attempts=self.lockout_attempts.value(),
            lockout_minutes=self.lockout_minutes.value(),
            password_min_length=self.password_min_length.value(),
            idle_lock_minutes=self.idle_lock_minutes.value(),
        )
        backup = BackupSettings(daily=self.daily.isChecked(), keep_days=self.keep_days.value())

        def save(_p: Progress) -> None:
            # Both are checked before either is written, so a refused form changes nothing.
            check_backup_settings(backup)
            save_security_settings(services, security)
            save_backup_settings(services, backup)

        return save
