"""The inbox: read a batch file once, then hand it to the importer of its kind.

The CLI (`liancha batch import FILE [--dry-run]`) and the 数据同步 page use this, so that a person
never has to say what a file is: the signed manifest says it.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from app.io.batch import BatchKind, VerifiedBatch, read_batch
from app.services.context import ServiceContext
from app.services.errors import RuleViolation
from app.services.permissions import Permission
from app.services.sync import ImportResult, _identity, _trusted, import_batch
from app.services.sync_packages import PackageImport, import_task_package
from app.services.sync_registry import RegistryImport, import_registry


def read_inbox_file(ctx: ServiceContext, path: Path | str) -> VerifiedBatch:
    """Verify a batch file against the local trusted keys (nothing is written).

    Raises:
        BatchRejected: The file failed a check.
    """
    ctx.require(Permission.SYNC)
    with ctx.read() as session:
        found = _identity(session, create=False)
        trusted = _trusted(session)
    return read_batch(Path(path), trusted_keys=trusted, private_key=found[1] if found else None)


def import_any(
    ctx: ServiceContext,
    path: Path | str,
    *,
    dry_run: bool = False,
    receipt_path: Path | str | None = None,
    decisions: Mapping[str, str] | None = None,
) -> ImportResult | PackageImport | RegistryImport:
    """Import a results batch, a task package or a registry update, whichever the file is.

    Receipts are registered with ``apply_receipt`` instead.

    Args:
        ctx: Service context (sync permission; classified files need clearance).
        path: The batch file.
        dry_run: Check and report, change nothing.
        receipt_path: For a results batch: where to write the receipt.
        decisions: For a registry update: per conflict key, ``local`` or ``incoming``.

    Raises:
        BatchRejected: The file failed a check (nothing changed).
        RuleViolation: A receipt file (registered with ``batch receipt``) or an unsupported kind.
    """
    batch = read_inbox_file(ctx, path)
    if batch.kind is BatchKind.RESULTS:
        return import_batch(ctx, path, receipt_path=receipt_path, dry_run=dry_run, batch=batch)
    if batch.kind is BatchKind.TASK_PACKAGE:
        return import_task_package(ctx, path, dry_run=dry_run, batch=batch)
    if batch.kind is BatchKind.REGISTRY:
        return import_registry(ctx, path, batch=batch, dry_run=dry_run, decisions=decisions)
    if batch.kind is BatchKind.RECEIPT:
        raise RuleViolation("这是回执文件：请用“登记回执”（liancha batch receipt FILE）登记，而不是导入。")
    raise RuleViolation(
        f"无法识别的批次类型“{batch.kind.value}”。"
    )  # pragma: no cover - the reader refuses it
