"""Render one sample PDF per document kind (and a team packet) into a folder.

Usage::

    python scripts/render_samples.py OUT_DIR [--png]

With ``--png`` each PDF is also rasterised at 60 dpi with ``pdftoppm`` (poppler-utils),
for a quick look at every page.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.printing import build_pdf, team_packet
from tests.helpers import printing_samples as s


def main(argv: list[str] | None = None) -> int:
    """Write the sample PDFs; return 0."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="folder for the PDFs (created if missing)")
    parser.add_argument("--png", action="store_true", help="also render PNG pages with pdftoppm -r 60")
    args = parser.parse_args(argv)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    samples = {
        "notice": [s.notice(t) for t in s.TARGETS],
        "checklist": [s.checklist(t) for t in s.TARGETS],
        "checklist-80": [s.checklist(s.TARGETS[1], sections=s.many_checkpoints(80))],
        "checklist-long-row": [s.checklist(s.TARGETS[2], sections=s.long_row_sections())],
        "record": [s.record(s.TARGETS[0]), s.record(s.TARGETS[1], filled=True)],
        "dispatch": [s.dispatch()],
        "draw-record": [s.draw_record(), s.draw_record(voided=True, selections=60, exclusions=25)],
        "packet": team_packet(
            s.dispatch(),
            notices=[s.notice(t) for t in s.TARGETS],
            checklists=[s.checklist(t) for t in s.TARGETS],
            records=[s.record(t) for t in s.TARGETS],
        ),
    }
    for name, docs in samples.items():
        path = out / f"{name}.pdf"
        started = time.perf_counter()
        result = build_pdf(docs, path)
        print(
            f"{path}: {len(docs)} documents, {result.page_count} pages, {time.perf_counter() - started:.2f} s"
        )
        if args.png:
            if shutil.which("pdftoppm") is None:
                print("pdftoppm not found (install poppler-utils); skipping PNGs", file=sys.stderr)
            else:
                subprocess.run(["pdftoppm", "-r", "60", "-png", str(path), str(out / name)], check=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
