#!/usr/bin/env bash
# Run the benchmarks (not part of the test suite). Each prints its figures and ratios against a baseline
# measured in the same run. Pass a file name to run one, e.g. scripts/bench.sh tests/benchmarks/bench_draw.py
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
export QT_QPA_PLATFORM=offscreen
if [ $# -gt 0 ]; then files=("$@"); else files=(tests/benchmarks/bench_*.py); fi
for f in "${files[@]}"; do
  echo "== $f"
  .venv/bin/python -m pytest -q -s -p no:cacheprovider "$f" -o testpaths= -o python_files='bench_*.py'
done
