#!/usr/bin/env bash
# Install everything (if needed) and run the whole test suite: lint, types, unit, GUI and end-to-end tests,
# first on SQLite files, then on a throwaway PostgreSQL server (scripts/postgres.sh, loopback only).
# This is the command CI runs (.ci/run). Benchmarks are separate: scripts/bench.sh.
# LIANCHA_SKIP_POSTGRES=1 skips the PostgreSQL run (a machine where the server cannot be installed).
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
if [ "${LIANCHA_SKIP_POSTGRES:-0}" = "1" ]; then
  echo "== pytest (PostgreSQL): skipped (LIANCHA_SKIP_POSTGRES=1)"
  exit 0
fi
echo "== pytest (PostgreSQL)"
url="$(bash scripts/postgres.sh)"
# Unit and end-to-end tests run every service, the CLI and whole flows on the server. Of the GUI
# tests only those about the server itself run here: the pages call the same services the unit
# run just covered on PostgreSQL, and running every GUI test again added ~6 minutes on 2 cores
# (measured: unit+e2e 10.5 min, everything 16.3 min, on a busy machine).
if [ "$#" -gt 0 ]; then
  LIANCHA_TEST_DB_URL="$url" .venv/bin/python -m pytest "$@"
else
  LIANCHA_TEST_DB_URL="$url" .venv/bin/python -m pytest tests/unit tests/e2e tests/ui/test_server_status.py
fi
