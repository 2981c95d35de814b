"""The import wizard on real registry files: mapping, dry run, report, import step."""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import openpyxl
import pytest
from PySide6.QtWidgets import QMessageBox, QWidget
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from app.io import ColumnMapping, Issue, RegistryKind, Severity, load_presets, load_table
from app.models import AuditEntry, Target
from app.services.context import ServiceContext
from app.services.import_common import Stage
from app.ui import import_bridge
from app.ui.context import UiContext
from app.ui.dialogs.import_wizard import ImportWizard, IssueModel, export_registry


def _find_shared_data() -> Path | None:
    override = os.environ.get("LIANCHA_SHARED_DATA")
    if override:
        return Path(override)
    for parent in Path(__file__).resolve().parents:
        for candidate in (parent / "shared" / "data", parent.parent / "shared" / "data"):
            if (candidate / "README.md").is_file():
                return candidate
    return None


SHARED_DATA = _find_shared_data()


@pytest.fixture
def data_dir() -> Path:
    if SHARED_DATA is None:
        pytest.skip("../shared/data not found (set LIANCHA_SHARED_DATA)")
    return SHARED_DATA


def open_wizard(qtbot: QtBot, ui: UiContext, kind: RegistryKind, presets: Path) -> ImportWizard:
    wizard = ImportWizard(ui, kind, presets_folder=presets)
    qtbot.addWidget(wizard)
    wizard.show()
    return wizard


def load(qtbot: QtBot, wizard: ImportWizard, path: Path) -> None:
    wizard.file_page.load(path)
    qtbot.waitUntil(lambda: not wizard.file_page._loading, timeout=10_000)


def validated(qtbot: QtBot, wizard: ImportWizard, path: Path) -> ImportWizard:
    load(qtbot, wizard, path)
    assert wizard.file_page.isComplete()
    wizard.next()
    assert wizard.currentPage() is wizard.mapping_page
    wizard.next()
    assert wizard.currentPage() is wizard.validate_page
    qtbot.waitUntil(lambda: wizard.validation is not None, timeout=20_000)
    return wizard


def test_target_file_is_mapped_validated_and_reported(
    qtbot: QtBot, ui: UiContext, data_dir: Path, tmp_path: Path, qtmodeltester: ModelTester
) -> None:
    wizard = open_wizard(qtbot, ui, RegistryKind.TARGETS, tmp_path / "presets")
    load(qtbot, wizard, data_dir / "targets" / "zhejiang_enterprises_a.xlsx")
    assert wizard.table is not None
    assert f"表头在第 {wizard.table.header_row} 行" in wizard.file_page.info_label.text()
    wizard.next()
    mapping = wizard.mapping
    assert mapping is not None and mapping.match != "none"
    assert not mapping.missing_required
    page = wizard.mapping_page
    # The combo boxes show the guessed mapping.
    for header, field_name in mapping.columns:
        assert page.combos[header].currentData() == field_name
    assert page.isComplete()

    page.save_preset("浙江企业名单")
    (preset,) = load_presets(tmp_path / "presets", kind=RegistryKind.TARGETS)
    assert preset.name == "浙江企业名单"
    assert "浙江企业名单" in page.preset_label.text()

    wizard.next()
    qtbot.waitUntil(lambda: wizard.validation is not None, timeout=20_000)
    result = wizard.validation
    assert result is not None
    assert (result.data_rows, len(result.rows), result.error_count, result.warning_count) == (478, 478, 0, 1)
    assert "错误 0 个" in wizard.validate_page.summary.text()
    assert "警告 1 个" in wizard.validate_page.summary.text()
    model = wizard.validate_page.model
    assert model.rowCount() == 1
    qtmodeltester.check(model)
    assert model.index(0, 3).data() == "警告"
    assert model.index(0, 1).data() == "注册号/统一社会信用代码"
    assert wizard.validate_page.isComplete()

    report = wizard.validate_page.save_report(tmp_path / "报告.xlsx")
    assert report is not None
    sheet = openpyxl.load_workbook(report, read_only=True).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:5] == ("行号", "列", "值", "级别", "原因")
    assert any(row[3] == "警告" for row in rows[1:])


