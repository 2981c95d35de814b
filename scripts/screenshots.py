"""Screenshots of the main window's pages and of the dialogs, for looking at the interface.

    python scripts/screenshots.py OUT_DIR [--db PATH_OR_URL] [--targets N]

Without ``--db`` a temporary database is filled with a small sample county through the
services. Run it under Xvfb (``xvfb-run -a -s "-screen 0 1366x768x24" python …``, the office laptops) or with
``QT_QPA_PLATFORM=offscreen``. Each page is opened the way a user would open it, the
script waits until its background queries have been delivered, and ``QWidget.grab()``
saves a PNG per page and per dialog into OUT_DIR.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtCore import QCoreApplication, QElapsedTimer
from PySide6.QtWidgets import QApplication, QDialog, QTabWidget, QWidget

from app.ui.application import configure_application, open_services
from app.ui.context import UiContext
from app.ui.main_window import MainWindow


def settle(window: MainWindow, ms: int = 300) -> None:
    """Let background queries deliver and the window repaint."""
    clock = QElapsedTimer()
    clock.start()
    while clock.elapsed() < 20_000:
        QCoreApplication.processEvents()
        if window.runner.is_idle() and clock.elapsed() >= ms:
            break
        time.sleep(0.01)
    QCoreApplication.processEvents()


def save(widget: QWidget, out: Path, name: str) -> None:
    path = out / f"{name}.png"
    widget.grab().save(str(path))
    print(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("out", type=Path, help="folder for the PNG files")
    parser.add_argument("--db", default=None, help="database to show (default: a temporary sample county)")
    parser.add_argument("--targets", type=int, default=300, help="targets in the temporary sample county")
    parser.add_argument("--draw", action="store_true", help="also draw the first task (changes the database)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)

    db = args.db
    if db is None:
        from tests.sample_county import populate_sample

        db = str(Path(tempfile.mkdtemp(prefix="liancha-shots-")) / "sample.sqlite3")
        services = open_services(db, "张明")
        populate_sample(services, targets=args.targets)
        services.db.dispose()

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    configure_application(app)
    window = MainWindow()
    services = open_services(db, None)
    window.attach(UiContext(services=services, runner=window.runner))
    # The window sizes itself to the screen (``fit_to_screen``): run under ``xvfb-run -s "-screen 0
    # 1366x768x24"`` to see what an office laptop shows.
    window.show()
    settle(window, 600)
    save(window, args.out, "01-workbench")

    registry = window.open_page("registry")
    tabs = registry.findChild(QTabWidget)
    assert tabs is not None
    names = ["02-targets", "03-inspectors", "04-items", "05-schemes", "06-departments"]
    for index, name in enumerate(names):
        tabs.setCurrentIndex(index)
        settle(window)
        panel = tabs.currentWidget()
        view = getattr(panel, "view", None)
        if view is not None and name in ("04-items", "05-schemes", "03-inspectors"):
            view.selectRow(0)
            settle(window)
        save(window, args.out, name)

    plan_page = window.open_page("plan")
    settle(window, 600)
    plan_view = getattr(plan_page, "tasks_view", None)
    if plan_view is not None and plan_page.tasks_model.rowCount():  # type: ignore[attr-defined]
        plan_view.selectRow(0)
    settle(window)
    save(window, args.out, "07-plan")
    if plan_view is not None and plan_page.tasks_model.rowCount():  # type: ignore[attr-defined]
        editor = plan_page.edit_task()  # type: ignore[attr-defined]
        if isinstance(editor, QDialog):
            settle(window, 900)
            save(editor, args.out, "07a-task-editor")
            editor.reject()
            settle(window)
        else:  # the plan is published: the reason prompt comes first
            editor.text.setPlainText("截图用")  # type: ignore[union-attr]
            editor.accept()  # type: ignore[union-attr]
            settle(window, 900)
            dialog = plan_page.last_dialog  # type: ignore[attr-defined]
            save(dialog, args.out, "07a-task-editor")
            dialog.reject()
            settle(window)

    draw_page = window.open_page("draw")
    settle(window, 600)
    announce = getattr(draw_page, "announce", None)
    if announce is not None:
        announce()
        settle(window, 600)
        draw_page.witnesses.add_row(["王五", "县人大代表"])  # type: ignore[attr-defined]
        draw_page.seed_edit.setText("31415926535897932384")  # type: ignore[attr-defined]
    save(window, args.out, "07b-draw")
    projector = getattr(draw_page, "set_projector", None)
    if projector is not None:  # 大屏显示: what the witnesses read on the projected screen
        projector(True)
        settle(window, 600)
        save(window, args.out, "07e-draw-projector")
        projector(False)
        settle(window)
    if announce is not None and args.draw:
        draw_page.draw()  # type: ignore[attr-defined]
        settle(window, 1500)
        save(window, args.out, "07c-draw-result")
        draw_page.seed_edit.setText("27182818284590452353")  # type: ignore[attr-defined]
        draw_page.draw_inspectors()  # type: ignore[attr-defined]
        settle(window, 1500)
        save(window, args.out, "07d-draw-teams")

    def shot_dialog(
        name: str, open_dialog: Callable[[], QDialog | None], prepare: Callable[[QDialog], None]
    ) -> None:
        dialog = open_dialog()
        if dialog is None:
            print(f"skipped {name}: nothing to open", file=sys.stderr)
            return
        settle(window)
        prepare(dialog)
        settle(window)
        save(dialog, args.out, name)
        dialog.reject()
        settle(window)

    window.open_page("registry")
    targets = registry.panels["targets"]
    tabs.setCurrentWidget(targets)
    settle(window)

    def bad_code(dialog: QDialog) -> None:
        dialog.name.setText("青川县示例超市有限公司")  # type: ignore[attr-defined]
        dialog.code.setText("91510822MA6ABCDE1X")  # type: ignore[attr-defined]
        dialog.save()  # type: ignore[attr-defined]

    shot_dialog("10-target-dialog-invalid-code", targets.add_target, bad_code)  # type: ignore[attr-defined]
    targets.search_box.setText("超市")  # type: ignore[attr-defined]
    targets.search()  # type: ignore[attr-defined]
    settle(window)
    save(window, args.out, "08-targets-search")
    targets.view.selectRow(0)  # type: ignore[attr-defined]
    settle(window)
    shot_dialog("11-target-dialog-edit", targets.edit_selected, lambda d: None)  # type: ignore[attr-defined]
    shot_dialog("12-reason-dialog", targets.toggle_active, lambda d: None)  # type: ignore[attr-defined]

    inspectors = registry.show_tab("inspectors")
    settle(window)
    with_conflict = inspectors.model.find(lambda r: r.conflicts > 0)  # type: ignore[attr-defined]
    inspectors.view.selectRow(max(with_conflict, 0))  # type: ignore[attr-defined]
    settle(window)

    def conflicts_tab(dialog: QDialog) -> None:
        dialog.tabs.setCurrentIndex(3)  # type: ignore[attr-defined]

    def certificates_tab(dialog: QDialog) -> None:
        dialog.tabs.setCurrentIndex(1)  # type: ignore[attr-defined]

    shot_dialog("13-inspector-dialog", inspectors.open_selected, lambda d: None)  # type: ignore[attr-defined]
    shot_dialog("14-inspector-certificates", inspectors.open_selected, certificates_tab)  # type: ignore[attr-defined]
    shot_dialog("15-inspector-conflicts", inspectors.open_selected, conflicts_tab)  # type: ignore[attr-defined]

    items = registry.show_tab("items")
    settle(window)
    items.view.selectRow(0)  # type: ignore[attr-defined]
    settle(window)
    shot_dialog("16-item-dialog", items.open_selected, lambda d: None)  # type: ignore[attr-defined]
    shot_dialog(
        "17-item-checkpoints",
        items.open_selected,  # type: ignore[attr-defined]
        lambda d: d.tabs.setCurrentIndex(1),  # type: ignore[attr-defined]
    )

    schemes = registry.show_tab("schemes")
    settle(window)
    schemes.view.selectRow(0)  # type: ignore[attr-defined]
    settle(window)
    shot_dialog("18-scheme-dialog", schemes.open_selected, lambda d: None)  # type: ignore[attr-defined]
    shot_dialog(
        "19-scheme-checklist",
        schemes.open_selected,  # type: ignore[attr-defined]
        lambda d: d.tabs.setCurrentIndex(1),  # type: ignore[attr-defined]
    )

    disclosure = window.open_page("disclosure")
    settle(window, 600)
    disclosure.tabs.setCurrentIndex(1)  # type: ignore[attr-defined]
    settle(window)
    save(window, args.out, "24-follow-ups")
    shot_dialog("25-follow-up-dialog", disclosure.ask_new_follow_up, lambda d: None)  # type: ignore[attr-defined]

    def first_admin(demo: bool) -> QDialog:
        from app.ui.dialogs.first_admin import FirstAdminDialog

        assert window.ui is not None
        dialog = FirstAdminDialog(window.ui, demo=demo, parent=window)
        dialog.open()
        return dialog

    def first_admin_refused(dialog: QDialog) -> None:
        dialog.display_name.setText("王管理")  # type: ignore[attr-defined]
        dialog.password.setText("short")  # type: ignore[attr-defined]
        dialog.password_again.setText("short")  # type: ignore[attr-defined]
        dialog.save()  # type: ignore[attr-defined]

    # The single-user-mode question at start-up (a database without accounts), empty and refused.
    shot_dialog("21-first-admin", lambda: first_admin(False), lambda d: None)
    shot_dialog("22-first-admin-refused", lambda: first_admin(False), first_admin_refused)
    shot_dialog("23-first-admin-demo", lambda: first_admin(True), lambda d: None)
    about = window.show_about()
    settle(window)
    save(about, args.out, "20-about")
    about.close()

    window.close()
    services.db.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
