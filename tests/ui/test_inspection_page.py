"""检查实施: print from the page, enter a full result by keyboard only, review it."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QScrollArea, QTreeWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from app.models import Inspector
from app.models.enums import InspectionState
from app.models.users import Role
from app.printing.data import DocKind
from app.printing.qr import make_payload
from app.services.attachments import list_attachments
from app.services.context import ServiceContext
from app.services.draws import SeedEntry, draw_task_inspectors, draw_task_targets
from app.services.permissions import Actor
from app.services.printing import PrintKind
from app.services.result_codes import MEASURE_NONE, NO_PROBLEM
from app.services.results import entry_form, list_results, load_draft
from app.services.tasks import create_task
from app.ui.context import UiContext
from app.ui.dialogs.base import ReasonDialog
from app.ui.pages.inspection import PRINT_CHOICES, InspectionPage
from app.ui.pages.result_entry import CODE_ROLE, ResultEntryWidget
from tests.factories import build_mini_county, joint_task_data

SEED = SeedEntry("12345678901234567890")


@pytest.fixture
def drawn_task(ctx: ServiceContext) -> int:
    county = build_mini_county(ctx)
    task = create_task(ctx, joint_task_data(county))
    draw_task_targets(ctx, task, seed=SEED)
    draw_task_inspectors(ctx, task, seed=SEED)
    return task


@pytest.fixture
def page(qtbot: QtBot, ui: UiContext, drawn_task: int) -> InspectionPage:
    widget = InspectionPage(ui)
    qtbot.addWidget(widget)
    widget.resize(1300, 900)
    widget.show()
    qtbot.waitUntil(lambda: widget.result_model.rowCount() > 0, timeout=10_000)
    return widget


def test_models_pass_the_model_tester(qtmodeltester: object, page: InspectionPage) -> None:
    assert page.team_model.rowCount() > 0
    qtmodeltester.check(page.team_model)  # type: ignore[attr-defined]
    qtmodeltester.check(page.result_model)  # type: ignore[attr-defined]


def test_print_packet_of_a_team(qtbot: QtBot, page: InspectionPage) -> None:
    page.kind_box.setCurrentIndex([k for _l, k, _t in PRINT_CHOICES].index(PrintKind.PACKET))
    page.team_view.selectRow(0)
    dialog = page.open_print()
    assert dialog is not None and dialog.team == page.team_model.row_at(0).number  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: dialog.page_count() > 0, timeout=30_000)
    dialog.reject()


def _tab_until(qtbot: QtBot, name: str, limit: int = 80) -> None:
    seen = []
    for _ in range(limit):
        focused = QApplication.focusWidget()
        if focused is not None and focused.objectName() == name:
            return
        seen.append(f"{type(focused).__name__}:{focused.objectName() if focused else ''}")
        qtbot.keyClick(focused, Qt.Key.Key_Tab)
    raise AssertionError(f"Tab never reached {name}: {seen}")


def test_full_result_by_keyboard_only(
    qtbot: QtBot, page: InspectionPage, ctx: ServiceContext, drawn_task: int
) -> None:
    page.tabs.setCurrentWidget(page.entry)
    page.activateWindow()
    entry = page.entry
    entry.record_field.setFocus()
    first = list_results(ctx, drawn_task)[0]
    qtbot.keyClicks(entry.record_field, first.inspection_uid)
    qtbot.keyClick(entry.record_field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: entry.form is not None and entry.date_edit is not None, timeout=10_000)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is entry.date_edit, timeout=5_000)

    # every checkpoint checked, no problem found
    for cid, _checked, _found, _detail in entry.findings:
        _tab_until(qtbot, f"checked_{cid}")
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Space)
    method = next(iter(entry.methods))
    _tab_until(qtbot, f"method_{method}")
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Space)
    _tab_until(qtbot, "categoryTree")
    tree = QApplication.focusWidget()
    assert isinstance(tree, QTreeWidget)
    for _ in range(40):  # arrow down to 未发现问题
        current = tree.currentItem()
        if current is not None and current.data(0, CODE_ROLE) == NO_PROBLEM:
            break
        qtbot.keyClick(tree, Qt.Key.Key_Down)
    qtbot.keyClick(tree, Qt.Key.Key_Space)
    _tab_until(qtbot, f"measure_{MEASURE_NONE}")
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Space)
    _tab_until(qtbot, "withheld")

    payload = entry.payload()
    assert payload["categories"] == [NO_PROBLEM]
    assert payload["measures"] == [MEASURE_NONE]
    assert all(f["checked"] for f in payload["findings"])
    assert payload["inspectors"], "team members are checked by default"

    # autosave wrote a draft before submitting
    qtbot.waitUntil(lambda: entry.drafts_saved > 0, timeout=10_000)
    draft = load_draft(ctx, first.inspection_id)
    assert draft is not None and draft.payload["methods"] == [method]

    with qtbot.waitSignal(entry.submitted, timeout=10_000):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    states = {r.inspection_id: r.state for r in list_results(ctx, drawn_task)}
    assert states[first.inspection_id] == InspectionState.PENDING_REVIEW
    # the next record to enter opens by itself
    qtbot.waitUntil(
        lambda: entry.form is not None and entry.form.inspection_id != first.inspection_id, timeout=10_000
    )
    # ... and the confirmation of the one just submitted is still on screen beside it
    assert "已提交审核（第 1 版）" in entry.status.text() and "已打开下一户" in entry.status.text()
    qtbot.waitUntil(lambda: page.result_model.find(lambda r: r.state == InspectionState.PENDING_REVIEW) >= 0)

    # 组长审核 通过, then 公示审批
    row = page.result_model.find(lambda r: r.inspection_id == first.inspection_id)
    page.result_view.selectRow(row)
    page.approve_selected()
    qtbot.waitUntil(lambda: "审核通过" in page.review_status.text(), timeout=10_000)
    assert {r.inspection_id: r.state for r in list_results(ctx, drawn_task)}[first.inspection_id] == (
        InspectionState.APPROVED
    )


def test_validation_errors_show_next_to_fields(
    qtbot: QtBot, page: InspectionPage, ctx: ServiceContext, drawn_task: int
) -> None:
    page.tabs.setCurrentWidget(page.entry)
    entry = page.entry
    first = list_results(ctx, drawn_task)[0]
    entry.open_inspection(first.inspection_id)
    qtbot.waitUntil(lambda: entry.form is not None, timeout=10_000)
    entry.submit()
    qtbot.waitUntil(lambda: entry.errors["核查方式"].isVisibleTo(page), timeout=10_000)
    assert "核查方式" in entry.errors["核查方式"].text() or "至少" in entry.errors["核查方式"].text()
    assert entry.errors["后续处置措施"].isVisibleTo(page)
    assert entry.submit_button.isEnabled()


def test_qr_payload_opens_the_record(
    qtbot: QtBot, page: InspectionPage, ctx: ServiceContext, drawn_task: int
) -> None:
    first = list_results(ctx, drawn_task)[0]
    page.tabs.setCurrentWidget(page.entry)
    entry = page.entry
    entry.record_field.setText(
        make_payload(task_id="T", record_id=first.inspection_uid, kind=DocKind.CHECKLIST)
    )
    entry.open_typed()
    qtbot.waitUntil(lambda: entry.form is not None, timeout=10_000)
    assert entry.form.inspection_id == first.inspection_id  # type: ignore[union-attr]
    entry.record_field.setText("liancha:nonsense")
    entry.open_typed()
    assert entry.general_error.isVisibleTo(page)


def test_substitution_needs_a_reason_and_survives_in_the_draft(
    qtbot: QtBot, page: InspectionPage, ctx: ServiceContext, drawn_task: int
) -> None:
    page.tabs.setCurrentWidget(page.entry)
    entry = page.entry
    first = list_results(ctx, drawn_task)[0]
    entry.open_inspection(first.inspection_id)
    qtbot.waitUntil(lambda: entry.form is not None, timeout=10_000)
    member_id, (box, swap, reason) = next(iter(entry.inspectors.items()))
    assert not swap.isEnabled()
    box.setChecked(False)
    assert swap.isEnabled() and swap.count() > 1, "same-department inspectors are offered"
    swap.setCurrentIndex(1)
    people = entry.payload()["inspectors"]
    substitute = next(p for p in people if p["substitute_for"] == member_id)
    assert substitute["inspector_id"] == swap.currentData()
    entry.submit()
    qtbot.waitUntil(lambda: entry.errors["检查人员"].isVisibleTo(page), timeout=10_000)
    reason.setText("因病请假")
    qtbot.waitUntil(
        lambda: (
            (d := load_draft(ctx, first.inspection_id)) is not None
            and any(p.get("reason") == "因病请假" for p in d.payload["inspectors"])
        ),
        timeout=10_000,
    )
    entry.open_inspection(first.inspection_id)  # reopened: the draft restores the substitution
    qtbot.waitUntil(lambda: entry.inspectors[member_id][0] is not box, timeout=10_000)
    _box, swap2, reason2 = entry.inspectors[member_id]
    assert swap2.currentData() == substitute["inspector_id"] and reason2.text() == "因病请假"


def test_attachment_is_stored_and_listed(
    qtbot: QtBot, page: InspectionPage, ctx: ServiceContext, drawn_task: int, tmp_path: Path
) -> None:
    page.tabs.setCurrentWidget(page.entry)
    entry = page.entry
    first = list_results(ctx, drawn_task)[0]
    entry.open_inspection(first.inspection_id)
    qtbot.waitUntil(lambda: entry.form is not None, timeout=10_000)
    photo = tmp_path / "现场照片.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0" + b"0" * 2000)
    entry.attach(photo)
    qtbot.waitUntil(lambda: "现场照片.jpg" in entry.attach_label.text(), timeout=10_000)  # type: ignore[union-attr]
    assert len(entry.payload()["attachments"]) == 1
    assert [a.original_name for a in list_attachments(ctx, first.inspection_id)] == ["现场照片.jpg"]


def test_return_then_publish_from_the_results_list(
    qtbot: QtBot, page: InspectionPage, ctx: ServiceContext, drawn_task: int
) -> None:
    page.tabs.setCurrentWidget(page.entry)
    entry = page.entry
    rows = list_results(ctx, drawn_task)[:2]
    for row in rows:  # fill two results through the form (a full, valid one each)
        entry.open_inspection(row.inspection_id)
        qtbot.waitUntil(
            lambda row=row: entry.form is not None and entry.form.inspection_id == row.inspection_id,
            timeout=10_000,
        )
        for _cid, checked, _found, _detail in entry.findings:
            checked.setChecked(True)
        next(iter(entry.methods.values())).setChecked(True)
        entry.measures[MEASURE_NONE].setChecked(True)
        tree = entry.categories
        assert tree is not None
        for item in tree.findItems("*", Qt.MatchFlag.MatchWildcard | Qt.MatchFlag.MatchRecursive):
            if item.data(0, CODE_ROLE) == NO_PROBLEM:
                item.setCheckState(0, Qt.CheckState.Checked)
        with qtbot.waitSignal(entry.submitted, timeout=10_000):
            entry.submit()
    qtbot.waitUntil(
        lambda: sum(r.state == InspectionState.PENDING_REVIEW for r in page.result_model.rows()) == 2,
        timeout=10_000,
    )
    returned = page.result_model.find(lambda r: r.inspection_id == rows[0].inspection_id)
    page.result_view.selectRow(returned)
    # A blocking input box would stop the test here: close whatever modal window is open after a while.
    QTimer.singleShot(3_000, lambda: (w := QApplication.activeModalWidget()) is not None and w.close())
    ask = page.ask_return()
    assert isinstance(ask, ReasonDialog) and ask.isVisible()
    assert not ask.ok_button.isEnabled()  # no empty 确定 that silently does nothing
    ask.text.setPlainText("检查日期有误，请核对")
    ask.ok_button.click()
    qtbot.waitUntil(lambda: "退回" in page.review_status.text(), timeout=10_000)
    qtbot.waitUntil(lambda: page.result_model.find(lambda r: r.state == InspectionState.RETURNED) >= 0)
    row = page.result_model.find(lambda r: r.inspection_id == rows[1].inspection_id)
    page.result_view.selectRow(row)
    page.approve_selected()
    qtbot.waitUntil(lambda: "审核通过" in page.review_status.text(), timeout=10_000)
    page.publish_task()
    qtbot.waitUntil(lambda: "已公示 1 条" in page.review_status.text(), timeout=10_000)
    states = {r.inspection_id: r.state for r in list_results(ctx, drawn_task)}
    assert states[rows[0].inspection_id] == InspectionState.RETURNED
    assert states[rows[1].inspection_id] == InspectionState.PUBLISHED


def test_inspector_of_another_team_cannot_save_a_draft(
    qtbot: QtBot, ui: UiContext, ctx: ServiceContext, drawn_task: int
) -> None:

    first = list_results(ctx, drawn_task)[0]
    team = {m.inspector_id for m in entry_form(ctx, first.inspection_id).team}
    with ctx.db.read() as session:
        outsider = next(i for i in session.execute(select(Inspector.id)).scalars() if i not in team)
    actor = Actor(
        user_id=5,
        username="insp",
        display_name="检查员",
        roles=frozenset({Role.INSPECTOR}),
        inspector_id=outsider,
    )
    inspector_ui = UiContext(
        services=ServiceContext(db=ctx.db, operator="检查员", user=actor), runner=ui.runner
    )
    entry = ResultEntryWidget(inspector_ui)
    qtbot.addWidget(entry)
    entry.open_inspection(first.inspection_id)
    qtbot.waitUntil(lambda: entry.form is not None, timeout=10_000)
    entry.save_now()
    qtbot.waitUntil(lambda: "谁检查、谁录入" in entry.status.text(), timeout=10_000)
    assert "草稿未能保存" in entry.status.text()
    assert load_draft(ctx, first.inspection_id) is None


def test_draft_typed_while_the_database_is_out_of_reach_is_kept_on_this_pc(
    qtbot: QtBot, page: InspectionPage, ctx: ServiceContext, drawn_task: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy.exc import OperationalError

    from app.services.local_drafts import local_draft
    from app.ui.pages import result_entry

    page.tabs.setCurrentWidget(page.entry)
    entry = page.entry
    first = list_results(ctx, drawn_task)[0]
    entry.open_inspection(first.inspection_id)
    qtbot.waitUntil(lambda: entry.form is not None and entry.problems is not None, timeout=10_000)
    assert entry.problems is not None

    def server_gone(*_args: object, **_kwargs: object) -> object:
        raise OperationalError("INSERT", {}, Exception("server closed the connection unexpectedly"))

    real_save_draft = result_entry.save_draft
    monkeypatch.setattr(result_entry, "save_draft", server_gone)
    entry.problems.setPlainText("断网时录入的问题描述")
    qtbot.waitUntil(lambda: "暂存在本机" in entry.status.text(), timeout=10_000)
    kept = local_draft(ctx.db, first.inspection_id)
    assert kept is not None and kept.payload["problems"] == "断网时录入的问题描述"
    assert load_draft(ctx, first.inspection_id) is None  # the database never got it
    entry.autosave_timer.stop()

    # The server is back; the record is opened again (a restart would do the same).
    monkeypatch.setattr(result_entry, "save_draft", real_save_draft)
    entry.open_inspection(first.inspection_id)
    qtbot.waitUntil(lambda: "已恢复暂存在本机的草稿" in entry.status.text(), timeout=10_000)
    assert entry.problems is not None and entry.problems.toPlainText() == "断网时录入的问题描述"
    qtbot.waitUntil(lambda: load_draft(ctx, first.inspection_id) is not None, timeout=10_000)
    draft = load_draft(ctx, first.inspection_id)
    assert draft is not None and draft.payload["problems"] == "断网时录入的问题描述"
    assert local_draft(ctx.db, first.inspection_id) is None  # saved where it belongs, so forgotten here


def test_a_submitted_record_opens_with_what_was_recorded(
    qtbot: QtBot, page: InspectionPage, ctx: ServiceContext, drawn_task: int
) -> None:
    from app.services.results import submit_result
    from tests.unit.results.helpers import problem_payload

    first = list_results(ctx, drawn_task)[0]
    recorded = problem_payload(ctx, first.inspection_id)
    assert recorded.inspection_date is not None
    submit_result(ctx, first.inspection_id, recorded, today=recorded.inspection_date)
    page.tabs.setCurrentWidget(page.entry)
    entry = page.entry
    entry.open_inspection(first.inspection_id)
    qtbot.waitUntil(lambda: entry.form is not None and entry.date_edit is not None, timeout=10_000)
    shown = entry.payload()
    # Not an empty form: the date, categories, problems and findings of the stored version.
    assert shown["inspection_date"] == recorded.inspection_date.isoformat()
    assert shown["categories"] == list(recorded.categories)
    assert shown["problems"] == recorded.problems
    assert [f["problem_found"] for f in shown["findings"]] == [f.problem_found for f in recorded.findings]
    assert "草稿" not in entry.status.text()


def test_refused_submit_scrolls_to_the_first_error(
    qtbot: QtBot, page: InspectionPage, ctx: ServiceContext, drawn_task: int
) -> None:
    page.resize(1300, 500)  # a laptop's height: the form is longer than the view
    page.tabs.setCurrentWidget(page.entry)
    entry = page.entry
    first = list_results(ctx, drawn_task)[0]
    entry.open_inspection(first.inspection_id)
    qtbot.waitUntil(lambda: entry.form is not None, timeout=10_000)
    scroll = entry.findChild(QScrollArea)
    assert scroll is not None
    scroll.verticalScrollBar().setValue(scroll.verticalScrollBar().maximum())  # at the bottom
    entry.submit()
    label = entry.errors["核查方式"]
    qtbot.waitUntil(lambda: label.isVisibleTo(page), timeout=10_000)
    viewport = scroll.viewport()
    top = label.mapTo(viewport, label.rect().topLeft()).y()
    assert top >= 0 and top + label.height() <= viewport.height()  # the red message is on screen
