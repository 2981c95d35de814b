"""Where log records go: a rotating file in the data folder, never the operator's console.

Nothing configured logging before, so Python's last-resort handler printed every WARNING
record on stderr, in English, beside the command's own Chinese message ("batch file … rejected:
bad_signature" above "liancha batch: 批次文件已被改动…"). The operator needs the Chinese line;
whoever supports the office needs the record. So records of INFO and above go to
``<data folder>/logs/liancha.log`` (1 MB, five old files kept), and the console shows only
what the commands print themselves.
"""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

from app.config import data_dir

LOG_FILENAME = "liancha.log"
_MAX_BYTES = 1_000_000
_BACKUPS = 5
_FORMAT = "%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s"


def log_folder() -> Path:
    """The folder of the log files (``logs`` in the data folder)."""
    return data_dir() / "logs"


def configure_logging() -> Path | None:
    """Send log records to the rotating log file; return its path, or None if not configured.

    Leaves logging alone when the root logger already has handlers (pytest's capture, a host
    program). When the file cannot be opened (read-only folder, full disk) records are dropped
    rather than printed: a log must never stop the program or clutter its output.
    """
    root = logging.getLogger()
    if root.handlers:
        return None
    root.setLevel(logging.INFO)
    # A record that cannot be written later (disk full) must not print a traceback either.
    logging.raiseExceptions = False
    try:
        folder = log_folder()
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / LOG_FILENAME
        handler: logging.Handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=_MAX_BYTES, backupCount=_BACKUPS, encoding="utf-8"
        )
    except OSError:
        root.addHandler(logging.NullHandler())
        return None
    handler.setFormatter(logging.Formatter(_FORMAT))
    root.addHandler(handler)
    return path
