"""随机抽取: announce the population and its hashes, make the seed before witnesses, draw, match teams."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QFont, QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.draw.record import SEED_METHOD_LABELS, SeedMethod
from app.models.enums import DrawKind, TaskStatus, TeamRole
from app.services.draws import (
    DrawnTarget,
    DrawRow,
    SeedEntry,
    TargetDrawPreview,
    TeamRow,
    draw_record_text,
    draw_task_inspectors,
    draw_task_targets,
    drawn_targets,
    list_draws,
    list_teams,
    preview_target_draw,
    void_draw,
)
from app.services.printing import PrintKind
from app.services.tasks import TaskRow, list_tasks
from app.ui.context import UiContext
from app.ui.dialogs.base import ask_reason
from app.ui.dialogs.print_preview import PrintPreviewDialog
from app.ui.errors import show_error, show_message
from app.ui.models import Column, RowTableModel
from app.ui.operations import CollectionOp, QueryOp, affects
from app.ui.widgets import ChoiceCombo, EditableTable, configure_table, set_column_widths

logger = logging.getLogger(__name__)

WITNESS_SEED_METHODS = (SeedMethod.DICE, SeedMethod.LOTTERY, SeedMethod.COMBINED, SeedMethod.OTHER)
PROJECTOR_SCALE = 1.8


def _tr(text: str) -> str:
    return QCoreApplication.translate("DrawPage", text)


@dataclass(frozen=True)
class StratumLine:
    """One line of the announced population: a stratum, its size, sample size and hash."""

    stratum: str
    size: int
    ratio: str
    sample_size: int
    sha256: str


@dataclass(frozen=True)
class TeamLine:
    """One member of a team, flattened for the team table."""

    team: int
    name: str
    role: str
    department: str
    certificate: str
    targets: int


@dataclass(frozen=True)
class TeamSummary:
    """One team on one line: leader, officers with their departments, experts, how many targets."""

    number: int
    leader: str
    officers: str
    experts: str
    targets: int


@dataclass(frozen=True)
class DrawState:
    """What the page shows for a task after its draws."""

    draws: list[DrawRow]
    targets: list[DrawnTarget]
    teams: list[TeamRow]


def stratum_columns() -> list[Column[StratumLine]]:
    """Columns of the announced population."""
    return [
        Column(_tr("层"), lambda r: r.stratum, 3),
        Column(_tr("名录数"), lambda r: f"{r.size:,}", 4, align_right=True),
        Column(_tr("比例"), lambda r: r.ratio, 4, align_right=True),
        Column(_tr("应抽数"), lambda r: r.sample_size, 4, align_right=True),
        Column(_tr("名录 SHA-256"), lambda r: r.sha256, 30),
    ]


def target_columns() -> list[Column[DrawnTarget]]:
    """Columns of the drawn targets."""
    return [
        Column(_tr("层"), lambda r: r.stratum, 3),
        Column(_tr("序号"), lambda r: r.rank, 3, align_right=True),
        Column(_tr("统一社会信用代码"), lambda r: r.code, 12),
        Column(_tr("名称"), lambda r: r.name, 12),
        Column(_tr("地址"), lambda r: r.address, 16),
        Column(_tr("检查组"), lambda r: r.team_number or "", 3),
        Column(_tr("抽签号"), lambda r: r.ticket, 20),
    ]


def team_columns() -> list[Column[TeamLine]]:
    """Columns of the team table (one line per member)."""
    return [
        Column(_tr("组号"), lambda r: r.team, 3, align_right=True),
        Column(_tr("姓名"), lambda r: r.name, 5),
        Column(_tr("组内职责"), lambda r: r.role, 4),
        Column(_tr("执法证号"), lambda r: r.certificate, 7),
        Column(_tr("检查对象数"), lambda r: r.targets, 5, align_right=True),
        Column(_tr("部门"), lambda r: r.department, 12),
    ]


def team_lines(teams: list[TeamRow]) -> list[TeamLine]:
    """Flatten teams into member lines (leader first, as the service orders them)."""
    return [
        TeamLine(t.number, m.name, m.role.label, m.department, m.certificate_number, t.target_count)
        for t in teams
        for m in t.members
    ]


def team_summary_columns() -> list[Column[TeamSummary]]:
    """Columns of the team overview (one line per team)."""
    return [
        Column(_tr("组号"), lambda r: r.number, 3, align_right=True),
        Column(_tr("组长"), lambda r: r.leader, 5),
        Column(_tr("检查对象数"), lambda r: r.targets, 5, align_right=True),
        Column(_tr("专家"), lambda r: r.experts, 5),
        Column(_tr("执法人员"), lambda r: r.officers, 20),  # last: it stretches, the longest text
    ]


def team_summaries(teams: list[TeamRow]) -> list[TeamSummary]:
    """One line per team; people named with their department, as on the dispatch sheet."""

    def names(team: TeamRow, role: TeamRole, *, department: bool) -> str:
        return "、".join(
            f"{m.name}（{m.department}）" if department else m.name for m in team.members if m.role == role
        )

    return [
        TeamSummary(
            t.number,
            names(t, TeamRole.LEADER, department=False),  # always of the lead department
            names(t, TeamRole.OFFICER, department=True),
            "、".join(m.name for m in t.members if m.role == TeamRole.EXPERT),
            t.target_count,
        )
        for t in teams
    ]


def team_target_columns() -> list[Column[DrawnTarget]]:
    """Columns of one team's targets, in visiting order."""
    return [
        Column(_tr("走访顺序"), lambda r: r.visit_order or "", 4, align_right=True),
        Column(_tr("层"), lambda r: r.stratum, 3),
        Column(_tr("统一社会信用代码"), lambda r: r.code, 12),
        Column(_tr("名称"), lambda r: r.name, 12),
        Column(_tr("地址"), lambda r: r.address, 14),
    ]


