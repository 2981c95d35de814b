"""结果公示 page: what it lists (never classified, non-public or withheld), 公示审批, files, follow-up."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import QDate
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from app.models.enums import FollowUpKind, InspectionState, RiskClass
from app.services.context import ServiceContext
from app.services.credit import list_joint_punishments, list_risk_proposals
from app.services.followups import list_follow_ups
from app.services.plans import create_plan
from app.services.results import approve_result, list_results, submit_result
from app.services.targets import get_target
from app.services.tasks import create_task, get_task
from app.ui.context import UiContext
from app.ui.dialogs.base import ReasonDialog, RecordDialog
from app.ui.navigation import page_spec
from app.ui.pages.disclosure import DISCLOSURE_KINDS, CloseFollowUpDialog, DisclosurePage, FollowUpDialog
from tests.factories import build_mini_county, joint_task_data
from tests.ui.helpers import type_text, visible_message_box
from tests.unit.results.helpers import TODAY, draw_both, good_payload, problem_payload


@dataclass(frozen=True)
class County:
    public_task: int
    classified_task: int
    private_task: int
    public: tuple[int, ...]
    classified: tuple[int, ...]
    private: tuple[int, ...]
    withheld: int  # a public inspection whose result is 依法不予公开
    problem: int  # a public inspection with a problem (责令改正)


@pytest.fixture
def county(ctx: ServiceContext) -> County:
    mini = build_mini_county(ctx)
    plan = create_plan(ctx, year=2026, title="青山县2026年度抽查计划", number="青山抽查计划〔2026〕1号")
    public_task = create_task(ctx, joint_task_data(mini, plan_id=plan))
    classified_task = create_task(
        ctx, joint_task_data(mini, name="2026年涉密单位专项检查", is_classified=True, is_public=False)
    )
    private_task = create_task(ctx, joint_task_data(mini, name="2026年内部核查（不公开）", is_public=False))
    public, classified, private = (draw_both(ctx, t) for t in (public_task, classified_task, private_task))
    withheld, problem = public[0], public[1]
    submit_result(
        ctx, withheld, good_payload(ctx, withheld, withheld=True, withheld_reason="涉及商业秘密"), today=TODAY
    )
    submit_result(ctx, problem, problem_payload(ctx, problem), today=TODAY)
    for iid in public[2:4]:
        submit_result(ctx, iid, good_payload(ctx, iid), today=TODAY)
    for iid in (*public[:4], classified[0], private[0]):
        if iid in (classified[0], private[0]):
            submit_result(ctx, iid, good_payload(ctx, iid), today=TODAY)
        approve_result(ctx, iid)
    return County(public_task, classified_task, private_task, public, classified, private, withheld, problem)


@pytest.fixture
def page(qtbot: QtBot, ui: UiContext, county: County) -> DisclosurePage:
    widget = DisclosurePage(ui, today=TODAY)
    qtbot.addWidget(widget)
    widget.resize(1400, 900)
    widget.show()
    qtbot.waitUntil(lambda: widget.awaiting_model.rowCount() > 0, timeout=10_000)
    return widget


def _target_code(ctx: ServiceContext, inspection_id: int, task_id: int) -> str:
    row = next(r for r in list_results(ctx, task_id) if r.inspection_id == inspection_id)
    return row.target_code


def test_navigation_opens_the_page() -> None:
    assert page_spec("disclosure").load_factory() is DisclosurePage


def test_models_pass_the_model_tester(qtmodeltester: object, qtbot: QtBot, page: DisclosurePage) -> None:
    qtbot.waitUntil(lambda: page.due_model.rowCount() > 0 and page.proposal_model.rowCount() > 0)
    for model in (page.task_model, page.awaiting_model, page.due_model, page.proposal_model):
        assert model.rowCount() > 0
        qtmodeltester.check(model)  # type: ignore[attr-defined]
    qtmodeltester.check(page.follow_model)  # type: ignore[attr-defined]
    qtmodeltester.check(page.punish_model)  # type: ignore[attr-defined]


def test_only_disclosable_tasks_and_results_appear(page: DisclosurePage, county: County) -> None:
    assert [r.task_id for r in page.task_model.rows()] == [county.public_task]
    awaiting = {r.inspection_id for r in page.awaiting_model.rows()}
    assert awaiting == set(county.public[1:4])  # the withheld one is not offered for disclosure
    due = {r.inspection_id for r in page.due_model.rows()}
    assert due and county.withheld not in due
    assert not due & set(county.classified) and not due & set(county.private)
    assert {r.task_id for r in page.due_model.rows()} == {county.public_task}
    assert page.task_model.rows()[0].status_label == "已逾期"


def test_approve_publication_and_save_files(
    qtbot: QtBot, page: DisclosurePage, county: County, ctx: ServiceContext, tmp_path: Path
) -> None:
    page.awaiting_view.selectRow(0)
    first = page.awaiting_model.row_at(0)
    assert first is not None
    page.approve_publication(selected_only=True)
    qtbot.waitUntil(lambda: page.awaiting_model.rowCount() == 2, timeout=10_000)
    states = {r.inspection_id: r.state for r in list_results(ctx, county.public_task)}
    assert states[first.inspection_id] == InspectionState.PUBLISHED
    page.approve_publication(selected_only=False, comment="同意公示")
    qtbot.waitUntil(lambda: page.awaiting_model.rowCount() == 0, timeout=10_000)
    states = {r.inspection_id: r.state for r in list_results(ctx, county.public_task)}
    assert all(states[i] == InspectionState.PUBLISHED for i in county.public[1:4])
    assert states[county.withheld] == InspectionState.APPROVED  # never offered here

    withheld_code = _target_code(ctx, county.withheld, county.public_task)
    for kind, _label in DISCLOSURE_KINDS:
        page.kind_box.setCurrentIndex([k for k, _ in DISCLOSURE_KINDS].index(kind))
        for suffix in (".xlsx", ".pdf"):
            path = tmp_path / f"{kind}{suffix}"
            page.save_disclosure(path)
            qtbot.waitUntil(path.exists, timeout=20_000)
        sheet = load_workbook(tmp_path / f"{kind}.xlsx").active
        assert sheet is not None
        cells = {str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None}
        assert withheld_code not in cells
        assert "2026年涉密单位专项检查" not in cells
        assert (tmp_path / f"{kind}.pdf").read_bytes().startswith(b"%PDF")
    results = load_workbook(tmp_path / "results.xlsx").active
    assert results is not None
    published_codes = {_target_code(ctx, i, county.public_task) for i in county.public[1:4]}
    assert published_codes <= {str(c.value) for row in results.iter_rows() for c in row}


def test_preview_builds_the_pdf(qtbot: QtBot, page: DisclosurePage, tmp_path: Path) -> None:
    page.kind_box.setCurrentIndex(1)  # 抽查名单
    dialog = page.open_preview()
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.page_count() > 0, timeout=30_000)
    target = tmp_path / "名单.pdf"
    dialog.save_to(target)
    assert target.read_bytes().startswith(b"%PDF")
    dialog.reject()


def test_follow_up_recheck_close_and_credit(
    qtbot: QtBot, page: DisclosurePage, county: County, ctx: ServiceContext
) -> None:
    page.tabs.setCurrentIndex(1)
    # 组长审核 of the problem result proposed raising the target's risk class.
    qtbot.waitUntil(lambda: page.proposal_model.rowCount() == 1, timeout=10_000)
    proposal = page.proposal_model.row_at(0)
    assert proposal is not None and proposal.inspection_id == county.problem
    dialog = _new_follow_up(page, county.problem, "责令十五日内改正")
    dialog.due.setDate(QDate(2026, 6, 1))
    dialog.recheck.setDate(QDate(2026, 6, 5))
    with qtbot.waitSignal(dialog.finished, timeout=10_000):
        dialog.save()
    qtbot.waitUntil(lambda: page.follow_model.rowCount() == 1, timeout=10_000)
    row = page.follow_model.row_at(0)
    assert row is not None and row.overdue and row.created_by == ctx.operator
    page.follow_view.selectRow(0)
    edit = page.ask_edit_follow_up()
    assert isinstance(edit, FollowUpDialog)
    edit.recheck.setDate(QDate(2026, 12, 1))
    with qtbot.waitSignal(edit.finished, timeout=10_000):
        edit.save()
    qtbot.waitUntil(
        lambda: (page.follow_model.row_at(0) or row).recheck_on == date(2026, 12, 1), timeout=10_000
    )
    moved = page.follow_model.row_at(0)
    assert moved is not None and not moved.overdue
    page.follow_view.selectRow(0)
    close = page.ask_close()
    assert isinstance(close, CloseFollowUpDialog)
    close.outcome.setPlainText("复查合格，已整改到位")
    close.closed_on.setDate(QDate(2026, 11, 20))
    with qtbot.waitSignal(close.finished, timeout=10_000):
        close.save()
    qtbot.waitUntil(lambda: page.follow_model.rowCount() == 0, timeout=10_000)  # only open ones shown
    closed = list_follow_ups(ctx)[0]
    assert closed.closed_by == ctx.operator and closed.outcome == "复查合格，已整改到位"

    page.follow_view.selectRow(0)
    page.open_only.setChecked(False)
    qtbot.waitUntil(lambda: page.follow_model.rowCount() == 1, timeout=10_000)
    page.add_punishment(page.follow_model.row_at(0) or closed, "多次检查发现同类问题")
    qtbot.waitUntil(lambda: page.punish_model.rowCount() == 1, timeout=10_000)
    assert list_joint_punishments(ctx)[0].reason == "多次检查发现同类问题"

    page.proposal_view.selectRow(0)
    page.confirm_selected_proposal()
    qtbot.waitUntil(lambda: page.proposal_model.rowCount() == 0, timeout=10_000)
    assert get_target(ctx, proposal.target_id).data.risk_class == proposal.to_class
    assert proposal.to_class != RiskClass(proposal.from_class)
    assert list_risk_proposals(ctx, pending_only=False)[0].decided_by == ctx.operator


def _new_follow_up(page: DisclosurePage, inspection_id: int, description: str) -> FollowUpDialog:
    """The 登记 editor on ``inspection_id``, as 责令改正 with ``description`` and both dates ticked."""
    dialog = page.ask_new_follow_up()
    assert isinstance(dialog, FollowUpDialog)
    dialog.result_box.setCurrentIndex(dialog.result_box.findData(inspection_id))
    dialog.kind_box.setCurrentIndex(dialog.kind_box.findData(FollowUpKind.RECTIFY))
    dialog.due_check.setChecked(True)
    dialog.recheck_check.setChecked(True)
    dialog.description.setText(description)
    return dialog


def test_refused_follow_up_shows_the_reason(qtbot: QtBot, page: DisclosurePage, county: County) -> None:
    dialog = _new_follow_up(page, county.problem, "未写期限")
    dialog.due_check.setChecked(False)
    dialog.save()
    qtbot.waitUntil(lambda: not dialog.saving, timeout=10_000)
    # The service's refusal, next to the field it names; the editor stays open with the input.
    assert dialog.isVisible() and "责令改正须写明整改期限" in dialog.errors.message_for("整改期限")
    assert dialog.description.text() == "未写期限"
    QDialog.reject(dialog)


def test_buttons_follow_the_users_permissions(qtbot: QtBot, ui: UiContext, county: County) -> None:
    from app.models.users import Role
    from app.services.permissions import Actor

    viewer = Actor(user_id=7, username="v", display_name="只读员", roles=frozenset({Role.READONLY}))
    readonly_ui = UiContext(
        services=ServiceContext(db=ui.services.db, operator="只读员", user=viewer), runner=ui.runner
    )
    widget = DisclosurePage(readonly_ui, today=TODAY)
    qtbot.addWidget(widget)
    qtbot.waitUntil(lambda: widget.loaded, timeout=10_000)
    assert widget.preview_button.isEnabled()  # reading is open to everyone
    assert not widget.publish_all_button.isEnabled() and not widget.xlsx_button.isEnabled()
    assert not widget.new_follow_button.isEnabled() and not widget.confirm_button.isEnabled()


def test_follow_up_dialog_starts_from_the_results_measures(
    qtbot: QtBot, page: DisclosurePage, county: County, ctx: ServiceContext
) -> None:
    from app.services.departments import list_departments

    dialog = page.ask_new_follow_up()
    assert isinstance(dialog, FollowUpDialog) and dialog.isVisible()  # the editor, not a blocking list
    assert dialog.task_box.currentData() == county.public_task  # the task chosen on the page
    # Only submitted results are offered; the one with problems comes first.
    offered = [dialog.result_box.itemData(n) for n in range(dialog.result_box.count())]
    assert county.problem in offered and county.public[4] not in offered
    assert dialog.inspection_id() == county.problem
    data = dialog.data()
    assert data.kind == FollowUpKind.RECTIFY and data.due_date is not None and data.recheck_on is not None
    assert "食品经营许可证已过期" in data.description
    dialog.department_box.setCurrentIndex(1)
    dialog.kind_box.setCurrentIndex(dialog.kind_box.findData(FollowUpKind.COPY))
    assert dialog.data().department_id == list_departments(ctx)[0].id
    QDialog.reject(dialog)


def _wait_saved_or_refused(qtbot: QtBot, dialog: RecordDialog) -> None:
    qtbot.waitUntil(lambda: not dialog.saving, timeout=10_000)
    qtbot.wait(20)


def test_register_change_and_close_a_follow_up_in_dialogs_that_keep_refused_input(
    qtbot: QtBot, page: DisclosurePage, county: County, ctx: ServiceContext
) -> None:
    page.tabs.setCurrentIndex(1)
    dialog = page.ask_new_follow_up()
    assert isinstance(dialog, FollowUpDialog)
    # 抄告 without the department it goes to: refused next to 接收部门, the dialog and text stay.
    assert dialog.due_check.isChecked()  # prefilled from the result's 责令改正
    dialog.kind_box.setCurrentIndex(dialog.kind_box.findData(FollowUpKind.COPY))
    assert not dialog.due_check.isChecked() and not dialog.due.isEnabled()  # dates follow the measure
    dialog.department_box.setCurrentIndex(0)
    dialog.description.clear()
    type_text(dialog.description, "抄告卫健部门")
    dialog.save()
    _wait_saved_or_refused(qtbot, dialog)
    assert dialog.isVisible()
    assert "须选择接收的主管部门" in dialog.errors.message_for("接收部门")
    assert dialog.description.text() == "抄告卫健部门"
    assert list_follow_ups(ctx) == [] and visible_message_box() is None
    dialog.department_box.setCurrentIndex(1)
    with qtbot.waitSignal(dialog.finished, timeout=10_000):
        dialog.save()  # saved: the dialog closes
    qtbot.waitUntil(lambda: page.follow_model.rowCount() == 1, timeout=10_000)
    target = page.follow_model.row_at(0)
    assert target is not None and target.due_date is None and target.recheck_on is None
    assert page.credit_status.text() == f"已登记「{target.target_name}」的后续处置（抄告相关部门）。"

    # 修改/改期 and 办结 wait for a chosen open follow-up.
    assert not page.reschedule_button.isEnabled() and not page.close_follow_button.isEnabled()
    page.follow_view.selectRow(0)
    assert page.reschedule_button.isEnabled() and page.close_follow_button.isEnabled()
    edit = page.ask_edit_follow_up()
    assert isinstance(edit, FollowUpDialog) and not edit.result_box.isEnabled()
    assert edit.result_box.currentText() == target.target_name  # the inspection it belongs to
    assert edit.department_box.currentIndex() == 1 and edit.description.text() == "抄告卫健部门"
    edit.recheck_check.setChecked(False)
    assert not edit.recheck.isEnabled()  # not ticked: greyed out, not saved
    edit.recheck_check.setChecked(True)
    edit.recheck.setDate(QDate(2026, 12, 20))
    with qtbot.waitSignal(edit.finished, timeout=10_000):
        edit.save()  # saved: the dialog closes
    qtbot.waitUntil(lambda: list_follow_ups(ctx)[0].recheck_on == date(2026, 12, 20), timeout=10_000)

    qtbot.waitUntil(  # the page shows the changed row (its new version) before it is closed
        lambda: (
            (page.follow_model.row_at(0) or list_follow_ups(ctx)[0]).recheck_on == date(2026, 12, 20)
            and page.follow_model.rowCount() == 1
        ),
        timeout=10_000,
    )
    page.follow_view.selectRow(0)
    close = page.ask_close()
    assert isinstance(close, CloseFollowUpDialog)
    close.outcome.setPlainText("   ")
    close.save()
    _wait_saved_or_refused(qtbot, close)
    assert close.isVisible() and "办理结果" in close.errors.message_for("办理结果")
    close.outcome.setPlainText("卫健部门已回函")
    close.closed_on.setDate(QDate(2026, 12, 1))
    with qtbot.waitSignal(close.finished, timeout=10_000):
        close.save()  # saved: the dialog closes
    closed = list_follow_ups(ctx)[0]
    assert closed.outcome == "卫健部门已回函" and closed.closed_on == date(2026, 12, 1)
    qtbot.waitUntil(lambda: "已办结" in page.credit_status.text(), timeout=10_000)


def test_follow_up_for_a_task_without_results_is_said_in_the_dialog(
    qtbot: QtBot, page: DisclosurePage, county: County, ctx: ServiceContext
) -> None:
    undrawn = create_task(ctx, replace(get_task(ctx, county.public_task).data, name="2026年尚未抽取的任务"))
    dialog = page.ask_new_follow_up()
    assert isinstance(dialog, FollowUpDialog)
    dialog.task_box.setCurrentIndex(dialog.task_box.findData(undrawn))
    assert dialog.result_box.count() == 0 and dialog.inspection_id() is None
    dialog.save()
    assert dialog.isVisible() and "还没有已提交的检查结果" in dialog.errors.message_for("检查记录")
    QDialog.reject(dialog)


def test_credit_reasons_are_asked_in_the_reason_prompt(
    qtbot: QtBot, page: DisclosurePage, county: County, ctx: ServiceContext
) -> None:
    page.tabs.setCurrentIndex(1)
    qtbot.waitUntil(lambda: page.proposal_model.rowCount() == 1, timeout=10_000)
    page.proposal_view.selectRow(0)
    ask = page.ask_reject_proposal()
    assert isinstance(ask, ReasonDialog) and ask.isVisible()
    ask.text.setPlainText("  ")
    ask.ok_button.click()
    assert ask.isVisible() and "空白" in ask.problem.text()  # asked again, not sent to the service
    ask.text.setPlainText("已当场整改到位")
    ask.ok_button.click()
    qtbot.waitUntil(lambda: page.proposal_model.rowCount() == 0, timeout=10_000)
    decided = list_risk_proposals(ctx, pending_only=False)[0]
    assert decided.decided_by == ctx.operator
