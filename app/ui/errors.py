"""Turning exceptions into dialogs that say, in Chinese, what happened and what to do.

Errors are split by who is to blame (as qutebrowser does): a ``ServiceError`` or a known
database condition (locked, read-only, disk full) is the user's to act on and gets a plain
message; anything else is a bug and gets "程序错误" with the traceback under 详细信息.
"""

from __future__ import annotations

import errno
import logging
import traceback
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from app.services.errors import ConflictError, NotFoundError, ServiceError, ValidationError

logger = logging.getLogger(__name__)

ERROR_DIALOG_NAME = "errorDialog"


def _tr(text: str) -> str:
    return QCoreApplication.translate("Errors", text)


@dataclass(frozen=True)
class ErrorReport:
    """What an error dialog shows."""

    title: str
    text: str
    details: str | None
    is_bug: bool


# What PostgreSQL's driver says when the server went away or cannot be reached.
_CONNECTION_LOST = (
    "connection refused",
    "could not connect",
    "connection to server",
    "server closed the connection",
    "connection timeout",
    "timeout expired",
    "connection is closed",
    "connection not open",
    "terminating connection",
    "no route to host",
    "network is unreachable",
    "consuming input failed",
)


def is_connection_lost(exc: BaseException) -> bool:
    """Whether ``exc`` says the database server cannot be reached (not that the request was wrong)."""
    from sqlalchemy.exc import DBAPIError

    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    raw = str(exc.orig).lower() if exc.orig is not None else str(exc).lower()
    return any(marker in raw for marker in _CONNECTION_LOST)


def _known_database_problem(exc: BaseException) -> str | None:
    """A plain explanation for database failures that are not bugs, else None."""
    from sqlalchemy.exc import OperationalError

    if is_connection_lost(exc):
        return _tr(
            "与数据库服务器的连接中断了，本次操作没有保存。窗口中已填写的内容仍在，没有丢失。\n"
            "请检查网线或无线网络、服务器电脑是否开机；状态栏显示“服务器连接正常”后，再保存一次即可。"
        )
    if not isinstance(exc, OperationalError):
        return None
    raw = str(exc.orig).lower() if exc.orig is not None else str(exc).lower()
    if "locked" in raw or "busy" in raw:
        return _tr(
            "数据库正被其他程序或另一台电脑占用。请稍候片刻再试；如果一直如此，请关闭其他正在使用该数据库的联查窗口。"
        )
    if "readonly" in raw or "read-only" in raw:
        return _tr("数据库文件是只读的，无法保存修改。请检查文件权限，或把数据库复制到可写的文件夹后再打开。")
    if "disk" in raw and ("full" in raw or "i/o" in raw):
        return _tr("磁盘已满或无法写入。请清理磁盘空间或检查存储设备后重试。")
    if "unable to open" in raw:
        return _tr("无法打开数据库文件。请确认文件所在的文件夹存在且可以访问。")
    return None


def _file_problem(exc: BaseException) -> ErrorReport | None:
    """A file the user chose that cannot be used (a broken batch, a full USB stick): not a bug."""
    from app.io.batch.errors import BatchRejected
    from app.io.batch.receipt_sheet import ReceiptSheetError
    from app.io.readers import UnreadableFileError

    if isinstance(exc, BatchRejected):
        # Its message is Chinese and names the file; the English detail is for the maintainer.
        return ErrorReport(_tr("批次文件无法使用"), exc.message, exc.detail or None, False)
    if isinstance(exc, ReceiptSheetError):
        return ErrorReport(_tr("回执表无法使用"), str(exc), None, False)
    if isinstance(exc, UnreadableFileError):
        return ErrorReport(_tr("无法读取文件"), str(exc), None, False)
    if isinstance(exc, OSError) and exc.filename is not None:
        if isinstance(exc, PermissionError):
            why = _tr("没有权限（文件可能正被 Excel/WPS 打开，或U盘处于写保护状态）")
        elif isinstance(exc, FileNotFoundError):
            why = _tr("文件或文件夹不存在（U盘可能已拔出）")
        elif exc.errno == errno.ENOSPC:
            why = _tr("磁盘或U盘已满")
        else:
            why = exc.strerror or str(exc)
        text = _tr("无法读写文件 {file}：{why}。\n请处理后再试一次；本次操作没有完成。").format(
            file=exc.filename, why=why
        )
        return ErrorReport(_tr("无法读写文件"), text, str(exc), False)
    return None


def explain(exc: BaseException, tb: str | None = None) -> ErrorReport:
    """Describe an exception for the user; ``tb`` is the formatted traceback if known."""
    if isinstance(exc, ValidationError):
        lines = "\n".join(f"• {e.field}：{e.message}" for e in exc.errors)
        return ErrorReport(_tr("输入有误"), _tr("请修改以下内容后重试：") + "\n" + lines, None, False)
    if isinstance(exc, ConflictError):
        return ErrorReport(_tr("记录已被修改"), str(exc), None, False)
    if isinstance(exc, NotFoundError):
        return ErrorReport(_tr("记录不存在"), str(exc), None, False)
    from app.db import DatabaseError  # not at import time: the window shows before the database loads

    if isinstance(exc, ServiceError | DatabaseError):
        return ErrorReport(_tr("无法完成操作"), str(exc), None, False)
    plain = _file_problem(exc)
    if plain is not None:
        return plain
    known = _known_database_problem(exc)
    if known is not None:
        return ErrorReport(_tr("数据库暂时无法使用"), known, str(exc), False)
    details = tb or "".join(traceback.format_exception(exc))
    text = _tr(
        "联查遇到了一个意外错误，本次操作没有完成。\n"
        "请把“详细信息”中的内容复制下来发给维护人员。您可以继续使用其他功能。"
    )
    return ErrorReport(_tr("程序错误"), text, details, True)


def show_error(parent: QWidget | None, exc: BaseException, tb: str | None = None) -> QMessageBox:
    """Show an error dialog without blocking (window-modal on ``parent``) and return it."""
    report = explain(exc, tb)
    if report.is_bug:
        logger.error("unexpected error: %s", report.details)
    box = QMessageBox(parent)
    box.setObjectName(ERROR_DIALOG_NAME)
    box.setIcon(QMessageBox.Icon.Critical if report.is_bug else QMessageBox.Icon.Warning)
    box.setWindowTitle(report.title)
    box.setText(report.text)
    if report.details:
        box.setDetailedText(report.details)
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.setWindowModality(Qt.WindowModality.WindowModal if parent else Qt.WindowModality.ApplicationModal)
    box.open()
    return box


def show_message(parent: QWidget | None, title: str, text: str) -> QMessageBox:
    """An information box that does not block; returned so callers and tests can follow it."""
    box = QMessageBox(QMessageBox.Icon.Information, title, text, QMessageBox.StandardButton.Ok, parent)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box
