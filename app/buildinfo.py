"""Which copy of LianCha this is: version and build date (关于, ``liancha --version``, ``liancha info``).

The build date comes from ``app/_build_info.py``, which ``installer/write_build_info.py`` writes
just before PyInstaller runs and the build scripts delete afterwards; a checkout has none and
reports itself as a development version. Offices quote this line when they ask for help, so it
must say which build they have.
"""

from __future__ import annotations

import importlib

from app import __version__

BUILD_INFO_MODULE = "app._build_info"
DEVELOPMENT = "开发版本"


def build_date() -> str | None:
    """The UTC date and time the bundle was built, or None when running from a checkout."""
    try:
        # Imported by name (not ``from app._build_info import``) so mypy needs no ignore for a
        # module that only exists in builds; PyInstaller still bundles it (spec hiddenimports).
        module = importlib.import_module(BUILD_INFO_MODULE)
    except ModuleNotFoundError:
        return None
    value = getattr(module, "BUILD_DATE", None)
    return str(value) if value else None


def version_line() -> str:
    """One line naming the program, its version and its build: ``联查 LianCha 0.1.0（构建日期 …）``."""
    return f"联查 LianCha {__version__}（构建日期：{build_date() or DEVELOPMENT}）"
