#!/usr/bin/env bash
# Build the one-folder LianCha bundle for Linux into dist/liancha/.
# Usage: installer/build-linux.sh   (PYTHON=/path/to/venv/python to choose the interpreter)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"
[ -x "$PYTHON" ] || { echo "build-linux.sh: no Python at $PYTHON (run scripts/bootstrap.sh first)" >&2; exit 1; }
cd "$ROOT"
# The build date shown in 关于; generated, never committed (see .gitignore).
"$PYTHON" installer/write_build_info.py
trap 'rm -f "$ROOT/app/_build_info.py"' EXIT
"$PYTHON" -m PyInstaller --noconfirm --clean \
    --distpath "$ROOT/dist" --workpath "$ROOT/build/pyinstaller" installer/liancha.spec
echo "bundle: $ROOT/dist/liancha"
