"""`liancha import` and `liancha export` as a script uses them: output and exit status."""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from app.cli import export, import_
from app.cli.common import CliError
from app.models import Target
from app.services.context import ServiceContext
from tests.factories import valid_uscc

HEADER = ("统一社会信用代码", "企业名称", "信用风险分类")


def cli(db: str, *argv: str) -> int:
    """Parse and run like ``liancha --db DB …`` does, with only the two subcommands registered."""
    parser = argparse.ArgumentParser(prog="liancha")
    parser.add_argument("--db", default=None)
    parser.add_argument("--operator", default="测试员")
    subparsers = parser.add_subparsers(dest="command")
    import_.register(subparsers)
    export.register(subparsers)
    args = parser.parse_args(["--db", str(db), *argv])
    try:
        return int(args.func(args))
    except CliError as exc:
        print(f"liancha {args.command}: {exc}", file=__import__("sys").stderr)
        return exc.exit_code


def write_csv(path: Path, rows: list[tuple[str, str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def target_count(ctx: ServiceContext) -> int:
    with ctx.read() as session:
        return int(session.execute(select(func.count()).select_from(Target)).scalar_one())


def test_all_rows_good_exit_0_and_reimport_says_unchanged(
    ctx: ServiceContext, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_csv(tmp_path / "t.csv", [(valid_uscc(n), f"商户{n}", "A") for n in range(3)])
    assert cli(db_url, "import", "targets", str(path)) == 0
    assert "新增 3" in capsys.readouterr().out
    assert cli(db_url, "import", "targets", str(path)) == 0
    assert "没有任何改动" in capsys.readouterr().out
    out = tmp_path / "导出.xlsx"
    assert cli(db_url, "export", "targets", str(out)) == 0
    assert "已导出检查对象名录 3 条" in capsys.readouterr().out
    assert cli(db_url, "import", "targets", str(out)) == 0
    assert "未变 3" in capsys.readouterr().out


def test_rejected_rows_exit_1_and_are_listed(
    ctx: ServiceContext, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [(valid_uscc(n), f"商户{n}", "A") for n in range(30)]
    rows[2] = (rows[2][0], rows[2][1], "高高")  # not a risk class: row 4 of the file
    # 25 repeated codes: 24 duplicates, and the repeat of row 4's code stands in for it.
    rows += [(valid_uscc(n), f"重复{n}", "B") for n in range(25)]
    path = write_csv(tmp_path / "t.csv", rows)
    report = tmp_path / "问题.xlsx"
    assert cli(db_url, "import", "targets", str(path), "--dry-run", "--report", str(report)) == 1
    out = capsys.readouterr().out
    assert "试导入" in out and "第4行［信用风险分类］“高高”" in out
    assert "另有 5 条问题" in out  # 25 errors, the first 20 printed
    assert target_count(ctx) == 0
    assert load_workbook(report)["问题清单"].max_row == 26
    assert cli(db_url, "import", "targets", str(path)) == 1
    assert "新增 30" in capsys.readouterr().out
    assert target_count(ctx) == 30


def test_unreadable_file_exit_2_names_file_and_reason(
    ctx: ServiceContext, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "名单.xlsx"
    bad.write_bytes(b"\x00\x01 this is not a spreadsheet" * 20)
    assert cli(db_url, "import", "targets", str(bad)) == 2
    assert "名单.xlsx" in capsys.readouterr().err
    assert cli(db_url, "import", "targets", str(tmp_path / "没有.xlsx")) == 2
    assert "找不到文件" in capsys.readouterr().err
    no_name = tmp_path / "缺列.csv"
    no_name.write_text("统一社会信用代码,地址\n" + valid_uscc(1) + ",某路\n", encoding="utf-8")
    assert cli(db_url, "import", "targets", str(no_name)) == 2
    err = capsys.readouterr().err
    assert "缺列.csv" in err and "企业名称" in err
    good = write_csv(tmp_path / "t.csv", [(valid_uscc(1), "商户", "A")])
    assert cli(db_url, "import", "targets", str(good), "--mapping", "没有这个方案") == 2
    assert "没有这个方案" in capsys.readouterr().err
    assert target_count(ctx) == 0


def test_mapping_by_preset_name_and_blank_template(
    ctx: ServiceContext, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    template = tmp_path / "模板.xlsx"
    assert cli(db_url, "export", "inspectors", str(template), "--template") == 0
    sheet = load_workbook(template)["人员名录库"]
    sheet.append(["001", "王五", "男", "", "", "", "", "", "", "", "", "", "", "", "稽查科"])
    sheet.append(["002", "赵六"])
    workbook = sheet.parent
    workbook.save(template)
    code = cli(
        db_url,
        "import",
        "inspectors",
        str(template),
        "--mapping",
        "randomscagent",
        "--department",
        "青山县市场监管局",
    )
    assert code == 0, capsys.readouterr()
    assert "新增 2" in capsys.readouterr().out
