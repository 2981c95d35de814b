"""抽查计划 page and the task editor."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from openpyxl import load_workbook
from PySide6.QtCore import Qt
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from app.models.enums import RiskClass, TaskMode
from app.services.context import ServiceContext
from app.services.frequency import list_frequency_rules
from app.services.plans import create_plan, list_adjustments, publish_plan
from app.services.tasks import create_task, get_task, list_tasks
from app.ui.context import UiContext
from app.ui.dialogs.base import ReasonDialog
from app.ui.dialogs.frequency import FrequencyDialog
from app.ui.dialogs.task import TaskDialog
from app.ui.pages.plans import PlanPage
from tests.factories import MiniCounty, build_mini_county, joint_task_data
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
