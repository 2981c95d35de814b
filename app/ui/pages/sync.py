"""数据同步: outbox, inbox, receipts, history and keys (issue 7; docs/sync-online.md).

Thin over ``app.services.sync`` and ``app.services.sync_online``: every action runs as a background
operation and the page only shows what the services report. File choices and the fingerprint
question go through small methods so that tests can answer them without a modal dialog.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt, Slot
from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.io.batch import format_fingerprint
from app.services.progress import Progress
from app.services.result_deadlines import OpenInspection
from app.services.sync import (
    ExportedBatch,
    ImportedItem,
    ImportResult,
    KeyInfo,
    ReceiptApplied,
    SyncStatus,
    TrustedKeyRow,
    apply_receipt,
    export_results_batch,
    my_key_card,
    sync_status,
    trust_key_card,
    trusted_keys,
)
from app.services.sync_inbox import import_any
from app.services.sync_online import (
    AttemptRow,
    OnlineOverview,
    OutboxRow,
    ReceiptOutcome,
    UploadOutcome,
    fetch_receipts,
    get_endpoint,
    online_overview,
    outbox_rows,
    set_endpoint,
    unsent_near_deadline,
    upload_history,
    upload_pending,
)
from app.services.sync_packages import PACKAGE_TABLES, ExportedPackage, PackageImport, export_task_package
from app.services.sync_registry import (
    ACTION_LABELS,
    ExportedRegistry,
    RegistryChange,
    RegistryImport,
    export_registry,
    field_label,
)
from app.services.sync_registry import (
    KIND_LABELS as REGISTRY_KIND_LABELS,
)
from app.services.tasks import TaskRow, list_tasks
from app.ui.context import UiContext
from app.ui.errors import show_error
from app.ui.models import Column, RowTableModel
from app.ui.operations import CollectionOp, QueryOp, affects
from app.ui.widgets import ERROR_STYLE, configure_table

InboxResult = ImportResult | PackageImport | RegistryImport
DECISION_LABELS = {"local": "保留本地", "incoming": "采用平台"}
SYNC_TABLES = ("sync_batches", "sync_upload_attempts", "result_versions", "sync_trusted_keys", "settings")


def _tr(text: str) -> str:
    return QCoreApplication.translate("SyncPage", text)


STATE_LABELS = {
    "written": "已生成",
    "sent": "已发送",
    "acknowledged": "已确认",
    "rejected": "被拒收",
    "imported": "已导入",
}
ITEM_LABELS = {"accepted": "接收", "duplicate": "重复", "held": "暂缓", "rejected": "拒收"}
OUTCOME_LABELS = {
    "sent": "上传成功",
    "duplicate": "对方已有",
    "partial": "中断（可续传）",
    "failed": "失败",
    "rejected": "被拒收",
    "receipt": "已取回回执",
    "no-receipt": "暂无回执",
}
KIND_LABELS = {"results": "结果", "receipt": "回执", "task-package": "任务包", "registry": "名录更新"}
STREAM_LABELS = {"public": "公开", "classified": "涉密"}


def _when(moment: datetime | None) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M") if moment else ""


def outbox_columns() -> list[Column[OutboxRow]]:
    return [
        Column(_tr("方向"), lambda r: _tr("发出") if r.direction == "out" else _tr("收到"), 4),
        Column(_tr("类型"), lambda r: KIND_LABELS.get(r.kind, r.kind), 5),
        Column(_tr("批次号"), lambda r: r.batch_seq, 5),
        Column(_tr("数据流"), lambda r: STREAM_LABELS.get(r.stream or "", ""), 4),
        Column(_tr("状态"), lambda r: STATE_LABELS.get(r.state, r.state), 5),
        Column(_tr("时间"), lambda r: _when(r.created_at), 15, sort_key=lambda r: r.created_at),
        Column(_tr("文件"), lambda r: r.file_name, 22),
        Column(_tr("说明"), lambda r: r.note, 24),
    ]


def item_columns() -> list[Column[ImportedItem]]:
    return [
        Column(_tr("序号"), lambda r: r.seq if r.seq is not None else "", 4),
        Column(_tr("结果"), lambda r: ITEM_LABELS.get(r.status, r.status), 4),
        Column(_tr("记录编号"), lambda r: r.item_id, 24),
        Column(_tr("原因"), lambda r: r.reason or "", 24),
    ]


def _field_text(change: RegistryChange) -> str:
    def short(value: object) -> str:
        text = "（空）" if value in (None, "") else str(value)
        return text if len(text) <= 40 else text[:37] + "…"

    return "；".join(f"{field_label(f.name)}：{short(f.local)} → {short(f.incoming)}" for f in change.fields)


def diff_columns() -> list[Column[RegistryChange]]:
    return [
        Column(_tr("名录"), lambda r: REGISTRY_KIND_LABELS.get(r.kind, r.kind), 5),
        Column(_tr("名称"), lambda r: r.label, 16),
        Column(_tr("变化"), lambda r: ACTION_LABELS.get(r.action, r.action), 6),
        Column(
            _tr("处理"),
            lambda r: DECISION_LABELS.get(r.decision or "", _tr("待决定")) if r.action == "conflict" else "",
            6,
        ),
        Column(_tr("字段（本地 → 平台）"), _field_text, 40),
    ]


@dataclass(frozen=True)
class PackageLine:
    """One table of a task package preview."""

    label: str
    added: int
    updated: int
    unchanged: int


def package_columns() -> list[Column[PackageLine]]:
    return [
        Column(_tr("内容"), lambda r: r.label, 8),
        Column(_tr("新增"), lambda r: r.added, 5),
        Column(_tr("更新"), lambda r: r.updated, 5),
        Column(_tr("未变"), lambda r: r.unchanged, 5),
    ]


def history_columns() -> list[Column[AttemptRow]]:
    return [
        Column(_tr("时间"), lambda r: _when(r.finished_at), 15, sort_key=lambda r: r.finished_at),
        Column(_tr("操作"), lambda r: _tr("上传") if r.action == "upload" else _tr("取回执"), 4),
        Column(_tr("结果"), lambda r: OUTCOME_LABELS.get(r.outcome, r.outcome), 7),
        Column(_tr("进度"), lambda r: f"{r.offset}/{r.total}" if r.total else "", 8),
        Column(_tr("批次"), lambda r: r.batch_id, 20),
        Column(_tr("错误或原因"), lambda r: r.error, 30),
    ]


def key_columns() -> list[Column[TrustedKeyRow]]:
    return [
        Column(_tr("名称"), lambda r: r.name, 12),
        Column(_tr("单位"), lambda r: r.office, 10),
        Column(_tr("指纹"), lambda r: format_fingerprint(r.fingerprint), 32),
        Column(_tr("信任时间"), lambda r: _when(r.trusted_at), 15),
        Column(_tr("核对人"), lambda r: r.trusted_by, 6),
    ]


@dataclass(frozen=True)
class SyncView:
    """Everything the page shows, read in one background query."""

    status: SyncStatus
    overview: OnlineOverview
    batches: tuple[OutboxRow, ...]
    history: tuple[AttemptRow, ...]
    near_deadline: tuple[OpenInspection, ...]
    keys: tuple[TrustedKeyRow, ...]


def _table(model: RowTableModel[Any], name: str) -> QTableView:
    view = QTableView()
    view.setObjectName(name)
    view.setModel(model)
    configure_table(view, [c.width_chars for c in model.columns])
    return view


class SyncPage(QWidget):
    """数据同步 page."""

    def __init__(self, ui: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("syncPage")
        self.ui = ui
        self.view_data: SyncView | None = None
        self.last_import: InboxResult | None = None
        self.decisions: dict[str, str] = {}
        self.last_receipt: ReceiptApplied | None = None
        self.last_message = ""
        self.inbox_path: Path | None = None
        self.key_info: KeyInfo | None = None

        heading = QLabel(self.tr("数据同步"))
        font = heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        heading.setFont(font)
        self.deadline_warning = QLabel()
        self.deadline_warning.setObjectName("syncDeadlineWarning")
        self.deadline_warning.setWordWrap(True)
        self.deadline_warning.setStyleSheet("color: #b00020; font-weight: bold")
        self.deadline_warning.hide()
        self.message = QLabel()
        self.message.setObjectName("syncMessage")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.tabs = QTabWidget()
        self.tabs.addTab(self._build_outbox(), self.tr("发件箱"))
        self.tabs.addTab(self._build_inbox(), self.tr("收件箱"))
        self.tabs.addTab(self._build_receipts(), self.tr("回执"))
        self.tabs.addTab(self._build_history(), self.tr("历史"))
        self.tabs.addTab(self._build_keys(), self.tr("密钥"))

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.addWidget(heading)
        layout.addWidget(self.deadline_warning)
        layout.addWidget(self.message)
        layout.addWidget(self.tabs, 1)
        ui.runner.changed.connect(self._on_changed)
        self.reload()

    # ------------------------------------------------------------------ building

    def _build_outbox(self) -> QWidget:
        box = QWidget()
        self.summary = QLabel("…")
        self.summary.setObjectName("syncSummary")
        self.summary.setWordWrap(True)
        self.endpoint_label = QLabel()
        self.endpoint_label.setWordWrap(True)
        self.export_button = QPushButton(self.tr("生成结果批次…"))
        self.export_button.clicked.connect(self.export_batch)
        self.package_button = QPushButton(self.tr("生成任务包…"))
        self.package_button.setToolTip(self.tr("把一项已抽取任务的检查组、对象、事项和人员带到外业电脑"))
        self.package_button.clicked.connect(self.export_package)
        self.registry_button = QPushButton(self.tr("生成名录快照…"))
        self.registry_button.setToolTip(self.tr("平台端：把检查对象、检查人员、抽查事项作为名录更新发给县局"))
        self.registry_button.clicked.connect(self.export_registry_snapshot)
        self.upload_button = QPushButton(self.tr("在线上传"))
        self.upload_button.clicked.connect(self.upload)
        self.fetch_button = QPushButton(self.tr("取回回执"))
        self.fetch_button.clicked.connect(self.fetch)
        self.endpoint_edit = QLineEdit()
        self.endpoint_edit.setPlaceholderText(
            self.tr("例如 https://gateway.example.gov.cn/liancha（留空表示只用U盘）")
        )
        self.token_edit = QLineEdit()
        self.token_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.token_edit.setPlaceholderText(self.tr("访问令牌（可选）"))
        self.endpoint_save = QPushButton(self.tr("保存上传地址"))
        self.endpoint_save.clicked.connect(self.save_endpoint)
        form = QFormLayout()
        endpoint_row = QHBoxLayout()
        endpoint_row.addWidget(self.endpoint_edit, 3)
        endpoint_row.addWidget(self.token_edit, 1)
        endpoint_row.addWidget(self.endpoint_save)
        form.addRow(self.tr("上传地址"), endpoint_row)
        buttons = QHBoxLayout()
        for b in (
            self.export_button,
            self.package_button,
            self.registry_button,
            self.upload_button,
            self.fetch_button,
        ):
            buttons.addWidget(b)
        buttons.addStretch(1)
        self.outbox_model: RowTableModel[OutboxRow] = RowTableModel(outbox_columns(), parent=self)
        self.outbox_view = _table(self.outbox_model, "outboxView")
        layout = QVBoxLayout(box)
        layout.addWidget(self.summary)
        layout.addWidget(self.endpoint_label)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.outbox_view, 1)
        return box

    def _build_inbox(self) -> QWidget:
        box = QWidget()
        self.choose_button = QPushButton(self.tr("选择批次文件…"))
        self.choose_button.clicked.connect(self.choose_inbox_file)
        self.inbox_label = QLabel(self.tr("请选择对方交来的批次文件（.lcb），先预览，再导入。"))
        self.inbox_label.setWordWrap(True)
        self.apply_button = QPushButton(self.tr("导入"))
        self.apply_button.setEnabled(False)
        self.apply_button.clicked.connect(self.apply_inbox)
        row = QHBoxLayout()
        row.addWidget(self.choose_button)
        row.addWidget(self.apply_button)
        row.addStretch(1)
        self.preview_model: RowTableModel[ImportedItem] = RowTableModel(item_columns(), parent=self)
        self.preview_view = _table(self.preview_model, "previewView")
        # Task packages: what each table would gain; registry updates: the diff, with decisions.
        self.package_model: RowTableModel[PackageLine] = RowTableModel(package_columns(), parent=self)
        self.package_view = _table(self.package_model, "packageView")
        self.diff_model: RowTableModel[RegistryChange] = RowTableModel(diff_columns(), parent=self)
        self.diff_view = _table(self.diff_model, "diffView")
        self.keep_local_button = QPushButton(self.tr("所选冲突：保留本地"))
        self.keep_local_button.clicked.connect(lambda: self.decide_selected("local"))
        self.take_incoming_button = QPushButton(self.tr("所选冲突：采用平台"))
        self.take_incoming_button.clicked.connect(lambda: self.decide_selected("incoming"))
        self.decision_row = QWidget()
        decision_layout = QHBoxLayout(self.decision_row)
        decision_layout.setContentsMargins(0, 0, 0, 0)
        decision_layout.addWidget(self.keep_local_button)
        decision_layout.addWidget(self.take_incoming_button)
        decision_layout.addStretch(1)
        layout = QVBoxLayout(box)
        layout.addLayout(row)
        layout.addWidget(self.inbox_label)
        layout.addWidget(self.decision_row)
        layout.addWidget(self.preview_view, 1)
        layout.addWidget(self.package_view, 1)
        layout.addWidget(self.diff_view, 1)
        self._show_inbox_view(self.preview_view)
        return box

    def _show_inbox_view(self, view: QTableView) -> None:
        for v in (self.preview_view, self.package_view, self.diff_view):
            v.setVisible(v is view)
        self.decision_row.setVisible(view is self.diff_view)

    def _build_receipts(self) -> QWidget:
        box = QWidget()
        self.receipt_button = QPushButton(self.tr("登记回执文件…"))
        self.receipt_button.clicked.connect(self.import_receipt)
        self.receipt_label = QLabel(
            self.tr("对方导入批次后交回的回执：登记后，被接收的结果标为已确认，被拒收的回到待处理并附原因。")
        )
        self.receipt_label.setWordWrap(True)
        self.receipt_model: RowTableModel[ImportedItem] = RowTableModel(item_columns(), parent=self)
        self.receipt_view = _table(self.receipt_model, "receiptView")
        layout = QVBoxLayout(box)
        row = QHBoxLayout()
        row.addWidget(self.receipt_button)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addWidget(self.receipt_label)
        layout.addWidget(self.receipt_view, 1)
        return box

    def _build_history(self) -> QWidget:
        box = QWidget()
        self.last_sync_label = QLabel()
        self.history_model: RowTableModel[AttemptRow] = RowTableModel(history_columns(), parent=self)
        self.history_view = _table(self.history_model, "historyView")
        layout = QVBoxLayout(box)
        layout.addWidget(self.last_sync_label)
        layout.addWidget(self.history_view, 1)
        return box

    def _build_keys(self) -> QWidget:
        box = QWidget()
        self.key_label = QLabel("…")
        self.key_label.setObjectName("keyCard")
        self.key_label.setWordWrap(True)
        self.key_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.export_key_button = QPushButton(self.tr("导出本机密钥卡…"))
        self.export_key_button.clicked.connect(self.export_key_card)
        self.trust_button = QPushButton(self.tr("信任对方密钥…"))
        self.trust_button.clicked.connect(self.trust_key)
        row = QHBoxLayout()
        row.addWidget(self.export_key_button)
        row.addWidget(self.trust_button)
        row.addStretch(1)
        self.keys_model: RowTableModel[TrustedKeyRow] = RowTableModel(key_columns(), parent=self)
        self.keys_view = _table(self.keys_model, "keysView")
        layout = QVBoxLayout(box)
        layout.addWidget(self.key_label)
        layout.addLayout(row)
        layout.addWidget(QLabel(self.tr("受信任的密钥（指纹须经电话或纸面核对）：")))
        layout.addWidget(self.keys_view, 1)
        return box

    # ------------------------------------------------------------------ dialogs (tests replace these)

    def choose_save_path(self) -> str:
        path, _ = QFileDialog.getSaveFileName(
            self, self.tr("保存结果批次"), "", self.tr("联查批次文件 (*.lcb)")
        )
        return path

    def choose_open_path(self, title: str, pattern: str) -> str:
        path, _ = QFileDialog.getOpenFileName(self, title, "", pattern)
        return path

    def choose_task(self) -> TaskRow | None:
        """Ask which drawn task to pack (tests replace this)."""
        tasks = list_tasks(self.ui.services)
        if not tasks:
            self._say(self.tr("没有任务可以打包。"))
            return None
        labels = [f"{t.number}  {t.name}" for t in tasks]
        text, ok = QInputDialog.getItem(self, self.tr("生成任务包"), self.tr("选择任务："), labels, 0, False)
        return tasks[labels.index(text)] if ok and text in labels else None

    def choose_recipient(self) -> str:
        """Ask for the laptop a classified package is encrypted to (tests replace this)."""
        keys = [k.name for k in trusted_keys(self.ui.services)]
        if not keys:
            return ""
        text, ok = QInputDialog.getItem(
            self, self.tr("涉密任务包"), self.tr("加密给哪台外业电脑（已信任的密钥）："), keys, 0, False
        )
        return text if ok else ""

    def ask_fingerprint(self) -> str:
        text, ok = QInputDialog.getText(
            self, self.tr("核对指纹"), self.tr("请输入经电话或纸面与对方核对过的指纹：")
        )
        return text if ok else ""

    # ------------------------------------------------------------------ loading

    def _on_changed(self, changes: frozenset[str]) -> None:
        if affects(changes, *SYNC_TABLES):
            self.reload()

    @Slot()
    def reload(self) -> None:
        services = self.ui.services
        today = date.today()

        def load(_p: Progress) -> SyncView:
            return SyncView(
                sync_status(services),
                online_overview(services),
                outbox_rows(services),
                upload_history(services),
                unsent_near_deadline(services, today),
                trusted_keys(services),
            )

        QueryOp(parent=self, runner=self.ui.runner, op=load, key="sync.view").success(
            self._show
        ).run_in_background()
        QueryOp(
            parent=self, runner=self.ui.runner, op=lambda _p: my_key_card(services), key="sync.key"
        ).success(self._show_key).run_in_background()

    def _show(self, data: SyncView) -> None:
        self.view_data = data
        status, overview = data.status, data.overview
        parts = [
            self.tr("{stream}结果：待确认 {n} 条，被拒收 {r} 条，已确认至第 {a} 号").format(
                stream=STREAM_LABELS.get(s, s),
                n=n,
                r=status.rejected.get(s, 0),
                a=status.acknowledged_through.get(s, 0),
            )
            for s, n in status.pending.items()
        ]
        parts.append(
            self.tr("暂缓条目 {held}，待人工处理的冲突 {c}").format(held=status.held, c=len(status.conflicts))
        )
        self.summary.setText("；".join(parts))
        last = _when(overview.last_success_at) or self.tr("从未")
        self.last_sync_label.setText(self.tr("最近一次成功同步：{t}").format(t=last))
        if overview.endpoint:
            self.endpoint_label.setText(self.tr("在线上传到：{url}").format(url=overview.endpoint))
            if not self.endpoint_edit.hasFocus():
                self.endpoint_edit.setText(overview.endpoint)
        else:
            self.endpoint_label.setText(self.tr("未设置上传地址：批次文件请用U盘交接。"))
        self.upload_button.setEnabled(bool(overview.endpoint))
        self.fetch_button.setEnabled(bool(overview.endpoint))
        self.outbox_model.set_rows(data.batches)
        self.history_model.set_rows(data.history)
        self.keys_model.set_rows(data.keys)
        near = data.near_deadline
        if near:
            names = "、".join(i.target_name for i in near[:5]) + ("等" if len(near) > 5 else "")
            self.deadline_warning.setText(
                self.tr(
                    "注意：{n} 户检查结果已逾期或临近公示期限，但尚未被平台确认接收（{names}）。请尽快生成结果批次交出或在线上传。"
                ).format(n=len(near), names=names)
            )
        self.deadline_warning.setVisible(bool(near))

    def _show_key(self, info: KeyInfo) -> None:
        self.key_info = info
        self.key_label.setText(
            self.tr("本机安装编号：{inst}（{office}）\n指纹（请电话核对）：{fp}").format(
                inst=info.installation_id, office=info.office, fp=format_fingerprint(info.fingerprint)
            )
        )

    def _say(self, text: str, *, error: bool = False) -> None:
        self.last_message = text
        self.message.setText(text)
        self.message.setStyleSheet(ERROR_STYLE if error else "")

    def _failed(self, exc: BaseException) -> None:
        # In red above the tabs, and in a dialog: a plain line at the top of the page went unseen
        # after a click at the bottom, and an unexpected error needs its details for the maintainer.
        self._say(self.tr("未完成：{why}").format(why=str(exc)), error=True)
        show_error(self, exc)

    # ------------------------------------------------------------------ outbox actions

    @Slot()
    def export_batch(self) -> None:
        path = self.choose_save_path()
        if not path:
            return
        target = Path(path if path.endswith(".lcb") else path + ".lcb")
        services = self.ui.services
        CollectionOp(
            parent=self,
            runner=self.ui.runner,
            op=lambda _p: export_results_batch(services, target, stream="public"),
            changes=("sync_batches", "result_versions"),
        ).success(self._exported).failure(self._failed).with_progress(
            self.tr("正在生成结果批次…"), cancellable=False
        ).run_in_background()

    def _exported(self, done: ExportedBatch) -> None:
        self._say(
            self.tr("已生成：{path}（第 {n} 号批次，{c} 条）。请交给对方，并登记对方的回执。").format(
                path=done.path, n=done.batch_seq, c=done.count
            )
        )

    @Slot()
    def export_package(self) -> None:
        task = self.choose_task()
        if task is None:
            return
        recipient: str | None = None
        if task.is_classified:
            recipient = self.choose_recipient()
            if not recipient:
                self._say(self.tr("涉密任务包必须加密给一台已信任的外业电脑，已取消。"))
                return
        path = self.choose_save_path()
        if not path:
            return
        target = Path(path if path.endswith(".lcb") else path + ".lcb")
        services, ref = self.ui.services, task.uid
        CollectionOp(
            parent=self,
            runner=self.ui.runner,
            op=lambda _p: export_task_package(services, target, task=ref, recipient=recipient),
            changes=("sync_batches",),
        ).success(self._package_exported).failure(self._failed).with_progress(
            self.tr("正在生成任务包…"), cancellable=False
        ).run_in_background()

    def _package_exported(self, done: ExportedPackage) -> None:
        self._say(
            self.tr("已生成任务包：{path}（{task}，检查对象 {n} 个）。请在外业电脑的“收件箱”导入。").format(
                path=done.path, task=done.task_number, n=done.counts["inspections"]
            )
        )

    @Slot()
    def export_registry_snapshot(self) -> None:
        path = self.choose_save_path()
        if not path:
            return
        target = Path(path if path.endswith(".lcb") else path + ".lcb")
        services = self.ui.services
        CollectionOp(
            parent=self,
            runner=self.ui.runner,
            op=lambda _p: export_registry(services, target),
            changes=("sync_batches", "settings"),
        ).success(self._registry_exported).failure(self._failed).with_progress(
            self.tr("正在生成名录快照…"), cancellable=False
        ).run_in_background()

    def _registry_exported(self, done: ExportedRegistry) -> None:
        c = done.counts
        self._say(
            self.tr("已生成名录快照：{path}（第 {v} 版：检查对象 {t}，检查人员 {i}，抽查事项 {m}）").format(
                path=done.path, v=done.version, t=c["targets"], i=c["inspectors"], m=c["items"]
            )
        )

    @Slot()
    def upload(self) -> None:
        services = self.ui.services
        CollectionOp(
            parent=self,
            runner=self.ui.runner,
            op=lambda _p: upload_pending(services),
            changes=("sync_batches", "sync_upload_attempts", "result_versions"),
        ).success(self._uploaded).failure(self._failed).with_progress(
            self.tr("正在上传…"), cancellable=False
        ).run_in_background()

    def _uploaded(self, done: tuple[UploadOutcome, ...]) -> None:
        if not done:
            self._say(self.tr("没有需要上传的批次：结果都已确认，或已上传的批次正在等待回执。"))
        else:
            self._say("；".join(f"{d.file_name}：{d.message}" for d in done))

    @Slot()
    def fetch(self) -> None:
        services = self.ui.services
        CollectionOp(
            parent=self,
            runner=self.ui.runner,
            op=lambda _p: fetch_receipts(services),
            changes=("sync_batches", "sync_upload_attempts", "result_versions"),
        ).success(self._fetched).failure(self._failed).with_progress(
            self.tr("正在取回回执…"), cancellable=False
        ).run_in_background()

    def _fetched(self, done: tuple[ReceiptOutcome, ...]) -> None:
        self._say("；".join(d.message for d in done) or self.tr("没有等待回执的已上传批次。"))

    @Slot()
    def save_endpoint(self) -> None:
        services = self.ui.services
        url, token = self.endpoint_edit.text(), self.token_edit.text()
        if not token:
            current = get_endpoint(services)
            token = current.token or "" if current else ""
        CollectionOp(
            parent=self,
            runner=self.ui.runner,
            op=lambda _p: set_endpoint(services, url, token),
            changes=("settings",),
        ).success(
            lambda e: self._say(
                self.tr("上传地址已保存。") if e else self.tr("已取消在线上传，只用U盘交接。")
            )
        ).failure(self._failed).run_in_background()

    # ------------------------------------------------------------------ inbox

    @Slot()
    def choose_inbox_file(self) -> None:
        path = self.choose_open_path(self.tr("选择批次文件"), self.tr("联查批次文件 (*.lcb);;所有文件 (*)"))
        if not path:
            return
        self.inbox_path = Path(path)
        self.apply_button.setEnabled(False)
        self.decisions = {}
        self.preview_model.set_rows([])
        self.package_model.set_rows([])
        self.diff_model.set_rows([])
        services, chosen = self.ui.services, self.inbox_path
        # A dry run writes nothing; it runs on the writer thread only because it opens the same
        # transaction the real import would, so what it reports is exactly what would happen.
        CollectionOp(
            parent=self,
            runner=self.ui.runner,
            op=lambda _p: import_any(services, chosen, dry_run=True),
            changes=(),
        ).success(self._previewed).failure(self._failed).with_progress(
            self.tr("正在检查批次文件…"), cancellable=False
        ).run_in_background()

    def _previewed(self, result: InboxResult) -> None:
        self.last_import = result
        name = self.inbox_path.name if self.inbox_path else ""
        if isinstance(result, PackageImport):
            self._show_package(result)
            text = self.tr("预览 {file}：任务包 {task} {name}").format(
                file=name, task=result.task_number, name=result.task_name
            )
            if result.already_imported:
                text += self.tr("（此任务包已导入过，再次导入不会改变任何数据）")
        elif isinstance(result, RegistryImport):
            self.diff_model.set_rows(result.changes)
            self._show_inbox_view(self.diff_view)
            text = self._registry_text(result, name)
        else:
            self.preview_model.set_rows(result.items)
            self._show_inbox_view(self.preview_view)
            text = self.tr("预览 {file}：将接收 {a}，重复 {d}，暂缓 {h}，拒收 {r}").format(
                file=name,
                a=result.count("accepted"),
                d=result.count("duplicate"),
                h=result.count("held"),
                r=result.count("rejected"),
            )
            if result.already_imported:
                text += self.tr("（此批次已导入过，再次导入不会改变任何数据）")
        self.inbox_label.setText(text)
        self._update_apply()
        self._say("")

    def _show_package(self, result: PackageImport) -> None:
        self.package_model.set_rows(
            [PackageLine(label, *result.count(table)) for table, label in PACKAGE_TABLES]
        )
        self._show_inbox_view(self.package_view)

    def _registry_text(self, result: RegistryImport, name: str) -> str:
        if result.already_imported:
            return self.tr("{file}：第 {v} 版名录更新已导入过，再次导入不会改变任何数据。").format(
                file=name, v=result.version
            )
        counts = "，".join(f"{ACTION_LABELS[a]} {len(result.of(a))}" for a in ACTION_LABELS)
        text = self.tr("预览 {file}：第 {v} 版名录（本机现为第 {i} 版）：{counts}").format(
            file=name, v=result.version, i=result.installed, counts=counts
        )
        undecided = self._undecided(result)
        if undecided:
            text += self.tr("。还有 {n} 处冲突待决定：请选中冲突行，选择保留本地或采用平台。").format(
                n=undecided
            )
        return text

    def _undecided(self, result: RegistryImport) -> int:
        return sum(1 for c in result.changes if c.action == "conflict" and c.key not in self.decisions)

    def _update_apply(self) -> None:
        result = self.last_import
        ready = result is not None and not (isinstance(result, RegistryImport) and self._undecided(result))
        self.apply_button.setEnabled(ready)

    def decide_selected(self, choice: str) -> None:
        """Record a person's decision for the selected conflict rows (nothing is written yet)."""
        result = self.last_import
        if not isinstance(result, RegistryImport):
            return
        rows = sorted({i.row() for i in self.diff_view.selectionModel().selectedRows()})
        picked = [self.diff_model.row_at(r) for r in rows]
        conflicts = [c for c in picked if c is not None and c.action == "conflict"]
        if not conflicts:
            self._say(self.tr("请先选中一行或多行“冲突”。"))
            return
        for change in conflicts:
            self.decisions[change.key] = choice
        self.diff_model.set_rows(
            [
                replace(c, decision=self.decisions.get(c.key)) if c.action == "conflict" else c
                for c in result.changes
            ]
        )
        self.inbox_label.setText(self._registry_text(result, self.inbox_path.name if self.inbox_path else ""))
        self._update_apply()

    @Slot()
    def apply_inbox(self) -> None:
        if self.inbox_path is None:
            return
        services, chosen, decisions = self.ui.services, self.inbox_path, dict(self.decisions)

        def run(progress: Progress) -> InboxResult:
            # The import is one transaction and cannot stop half-way; cancelling before it starts
            # is the honest offer.
            progress.check()
            return import_any(services, chosen, decisions=decisions)

        self.apply_button.setEnabled(False)
        CollectionOp(parent=self, runner=self.ui.runner, op=run).success(self._applied).failure(
            self._failed
        ).with_progress(self.tr("正在导入批次…")).run_in_background()

    def _applied(self, result: InboxResult) -> None:
        self.last_import = result
        if isinstance(result, PackageImport):
            self._show_package(result)
            self._say(
                self.tr("任务包已导入：{task} {name}。可以在“结果录入”中录入该任务的检查结果。").format(
                    task=result.task_number, name=result.task_name
                )
            )
            return
        if isinstance(result, RegistryImport):
            self.diff_model.set_rows(result.changes)
            if result.applied:
                self._say(self.tr("名录更新已应用：第 {v} 版。").format(v=result.version))
            else:
                self._say(self.tr("还有冲突待决定，未做任何更改。"))
            return
        self.preview_model.set_rows(result.items)
        self._say(
            self.tr("导入完成：接收 {a}，重复 {d}，暂缓 {h}，拒收 {r}。回执：{path}（请交回发送方）").format(
                a=result.count("accepted"),
                d=result.count("duplicate"),
                h=result.count("held"),
                r=result.count("rejected"),
                path=result.receipt_path or "",
            )
        )

    # ------------------------------------------------------------------ receipts

    @Slot()
    def import_receipt(self) -> None:
        path = self.choose_open_path(self.tr("选择回执文件"), self.tr("回执文件 (*.lcr *.lcb);;所有文件 (*)"))
        if not path:
            return
        services, chosen = self.ui.services, Path(path)
        CollectionOp(
            parent=self,
            runner=self.ui.runner,
            op=lambda _p: apply_receipt(services, chosen),
            changes=("sync_batches", "result_versions", "sync_stream_marks"),
        ).success(self._receipt_applied).failure(self._failed).with_progress(
            self.tr("正在登记回执…"), cancellable=False
        ).run_in_background()

    def _receipt_applied(self, done: ReceiptApplied) -> None:
        self.last_receipt = done
        self.receipt_model.set_rows(done.rejected)
        self.receipt_label.setText(
            self.tr(
                "回执已登记：确认至第 {a} 号，新确认 {n} 条，被拒收 {r} 条（见下表，请修改后重新提交）。"
            ).format(a=done.acknowledged_through, n=done.newly_acknowledged, r=len(done.rejected))
        )
        self._say("")

    # ------------------------------------------------------------------ keys

    @Slot()
    def export_key_card(self) -> None:
        path = self.choose_save_path_for_card()
        if not path or self.key_info is None:
            return
        Path(path).write_text(self.key_info.card_json, encoding="utf-8")
        self._say(self.tr("密钥卡已写入：{p}。交给对方时请电话核对指纹。").format(p=path))

    def choose_save_path_for_card(self) -> str:
        path, _ = QFileDialog.getSaveFileName(self, self.tr("导出密钥卡"), "", self.tr("密钥卡 (*.json)"))
        return path

    @Slot()
    def trust_key(self) -> None:
        path = self.choose_open_path(self.tr("选择对方的密钥卡"), self.tr("密钥卡 (*.json);;所有文件 (*)"))
        if not path:
            return
        fingerprint = self.ask_fingerprint().strip()
        if not fingerprint:
            self._say(self.tr("未信任：必须输入与对方核对过的指纹。"))
            return
        services = self.ui.services
        try:
            card = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            self._say(self.tr("无法读取密钥卡 {p}：{e}").format(p=path, e=exc))
            return
        CollectionOp(
            parent=self,
            runner=self.ui.runner,
            op=lambda _p: trust_key_card(services, card, fingerprint=fingerprint),
            changes=("sync_trusted_keys",),
        ).success(
            lambda row: self._say(
                self.tr("已信任：{name}（{office}）").format(name=row.name, office=row.office)
            )
        ).failure(self._failed).run_in_background()
