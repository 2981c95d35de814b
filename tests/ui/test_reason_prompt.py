"""The reason prompt (停用, 退回, 作废 …) asks again itself when the reason is blank or too short."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from app.services.context import ServiceContext
from app.services.draws import list_draws
from app.ui.context import UiContext
from app.ui.dialogs.base import MIN_REASON_CHARS, ReasonDialog, ask_reason, reason_problem
from tests.ui.helpers import type_text
from tests.ui.test_draw_page import _announce_and_draw, _page


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("   ", "空白"),
        ("\u3000\u3000", "空白"),  # full-width spaces from a Chinese input method
        ("\n\t \n", "空白"),
        ("无", "太短"),
        (" 无 \n", "太短"),
        ("调离", ""),
        ("已注销", ""),
    ],
)
def test_reason_problem(typed: str, expected: str) -> None:
    problem = reason_problem(typed)
    assert (expected in problem) if expected else problem == ""
    if expected:
        assert f"至少 {MIN_REASON_CHARS} 个字" in problem  # says what is needed


def test_blank_or_short_reason_keeps_the_prompt_open_with_the_text(qtbot: QtBot) -> None:
    answers: list[str] = []
    dialog = ReasonDialog("停用", "请写明停用原因")
    qtbot.addWidget(dialog)
    dialog.accepted.connect(lambda: answers.append(dialog.reason()))
    dialog.show()
    assert not dialog.ok_button.isEnabled()  # nothing typed yet
    assert not dialog.problem.isVisible()
    dialog.text.setPlainText("   ")
    assert dialog.ok_button.isEnabled()  # 确定 answers, rather than greyed out without a word
    dialog.ok_button.click()
    assert dialog.isVisible() and dialog.problem.isVisible()
    assert "空白" in dialog.problem.text() and dialog.text.toPlainText() == "   "
    dialog.text.clear()
    type_text(dialog.text, "无")
    dialog.ok_button.click()
    assert dialog.isVisible() and "太短" in dialog.problem.text()
    assert dialog.text.toPlainText() == "无" and dialog.focusWidget() is dialog.text
    assert answers == []
    type_text(dialog.text, "需要")
    assert not dialog.problem.isVisible()  # put right: the red line goes
    dialog.ok_button.click()
    assert not dialog.isVisible() and answers == ["无需要"]


def test_ask_reason_starts_from_a_given_text(qtbot: QtBot) -> None:
    answers: list[str] = []
    from PySide6.QtWidgets import QWidget

    parent = QWidget()
    qtbot.addWidget(parent)
    dialog = ask_reason(
        parent, title="列入联合惩戒", prompt="理由", on_reason=answers.append, text="多次违法"
    )
    assert dialog.text.toPlainText() == "多次违法" and dialog.ok_button.isEnabled()
    with qtbot.waitSignal(dialog.finished, timeout=5_000):
        dialog.ok_button.click()
    assert answers == ["多次违法"]


def test_void_with_a_blank_reason_is_asked_again_not_refused_by_the_service(
    qtbot: QtBot, ui: UiContext, ctx: ServiceContext
) -> None:
    page, task_id = _page(qtbot, ui, ctx)
    _announce_and_draw(qtbot, page)
    dialog = page.void()
    assert isinstance(dialog, ReasonDialog)
    type_text(dialog.text, "\u3000 ")
    dialog.ok_button.click()
    qtbot.wait(50)
    assert dialog.isVisible() and "空白" in dialog.problem.text()
    assert not list_draws(ctx, task_id)[0].voided  # nothing was sent to the service
    dialog.text.clear()
    type_text(dialog.text, "错")
    dialog.ok_button.click()
    assert dialog.isVisible() and "太短" in dialog.problem.text()
    type_text(dialog.text, "选任务，重新抽取")
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        dialog.ok_button.click()
    draws = list_draws(ctx, task_id)
    assert draws[0].voided and draws[0].void_reason == "错选任务，重新抽取"
