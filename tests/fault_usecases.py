"""A child process for the crash-safety test of the real use cases: a registry import, draws, result saves.

Usage: python -m tests.fault_usecases DB MODE ARG

* ``import CSV``: imports the targets file (one unit of work, tracked as 导入名录库).
* ``draw 3,4,5``: draws the targets and then the inspectors of each task in turn.
* ``result 17,18,19``: submits a complete result for each inspection in turn.

It prints "ready" once everything slow to load is loaded, then works until done or killed.
"""

from __future__ import annotations

import sys

from app.db import open_database
from app.services.context import ServiceContext
from app.services.draws import draw_task_inspectors, draw_task_targets
from app.services.imports import import_registry
from app.services.pinyin import initials
from app.services.results import submit_result
from tests.unit.results.helpers import SEED, TODAY, good_payload


def main(argv: list[str]) -> int:
    db_path, mode, arg = argv
    db = open_database(db_path)
    ctx = ServiceContext(db=db, operator="故障测试")
    initials("预热")  # pypinyin's dictionary loads on first use; not what the kills are meant to hit
    if mode == "import":
        print("ready", flush=True)
        import_registry(ctx, "targets", arg)
    elif mode == "draw":
        print("ready", flush=True)
        for task_id in (int(t) for t in arg.split(",")):
            draw_task_targets(ctx, task_id, seed=SEED)
            draw_task_inspectors(ctx, task_id, seed=SEED)
    elif mode == "result":
        ids = [int(i) for i in arg.split(",")]
        payloads = [good_payload(ctx, i) for i in ids]  # read before "ready": only the saves are hit
        print("ready", flush=True)
        for inspection_id, payload in zip(ids, payloads, strict=True):
            submit_result(ctx, inspection_id, payload, today=TODAY)
    else:
        raise SystemExit(f"unknown mode {mode}")
    db.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
