"""Shared test set-up.

Qt aborts the interpreter when a QApplication is created with no display, so the
platform is forced to offscreen here, before anything can import PySide6.
"""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Keep tests away from the real user's data folder.
os.environ.pop("LIANCHA_DB", None)
