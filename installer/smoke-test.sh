#!/usr/bin/env bash
# Smoke test of a BUILT LianCha bundle (no Python involved): runs the binary offscreen
# against a temporary data folder and exits non-zero with a message on the first failure.
# Usage: installer/smoke-test.sh BUNDLE_DIR      (BUNDLE_DIR holds liancha or liancha.exe)
set -uo pipefail
BUNDLE="$(cd "${1:?usage: smoke-test.sh BUNDLE_DIR}" && pwd)"
BIN="$BUNDLE/liancha"
[ -x "$BIN" ] || BIN="$BUNDLE/liancha.exe"
[ -x "$BIN" ] || { echo "SMOKE FAIL: no liancha executable in $BUNDLE" >&2; exit 2; }

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
export QT_QPA_PLATFORM=offscreen
export LIANCHA_DATA_DIR="$WORK/data"
# Make sure nothing falls back to a Python on PATH or the checkout.
export PATH="/usr/bin:/bin"
unset PYTHONPATH PYTHONHOME VIRTUAL_ENV
DB="$WORK/data/liancha.sqlite3"
mkdir -p "$LIANCHA_DATA_DIR"
cd "$WORK"

fail() { echo "SMOKE FAIL: $*" >&2; exit 1; }
step() {
    local name="$1"; shift
    echo "== $name: liancha $*"
    if ! "$BIN" "$@" >"$WORK/out.txt" 2>"$WORK/err.txt"; then
        sed 's/^/   | /' "$WORK/out.txt" "$WORK/err.txt" | tail -30 >&2
        fail "$name (liancha $*) exited non-zero"
    fi
    tail -5 "$WORK/out.txt" | sed 's/^/   | /'
}

step info --db "$DB" info
step demo --db "$DB" demo --targets 2000
step "task list" --db "$DB" task list
TASK="$(head -1 "$WORK/out.txt" | cut -f1)"
[ -n "$TASK" ] || fail "task list printed no task"
echo "   first task: $TASK"
SEED=12345678901234567890
step "draw targets" --db "$DB" draw targets --task "$TASK" --seed "$SEED"
step "draw inspectors" --db "$DB" draw inspectors --task "$TASK" --seed "$SEED"
step "print checklists" --db "$DB" print checklists --task "$TASK" -o "$WORK/out.pdf"
[ -s "$WORK/out.pdf" ] || fail "print checklists wrote no PDF (or an empty one) at $WORK/out.pdf"
echo "   PDF: $(stat -c %s "$WORK/out.pdf") bytes"
if command -v pdftotext >/dev/null 2>&1; then
    pdftotext "$WORK/out.pdf" "$WORK/out.txt" || fail "pdftotext could not read the PDF"
    grep -q "检查" "$WORK/out.txt" || fail "the PDF text contains no 检查 (Chinese font missing?)"
    echo "   pdftotext: found 检查"
else
    echo "   (pdftotext not installed: PDF text not checked)"
fi
if "$BIN" --help | grep -qE '^ +batch '; then
    step "batch export" --db "$DB" batch export --task "$TASK" -o "$WORK/batch.out"
else
    echo "== batch export: skipped (this version has no 'liancha batch' command)"
fi
echo "== gui: liancha gui (offscreen, quits after 3 s)"
LIANCHA_QUIT_AFTER_MS=3000 timeout 120 "$BIN" --db "$DB" gui >"$WORK/gui.txt" 2>&1
code=$?
if [ "$code" -ne 0 ]; then
    tail -30 "$WORK/gui.txt" >&2
    fail "GUI exited with status $code"
fi
[ -f "$DB" ] || fail "database was not created at $DB"
echo "SMOKE OK: all steps passed ($BIN)"
