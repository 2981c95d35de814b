"""Write a file so that a crash leaves either nothing under its name or the whole file.

The bytes go to ``NAME.partial`` first and are flushed to the disk; only then is the
file renamed to ``NAME`` and the folder flushed, so the rename itself survives a
power cut. A ``.partial`` file left behind is the trace of an interrupted write:
never carry it, and the next write of the same name simply replaces it.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

logger = logging.getLogger(__name__)

PARTIAL_SUFFIX = ".partial"


def partial_path(path: Path) -> Path:
    """Where ``path`` is written before it is complete."""
    return path.with_name(path.name + PARTIAL_SUFFIX)


def _fsync_directory(folder: Path) -> None:
    # Windows cannot open a folder to flush it; NTFS journals the rename itself.
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_partial(partial: Path, data: bytes) -> None:
    with open(partial, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _rename_into_place(partial: Path, path: Path) -> None:
    if path.exists():
        raise FileExistsError(f"{path} already exists")
    os.replace(partial, path)


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via ``path.partial``, fsync, rename, fsync the folder.

    Args:
        path: The final file; it must not exist yet.
        data: The complete content.

    Raises:
        FileExistsError: ``path`` already exists (a batch file is never overwritten).
        OSError: The disk refused (full, read-only, removed); ``path.partial`` may remain.
    """
    if path.exists():
        raise FileExistsError(f"{path} already exists")
    partial = partial_path(path)
    _write_partial(partial, data)
    _fsync_directory(partial.parent)
    _rename_into_place(partial, path)
    _fsync_directory(path.parent)
    logger.debug("wrote %s (%d bytes)", path, len(data))


def withdraw(path: Path) -> None:
    """Move a written file back to ``path.partial`` (it failed its read-back check)."""
    os.replace(path, partial_path(path))
    _fsync_directory(path.parent)
