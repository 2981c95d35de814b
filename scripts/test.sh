#!/usr/bin/env bash
# Install everything (if needed) and run the whole test suite: lint, types, unit, GUI and end-to-end tests,
# first on SQLite files, then on a throwaway PostgreSQL server (scripts/postgres.sh, loopback only), then
# build the Linux bundle and smoke-test it. This is the command CI runs (.ci/run). Benchmarks are
# separate: scripts/bench.sh.
# Local shortcuts (both ignored when CI is set, so CI always runs everything):
#   LIANCHA_SKIP_POSTGRES=1 skips the PostgreSQL run, LIANCHA_SKIP_BUNDLE=1 the bundle.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
export QT_QPA_PLATFORM=offscreen
echo "== ruff"
.venv/bin/ruff check app tests scripts
.venv/bin/ruff format --check app tests scripts
echo "== mypy"
.venv/bin/mypy
echo "== pytest (SQLite)"
env -u LIANCHA_TEST_DB_URL .venv/bin/python -m pytest "$@"
if [ "${LIANCHA_SKIP_POSTGRES:-0}" = "1" ] && [ -z "${CI:-}" ]; then
  echo "== pytest (PostgreSQL): skipped (LIANCHA_SKIP_POSTGRES=1, local run)"
else
  echo "== pytest (PostgreSQL)"
  url="$(bash scripts/postgres.sh)"
  LIANCHA_TEST_DB_URL="$url" .venv/bin/python -m pytest "$@"
fi
# Issue 9: build the Linux bundle and smoke-test the built binary (~2 min; never skipped in CI).
bash installer/ci-build-and-smoke.sh