def test_item_file_counts(qtbot: QtBot, ui: UiContext, data_dir: Path, tmp_path: Path) -> None:
    wizard = open_wizard(qtbot, ui, RegistryKind.ITEMS, tmp_path)
    validated(qtbot, wizard, data_dir / "items" / "hainan_2020_random_check_items.csv")
    result = wizard.validation
    assert result is not None
    assert (result.data_rows, len(result.rows), len(result.rejected_rows)) == (297, 293, 4)
    assert wizard.validate_page.model.rowCount() == len(result.issues)
    assert "涉及 4 行" in wizard.validate_page.summary.text()


def test_changing_a_column_updates_the_mapping(
    qtbot: QtBot, ui: UiContext, data_dir: Path, tmp_path: Path
) -> None:
    wizard = open_wizard(qtbot, ui, RegistryKind.TARGETS, tmp_path)
    load(qtbot, wizard, data_dir / "targets" / "zhejiang_enterprises_a.xlsx")
    wizard.next()
    mapping = wizard.mapping
    assert mapping is not None
    name_header = mapping.header_for("name")
    assert name_header is not None
    wizard.mapping_page.set_field(name_header, None)
    assert wizard.mapping is not None and wizard.mapping.header_for("name") is None
    assert "name" in wizard.mapping.missing_required
    assert "缺少必填字段" in wizard.mapping_page.missing_label.text()
    assert not wizard.mapping_page.isComplete()
    wizard.mapping_page.set_field(name_header, "name")
    assert wizard.mapping_page.isComplete()


def test_broken_file_shows_why(qtbot: QtBot, ui: UiContext, tmp_path: Path) -> None:
    broken = tmp_path / "名单.xlsx"
    broken.write_bytes(bytes(range(256)) * 40)
    wizard = open_wizard(qtbot, ui, RegistryKind.TARGETS, tmp_path)
    load(qtbot, wizard, broken)
    text = wizard.file_page.error_label.text()
    assert "名单.xlsx" in text
    assert not wizard.file_page.isComplete()


def test_blank_template_is_written(qtbot: QtBot, ui: UiContext, tmp_path: Path) -> None:
    wizard = open_wizard(qtbot, ui, RegistryKind.INSPECTORS, tmp_path)
    path = wizard.file_page.download_template(tmp_path / "模板.xlsx")
    assert path is not None and path.stat().st_size > 0
    load(qtbot, wizard, path)
    assert wizard.table is not None and wizard.table.skipped  # the explanation row under the header
    assert "姓名" in wizard.table.header


def _go_to_import(qtbot: QtBot, wizard: ImportWizard, data_dir: Path) -> None:
    validated(qtbot, wizard, data_dir / "targets" / "zhejiang_enterprises_a.xlsx")
    wizard.next()
    assert wizard.currentPage() is wizard.import_page
    qtbot.waitUntil(lambda: not wizard.import_page._running, timeout=10_000)


