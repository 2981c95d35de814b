"""Bad input files on the command line: one Chinese line naming the file, the documented exit status,
and a database left as it was."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.cli import main
from app.services.context import ServiceContext
from app.services.draws import SeedEntry, draw_task_inspectors, draw_task_targets
from app.services.tasks import create_task
from app.services.workdays import office_calendar
from tests.factories import build_mini_county, joint_task_data


def run(db: str, *args: str) -> int:
    return main(["--db", db, *args])


@pytest.mark.parametrize(
    ("argv", "what"),
    [
        (("import", "targets"), "不是文件"),
        (("results", "import"), "不是录入表"),
        (("batch", "import"), "不是批次文件"),
        (("batch", "receipt"), "不是回执文件"),
    ],
)
def test_a_folder_given_as_input_file_is_named_as_a_folder(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], what: str
) -> None:
    folder = tmp_path / "名录文件夹"
    folder.mkdir()
    assert run(db_url, *argv, str(folder)) == 2
    err = capsys.readouterr().err
    assert f"“{folder}”是文件夹，{what}" in err
    assert "Traceback" not in err and "Errno" not in err


@pytest.mark.parametrize(
    ("argv", "what"), [(("batch", "import"), "批次文件"), (("batch", "receipt"), "回执文件")]
)
def test_a_missing_batch_file_is_exit_2_and_says_not_found(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], what: str
) -> None:
    missing = tmp_path / "没有这个.lcb"
    assert run(db_url, *argv, str(missing)) == 2
    err = capsys.readouterr().err
    assert f"找不到{what}“{missing}”" in err
    assert "U盘" not in err  # not "copy it off the stick first": the path is simply wrong


def _holidays(db_url: str, path: Path) -> int:
    return run(db_url, "holidays", "set", "--year", "2027", "--file", str(path), "--source", "测试通知")


def test_holiday_file_problems_are_chinese_and_change_nothing(
    ctx: ServiceContext, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _holidays(db_url, tmp_path / "没有.txt") == 2
    assert "找不到节假日安排文件" in capsys.readouterr().err
    binary = tmp_path / "乱码.txt"
    binary.write_bytes("2027-01-01 休".encode("gbk") + b"\xff\xfe\x80")
    assert _holidays(db_url, binary) == 2
    err = capsys.readouterr().err
    assert "不是 UTF-8 编码的文本" in err and "codec" not in err
    empty = tmp_path / "空.txt"
    empty.write_text("", encoding="utf-8")
    assert _holidays(db_url, empty) == 1
    assert "没有任何放假日期" in capsys.readouterr().out
    reversed_range = tmp_path / "倒序.txt"
    reversed_range.write_text("2027-01-01 休\n2027-02-10~2027-02-05 休\n", encoding="utf-8")
    assert _holidays(db_url, reversed_range) == 1
    assert "第 2 行：区间「2027-02-10~2027-02-05」的结束日早于开始日" in capsys.readouterr().out
    # None of these entered 2027: a deadline across it still warns that holidays are missing.
    assert 2027 not in office_calendar(ctx).tables


@pytest.mark.parametrize("name", ["名录.csv", "名录.xls", "名录"])
@pytest.mark.parametrize("template", [False, True])
def test_export_refuses_an_output_that_is_not_xlsx(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, template: bool
) -> None:
    out = tmp_path / name
    assert run(db_url, "export", "targets", str(out), *(["--template"] if template else [])) == 2
    assert "须以 .xlsx 结尾" in capsys.readouterr().err
    assert not out.exists()  # no workbook written under a name that says it is something else


def _fingerprint(db_url: str) -> list[tuple[str, int]]:
    """Row counts of every table (SQLite or PostgreSQL alike)."""
    from sqlalchemy import create_engine, func, inspect, select, table

    engine = create_engine(db_url)
    try:
        # The installation's id and signing key are made on the first use of sync, wherever the
        # batch was to go: not data of the office, so left out of the comparison.
        names = sorted(n for n in inspect(engine).get_table_names() if n not in ("settings", "sync_identity"))
        with engine.connect() as con:
            return [(n, con.execute(select(func.count()).select_from(table(n))).scalar_one()) for n in names]
    finally:
        engine.dispose()


@pytest.fixture
def drawn_number(ctx: ServiceContext) -> str:
    from app.services.tasks import get_task

    county = build_mini_county(ctx)
    task = create_task(ctx, joint_task_data(county))
    seed = SeedEntry("11111222223333344444")
    draw_task_targets(ctx, task, seed=seed)
    draw_task_inspectors(ctx, task, seed=seed)
    return get_task(ctx, task).row.number


@pytest.mark.parametrize(
    ("argv", "name"),
    [
        (("disclose", "list", "--task", "{task}", "-o"), "名单.xlsx"),
        (("results", "template", "--task", "{task}", "-o"), "录入表.xlsx"),
        (("draw", "record", "--task", "{task}", "-o"), "记录.json"),
        (("batch", "export", "--kind", "task-package", "--task", "{task}", "-o"), "任务包.lcb"),
        (("batch", "export", "--kind", "registry", "-o"), "名录.lcb"),
    ],
)
def test_an_output_in_a_missing_folder_is_one_chinese_line_and_changes_nothing(
    ctx: ServiceContext,
    db_url: str,
    drawn_number: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    argv: tuple[str, ...],
    name: str,
) -> None:
    """These once ended in a FileNotFoundError traceback (exit 1)."""
    out = tmp_path / "没有的文件夹" / "子文件夹" / name
    before = _fingerprint(db_url)
    capsys.readouterr()
    assert run(db_url, *(a.replace("{task}", drawn_number) for a in argv), str(out)) == 2
    err = capsys.readouterr().err
    assert f"无法读写文件“{out}”：文件或所在文件夹不存在" in err
    assert "Traceback" not in err and ".partial" not in err
    assert _fingerprint(db_url) == before


def test_draw_record_onto_a_folder_says_it_is_a_folder(
    db_url: str, drawn_number: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(db_url, "draw", "record", "--task", drawn_number, "-o", str(tmp_path)) == 2
    assert "这是一个文件夹，不是文件" in capsys.readouterr().err


def test_a_db_that_is_not_a_database_or_is_a_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheet = tmp_path / "名录.xlsx"
    sheet.write_bytes(b"PK\x03\x04" + bytes(range(256)) * 20)
    assert run(str(sheet), "info") == 2
    err = capsys.readouterr().err
    assert f"文件“{sheet}”不是联查数据库，或已损坏" in err and "sqlalche.me" not in err
    assert sheet.read_bytes().startswith(b"PK\x03\x04")  # left as it was
    assert run(str(tmp_path), "task", "list") == 2
    err = capsys.readouterr().err
    assert f"“{tmp_path}”是文件夹，请用 --db 指定其中的数据库文件" in err


def test_task_file_that_cannot_be_read_is_named_in_chinese(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    gbk = tmp_path / "任务.json"
    gbk.write_bytes('{"name": "抽查"}'.encode("gbk"))
    cases = {gbk: "不是 UTF-8 编码的文本", tmp_path / "没有.json": "找不到文件", tmp_path: "这是一个文件夹"}
    for path, reason in cases.items():
        assert run(db_url, "task", "create", "--file", str(path)) == 2
        err = capsys.readouterr().err
        assert f"{path}：{reason}" in err and "Errno" not in err and "codec" not in err


@pytest.mark.sqlite_only
def test_backup_into_an_unwritable_place_names_the_file_not_its_temp(
    ctx: ServiceContext, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "一个文件"
    blocker.write_text("x", encoding="utf-8")
    out = blocker / "备份.zip"  # a path "inside" a file: the folder cannot exist
    assert run(db_url, "backup", str(out)) == 2
    err = capsys.readouterr().err
    assert f"无法读写文件“{blocker}”：已有同名的文件，无法在此建立文件夹" in err
    assert ".partial" not in err and "File exists" not in err


def test_print_onto_a_folder_is_refused_before_any_document_is_built(
    db_url: str, drawn_number: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(db_url, "print", "checklists", "--task", drawn_number, "-o", str(tmp_path)) == 2
    err = capsys.readouterr().err
    assert f"“{tmp_path}”是文件夹，请写出 PDF 文件名" in err and "正在生成" not in err


def test_a_print_error_after_progress_starts_on_its_own_line(
    db_url: str, drawn_number: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "没有的文件夹" / "检查单.pdf"
    assert run(db_url, "print", "checklists", "--task", drawn_number, "-o", str(out)) == 2
    last = capsys.readouterr().err.rstrip("\n").split("\n")[-1]
    assert last.startswith("liancha print: 无法写入")  # not glued to the end of 正在生成 n/m 份…


def test_trusting_a_key_card_that_is_not_one(
    ctx: ServiceContext, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A binary file once ended in a UnicodeDecodeError traceback; a wrong JSON in English words."""
    binary = tmp_path / "密钥卡.json"
    binary.write_bytes(bytes(range(128, 256)))
    assert run(db_url, "batch", "keys", "trust", str(binary), "--fingerprint", "1234") == 2
    err = capsys.readouterr().err
    assert f"密钥卡文件“{binary}”不是 UTF-8 编码的文本" in err and "Traceback" not in err
    other = tmp_path / "别的.json"
    other.write_text('{"format": "liancha-draw-record"}', encoding="utf-8")
    assert run(db_url, "batch", "keys", "trust", str(other), "--fingerprint", "1234") == 1
    err = capsys.readouterr().err
    assert "密钥卡无法读取：不是联查密钥卡" in err and "not a LianCha" not in err


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "文件是空的"),
        (b"PK\x03\x04" + b"\x00" * 300, "文件不完整或已损坏"),
        (bytes(range(256)) * 4, "不是表格文件"),
    ],
)
def test_results_import_of_an_unreadable_sheet_is_exit_2_in_chinese(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, reason: str
) -> None:
    sheet = tmp_path / "录入表.xlsx"
    sheet.write_bytes(content)
    assert run(db_url, "results", "import", str(sheet)) == 2
    err = capsys.readouterr().err
    assert f"无法读取文件“录入表.xlsx”：{reason}" in err and "EOCD" not in err


def test_a_mapping_file_that_is_not_a_preset_is_named_as_such(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "名录.csv"
    data.write_text("统一社会信用代码,企业名称\n", encoding="utf-8")
    broken = tmp_path / "方案.json"
    broken.write_text('{"name": 5', encoding="utf-8")
    binary = tmp_path / "方案.dat"
    binary.write_bytes(bytes(range(128, 256)))
    cases = {
        broken: "映射方案文件“方案.json”不是有效的 JSON（第 1 行",
        binary: "映射方案文件“方案.dat”不是 UTF-8 编码的文本",  # an existing file, not "no preset of that name"
        tmp_path: "是文件夹，不是映射方案文件",
    }
    for mapping, message in cases.items():
        assert run(db_url, "import", "targets", str(data), "--mapping", str(mapping)) == 2
        err = capsys.readouterr().err
        assert message in err and "Expecting" not in err and "Errno" not in err
