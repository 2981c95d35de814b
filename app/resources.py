"""Where the shipped resources (fonts, templates, word lists) live.

In a checkout and an editable install they sit beside the package; in a PyInstaller
bundle they are unpacked under ``sys._MEIPASS``.
"""

from __future__ import annotations

import sys
from pathlib import Path


def resources_dir() -> Path:
    """Return the folder holding ``fonts/``, ``templates/`` and the other shipped files."""
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle is not None:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def resource_path(*parts: str) -> Path:
    """Return the path of one shipped resource file, e.g. ``resource_path("fonts", "wqy-microhei.ttc")``."""
    return resources_dir().joinpath(*parts)


CJK_FONT_FILE = ("fonts", "wqy-microhei.ttc")
SYMBOL_FONT_FILE = ("fonts", "DejaVuSans.ttf")
