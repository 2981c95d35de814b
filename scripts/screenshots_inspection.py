"""Screenshots of 检查实施 (result entry, print preview) and the 工作台 deadline list.

    python scripts/screenshots_inspection.py OUT_DIR --db PATH

The database should hold a drawn task (``liancha demo`` then ``liancha draw targets/inspectors``).
Run under Xvfb or with ``QT_QPA_PLATFORM=offscreen``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtWidgets import QApplication, QScrollArea

from app.services.printing import PrintKind
from app.ui.application import configure_application, open_services
from app.ui.context import UiContext
from app.ui.main_window import MainWindow
from app.ui.pages.inspection import PRINT_CHOICES, InspectionPage
from scripts.screenshots import save, settle


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path)
    parser.add_argument("--db", required=True)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    configure_application(app)
    window = MainWindow()
    services = open_services(args.db, None)
    window.attach(UiContext(services=services, runner=window.runner))
    window.resize(1440, 900)
    window.show()
    settle(window, 600)
    save(window, args.out, "workbench-deadlines")

    page = window.open_page("inspection")
    assert isinstance(page, InspectionPage)
    settle(window, 600)
    for n in range(page.task_box.count()):
        if page.task_box.itemData(n).status.label != "待抽取":
            page.task_box.setCurrentIndex(n)
            break
    settle(window, 600)
    save(window, args.out, "inspection-teams")

    page.tabs.setCurrentWidget(page.result_view.parentWidget())
    settle(window)
    save(window, args.out, "inspection-review")

    page.tabs.setCurrentWidget(page.entry)
    first = page.result_model.row_at(0)
    assert first is not None
    page.entry.record_field.setText(first.inspection_uid)
    page.entry.open_typed()
    settle(window, 800)
    entry = page.entry
    for _cid, checked, _found, _detail in entry.findings[:3]:
        checked.setChecked(True)
    next(iter(entry.methods.values())).setChecked(True)
    settle(window, 800)
    save(window, args.out, "inspection-entry")
    entry.submit()  # incomplete: shows the field errors
    settle(window, 800)
    save(window, args.out, "inspection-entry-errors")
    scroll = entry.findChild(QScrollArea)
    assert scroll is not None and entry.categories is not None and entry.attach_button is not None
    scroll.ensureWidgetVisible(entry.categories, 0, 0)
    settle(window)
    save(window, args.out, "inspection-entry-codes")
    scroll.ensureWidgetVisible(entry.attach_button)
    settle(window)
    save(window, args.out, "inspection-entry-people")

    page.tabs.setCurrentIndex(0)
    page.kind_box.setCurrentIndex([k for _l, k, _t in PRINT_CHOICES].index(PrintKind.CHECKLISTS))
    dialog = page.open_print()
    assert dialog is not None
    while dialog.page_count() == 0:
        settle(window, 300)
    settle(window, 1500)
    save(dialog, args.out, "print-preview")
    dialog.reject()
    settle(window)
    window.close()
    services.db.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
