#!/usr/bin/env bash
# Smoke test of a BUILT LianCha bundle: runs the binary (not the checkout's Python) offscreen
# against a temporary data folder, the way an office would use it:
#   version and build date -> start -> demo county -> draw -> print one PDF -> enter one result
#   -> export one results batch (and check its signature) -> GUI start, 关于, the PDF shown with
#   QtPdf and printed with QtPrintSupport -> quit with status 0.
# Exits non-zero with "SMOKE FAIL: ..." on the first failure.
# Usage: installer/smoke-test.sh BUNDLE_DIR      (BUNDLE_DIR holds liancha or liancha.exe)
# SMOKE_ARTIFACTS=DIR keeps the PDF, the batch file and the 关于 picture there.
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BUNDLE="$(cd "${1:?usage: smoke-test.sh BUNDLE_DIR}" && pwd)"
BIN="$BUNDLE/liancha"
[ -x "$BIN" ] || BIN="$BUNDLE/liancha.exe"
[ -x "$BIN" ] || { echo "SMOKE FAIL: no liancha executable in $BUNDLE" >&2; exit 2; }

# Filling in the results sheet stands in for a team typing into Excel: a standard-library-only
# helper run by the system's python3 in isolated mode (-I -S: no site-packages, no checkout).
# Resolved before PATH is narrowed below, and never used to run LianCha itself.
HELPER_PYTHON="${SMOKE_PYTHON:-}"
if [ -z "$HELPER_PYTHON" ] && command -v python3 >/dev/null 2>&1; then
    HELPER_PYTHON="$(python3 -c 'import sys; print(sys.executable)')"
fi

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
export QT_QPA_PLATFORM=offscreen
export LIANCHA_DATA_DIR="$WORK/data"
# Make sure nothing falls back to a Python on PATH or the checkout.
export PATH="/usr/bin:/bin"
unset PYTHONPATH PYTHONHOME VIRTUAL_ENV LIANCHA_DB
DB="$WORK/data/liancha.sqlite3"
mkdir -p "$LIANCHA_DATA_DIR" "$WORK/batches"
cd "$WORK"

fail() { echo "SMOKE FAIL: $*" >&2; exit 1; }
show() { sed 's/^/   | /' "$@" | tail -30; }
step() {
    local name="$1"; shift
    echo "== $name: liancha $*"
    local t0=$SECONDS
    if ! "$BIN" "$@" >"$WORK/out.txt" 2>"$WORK/err.txt"; then
        show "$WORK/out.txt" "$WORK/err.txt" >&2
        fail "$name (liancha $*) exited non-zero"
    fi
    tail -5 "$WORK/out.txt" | sed 's/^/   | /'
    echo "   ($(( SECONDS - t0 )) s)"
}

step version --version
grep -qE "^联查 LianCha [0-9][^ ]*（构建日期：[0-9]{4}-[0-9]{2}-[0-9]{2} " "$WORK/out.txt" \
    || fail "--version shows no build date (was app/_build_info.py bundled?): $(cat "$WORK/out.txt")"
step info --db "$DB" info
[ -f "$DB" ] || fail "the database was not created at $DB"
step demo --db "$DB" demo --targets 2000
step "task list" --db "$DB" task list
TASK="$(head -1 "$WORK/out.txt" | cut -f1)"
[ -n "$TASK" ] || fail "task list printed no task"
echo "   first task: $TASK"
SEED=12345678901234567890
step "draw targets" --db "$DB" draw targets --task "$TASK" --seed "$SEED"
step "draw inspectors" --db "$DB" draw inspectors --task "$TASK" --seed "$SEED"

step "print checklists" --db "$DB" print checklists --task "$TASK" -o "$WORK/checklists.pdf"
[ -s "$WORK/checklists.pdf" ] || fail "print checklists wrote no PDF (or an empty one)"
head -c 5 "$WORK/checklists.pdf" | grep -q "%PDF-" || fail "checklists.pdf is not a PDF"
PAGES="$(sed -n 's/.*共 \([0-9][0-9]*\) 页.*/\1/p' "$WORK/out.txt" | head -1)"
[ -n "$PAGES" ] || fail "print checklists did not say how many pages it printed"
echo "   PDF: $(stat -c %s "$WORK/checklists.pdf") bytes, $PAGES pages"
if command -v pdftotext >/dev/null 2>&1; then
    pdftotext "$WORK/checklists.pdf" "$WORK/pdf.txt" || fail "pdftotext could not read the PDF"
    grep -q "检查" "$WORK/pdf.txt" || fail "the PDF text contains no 检查 (Chinese font missing?)"
    echo "   pdftotext: the PDF text contains 检查"
elif [ -n "${CI:-}" ]; then
    fail "pdftotext is missing (poppler-utils; scripts/bootstrap.sh installs it)"
else
    echo "   (pdftotext not installed: PDF text not checked)"
fi