def test_import_step_without_the_service(
    qtbot: QtBot, ui: UiContext, data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(import_bridge, "SERVICE_MODULE", "app.services.no_such_import_service")
    wizard = open_wizard(qtbot, ui, RegistryKind.TARGETS, tmp_path)
    _go_to_import(qtbot, wizard, data_dir)
    assert "导入服务尚未安装" in wizard.import_page.status.text()
    assert wizard.outcome is None
    assert not wizard.import_page.isComplete()


def test_import_step_with_a_service_shows_the_counts(
    qtbot: QtBot, ui: UiContext, data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[dict[str, Any]] = []

    def import_registry(ctx: object, kind: RegistryKind, path: Path, **kwargs: Any) -> object:
        calls.append({"ctx": ctx, "kind": kind, "path": path, **kwargs})
        kwargs["progress"].update(done=478, total=478, message="正在写入检查对象…")
        issue = Issue(row=5, column="名称", value="", severity=Severity.ERROR, reason="名称为空")
        return SimpleNamespace(added=470, updated=5, unchanged=2, rejected=1, issues=[issue])

    monkeypatch.setattr(import_bridge, "_service", lambda: SimpleNamespace(import_registry=import_registry))
    wizard = open_wizard(qtbot, ui, RegistryKind.TARGETS, tmp_path)
    _go_to_import(qtbot, wizard, data_dir)
    (call,) = calls
    assert call["ctx"] is ui.services and call["kind"] is RegistryKind.TARGETS
    assert isinstance(call["mapping"], ColumnMapping) and call["dry_run"] is False
    text = wizard.import_page.status.text()
    assert "新增 470 条" in text and "更新 5 条" in text and "未变 2 条" in text and "拒绝 1 条" in text
    assert wizard.import_page.isComplete()
    wizard.next()
    assert wizard.currentPage() is wizard.done_page
    summary = wizard.done_page.summary.text()
    assert "zhejiang_enterprises_a.xlsx" in summary and "新增 470" in summary and "问题 1 个" in summary


def test_issue_model_on_mixed_issues(qtmodeltester: ModelTester) -> None:
    model = IssueModel()
    model.set_issues(
        (
            Issue(row=None, column=None, value="", severity=Severity.ERROR, reason="缺少必填列"),
            Issue(row=7, column="名称", value="=1+1", severity=Severity.WARNING, reason="疑似公式"),
        )
    )
    qtmodeltester.check(model)
    assert [model.index(0, c).data() for c in range(5)] == ["", "", "", "错误", "缺少必填列"]
    assert model.index(1, 0).data() == "7"


def test_registry_pages_have_import_and_export(qtbot: QtBot, ui: UiContext) -> None:
    from PySide6.QtWidgets import QPushButton

    from app.ui.pages.inspectors import InspectorsPanel
    from app.ui.pages.items import ItemsPanel
    from app.ui.pages.schemes import SchemesPanel
    from app.ui.pages.targets import TargetsPanel

    for panel_class, kind in (
        (TargetsPanel, "targets"),
        (InspectorsPanel, "inspectors"),
        (ItemsPanel, "items"),
        (SchemesPanel, "schemes"),
    ):
        panel = panel_class(ui)
        qtbot.addWidget(panel)
        assert panel.findChild(QPushButton, f"import_{kind}") is not None
        assert panel.findChild(QPushButton, f"export_{kind}") is not None


def _export_message(qtbot: QtBot, parent: QWidget) -> QMessageBox:
    found: list[QMessageBox] = []

    def shown() -> bool:
        found[:] = [box for box in parent.findChildren(QMessageBox, "exportMessage") if box.isVisible()]
        return bool(found)

    qtbot.waitUntil(shown, timeout=10_000)
    return found[0]


def test_export_without_the_service_says_so(
    qtbot: QtBot, ui: UiContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(import_bridge, "EXPORT_MODULE", "app.services.no_such_export_service")
    parent = QWidget()
    qtbot.addWidget(parent)
    parent.show()
    export_registry(ui, RegistryKind.TARGETS, parent, tmp_path / "out.xlsx")
    box = _export_message(qtbot, parent)
    assert "导入服务尚未安装" in box.text()
    box.close()


def test_export_calls_the_service(
    qtbot: QtBot, ui: UiContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[object, RegistryKind, Path]] = []
    service = SimpleNamespace(export_registry=lambda ctx, kind, path: calls.append((ctx, kind, path)))
    monkeypatch.setattr(import_bridge, "_exporter", lambda: service)
    parent = QWidget()
    qtbot.addWidget(parent)
    parent.show()
    export_registry(ui, RegistryKind.ITEMS, parent, tmp_path / "事项.xlsx")
    box = _export_message(qtbot, parent)
    assert calls == [(ui.services, RegistryKind.ITEMS, tmp_path / "事项.xlsx")]
    assert "事项.xlsx" in box.text()
    box.close()


def test_import_failure_goes_to_the_error_dialog(
    qtbot: QtBot, ui: UiContext, data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def import_registry(*_args: Any, **_kwargs: Any) -> object:
        raise OSError("磁盘已满")

    monkeypatch.setattr(import_bridge, "_service", lambda: SimpleNamespace(import_registry=import_registry))
    wizard = open_wizard(qtbot, ui, RegistryKind.TARGETS, tmp_path)
    _go_to_import(qtbot, wizard, data_dir)
    assert "导入失败" in wizard.import_page.status.text()
    assert wizard.import_page.retry_button.isVisibleTo(wizard)
    boxes = [box for box in wizard.findChildren(QMessageBox) if box.isVisible()]
    assert boxes, "the error should be shown in the standard error dialog"
    assert not wizard.import_page.isComplete()
    for box in boxes:
        box.close()


def test_another_sheet_can_be_chosen(qtbot: QtBot, ui: UiContext, tmp_path: Path) -> None:
    path = tmp_path / "两表.xlsx"
    book = openpyxl.Workbook()
    first = book.active
    assert first is not None
    first.title = "企业"
    first.append(["企业名称", "统一社会信用代码"])
    first.append(["杭州某某有限公司", "91330106MA2B0ABC1X"])
    second = book.create_sheet("人员")
    second.append(["姓名", "执法证号"])
    second.append(["张三", "33010012345"])
    book.save(path)
    wizard = open_wizard(qtbot, ui, RegistryKind.TARGETS, tmp_path)
    load(qtbot, wizard, path)
    assert wizard.table is not None and wizard.table.sheet_name == "企业"
    combo = wizard.file_page.sheet_combo
    assert combo.isEnabled() and [combo.itemText(i) for i in range(combo.count())] == ["企业", "人员"]
    wizard.file_page.load(path, sheet="人员")
    qtbot.waitUntil(lambda: not wizard.file_page._loading, timeout=10_000)
    assert wizard.table is not None and wizard.table.sheet_name == "人员"
    assert wizard.table.header[0] == "姓名"
    assert combo.currentText() == "人员"


def _target_count(ctx: ServiceContext) -> int:
    with ctx.read() as session:
        return int(session.execute(select(func.count()).select_from(Target)).scalar_one())


def test_real_import_lands_and_the_summary_says_so(
    qtbot: QtBot, ui: UiContext, ctx: ServiceContext, data_dir: Path, tmp_path: Path
) -> None:
    assert _target_count(ctx) == 0
    wizard = open_wizard(qtbot, ui, RegistryKind.TARGETS, tmp_path)
    _go_to_import(qtbot, wizard, data_dir)
    page = wizard.import_page
    assert page.status.text() == "导入完成：新增 478 条，更新 0 条，未变 0 条，拒绝 0 条。"
    assert page.isComplete() and not page.retry_button.isVisibleTo(wizard)
    assert _target_count(ctx) == 478
    with ctx.read() as session:
        audit = session.execute(select(AuditEntry.summary).where(AuditEntry.action == "import")).scalar_one()
    assert "zhejiang_enterprises_a.xlsx" in audit and "新增 478" in audit
    wizard.next()
    assert wizard.currentPage() is wizard.done_page
    summary = wizard.done_page.summary.text()
    assert summary.splitlines() == [
        "文件：zhejiang_enterprises_a.xlsx（检查对象名录）",
        "校验：数据 478 行，错误 0 个，警告 1 个",
        "导入：新增 478，更新 0，未变 0，拒绝 0",
    ]  # the service's report repeats the dry run's warning: not counted again

    again = open_wizard(qtbot, ui, RegistryKind.TARGETS, tmp_path)
    _go_to_import(qtbot, again, data_dir)
    assert again.import_page.status.text() == "导入完成：新增 0 条，更新 0 条，未变 478 条，拒绝 0 条。"
    assert _target_count(ctx) == 478


def test_real_import_cancelled_while_writing_changes_nothing(
    qtbot: QtBot,
    ui: UiContext,
    ctx: ServiceContext,
    data_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    original = Stage.advance

    def cancel_then_advance(self: Stage, step: int) -> None:
        assert self.progress is not None, "the wizard must give the service its Progress"
        self.progress.cancel()  # as the strip's 取消 button does, once rows are being written
        original(self, step)

    monkeypatch.setattr(Stage, "advance", cancel_then_advance)
    wizard = open_wizard(qtbot, ui, RegistryKind.TARGETS, tmp_path)
    _go_to_import(qtbot, wizard, data_dir)
    assert wizard.import_page.status.text() == "导入已取消，数据库未作改动。"
    assert wizard.outcome is None and not wizard.import_page.isComplete()
    assert wizard.import_page.retry_button.isVisibleTo(wizard)
    assert _target_count(ctx) == 0
    monkeypatch.setattr(Stage, "advance", original)
    wizard.import_page.retry_button.click()
    qtbot.waitUntil(lambda: not wizard.import_page._running, timeout=10_000)
    assert "新增 478 条" in wizard.import_page.status.text() and _target_count(ctx) == 478


def test_real_export_writes_the_registry(
    qtbot: QtBot, ui: UiContext, ctx: ServiceContext, data_dir: Path, tmp_path: Path
) -> None:
    wizard = open_wizard(qtbot, ui, RegistryKind.TARGETS, tmp_path)
    _go_to_import(qtbot, wizard, data_dir)
    parent = QWidget()
    qtbot.addWidget(parent)
    parent.show()
    out = tmp_path / "检查对象.xlsx"
    export_registry(ui, RegistryKind.TARGETS, parent, out)
    box = _export_message(qtbot, parent)
    assert "已导出到" in box.text()
    box.close()
    table = load_table(out, kind=RegistryKind.TARGETS)
    assert sum(1 for _ in table.iter_rows()) == 478
