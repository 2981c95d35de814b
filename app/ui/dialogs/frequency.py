"""抽查频次设置: per risk class, the yearly cap across all tasks and the minimum interval, with defaults."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QLabel, QPushButton, QSpinBox, QVBoxLayout, QWidget

from app.models.enums import RiskClass
from app.services.frequency import (
    MAX_INTERVAL_DAYS,
    MAX_PER_YEAR_LIMIT,
    FrequencyRuleData,
    FrequencyRuleRow,
    field_names,
    list_frequency_rules,
    save_frequency_rules,
)
from app.services.progress import Progress
from app.ui.context import UiContext
from app.ui.dialogs.base import RecordDialog
from app.ui.widgets import error_label, fit_to_screen


class FrequencyDialog(RecordDialog):
    """Edit the frequency limits of the four risk classes at once; the defaults stand beside them."""

    changes = ("frequency_rules",)

    def __init__(self, ui: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(ui, self.tr("抽查频次设置"), parent)
        self.setObjectName("frequencyDialog")
        self.rows: dict[RiskClass, FrequencyRuleRow] = {
            r.risk_class: r for r in list_frequency_rules(ui.services)
        }
        intro = QLabel(
            self.tr(
                "同一检查对象在一个年度内（所有抽查任务合计）最多被抽中的次数，以及距其上次被抽中的最短间隔。"
                "超出限制的对象在抽取时被排除并列明原因；个别任务确需突破的，可在任务中写明理由后豁免。"
                "修改只影响此后的抽取，已完成的抽取不变。"
            )
        )
        intro.setWordWrap(True)
        grid = QGridLayout()
        for column, header in enumerate(
            (self.tr("风险类别"), self.tr("每年最多抽中次数"), self.tr("最短间隔（天）"), self.tr("默认值"))
        ):
            label = QLabel(f"<b>{header}</b>")
            grid.addWidget(label, 0, column)
        self.max_spins: dict[RiskClass, QSpinBox] = {}
        self.days_spins: dict[RiskClass, QSpinBox] = {}
        line = 1
        for risk in RiskClass:
            row = self.rows[risk]
            max_spin = QSpinBox()
            max_spin.setObjectName(f"maxPerYear{risk.value}")
            max_spin.setRange(1, MAX_PER_YEAR_LIMIT)
            max_spin.setSuffix(self.tr(" 次"))
            max_spin.setValue(row.max_per_year)
            days_spin = QSpinBox()
            days_spin.setObjectName(f"minInterval{risk.value}")
            days_spin.setRange(0, MAX_INTERVAL_DAYS)
            days_spin.setSuffix(self.tr(" 天"))
            days_spin.setValue(row.min_interval_days)
            self.max_spins[risk] = max_spin
            self.days_spins[risk] = days_spin
            grid.addWidget(QLabel(risk.label), line, 0)
            grid.addWidget(max_spin, line, 1)
            grid.addWidget(days_spin, line, 2)
            default = QLabel(
                self.tr("{n} 次 / {d} 天").format(n=row.default_max_per_year, d=row.default_min_interval_days)
            )
            grid.addWidget(default, line, 3)
            error = error_label()
            grid.addWidget(error, line + 1, 0, 1, 4)
            max_field, days_field = field_names(risk)
            self.errors.register(max_spin, error, max_field)
            self.errors.register(days_spin, error, days_field)
            line += 2
        self.defaults_button = QPushButton(self.tr("恢复默认值"))
        self.defaults_button.clicked.connect(self.restore_defaults)
        grid.setColumnStretch(3, 1)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(intro)
        layout.addLayout(grid)
        layout.addWidget(self.defaults_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addStretch(1)
        self.finish_layout(body)
        fit_to_screen(self, 640, 360)

    def restore_defaults(self) -> None:
        """Put the defaults in the form (saved only with 保存)."""
        for risk, row in self.rows.items():
            self.max_spins[risk].setValue(row.default_max_per_year)
            self.days_spins[risk].setValue(row.default_min_interval_days)

    def rules(self) -> list[FrequencyRuleData]:
        """The form as the service's data."""
        return [
            FrequencyRuleData(risk, self.max_spins[risk].value(), self.days_spins[risk].value())
            for risk in RiskClass
        ]

    def operation(self) -> Callable[[Progress], object]:
        services, rules = self.ui.services, self.rules()
        return lambda _p: save_frequency_rules(services, rules)
