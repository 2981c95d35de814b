"""Fixtures for the batch tests: a county installation, the platform gateway, a stranger."""

from __future__ import annotations

import pytest

from tests.unit.batch.helpers import Party, make_party


@pytest.fixture(scope="session")
def county() -> Party:
    return make_party("某县市场监管局", "341122")


@pytest.fixture(scope="session")
def platform() -> Party:
    return make_party("省平台网关", "340000")


@pytest.fixture(scope="session")
def stranger() -> Party:
    """Someone whose key nobody enrolled."""
    return make_party("未登记的安装", "341122")
