"""A second (third …) desk in its own process, for the concurrency tests (tests/unit/test_concurrency.py).

Usage: python -m tests.desk ACTION DB GO_FILE OPERATOR HOLD_SECONDS ARGS…

  draw TASK_ID            draw the task's targets
  submit INSPECTION_ID V  submit a result for the inspection, expecting its version V
  targets N               create N targets, one unit of work each (each appends to the audit chain)

The desk opens the database, prints "ready", waits until GO_FILE exists (so that every desk
starts at the same moment), then acts and prints "OK …" or "REFUSED <message>". HOLD_SECONDS
makes the desk keep the row it locked for that long before going on, so that the others
certainly arrive while it holds it: without a lock they would all get through.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from app.db import open_database
from app.services import draws, results
from app.services.context import ServiceContext
from app.services.errors import ServiceError
from app.services.targets import TargetData, create_target

SEED = draws.SeedEntry("27182818284590452353", draws.SeedMethod.DICE, "测试")


def _slow(function: Any, hold: float) -> Any:
    def locked_then_wait(*args: Any, **kwargs: Any) -> Any:
        row = function(*args, **kwargs)
        time.sleep(hold)
        return row

    return locked_then_wait


def main(argv: list[str]) -> int:
    action, url, go_file, operator, hold = argv[0], argv[1], Path(argv[2]), argv[3], float(argv[4])
    rest = argv[5:]
    db = open_database(url)
    ctx = ServiceContext(db=db, operator=operator)
    draws._lock_task = _slow(draws._lock_task, hold)  # type: ignore[attr-defined]
    results._lock_inspection = _slow(results._lock_inspection, hold)  # type: ignore[attr-defined]
    if action == "submit":
        # Build the payload before the start: reading the form is not what is being raced.
        from tests.unit.results.helpers import good_payload

        payload = good_payload(ctx, int(rest[0]))
    print("ready", flush=True)
    deadline = time.monotonic() + 60
    while not go_file.exists():
        if time.monotonic() > deadline:
            print("REFUSED no start signal", flush=True)
            return 2
        time.sleep(0.005)
    try:
        if action == "draw":
            draw = draws.draw_task_targets(ctx, int(rest[0]), seed=SEED)
            print(f"OK draw {draw.id}", flush=True)
        elif action == "submit":
            version = results.submit_result(ctx, int(rest[0]), payload, expected_version=int(rest[1]))
            print(f"OK version {version.uid}", flush=True)
        elif action == "targets":
            for i in range(int(rest[0])):
                create_target(ctx, TargetData(name=f"{operator}并发对象{i}"))
            print("OK targets", flush=True)
        else:
            print(f"REFUSED unknown action {action}", flush=True)
            return 2
    except ServiceError as exc:
        print(f"REFUSED {exc}", flush=True)
    finally:
        db.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
