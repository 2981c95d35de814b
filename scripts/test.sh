#!/usr/bin/env bash
# Install everything (if needed) and run the whole test suite: lint, types, unit, GUI and end-to-end tests.
# This is the command CI runs (.ci/run). Benchmarks are separate: scripts/bench.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
export QT_QPA_PLATFORM=offscreen
echo "== ruff"
.venv/bin/ruff check app tests scripts
.venv/bin/ruff format --check app tests scripts
echo "== mypy"
.venv/bin/mypy
echo "== pytest"
.venv/bin/python -m pytest "$@"
# Issue 9: build the Linux bundle and smoke-test the built binary (~2 min; never skipped in CI).
bash installer/ci-build-and-smoke.sh
