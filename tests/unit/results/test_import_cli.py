"""The results sheet: template, import (good rows land, bad rows reported, a crash leaves nothing), CLI."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from app.cli import disclose as disclose_cli
from app.cli import followup as followup_cli
from app.cli import results as results_cli
from app.cli.common import CliError
from app.models import ResultVersion
from app.models.enums import InspectionState
from app.services import result_import
from app.services.draws import drawn_targets
from app.services.errors import Interrupted
from app.services.progress import Progress
from app.services.result_import import COLUMNS, ImportFileError, import_results, write_result_template
from app.services.results import get_result, return_result
from app.services.tasks import get_task
from tests.unit.results.helpers import TODAY, ResultsEnv


def cli(module: ModuleType, db: str, *argv: str) -> int:
    """Run one subcommand module the way `liancha` would (the lead registers the module)."""
    parser = argparse.ArgumentParser(prog="liancha")
    parser.add_argument("--db")
    parser.add_argument("--operator", default="命令行")
    subparsers = parser.add_subparsers(dest="command")
    module.register(subparsers)
    args = parser.parse_args(["--db", str(db), *argv])
    try:
        return int(args.func(args))
    except CliError as exc:
        print(exc, file=sys.stderr)
        return exc.exit_code


def fill(path: Path, values: dict[int, dict[str, Any]]) -> None:
    """Fill data rows (0-based index among data rows) of a template by column name."""
    wb = load_workbook(path)
    ws = wb["检查结果"]
    for index, cells in values.items():
        for name, value in cells.items():
            ws.cell(row=index + 2, column=COLUMNS.index(name) + 1, value=value)
    wb.save(path)


GOOD = {
    "检查日期": "2026-05-12",
    "核查方式": "实地检查",
    "检查结果": "未发现问题",
    "后续处置措施": "无需后续处置",
}


@pytest.fixture
def sheet(env: ResultsEnv, tmp_path: Path) -> Path:
    path = tmp_path / "录入表.xlsx"
    assert write_result_template(env.ctx, env.drawn.public_task, path) == len(env.drawn.public_inspections)
    return path


def read_rows(path: Path) -> list[dict[str, Any]]:
    wb = load_workbook(path, read_only=True)
    rows = list(wb["检查结果"].iter_rows(values_only=True))
    wb.close()
    return [dict(zip(rows[0], r, strict=False)) for r in rows[1:]]


def test_template_is_prefilled(env: ResultsEnv, sheet: Path) -> None:
    rows = read_rows(sheet)
    targets = {t.inspection_uid: t for t in drawn_targets(env.ctx, env.drawn.public_task)}
    assert [r["记录编号"] for r in rows] == list(targets)
    first = rows[0]
    target = targets[first["记录编号"]]
    assert first["市场主体名称"] == target.name and first["统一社会信用代码/注册号"] == target.code
    assert first["任务编号"].startswith("青山市监抽查") and first["检查组"] == target.team_number
    assert len(first["到场检查人员"].split("，")) == 2 and first["依法不予公开"] == "否"
    wb = load_workbook(sheet, read_only=True)
    assert "填写说明" in wb.sheetnames
    wb.close()


def test_import_good_rows_land_bad_rows_reported(env: ResultsEnv, sheet: Path) -> None:
    rows = read_rows(sheet)
    other_code = rows[5]["统一社会信用代码/注册号"]
    fill(
        sheet,
        {
            0: GOOD,
            1: {
                **GOOD,
                "核查方式": "1，书面检查",
                "检查结果": "未按规定公示应当公示的信息",
                "发现问题情况": "未公示年度报告",
                "后续处置措施": "责令改正",
            },
            2: {**GOOD, "检查结果": "未发现问题，B"},
            3: {**GOOD, "统一社会信用代码/注册号": other_code},
            4: {**GOOD, "到场检查人员": "张三"},
            5: {**GOOD, "检查日期": "2027-01-01", "核查方式": "目测"},
        },
    )
    ctx = env.ctx
    report = import_results(ctx, sheet, today=TODAY)
    assert (report.imported, report.rejected_rows, report.skipped_blank) == (2, 4, len(rows) - 6)
    by_row: dict[int, list[str]] = {}
    for issue in report.issues:
        assert issue.file == "录入表.xlsx"
        by_row.setdefault(issue.row, []).append(f"{issue.column}|{issue.value}|{issue.reason}")
    assert any("检查结果|未发现问题，B|「未发现问题」不能与其他结果同时选择" in m for m in by_row[4])
    assert any(m.startswith(f"统一社会信用代码/注册号|{other_code}|") and "错行" in m for m in by_row[5])
    assert any(m.startswith("到场检查人员|张三|找不到检查人员") for m in by_row[6])
    assert any(m.startswith("核查方式|目测|") for m in by_row[7])
    assert "第 4 行「检查结果」「未发现问题，B」" in str(report.issues[0])
    states = {r["记录编号"]: get_result(ctx, env.drawn.public_inspections[i]).row for i, r in enumerate(rows)}
    uid_to_row = {r.inspection_uid: r for r in states.values()}
    assert uid_to_row[rows[0]["记录编号"]].state == InspectionState.PENDING_REVIEW
    assert uid_to_row[rows[1]["记录编号"]].result_text == "未按规定公示应当公示的信息"
    assert all(uid_to_row[rows[i]["记录编号"]].state == InspectionState.NOT_ENTERED for i in range(2, 6))
    # The same file again: the landed rows are recognised, nothing is duplicated.
    again = import_results(ctx, sheet, today=TODAY)
    assert (again.imported, again.already_imported, again.rejected_rows) == (0, 2, 4)
    with ctx.read() as session:
        assert session.execute(select(func.count(ResultVersion.id))).scalar() == 2
    # A returned record takes the row again as a new submission (version 2), not as "already imported".
    returned = uid_to_row[rows[0]["记录编号"]].inspection_id
    return_result(ctx, returned, comment="请核对")
    third = import_results(ctx, sheet, today=TODAY)
    assert (third.imported, third.already_imported) == (1, 1)
    assert get_result(ctx, returned).row.version_number == 2


def test_a_crash_mid_import_leaves_nothing(
    env: ResultsEnv, sheet: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fill(sheet, {0: GOOD, 1: GOOD, 2: GOOD})
    real = result_import.store_result
    calls = []

    def crashing(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("断电")
        return real(*args, **kwargs)

    monkeypatch.setattr(result_import, "store_result", crashing)
    with pytest.raises(RuntimeError):
        import_results(env.ctx, sheet, today=TODAY)
    with env.ctx.read() as session:
        assert session.execute(select(func.count(ResultVersion.id))).scalar() == 0
    progress = Progress()
    progress.cancel()
    monkeypatch.setattr(result_import, "store_result", real)
    with pytest.raises(Interrupted):
        import_results(env.ctx, sheet, today=TODAY, progress=progress)
    dry = import_results(env.ctx, sheet, today=TODAY, dry_run=True)
    assert dry.imported == 3 and dry.dry_run
    with env.ctx.read() as session:
        assert session.execute(select(func.count(ResultVersion.id))).scalar() == 0
    assert import_results(env.ctx, sheet, today=TODAY).imported == 3


def test_unreadable_files(env: ResultsEnv, tmp_path: Path) -> None:
    bogus = tmp_path / "not.xlsx"
    bogus.write_text("this is not a workbook", encoding="utf-8")
    with pytest.raises(ImportFileError, match="无法读取"):
        import_results(env.ctx, bogus)
    from app.io.simple_xlsx import write_table

    other = tmp_path / "other.xlsx"
    write_table(other, title="别的表", headers=("甲", "乙"), rows=[("1", "2")])
    with pytest.raises(ImportFileError, match="找不到表头"):
        import_results(env.ctx, other)


def test_cli_template_import_review_disclose(
    env: ResultsEnv, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = env.db_url
    env.ctx.db.dispose()
    task_number = get_result(env.ctx, env.drawn.public_inspections[0]).row.task_number
    out = tmp_path / "sheet.xlsx"
    assert cli(results_cli, db, "results", "template", "--task", task_number, "-o", str(out)) == 0
    rows = read_rows(out)
    fill(out, {0: GOOD, 1: {**GOOD, "检查结果": "不存在的结果"}})
    report = tmp_path / "report.xlsx"
    # Today's date is used: the task window is in the past, so the good row is accepted.
    assert cli(results_cli, db, "results", "import", str(out), "--report", str(report)) == 1
    printed = capsys.readouterr().out
    assert "sheet.xlsx 第 3 行「检查结果」「不存在的结果」" in printed and "已导入并提交审核 1 行" in printed
    assert report.exists()
    assert cli(results_cli, db, "results", "import", str(tmp_path / "missing.xlsx")) == 2
    record = rows[0]["记录编号"]
    assert cli(results_cli, db, "results", "list", "--task", task_number, "--state", "pending_review") == 0
    assert record in capsys.readouterr().out
    assert cli(results_cli, db, "results", "publish", "--record", record) == 1  # not approved yet
    assert cli(results_cli, db, "results", "approve", record, "--comment", "同意") == 0
    assert cli(results_cli, db, "results", "publish", "--task", task_number) == 0
    capsys.readouterr()
    pdf = tmp_path / "results.pdf"
    assert cli(disclose_cli, db, "disclose", "results", "--task", task_number, "-o", str(pdf)) == 0
    assert "已生成抽查结果公告" in capsys.readouterr().out and pdf.exists()
    assert (
        cli(disclose_cli, db, "disclose", "list", "--task", task_number, "-o", str(tmp_path / "x.doc")) == 2
    )
    classified_number = get_task(env.ctx, env.drawn.classified_task).row.number
    capsys.readouterr()
    assert (
        cli(disclose_cli, db, "disclose", "task", "--task", classified_number, "-o", str(tmp_path / "c.xlsx"))
        == 1
    )
    assert "涉密任务" in capsys.readouterr().err
    assert not (tmp_path / "c.xlsx").exists()
    assert cli(results_cli, db, "results", "deadlines", "--today", "2026-11-23") == 1  # overdue tasks
    assert "已逾期" in capsys.readouterr().out
    assert cli(followup_cli, db, "followup", "list", "--overdue") == 0
