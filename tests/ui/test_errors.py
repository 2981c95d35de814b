"""Error dialogs: a file the user chose that cannot be used is explained, not called a program error."""

from __future__ import annotations

import errno

from app.io.batch.errors import BatchRejected, RejectReason
from app.io.readers import UnreadableFileError
from app.ui.errors import explain


def test_refused_batch_file_is_explained_with_its_name() -> None:
    report = explain(BatchRejected(RejectReason.CORRUPT_ZIP, "BadZipFile", source="结果批次.lcb"))
    assert not report.is_bug
    assert "结果批次.lcb" in report.text and "已损坏" in report.text
    assert report.title == "批次文件无法使用"


def test_unreadable_table_is_explained() -> None:
    report = explain(UnreadableFileError("/tmp/名录.xlsx", "文件不是表格"))
    assert not report.is_bug and "名录.xlsx" in report.text


def test_file_system_problems_name_the_file_and_what_to_do() -> None:
    locked = explain(PermissionError(errno.EACCES, "Permission denied", "E:/导出/检查对象.xlsx"))
    assert not locked.is_bug and "E:/导出/检查对象.xlsx" in locked.text and "WPS" in locked.text
    full = explain(OSError(errno.ENOSPC, "No space left on device", "E:/备份.zip"))
    assert not full.is_bug and "已满" in full.text
    gone = explain(FileNotFoundError(errno.ENOENT, "No such file", "F:/批次.lcb"))
    assert not gone.is_bug and "U盘" in gone.text


def test_a_real_bug_is_still_a_program_error() -> None:
    assert explain(KeyError("x")).is_bug
    assert explain(OSError("no file involved")).is_bug  # not about a file the user chose