# A results batch carries entered results, so enter one first, through the results sheet.
step "results template" --db "$DB" results template --task "$TASK" -o "$WORK/sheet.xlsx"
[ -n "$HELPER_PYTHON" ] || fail "no python3 to fill in the results sheet (set SMOKE_PYTHON)"
echo "== fill in the first row of the sheet (stands in for Excel)"
# The inspection date must lie in the task's window and not in the future: today, clamped to the
# window that `task show` prints (检查时间：YYYY-MM-DD 至 YYYY-MM-DD), so the test still passes next year.
step "task show" --db "$DB" task show "$TASK"
WINDOW_START="$(sed -n 's/^检查时间：\([0-9-]*\) 至 \([0-9-]*\).*/\1/p' "$WORK/out.txt")"
WINDOW_END="$(sed -n 's/^检查时间：\([0-9-]*\) 至 \([0-9-]*\).*/\2/p' "$WORK/out.txt")"
[ -n "$WINDOW_START" ] && [ -n "$WINDOW_END" ] || fail "task show printed no 检查时间"
INSPECTED="$(date +%F)"
[[ "$INSPECTED" > "$WINDOW_END" ]] && INSPECTED="$WINDOW_END"
[[ "$INSPECTED" < "$WINDOW_START" ]] && fail "today ($INSPECTED) is before the demo task starts ($WINDOW_START)"
"$HELPER_PYTHON" -I -S "$HERE/smoke_fill_results.py" "$WORK/sheet.xlsx" "$WORK/filled.xlsx" "$INSPECTED" \
    >"$WORK/out.txt" 2>&1 || { show "$WORK/out.txt" >&2; fail "could not fill in the results sheet"; }
show "$WORK/out.txt"
step "results import" --db "$DB" results import "$WORK/filled.xlsx"
grep -q "已导入并提交审核 1 行" "$WORK/out.txt" || fail "the filled row was not imported"

step "batch export" --db "$DB" batch export -o "$WORK/batches"
BATCH="$(ls "$WORK"/batches/*.lcb 2>/dev/null | head -1)"
[ -n "$BATCH" ] && [ -s "$BATCH" ] || fail "batch export wrote no .lcb file into $WORK/batches"
grep -q "1条" "$WORK/out.txt" || fail "the batch does not hold the one entered result"
echo "   batch: $(basename "$BATCH"), $(stat -c %s "$BATCH") bytes"
step "batch status" --db "$DB" batch status
grep -q "public：待确认 1" "$WORK/out.txt" || fail "batch status does not show the result awaiting receipt"
# Another office reads it: trust this installation's key card (fingerprint checked as on the
# phone), then a dry-run import must verify the signature and read the one item. That office
# has no such inspection record, so the item itself is refused with a reason (exit 1).
step "key card" --db "$DB" batch keys export -o "$WORK/card.json"
FINGERPRINT="$(sed -n 's/^指纹（请电话核对）：//p' "$WORK/out.txt" | head -1)"
[ -n "$FINGERPRINT" ] || fail "batch keys export printed no fingerprint"
step "trust at the receiver" --db "$WORK/receiver.sqlite3" batch keys trust "$WORK/card.json" --fingerprint "$FINGERPRINT"
echo "== read at the receiver: liancha batch import --dry-run $(basename "$BATCH")"
"$BIN" --db "$WORK/receiver.sqlite3" batch import --dry-run "$BATCH" >"$WORK/out.txt" 2>"$WORK/err.txt"
show "$WORK/out.txt"
grep -q "检查完成：接收 0，重复 0，暂缓 0，拒收 1" "$WORK/out.txt" \
    && grep -q "本机没有该检查记录" "$WORK/out.txt" \
    || { show "$WORK/err.txt" >&2; fail "the receiver could not verify and read the exported batch"; }

echo "== gui: liancha --db … (offscreen; after 3 s opens 关于, shows and prints the PDF, quits)"
t0=$SECONDS
LIANCHA_QUIT_AFTER_MS=3000 LIANCHA_SMOKE_ABOUT_DIR="$WORK/about" LIANCHA_SMOKE_PDF="$WORK/checklists.pdf" \
    timeout 120 "$BIN" --db "$DB" >"$WORK/gui.txt" 2>&1
code=$?
if [ "$code" -ne 0 ]; then
    show "$WORK/gui.txt" >&2
    fail "GUI exited with status $code"
fi
[ -s "$WORK/about/about.txt" ] || fail "the GUI wrote no 关于 text (did it start?)"
show "$WORK/about/about.txt" | head -4
grep -qE "构建日期：[0-9]{4}-[0-9]{2}-[0-9]{2} " "$WORK/about/about.txt" || fail "关于 shows no build date"
grep -q "版本：" "$WORK/about/about.txt" || fail "关于 shows no version"
[ -s "$WORK/about/about.png" ] || fail "the GUI wrote no picture of 关于"
[ "$(cat "$WORK/about/pdf.txt" 2>/dev/null)" = "$PAGES" ] \
    || fail "QtPdf in the bundle did not read the $PAGES pages of the printed PDF"
[ -s "$WORK/about/pdf-page1.png" ] || fail "QtPdf in the bundle rendered no page"
head -c 5 "$WORK/about/printed.pdf" 2>/dev/null | grep -q "%PDF-" \
    || fail "QtPrintSupport in the bundle printed nothing to printed.pdf"
echo "   QtPdf read $PAGES pages and rendered page 1; QPrinter printed it to a PDF"
echo "   GUI exit status 0 ($(( SECONDS - t0 )) s)"

if [ -n "${SMOKE_ARTIFACTS:-}" ]; then
    mkdir -p "$SMOKE_ARTIFACTS"
    cp "$WORK/checklists.pdf" "$BATCH" "$WORK"/about/* "$SMOKE_ARTIFACTS/"
    echo "   kept the PDF, the batch, 关于 and the QtPdf/QPrinter output in $SMOKE_ARTIFACTS"
fi
echo "SMOKE OK: all steps passed ($BIN)"
