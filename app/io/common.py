"""What the long-running io operations share: progress callbacks and cancellation."""

from __future__ import annotations

import logging
from collections.abc import Callable

logger = logging.getLogger(__name__)

ProgressCallback = Callable[[int, int], None]
"""Called as ``progress(done, total)``; ``total`` may be an estimate until the end."""

CancelCheck = Callable[[], bool]
"""Polled now and then; returning True asks the operation to stop."""

PROGRESS_EVERY = 1000
"""Rows between two progress reports (and cancellation checks)."""


class OperationCancelled(Exception):
    """Raised when ``is_cancelled()`` turned true; the caller discards the partial work."""
