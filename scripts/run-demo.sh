#!/usr/bin/env bash
# Install LianCha (if needed) and start it on a demo county.
# The demo county is built once into its own database, so real data is never touched.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
export LIANCHA_DB="${LIANCHA_DB:-$PWD/demo/demo-county.sqlite3}"
mkdir -p "$(dirname "$LIANCHA_DB")"
.venv/bin/liancha demo --if-empty
if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  echo "run-demo: no display found; starting on a virtual screen (xvfb-run)." >&2
  exec xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/liancha "$@"
fi
exec .venv/bin/liancha "$@"