def _table(model: RowTableModel[Any], name: str) -> QTableView:
    view = QTableView()
    view.setObjectName(name)
    view.setModel(model)
    configure_table(view, [c.width_chars for c in model.columns])
    return view


def _keep_whole(combo: QComboBox) -> None:
    """Never squeeze ``combo`` below its whole text (in its current font)."""
    # A layout short of room squeezes a combo box down to a few characters; the seed method is
    # read aloud from the projected screen, so it keeps its whole text in either font.
    combo.setMinimumWidth(0)
    combo.setMinimumWidth(combo.sizeHint().width())


class DrawPage(QWidget):
    """The draw, in the order the rules require: population and hashes first, then the seed."""

    loaded = Signal()
    announced = Signal()

    def __init__(self, ui: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("drawPage")
        self.ui = ui
        self._stale = True
        self.preview: TargetDrawPreview | None = None
        self._announced_task: int | None = None
        self.state = DrawState([], [], [])
        self._base_font = QFont(self.font())

        self.task_combo = ChoiceCombo()
        self.task_combo.setMinimumWidth(420)
        self.task_combo.currentIndexChanged.connect(lambda _n: self.task_changed())
        self.projector_check = QCheckBox(self.tr("大屏显示"))
        self.projector_check.toggled.connect(self.set_projector)
        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("抽查任务")))
        top.addWidget(self.task_combo, 1)
        top.addWidget(self.projector_check)

        # Step 1: the population is announced before any seed exists.
        self.announce_button = QPushButton(self.tr("公布名录"))
        self.announce_button.setObjectName("announceButton")
        self.announce_button.clicked.connect(lambda: self.announce())
        self.strata_model: RowTableModel[StratumLine] = RowTableModel(stratum_columns(), parent=self)
        self.strata_view = _table(self.strata_model, "strataView")
        self._keep_strata_in_sight()
        self.exclusion_label = QLabel()
        self.exclusion_label.setWordWrap(True)
        # A group box title never wraps: the long one made the page wider than a 1366-wide
        # screen in 大屏显示. The explanation goes beside the button, where it can wrap.
        step1 = QGroupBox(self.tr("第一步　公布抽取名录"))
        step1_layout = QVBoxLayout(step1)
        announce_row = QHBoxLayout()
        announce_row.addWidget(self.announce_button)
        announce_hint = QLabel(self.tr("在产生种子之前，向见证人公布各层名录数及其 SHA-256。"))
        announce_hint.setWordWrap(True)
        announce_row.addWidget(announce_hint, 1)
        step1_layout.addLayout(announce_row)
        step1_layout.addWidget(self.strata_view, 1)
        step1_layout.addWidget(self.exclusion_label)

        # Step 2: witnesses, the seed, the draw.
        self.witnesses = EditableTable([self.tr("姓名"), self.tr("身份")], add_label=self.tr("添加见证人"))
        self.witnesses.add_button.clicked.connect(lambda: self.witnesses.add_row(["", ""], edit=True))
        self.witnesses.set_column_widths([6, 10])
        self.seed_edit = QLineEdit()
        self.seed_edit.setObjectName("seedEdit")
        # Short enough for the large seed font on a 1366-wide laptop: the longer text was cut off
        # before "至少 20 位", the part the witnesses need; the tooltip keeps the whole sentence.
        self.seed_edit.setPlaceholderText(self.tr("掷骰数字，至少 20 位"))
        self.seed_edit.setToolTip(self.tr("见证人掷骰所得数字，至少 20 位"))
        seed_font = QFont(self.font())
        seed_font.setPointSizeF(max(seed_font.pointSizeF(), 9.0) * 1.7)
        seed_font.setFamily("monospace")
        self.seed_edit.setFont(seed_font)
        self.seed_edit.setMinimumWidth(self.seed_edit.fontMetrics().horizontalAdvance("0" * 22))
        self.method_combo = ChoiceCombo()
        self.method_combo.set_choices([(SEED_METHOD_LABELS[m], m.value) for m in WITNESS_SEED_METHODS])
        _keep_whole(self.method_combo)
        self.machine_check = QCheckBox(self.tr("由计算机生成"))
        self.machine_check.setToolTip(self.tr("抽取记录将注明种子由计算机生成、无见证人现场产生"))
        self.machine_check.toggled.connect(self._machine_toggled)
        self.draw_button = QPushButton(self.tr("抽取检查对象"))
        self.draw_button.setObjectName("drawButton")
        self.draw_button.clicked.connect(lambda: self.draw())
        seed_row = QHBoxLayout()
        seed_row.addWidget(QLabel(self.tr("种子")))
        seed_row.addWidget(self.seed_edit, 1)
        seed_row2 = QHBoxLayout()
        seed_row2.addWidget(self.method_combo)
        seed_row2.addWidget(self.machine_check)
        seed_row2.addStretch(1)
        seed_row2.addWidget(self.draw_button)
        step2 = QGroupBox(self.tr("第二步　见证人与种子"))
        step2_layout = QVBoxLayout(step2)
        step2_layout.addWidget(self.witnesses, 1)
        step2_layout.addLayout(seed_row)
        step2_layout.addLayout(seed_row2)

        steps = QSplitter(Qt.Orientation.Horizontal)
        steps.addWidget(step1)
        steps.addWidget(step2)
        steps.setStretchFactor(0, 5)
        steps.setStretchFactor(1, 3)
        steps.setSizes([900, 440])

        # Results.
        self.draw_label = QLabel()
        self.draw_label.setObjectName("drawStatus")
        self.draw_label.setWordWrap(True)
        self.void_button = QPushButton(self.tr("作废抽取…"))
        self.void_button.clicked.connect(lambda: self.void())
        self.teams_button = QPushButton(self.tr("选派人员"))
        self.teams_button.setObjectName("teamsButton")
        self.teams_button.clicked.connect(lambda: self.draw_inspectors())
        self.export_button = QPushButton(self.tr("导出抽取记录…"))
        self.export_button.clicked.connect(lambda: self.export_record())
        results_bar = QHBoxLayout()
        results_bar.addWidget(self.draw_label, 1)
        for button in (self.void_button, self.teams_button, self.export_button):
            results_bar.addWidget(button)
        self.targets_model: RowTableModel[DrawnTarget] = RowTableModel(target_columns(), parent=self)
        self.targets_view = _table(self.targets_model, "drawnTargetsView")
        self.teams_model: RowTableModel[TeamLine] = RowTableModel(team_columns(), parent=self)
        self.teams_view = _table(self.teams_model, "teamsView")
        self.team_summary_model: RowTableModel[TeamSummary] = RowTableModel(
            team_summary_columns(), parent=self
        )
        self.team_summary_view = _table(self.team_summary_model, "teamSummaryView")
        self.team_summary_view.selectionModel().selectionChanged.connect(lambda *_: self._team_selected())
        self.team_targets_model: RowTableModel[DrawnTarget] = RowTableModel(
            team_target_columns(), parent=self
        )
        self.team_targets_view = _table(self.team_targets_model, "teamTargetsView")
        self.team_targets_label = QLabel(self.tr("选中一个检查组，查看其检查对象（按走访顺序）"))
        self.print_dispatch_button = QPushButton(self.tr("打印派单…"))
        self.print_dispatch_button.setObjectName("printDispatchButton")
        self.print_dispatch_button.setToolTip(self.tr("各检查组的派单：成员、检查对象及走访顺序"))
        self.print_dispatch_button.clicked.connect(lambda: self.print_teams(PrintKind.DISPATCH))
        self.print_packet_button = QPushButton(self.tr("打印本组资料包…"))
        self.print_packet_button.setObjectName("printPacketButton")
        self.print_packet_button.setToolTip(self.tr("所选检查组的派单、通知书、检查单和记录表"))
        self.print_packet_button.clicked.connect(lambda: self.print_teams(PrintKind.PACKET))
        team_bar = QHBoxLayout()
        team_bar.addWidget(self.team_targets_label, 1)
        team_bar.addWidget(self.print_dispatch_button)
        team_bar.addWidget(self.print_packet_button)
        team_left = QSplitter(Qt.Orientation.Vertical)
        team_left.addWidget(self.team_summary_view)
        team_left.addWidget(self.teams_view)
        team_split = QSplitter(Qt.Orientation.Horizontal)
        team_split.addWidget(team_left)
        team_split.addWidget(self.team_targets_view)
        team_split.setStretchFactor(0, 3)
        team_split.setStretchFactor(1, 2)
        team_split.setSizes([640, 700])
        teams_tab = QWidget()
        teams_layout = QVBoxLayout(teams_tab)
        teams_layout.setContentsMargins(0, 4, 0, 0)
        teams_layout.addLayout(team_bar)
        teams_layout.addWidget(team_split, 1)
        self.results_tabs = QTabWidget()
        self.results_tabs.setObjectName("resultsTabs")
        self.results_tabs.addTab(self.targets_view, self.tr("抽中检查对象"))
        self.results_tabs.addTab(teams_tab, self.tr("检查组"))
        results = self.results_tabs
        results_box = QWidget()
        results_layout = QVBoxLayout(results_box)
        results_layout.setContentsMargins(0, 0, 0, 0)
        results_layout.addLayout(results_bar)
        results_layout.addWidget(results, 1)

        body = QSplitter(Qt.Orientation.Vertical)
        body.addWidget(steps)
        body.addWidget(results_box)
        body.setStretchFactor(0, 2)
        body.setStretchFactor(1, 3)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(body, 1)
        ui.runner.changed.connect(self._on_changed)
        self._update_buttons()

    # --- loading ------------------------------------------------------------------------------
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self._stale = False
            self.reload_tasks()

    def _on_changed(self, changes: frozenset[str]) -> None:
        if not affects(changes, "tasks", "draws", "inspections", "teams", "targets"):
            return
        if self.isVisible():
            self.reload_tasks()
        else:
            self._stale = True

    def reload_tasks(self) -> None:
        """Offer every task that is not cancelled (newest first) and reload the chosen one."""
        services = self.ui.services
        QueryOp(
            parent=self,
            runner=self.ui.runner,
            op=lambda _p: [t for t in list_tasks(services) if t.status != TaskStatus.CANCELLED],
            key="DrawPage.tasks",
        ).success(self._show_tasks).run_in_background()

    def _show_tasks(self, tasks: list[TaskRow]) -> None:
        self.task_combo.set_choices([(f"{t.number}　{t.name}（{t.status.label}）", t.id) for t in tasks])
        if self.task_id() == self._announced_task:
            self.reload_state()  # same task: the announcement still stands
        else:
            self.task_changed()

    def task_id(self) -> int | None:
        """The chosen task."""
        value = self.task_combo.value()
        return int(value) if value is not None else None

    def task_changed(self) -> None:
        """Forget the announcement (it belongs to another task) and read the chosen task's draws."""
        self.preview = None
        self._announced_task = None
        self.strata_model.set_rows([])
        self.exclusion_label.clear()
        self.reload_state()

    def reload_state(self) -> None:
        """Read the chosen task's draws, drawn targets and teams on a worker."""
        task_id = self.task_id()
        if task_id is None:
            self._show_state(DrawState([], [], []))
            return
        services = self.ui.services

        def fetch(_p: object) -> DrawState:
            return DrawState(
                list_draws(services, task_id), drawn_targets(services, task_id), list_teams(services, task_id)
            )

        QueryOp(parent=self, runner=self.ui.runner, op=fetch, key="DrawPage.state").success(
            self._show_state
        ).run_in_background()

    def _show_state(self, state: DrawState) -> None:
        self.state = state
        self.targets_model.set_rows(state.targets)
        self.teams_model.set_rows(team_lines(state.teams))
        self.team_summary_model.set_rows(team_summaries(state.teams))
        self.results_tabs.setTabText(
            1, self.tr("检查组（{n}）").format(n=len(state.teams)) if state.teams else self.tr("检查组")
        )
        self._team_selected()
        active = self.active_draw(DrawKind.TARGETS)
        voided = [d for d in state.draws if d.voided]
        if self.task_id() is None:
            # An empty task list with every button greyed out said nothing about the way forward.
            text = self.tr("还没有可抽取的抽查任务：请先在「抽查计划」中新建任务。")
        elif active is None:
            text = self.tr(
                "尚未抽取检查对象：先点「公布名录」向见证人公布各层名录，再登记见证人、填写种子，"
                "然后点「抽取检查对象」。"
            )
        else:
            text = self.tr("已于 {at} 抽取 {n} 户，种子 {seed}（{source}），见证人：{w}").format(
                at=active.drawn_at.strftime("%Y-%m-%d %H:%M"),
                n=active.selected_count,
                seed=active.seed,
                source=active.seed_source,
                w=active.witnesses or self.tr("无"),
            )
        if voided:
            text += self.tr("　已作废 {n} 次（原因：{r}）").format(n=len(voided), r=voided[-1].void_reason)
        self.draw_label.setText(text)
        self._update_buttons()
        self.loaded.emit()

    def active_draw(self, kind: DrawKind) -> DrawRow | None:
        """The task's current (not voided) draw of this kind."""
        for row in reversed(self.state.draws):
            if row.kind == kind and not row.voided:
                return row
        return None

    def _update_buttons(self) -> None:
        has_task = self.task_id() is not None
        targets = self.active_draw(DrawKind.TARGETS)
        self.announce_button.setEnabled(has_task)
        self.draw_button.setEnabled(has_task and self.preview is not None)
        self.void_button.setEnabled(targets is not None)
        self.teams_button.setEnabled(targets is not None and self.active_draw(DrawKind.INSPECTORS) is None)
        self.export_button.setEnabled(bool(self.state.draws))
        has_teams = bool(self.state.teams)
        self.print_dispatch_button.setEnabled(has_teams)
        self.print_packet_button.setEnabled(has_teams and self.selected_team() is not None)

    # --- teams --------------------------------------------------------------------------------
    def selected_team(self) -> TeamSummary | None:
        """The team selected in the overview."""
        rows = self.team_summary_view.selectionModel().selectedRows()
        return self.team_summary_model.row_at(rows[0].row()) if rows else None

    def select_team(self, number: int) -> None:
        """Select a team in the overview by its number."""
        for row, team in enumerate(self.team_summary_model.rows()):
            if team.number == number:
                self.team_summary_view.selectRow(row)
                return

    def _team_selected(self) -> None:
        team = self.selected_team()
        if team is None:
            self.team_targets_model.set_rows([])
            self.team_targets_label.setText(self.tr("选中一个检查组，查看其检查对象（按走访顺序）"))
        else:
            rows = sorted(
                (t for t in self.state.targets if t.team_number == team.number),
                key=lambda t: (t.visit_order or 0, t.stratum, t.rank),
            )
            self.team_targets_model.set_rows(rows)
            self.team_targets_label.setText(
                self.tr("第 {n} 组：组长 {leader}，检查对象 {c} 户（按走访顺序）").format(
                    n=team.number, leader=team.leader, c=len(rows)
                )
            )
        self.print_packet_button.setEnabled(team is not None)

    def print_teams(self, kind: PrintKind) -> PrintPreviewDialog | None:
        """Preview (then print or save) the dispatch sheets of every team, or the selected team's packet."""
        task_id = self.task_id()
        if task_id is None or not self.state.teams:
            return None
        team = self.selected_team() if kind == PrintKind.PACKET else None
        if kind == PrintKind.PACKET and team is None:
            return None
        number = self.task_combo.currentText().split("　")[0]
        title = f"{number} {kind.label}" + (f" 第 {team.number} 组" if team is not None else "")
        dialog = PrintPreviewDialog(
            self.ui, self, task_id=task_id, kind=kind, team=team.number if team else None, title=title
        )
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        dialog.build()
        return dialog

    def _machine_toggled(self, on: bool) -> None:
        self.seed_edit.setEnabled(not on)
        self.method_combo.setEnabled(not on)

    # --- step 1 -------------------------------------------------------------------------------
    def announce(self) -> None:
        """Compute the population and its stratum hashes, to announce before the seed is made."""
        task_id = self.task_id()
        if task_id is None:
            return
        services = self.ui.services
        QueryOp(
            parent=self,
            runner=self.ui.runner,
            op=lambda _p: preview_target_draw(services, task_id),
            key="DrawPage.announce",
        ).success(self._show_announcement).run_in_background()

    def _show_announcement(self, preview: TargetDrawPreview) -> None:
        self.preview = preview
        self._announced_task = self.task_id()
        population = preview.population
        lines: list[StratumLine] = []
        if (
            set(preview.stratum_hashes) == {s.risk_class.value for s in population.strata}
            or not population.strata
        ):
            for s in population.strata:
                lines.append(
                    StratumLine(
                        f"{s.risk_class.value} 类",
                        s.size,
                        "" if s.ratio is None else f"{s.ratio * 100:.2f}%",
                        s.sample_size,
                        preview.stratum_hashes.get(s.risk_class.value, ""),
                    )
                )
        else:  # a fixed count draws from one stratum "全部"
            for stratum, digest in preview.stratum_hashes.items():
                lines.append(
                    StratumLine(stratum, len(population.members), "", population.total_sample, digest)
                )
        self.strata_model.set_rows(lines)
        counts = population.exclusion_counts()
        self.exclusion_label.setText(
            self.tr("排除：") + "；".join(f"{reason} {n} 户" for reason, n in counts.items())
            if counts
            else ""
        )
        self._update_buttons()
        self.announced.emit()

    # --- step 2 -------------------------------------------------------------------------------
    def witness_names(self) -> list[str]:
        """Witnesses as "姓名/身份" (rows without a name are skipped)."""
        return [f"{name}/{role}" if role else name for name, role in self.witnesses.rows() if name]

    def seed_entry(self) -> SeedEntry:
        """The seed as entered (None value when the computer is to generate it)."""
        if self.machine_check.isChecked():
            return SeedEntry(None, SeedMethod.MACHINE)
        method = self.method_combo.value()
        return SeedEntry(
            self.seed_edit.text().strip(), method if isinstance(method, SeedMethod) else SeedMethod.DICE
        )

    def draw(self) -> None:
        """Draw the targets with the announced hashes (refused if the registry changed since)."""
        task_id = self.task_id()
        if task_id is None or self.preview is None:
            return
        services, seed, witnesses = self.ui.services, self.seed_entry(), self.witness_names()
        hashes = dict(self.preview.stratum_hashes)
        CollectionOp(
            parent=self,
            runner=self.ui.runner,
            op=lambda p: draw_task_targets(
                services, task_id, seed=seed, witnesses=witnesses, expected_hashes=hashes, progress=p
            ),
            changes=("draws", "inspections", "tasks"),
        ).with_progress(self.tr("正在抽取检查对象…")).run_in_background()

    def draw_inspectors(self) -> None:
        """Select the inspectors and form the teams, with the seed now entered (a new one)."""
        task_id = self.task_id()
        if task_id is None:
            return
        services, seed, witnesses = self.ui.services, self.seed_entry(), self.witness_names()
        CollectionOp(
            parent=self,
            runner=self.ui.runner,
            op=lambda p: draw_task_inspectors(services, task_id, seed=seed, witnesses=witnesses, progress=p),
            changes=("draws", "teams", "inspections", "tasks"),
        ).with_progress(self.tr("正在选派检查人员…")).run_in_background()

    def void(self) -> Any:
        """Void the current targets draw; a reason is required and kept in the record."""
        active = self.active_draw(DrawKind.TARGETS)
        if active is None:
            return None
        services = self.ui.services

        def apply(reason: str) -> None:
            CollectionOp(
                parent=self,
                runner=self.ui.runner,
                op=lambda _p: void_draw(services, active.id, reason=reason),
                changes=("draws", "inspections", "teams", "tasks"),
            ).run_in_background()

        return ask_reason(
            self,
            title=self.tr("作废抽取"),
            prompt=self.tr("作废本次抽取（记录保留，人员选派一并作废）。请写明原因："),
            on_reason=apply,
        )

    def export_record(self, path: Path | None = None) -> Path | None:
        """Save the latest draw's record (JSON, verifiable with `liancha verify`)."""
        if not self.state.draws:
            return None
        draw = self.state.draws[-1]
        if path is None:
            chosen, _ = QFileDialog.getSaveFileName(
                self, self.tr("导出抽取记录"), f"抽取记录-{draw.uid}.json", self.tr("抽取记录 (*.json)")
            )
            if not chosen:
                return None
            path = Path(chosen)
        try:
            path.write_text(draw_record_text(self.ui.services, draw.id), encoding="utf-8")
        except OSError as exc:
            show_error(self, exc)
            return None
        show_message(self, self.tr("导出完成"), self.tr("已导出到 {p}").format(p=path))
        return path

    # --- projector ----------------------------------------------------------------------------
    def _keep_strata_in_sight(self) -> None:
        # The four risk classes A–D all in sight while the witnesses read them (on a 768-high
        # laptop the splitter left room for three, the fourth behind a scroll bar).
        view = self.strata_view
        rows = view.verticalHeader().defaultSectionSize() * 4
        header = view.horizontalHeader().sizeHint().height()
        # The SHA-256 column is wider than a laptop gives it: its scroll bar covered half of D 类.
        scroll_bar = view.horizontalScrollBar().sizeHint().height()
        view.setMinimumHeight(rows + header + scroll_bar + 2 * view.frameWidth() + 2)

    def set_projector(self, on: bool) -> None:
        """Enlarge the page's fonts for a projector (or restore them)."""
        font = QFont(self._base_font)
        if on:
            font.setPointSizeF(max(font.pointSizeF(), 9.0) * PROJECTOR_SCALE)
        self.setFont(font)
        for view in (
            self.strata_view,
            self.targets_view,
            self.teams_view,
            self.team_summary_view,
            self.team_targets_view,
        ):
            view.verticalHeader().setDefaultSectionSize(view.fontMetrics().height() + 8)
            # Column widths are counted in characters of the font: recount them in the new one
            # (the enlarged text was cut off in the old widths: 3.0…, 统一社会信用代码 …).
            model = view.model()
            if isinstance(model, RowTableModel):
                set_column_widths(view, [c.width_chars for c in model.columns])
        self._keep_strata_in_sight()
        _keep_whole(self.method_combo)
