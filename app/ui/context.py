"""What every page and dialog of the GUI needs: the service context and the task runner."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from app.ui.operations import TaskRunner

if TYPE_CHECKING:  # the database layer loads after the window is shown (fast start)
    from app.services.context import ServiceContext


@dataclass(frozen=True)
class UiContext:
    """Handed to pages and dialogs instead of a global: the database and who acts, and the workers."""

    services: ServiceContext
    runner: TaskRunner
