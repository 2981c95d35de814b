"""Export a registry and import the file back: nothing may be refused or changed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from app.services.context import ServiceContext
from app.services.exports import export_registry
from app.services.imports import ImportReport, import_registry


def reimport_unchanged(
    ctx: ServiceContext, kind: str, tmp_path: Path, *, today: dt.date, **options: Any
) -> ImportReport:
    """Export ``kind`` to ``tmp_path`` with the default layout, import it back, check nothing changed."""
    out = tmp_path / f"{kind}-export.xlsx"
    exported = export_registry(ctx, kind, out, presets=())
    report = import_registry(ctx, kind, out, presets=(), today=today, **options)
    assert report.rejected == 0, report.issues
    assert (report.added, report.updated, report.removed) == (0, 0, 0), report.summary()
    assert report.unchanged > 0 and not report.changed
    # A scheme spans several rows (one per item) and counts once.
    assert exported.records >= report.unchanged
    assert report.unchanged == exported.records or kind == "schemes"
    return report
