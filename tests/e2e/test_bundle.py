"""The CI bundle job (installer/ci-build-and-smoke.sh) cannot be skipped in CI.

The build and the smoke test of the built binary themselves run from scripts/test.sh after
pytest (about two minutes), not from here, so they are not run twice.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CI_SCRIPT = ROOT / "installer" / "ci-build-and-smoke.sh"
TEST_SH = ROOT / "scripts" / "test.sh"


def _run(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(CI_SCRIPT)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_a_local_run_may_skip_the_bundle() -> None:
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    result = _run(dict(env, LIANCHA_SKIP_BUNDLE="1"))
    assert result.returncode == 0
    assert "skipped" in result.stdout


def test_ci_ignores_the_skip_switch_and_builds() -> None:
    # A Python that fails at once makes the build fail fast: what matters is that CI tried.
    env = dict(os.environ, CI="true", LIANCHA_SKIP_BUNDLE="1", PYTHON="/bin/false")
    result = _run(env)
    assert "ignored" in result.stdout
    assert "skipped" not in result.stdout
    assert result.returncode != 0
    assert "BUILD FAIL" in result.stderr


def test_the_ci_test_command_runs_the_bundle_job() -> None:
    lines = [line.strip() for line in TEST_SH.read_text(encoding="utf-8").splitlines()]
    assert "bash installer/ci-build-and-smoke.sh" in lines
