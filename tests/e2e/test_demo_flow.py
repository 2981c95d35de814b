"""Whole flows as a county office runs them: demo county through the CLI, then the GUI opened on it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from pypdf import PdfReader

REPO = Path(__file__).resolve().parents[2]


def _env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "PYTHONPATH": str(REPO),
        "LIANCHA_DATA_DIR": str(tmp_path / "data"),
    }


def liancha(tmp_path: Path, db: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", "--db", db, *args],
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.mark.slow
def test_demo_county_draw_print_verify_then_gui(db_url: str, tmp_path: Path) -> None:
    db = db_url  # a SQLite file, or a PostgreSQL database on a PostgreSQL run
    built = liancha(tmp_path, db, "demo", "--targets", "3000")
    assert built.returncode == 0, built.stderr
    assert "4 项任务待抽取" in built.stdout
    again = liancha(tmp_path, db, "demo", "--if-empty")
    assert again.returncode == 0 and "已有数据" in again.stdout

    listed = liancha(tmp_path, db, "task", "list")
    numbers = [line.split("\t")[0] for line in listed.stdout.splitlines()]
    assert len(numbers) == 4
    task = numbers[0]
    record = tmp_path / "targets.json"
    drew = liancha(
        tmp_path, db, "draw", "targets", "--task", task, "--seed", "31415926535897932384", "-o", str(record)
    )
    assert drew.returncode == 0, drew.stderr
    assert liancha(tmp_path, db, "verify", str(record)).returncode == 0
    teams = liancha(tmp_path, db, "draw", "inspectors", "--task", task, "--seed", "27182818284590452353")
    assert teams.returncode == 0, teams.stderr

    # Someone edits the stored selection: verification must fail.
    data = json.loads(record.read_text(encoding="utf-8"))
    data["targets"]["strata"][0]["selection"][0]["id"] = "91000000000000000X"
    tampered = tmp_path / "tampered.json"
    tampered.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert liancha(tmp_path, db, "verify", str(tampered)).returncode == 1

    pdf = tmp_path / "packet.pdf"
    printed = liancha(tmp_path, db, "print", "packet", "--task", task, "--team", "1", "-o", str(pdf))
    assert printed.returncode == 0, printed.stderr
    text = "".join(page.extract_text() or "" for page in PdfReader(pdf).pages[:3])
    assert "检查组派单" in text.replace(" ", "")

    # The GUI opens on the same database and shows the registry with the demo's targets.
    script = textwrap.dedent(
        f"""
        import sys
        from PySide6.QtCore import QTimer
        from PySide6.QtWidgets import QApplication
        from app.ui.application import run
        from app.ui.main_window import MainWindow

        def when_ready():
            for widget in QApplication.topLevelWidgets():
                if isinstance(widget, MainWindow) and widget.ui is not None and widget.runner.is_idle():
                    registry = widget.open_page("registry")
                    panel = registry.show_tab("targets")
                    def report():
                        if not widget.runner.is_idle() or "共" not in panel.count_label.text():
                            QTimer.singleShot(50, report)
                            return
                        print("targets", panel.count_label.text())
                        widget.close()
                    QTimer.singleShot(50, report)
                    return
            QTimer.singleShot(50, when_ready)

        app = QApplication(sys.argv[:1])
        QTimer.singleShot(50, when_ready)
        sys.exit(run(db={str(db)!r}, operator="王五"))
        """
    )
    gui = subprocess.run(
        [sys.executable, "-c", script],
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert gui.returncode == 0, gui.stderr
    assert "targets 共" in gui.stdout
