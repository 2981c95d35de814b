"""A child process for the crash-safety test: writes units of work until it is killed.

Usage: python -m tests.fault_writer DB DEPARTMENT_ID ITEM_ID ROUND

Each iteration creates a target (one unit of work: the row and its audit entry) and every
third iteration also a task (the task, its items, its number and its audit entry). It prints
"ready" once its operation marker is committed, then writes as fast as it can.
"""

from __future__ import annotations

import sys
from datetime import date
from decimal import Decimal

from app.db import open_database
from app.models.enums import RiskClass, TaskMode
from app.services.context import ServiceContext
from app.services.operations import tracked_operation
from app.services.pinyin import initials
from app.services.targets import TargetData, create_target
from app.services.tasks import TaskData, create_task

SAFETY_LIMIT = 2000  # a child nobody kills still ends


def main(argv: list[str]) -> int:
    db_path, department_id, item_id, round_no = argv[0], int(argv[1]), int(argv[2]), argv[3]
    db = open_database(db_path)
    ctx = ServiceContext(db=db, operator="故障测试")
    # pypinyin loads its dictionary on first use (~0.3 s); load it before "ready" so the random
    # kills land during writes, not during that import.
    initials("预热")
    with tracked_operation(ctx, "故障测试写入"):
        print("ready", flush=True)
        for n in range(1, SAFETY_LIMIT + 1):
            create_target(ctx, TargetData(name=f"故障对象{round_no}-{n}"))
            if n % 3 == 0:
                create_task(
                    ctx,
                    TaskData(
                        name=f"故障任务{round_no}-{n}",
                        mode=TaskMode.SINGLE,
                        lead_department_id=department_id,
                        start_date=date(2026, 5, 1),
                        end_date=date(2026, 6, 30),
                        item_ids=(item_id,),
                        ratios={RiskClass.A: Decimal("0.1")},
                    ),
                )
    db.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
