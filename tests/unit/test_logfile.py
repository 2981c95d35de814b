"""The log goes to a rotating file in the data folder, never to the operator's console."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

from app.logfile import LOG_FILENAME, configure_logging

REPO = Path(__file__).resolve().parents[2]

_SCRIPT = """
import logging, sys
from app.logfile import configure_logging
path = configure_logging()
logging.getLogger("app.io.batch.reader").warning("batch file x.lcb rejected: bad_signature")
logging.getLogger("app.services.sync").info("results batch written")
logging.getLogger("noisy").debug("not kept")
print(path)
"""


def _run(script: str, data: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "LIANCHA_DATA_DIR": str(data)}
    return subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60, check=False
    )


def test_records_go_to_the_log_file_and_not_to_stderr(tmp_path: Path) -> None:
    done = _run(_SCRIPT, tmp_path / "data")
    assert done.returncode == 0, done.stderr
    # Before, Python's last-resort handler printed the English warning on the console.
    assert done.stderr == ""
    path = Path(done.stdout.strip())
    assert path == tmp_path / "data" / "logs" / LOG_FILENAME
    text = path.read_text(encoding="utf-8")
    assert "WARNING app.io.batch.reader: batch file x.lcb rejected: bad_signature" in text
    assert "INFO app.services.sync: results batch written" in text
    assert "not kept" not in text


def test_an_unwritable_log_folder_drops_records_silently(tmp_path: Path) -> None:
    blocker = tmp_path / "data"
    blocker.mkdir()
    (blocker / "logs").write_text("a file where the folder should be", encoding="utf-8")
    done = _run(_SCRIPT, blocker)
    assert done.returncode == 0, done.stderr
    assert done.stderr == "" and done.stdout.strip() == "None"


def test_a_host_that_configured_logging_keeps_its_own_handlers() -> None:
    # Under pytest the root logger has the capture handlers: nothing is added.
    root = logging.getLogger()
    before = list(root.handlers)
    assert before
    assert configure_logging() is None
    assert root.handlers == before


def test_a_log_file_that_cannot_be_opened_drops_records_silently(tmp_path: Path) -> None:
    # As a read-only folder would (permissions cannot be tested as root, which CI may be).
    refuse = (
        "import logging.handlers\n"
        "def refuse(*args, **kwargs):\n"
        "    raise PermissionError(13, 'Permission denied')\n"
        "logging.handlers.RotatingFileHandler = refuse\n"
    )
    done = _run(refuse + _SCRIPT, tmp_path / "data")
    assert done.returncode == 0, done.stderr
    assert done.stderr == "" and done.stdout.strip() == "None"
