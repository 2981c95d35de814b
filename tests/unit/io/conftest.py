"""Fixtures for the io tests: the real public data files beside the repository."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

TODAY = dt.date(2025, 1, 1)
"""A fixed "today" so that validity warnings do not change with the calendar."""


def _find_shared_data() -> Path | None:
    override = os.environ.get("LIANCHA_SHARED_DATA")
    if override:
        return Path(override)
    for parent in Path(__file__).resolve().parents:
        for candidate in (parent / "shared" / "data", parent.parent / "shared" / "data"):
            if (candidate / "README.md").is_file():
                return candidate
    return None


SHARED_DATA = _find_shared_data()


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The folder of real registry files (``../shared/data`` of the repository)."""
    if SHARED_DATA is None:
        pytest.skip("../shared/data not found (set LIANCHA_SHARED_DATA)")
    return SHARED_DATA
