#!/usr/bin/env bash
# CI: build the Linux bundle, smoke-test the built binary and print the bundle size.
# LIANCHA_SKIP_BUNDLE=1 skips everything (exit 0) so a quick local run is not slowed.
set -euo pipefail
if [ "${LIANCHA_SKIP_BUNDLE:-}" = "1" ]; then
    echo "bundle build and smoke test skipped (LIANCHA_SKIP_BUNDLE=1)"
    exit 0
fi
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
start=$(date +%s)
mkdir -p "$ROOT/build"
"$ROOT/installer/build-linux.sh" >"$ROOT/build/pyinstaller.log" 2>&1 || {
    tail -40 "$ROOT/build/pyinstaller.log" >&2
    echo "BUILD FAIL: see $ROOT/build/pyinstaller.log" >&2
    exit 1
}
echo "build took $(( $(date +%s) - start )) s"
"$ROOT/installer/smoke-test.sh" "$ROOT/dist/liancha"
echo "bundle size (unpacked, goal under 200 MB):"
du -sh "$ROOT/dist/liancha"
