"""The one place the GUI calls the database import/export service.

The service (``app.services.imports``) is imported lazily, so that the wizard
works (reading, mapping, validating) even where the service is not installed;
the last step then says so plainly instead of failing at start-up.
"""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.io import ColumnMapping, Issue, RegistryKind
from app.services.progress import Progress

logger = logging.getLogger(__name__)

SERVICE_MODULE = "app.services.imports"
EXPORT_MODULE = "app.services.exports"
SERVICE_MISSING = "导入服务尚未安装"


class ServiceMissingError(RuntimeError):
    """The import/export service module is not part of this installation."""

    def __init__(self) -> None:
        super().__init__(f"{SERVICE_MISSING}：请安装包含导入服务的完整版本后再导入或导出。")


@dataclass(frozen=True)
class ImportOutcome:
    """What the import service reported, read defensively from its report."""

    added: int
    updated: int
    unchanged: int
    rejected: int
    issues: tuple[Issue, ...]


def _load(module: str) -> Any:
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name not in (module, SERVICE_MODULE, EXPORT_MODULE):
            raise  # the service is there but one of its own imports is broken: a real bug
        logger.info("import/export service not installed (%s)", exc.name)
        raise ServiceMissingError from exc


def _service() -> Any:
    return _load(SERVICE_MODULE)


def _exporter() -> Any:
    # The export service is its own module (it imports the import service, not the reverse).
    return _load(EXPORT_MODULE)


def _count(report: object, name: str) -> int:
    value = getattr(report, name, 0)
    if isinstance(value, int):
        return value
    try:
        return len(value)  # a service may report the rows themselves rather than a count
    except TypeError:
        return 0


def run_import(
    ctx: object,
    *,
    kind: RegistryKind,
    path: Path,
    mapping: ColumnMapping,
    progress: Progress | None = None,
) -> ImportOutcome:
    """Import a registry file into the database through the service.

    Args:
        ctx: the service context (``app.services.context.ServiceContext``).
        kind: what the file holds.
        path: the file.
        mapping: the column mapping the operator confirmed.
        progress: the operation's progress: the service reports each phase on it and polls
            it for cancellation (it raises ``Interrupted`` and writes nothing).

    Returns:
        The counts and issues of the service's report.

    Raises:
        ServiceMissingError: if ``app.services.imports`` is not installed.
    """
    service = _service()
    report = service.import_registry(ctx, kind, path, mapping=mapping, dry_run=False, progress=progress)
    issues = getattr(report, "issues", ()) or ()
    return ImportOutcome(
        added=_count(report, "added"),
        updated=_count(report, "updated"),
        unchanged=_count(report, "unchanged"),
        rejected=_count(report, "rejected"),
        issues=tuple(issues),
    )


def run_export(ctx: object, *, kind: RegistryKind, path: Path) -> object:
    """Export a registry from the database to ``path`` through the service; returns its report.

    Raises:
        ServiceMissingError: if ``app.services.imports`` is not installed.
    """
    return _exporter().export_registry(ctx, kind, path)
