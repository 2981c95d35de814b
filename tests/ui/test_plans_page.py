"""抽查计划 page and the task editor."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from openpyxl import load_workbook
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from app.models.enums import RiskClass, TaskMode
from app.services.context import ServiceContext
from app.services.frequency import list_frequency_rules
from app.services.plans import create_plan, list_adjustments, publish_plan
from app.services.targets import LicenceData, TargetData, create_target, target_tags_in_use
from app.services.tasks import create_task, get_task, list_tasks
from app.ui.application import load_cjk_font
from app.ui.context import UiContext
from app.ui.dialogs.base import ReasonDialog
from app.ui.dialogs.frequency import FrequencyDialog
from app.ui.dialogs.task import TaskDialog
from app.ui.pages.plans import PlanPage
from tests.factories import MiniCounty, build_mini_county, joint_task_data, make_uscc
from tests.ui.helpers import type_text

YEAR = 2026


def _page(qtbot: QtBot, ui: UiContext) -> PlanPage:
    page = PlanPage(ui)
    page.year_spin.setValue(YEAR)
    qtbot.addWidget(page)
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        page.show()
    return page


def _fill(qtbot: QtBot, dialog: TaskDialog, county: MiniCounty) -> None:
    type_text(dialog.name_edit, "2026年餐饮单位联合抽查")
    dialog.mode_combo.set_value(TaskMode.GENERAL_SWEEP.value)
    dialog.lead_combo.set_value(county.departments["青山市监"])
    dialog.joint_list.set_checked(county.departments["青山消防"])
    lead_entries = [
        dialog.joint_list.item(n)
        for n in range(dialog.joint_list.count())
        if dialog.joint_list.item(n).data(Qt.ItemDataRole.UserRole) == county.departments["青山市监"]
    ]
    assert [e.isHidden() for e in lead_entries] == [True]
    dialog.items_list.set_checked(county.items["food"])
    dialog.items_list.set_checked(county.items["fire"])
    for risk, percent in ((RiskClass.A, 5), (RiskClass.B, 10), (RiskClass.C, 20), (RiskClass.D, 25)):
        dialog.ratio_spins[risk].setValue(percent)
    dialog.team_spin.setValue(2)


def test_plan_task_created_through_the_dialog_with_live_preview(
    qtbot: QtBot, ui: UiContext, ctx: ServiceContext
) -> None:
    county = build_mini_county(ctx)
    page = _page(qtbot, ui)
    assert page.create_plan_button.isVisible()
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        page.create_plan()
    assert page.plan is not None and not page.published()
    dialog = page.new_task()
    assert isinstance(dialog, TaskDialog)
    _fill(qtbot, dialog, county)
    assert dialog.ratios()[RiskClass.A] == Decimal("0.05")  # exact, not 0.05000000000000000277
    with qtbot.waitSignal(dialog.preview_shown, timeout=10_000):
        pass
    qtbot.waitUntil(lambda: not dialog.preview_pending(), timeout=5_000)
    with qtbot.waitSignal(dialog.preview_shown, timeout=10_000):
        dialog.refresh_preview()
    population = dialog.population
    assert population is not None
    assert {s.risk_class: s.sample_size for s in population.strata} == {
        RiskClass.A: 1,
        RiskClass.B: 4,
        RiskClass.C: 2,
        RiskClass.D: 1,
    }
    assert "合计抽取 <b>8</b> 户" in dialog.preview_label.text()
    assert "30.0%" in dialog.preview_label.text()  # the 一般 item's cap
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        dialog.save()
    tasks = list_tasks(ctx, year=YEAR)
    assert [t.name for t in tasks] == ["2026年餐饮单位联合抽查"]
    assert page.tasks_model.rowCount() == 1
    detail = get_task(ctx, tasks[0].id)
    assert detail.data.ratios[RiskClass.B] == Decimal("0.1")
    assert detail.data.plan_id == page.plan.id


def test_validation_errors_are_shown_per_field(qtbot: QtBot, ui: UiContext, ctx: ServiceContext) -> None:
    county = build_mini_county(ctx)
    page = _page(qtbot, ui)
    dialog = page.new_task()
    assert isinstance(dialog, TaskDialog)
    _fill(qtbot, dialog, county)
    dialog.ratio_spins[RiskClass.C].setValue(7)
    assert dialog.ratios()[RiskClass.C] == Decimal("0.07")  # ceil(0.07 × 100) must stay 7, not 8
    dialog.ratio_spins[RiskClass.A].setValue(50)  # above the 一般 item's 30% cap
    dialog.name_edit.clear()
    dialog.save()
    qtbot.waitUntil(lambda: bool(dialog.errors.message_for("抽查比例")), timeout=10_000)
    assert "上限" in dialog.errors.message_for("抽查比例")
    assert dialog.errors.message_for("任务名称") == "不能为空"
    assert dialog.isVisible()
    dialog.reject()


def test_published_plan_asks_reasons_and_lists_adjustments(
    qtbot: QtBot, ui: UiContext, ctx: ServiceContext, tmp_path: Path
) -> None:
    county = build_mini_county(ctx)
    plan_id = create_plan(ctx, year=YEAR)
    task_id = create_task(ctx, joint_task_data(county, plan_id=plan_id, start_date=date(YEAR, 5, 1)))
    publish_plan(ctx, plan_id)
    page = _page(qtbot, ui)
    assert page.published()
    assert page.tasks_model.rowCount() == 1
    page.tasks_view.selectRow(0)
    prompt = page.cancel_selected()
    assert isinstance(prompt, ReasonDialog) and not prompt.ok_button.isEnabled()
    type_text(prompt.text, "上级部署调整，本任务并入专项行动")
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        prompt.accept()
    assert get_task(ctx, task_id).row.status.value == "cancelled"
    adjustments = list_adjustments(ctx, plan_id)
    assert [a.reason for a in adjustments] == ["上级部署调整，本任务并入专项行动"]
    assert page.adjust_model.rowCount() == 1
    ask = page.new_task()
    assert isinstance(ask, ReasonDialog)  # published: the reason comes before the editor
    ask.reject()
    out = page.export_adjustments(tmp_path / "adjust.xlsx")
    assert out is not None
    sheet = load_workbook(out).active
    assert sheet is not None
    values = [c for row in sheet.iter_rows(values_only=True) for c in row]
    assert "上级部署调整，本任务并入专项行动" in values


def test_plan_page_models_pass_the_model_tester(
    qtbot: QtBot, qtmodeltester: ModelTester, ui: UiContext, ctx: ServiceContext
) -> None:
    county = build_mini_county(ctx)
    plan_id = create_plan(ctx, year=YEAR)
    create_task(ctx, joint_task_data(county, plan_id=plan_id))
    publish_plan(ctx, plan_id)
    create_task(
        ctx, joint_task_data(county, plan_id=plan_id, name="追加任务"), adjustment_reason="群众投诉较多"
    )
    page = _page(qtbot, ui)
    for model in (page.tasks_model, page.adjust_model):
        assert model.rowCount() >= 1
        qtmodeltester.check(model)


def test_frequency_settings_dialog_from_the_plan_page(
    qtbot: QtBot, ui: UiContext, ctx: ServiceContext
) -> None:
    page = _page(qtbot, ui)
    dialog = page.open_frequency()
    assert isinstance(dialog, FrequencyDialog)
    # Current values, with the defaults beside them.
    assert [dialog.max_spins[r].value() for r in RiskClass] == [1, 1, 2, 4]
    assert [dialog.days_spins[r].value() for r in RiskClass] == [365, 180, 90, 30]
    dialog.max_spins[RiskClass.C].setValue(3)
    dialog.days_spins[RiskClass.C].setValue(60)
    dialog.max_spins[RiskClass.D].setValue(3)
    dialog.days_spins[RiskClass.D].setValue(200)  # 3 a year at 200 days apart cannot happen
    dialog.save()
    qtbot.waitUntil(lambda: bool(dialog.errors.message_for("D 类每年最多抽查次数")), timeout=10_000)
    assert "最多只能抽到 2 次" in dialog.errors.message_for("D 类每年最多抽查次数")
    assert dialog.isVisible()
    assert {r.risk_class: r.max_per_year for r in list_frequency_rules(ctx)}[
        RiskClass.C
    ] == 2  # nothing saved
    dialog.days_spins[RiskClass.D].setValue(30)
    with qtbot.waitSignal(dialog.saved, timeout=10_000):
        dialog.save()
    limits = {r.risk_class: (r.max_per_year, r.min_interval_days) for r in list_frequency_rules(ctx)}
    assert limits[RiskClass.C] == (3, 60) and limits[RiskClass.D] == (3, 30)
    again = page.open_frequency()
    assert again is not None
    assert again.max_spins[RiskClass.C].value() == 3
    again.restore_defaults()
    assert [again.max_spins[r].value() for r in RiskClass] == [1, 1, 2, 4]
    with qtbot.waitSignal(again.saved, timeout=10_000):
        again.save()
    assert all(r.is_default for r in list_frequency_rules(ctx))


def _tagged_targets(ctx: ServiceContext) -> tuple[int, int]:
    """Three B-class 餐饮 targets: two tagged 重点监管 (one of them licensed), one licensed only."""
    create_target(
        ctx,
        TargetData(name="标签商户甲", code=make_uscc(7001), industry="餐饮", tags=(("监管", "重点监管"),)),
    )
    create_target(
        ctx,
        TargetData(
            name="标签商户乙",
            code=make_uscc(7002),
            industry="餐饮",
            tags=(("监管", "重点监管"),),
            licences=(LicenceData("食品经营许可证", "JY001", valid_to=date(2030, 1, 1)),),
        ),
    )
    create_target(
        ctx,
        TargetData(
            name="持证商户丙",
            code=make_uscc(7003),
            industry="餐饮",
            licences=(LicenceData("食品经营许可证", "JY002"),),
        ),
    )
    [(tag_id, _kind, _name)] = target_tags_in_use(ctx)
    return tag_id, 3


def test_editor_sets_team_staffing_expert_override_and_directed_scope(
    qtbot: QtBot, ui: UiContext, ctx: ServiceContext
) -> None:
    county = build_mini_county(ctx)
    tag_id, _ = _tagged_targets(ctx)
    page = _page(qtbot, ui)
    dialog = page.new_task()
    assert isinstance(dialog, TaskDialog)
    _fill(qtbot, dialog, county)
    qtbot.waitUntil(lambda: dialog.population is not None, timeout=10_000)

    def preview() -> str:
        qtbot.waitUntil(lambda: not dialog.preview_pending(), timeout=5_000)
        with qtbot.waitSignal(dialog.preview_shown, timeout=10_000):
            dialog.refresh_preview()
        return dialog.preview_label.text()

    # Team staffing: 2 teams × 2 per department; each department has 4 certified officers.
    dialog.officers_spin.setValue(2)
    dialog.min_officers_spin.setValue(4)
    text = preview()
    assert [(s.source, s.per_team, s.needed, s.available) for s in dialog.staffing] == [
        ("青山县市场监督管理局", 2, 4, 4),
        ("青山县消防救援大队", 2, 4, 4),
    ]
    assert "少于所需" not in text
    dialog.officers_spin.setValue(3)  # 6 needed of 4: warned before any draw
    text = preview()
    assert "青山县消防救援大队可抽 4 人，少于所需 6 人" in text
    dialog.officers_spin.setValue(2)
    # An expert per team, from the expert pool (empty in this county: warned).
    dialog.expert_check.setChecked(True)
    text = preview()
    assert ("专家库", 1, 2, 0) in [(s.source, s.per_team, s.needed, s.available) for s in dialog.staffing]
    assert "专家库可抽 0 人，少于所需 2 人" in text
    # Directed scope by tag, then by licence: the population follows.
    dialog.tags.set_checked(tag_id)
    preview()
    assert dialog.population is not None and len(dialog.population.members) == 2
    dialog.licences.set_checked("食品经营许可证")
    text = preview()
    assert len(dialog.population.members) == 1  # tagged and holding the licence
    assert "持有：食品经营许可证" in text and "标签 1 个" in text
    # The frequency override needs its reason.
    dialog.override_check.setChecked(True)
    assert "尚未写明理由" in preview()
    dialog.save()
    qtbot.waitUntil(lambda: bool(dialog.errors.message_for("频次豁免理由")), timeout=5_000)
    assert "须写明理由" in dialog.errors.message_for("频次豁免理由")
    type_text(dialog.override_reason, "上级交办专项整治")
    assert "已豁免抽查频次限制</b>，理由：上级交办专项整治" in preview()
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        dialog.save()
    [task] = list_tasks(ctx, year=YEAR)
    data = get_task(ctx, task.id).data
    assert (data.officers_per_department, data.min_officers_per_team, data.expert_per_team) == (2, 4, True)
    assert data.frequency_override_reason == "上级交办专项整治"
    assert data.scope.tag_ids == (tag_id,) and data.scope.licence_names == ("食品经营许可证",)
    # Reopened, the editor shows what was saved.
    again = TaskDialog(ui, task.id)
    qtbot.addWidget(again)
    assert again.officers_spin.value() == 2 and again.min_officers_spin.value() == 4
    assert again.expert_check.isChecked() and again.override_check.isChecked()
    assert again.override_reason.text() == "上级交办专项整治"
    assert again.tags.values() == [tag_id] and again.licences.values() == ["食品经营许可证"]
    assert again.task_data() == data


def test_task_numbers_are_shown_whole(qtbot: QtBot, qapp: QApplication, ui: UiContext) -> None:
    """The number tells the tasks apart; its end (…〔2026〕12号) was elided, so every row read the same."""
    from app.ui.pages.workbench import WorkbenchPage

    family = load_cjk_font()  # the shipped font, whose widths the application really has
    assert family is not None
    old = qapp.font()
    qapp.setFont(QFont(family, 10))
    try:
        number = "青山市监抽查〔2026〕12号"
        page = _page(qtbot, ui)
        for view in (page.tasks_view, page.adjust_view):
            column = next(
                n
                for n in range(view.model().columnCount())
                if view.model().headerData(n, Qt.Orientation.Horizontal) == "任务编号"
            )
            assert view.fontMetrics().horizontalAdvance(number) + 12 <= view.columnWidth(column)
        bench = WorkbenchPage(ui)
        qtbot.addWidget(bench)
        assert bench.deadline_view.fontMetrics().horizontalAdvance(
            number
        ) + 12 <= bench.deadline_view.columnWidth(2)
    finally:
        qapp.setFont(old)
