"""Guard against a defect of PySide6 6.12.0 on Python 3.11; detected at run time, a no-op elsewhere.

PySide6 6.12.0 returns ``None`` from every void method (``setText``, ``processEvents``,
``update`` …) and ``True`` from ``Signal.emit`` without taking a reference to it. On
Python 3.12+ these singletons are immortal and nothing happens; on Python 3.11 each call
drops a reference, and after some tens of thousands of calls — minutes of ordinary use —
the interpreter aborts ("none_dealloc: deallocating None"). PySide6 6.11.3 is sound, and
pyproject.toml keeps PySide6 below 6.12; this guard is for installations that still have 6.12.0.

When the defect is detected, the reference counts of ``None``, ``True`` and ``False``
are raised far beyond anything a process can drop, which is what Python 3.12 does for
these objects by design (PEP 683 "immortal objects").
"""

from __future__ import annotations

import ctypes
import logging
import sys

from PySide6.QtCore import QObject

logger = logging.getLogger(__name__)

_PROBES = 32
_MARGIN = 1 << 40  # a process would need to run for centuries to drop this many references


def _void_call_drops_none() -> bool:
    probe = QObject()
    before = sys.getrefcount(None)
    for _ in range(_PROBES):
        probe.setObjectName("probe")
    return before - sys.getrefcount(None) >= _PROBES


def _make_immortal(obj: object) -> None:
    # CPython 3.11 object header: the reference count is the first Py_ssize_t of the object.
    ctypes.c_ssize_t.from_address(id(obj)).value += _MARGIN


def install() -> bool:
    """Apply the guard if this binding has the defect; returns whether it was needed."""
    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return False
    if not _void_call_drops_none():
        return False
    for obj in (None, True, False):
        _make_immortal(obj)
    logger.info("PySide6 %s drops references to None/True; guarded (install PySide6 6.11.3)", _version())
    return True


def _version() -> str:
    import PySide6

    return str(PySide6.__version__)


GUARDED = install()
