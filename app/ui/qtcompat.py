"""Work-arounds for defects of the Qt binding, each detected at run time (a no-op where absent).

PySide6 6.12.0: ``SignalInstance.emit()`` returns ``True`` without taking a reference to
it, so every emit from Python drops one reference to the ``True`` singleton. Python 3.11
(where ``True`` is not yet immortal) aborts with "bool_dealloc: deallocating True or False"
once the count reaches zero — after a few thousand emits, i.e. during an ordinary working
session. PySide6 6.11.3 does not have the defect; pyproject excludes 6.12.0. Until every
installation is past it, every emit in ``app.ui`` goes through ``emit()`` below, which
gives the reference back when (and only when) the defect was detected at import.
"""

from __future__ import annotations

import ctypes
import logging
import sys
from typing import Any

from PySide6.QtCore import QObject, Signal

logger = logging.getLogger(__name__)

_PROBES = 16


class _Probe(QObject):
    ping = Signal()


def _emit_drops_a_reference() -> bool:
    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(_PROBES):
        probe.ping.emit()
    lost = before - sys.getrefcount(True)
    if lost == _PROBES:
        for _ in range(lost):  # give back what the probe itself took
            ctypes.pythonapi.Py_IncRef(ctypes.py_object(True))
        logger.warning(
            "this PySide6 drops a reference on every signal emit; compensating (PySide6 6.12.0 defect)"
        )
        return True
    return False


EMIT_DROPS_REFERENCE = _emit_drops_a_reference()


def emit(signal: Any, *args: object) -> None:
    """``signal.emit(*args)``, safe from the PySide6 6.12.0 reference defect."""
    result = signal.emit(*args)
    if EMIT_DROPS_REFERENCE and isinstance(result, bool):
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(result))
