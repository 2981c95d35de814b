"""关于联查: version, Qt, database, and the licences of what we ship."""

from __future__ import annotations

import sys

import PySide6
from PySide6.QtCore import QCoreApplication, Qt, qVersion
from PySide6.QtWidgets import QMessageBox, QWidget

from app import __version__, buildinfo


def build_date() -> str:
    """The date the bundle was built, or 开发版本 when running from a checkout."""
    return buildinfo.build_date() or QCoreApplication.translate("About", buildinfo.DEVELOPMENT)


def about_text(database: str | None) -> str:
    """The HTML shown in the about box."""

    def tr(text: str) -> str:
        return QCoreApplication.translate("About", text)

    python = ".".join(str(p) for p in sys.version_info[:3])
    rows = [
        f"<h3>{tr('联查 LianCha')} {__version__}</h3>",
        f"<p>{tr('“双随机、一公开”与“一业一查”的离线工作台：名录库、抽查计划、随机抽取、检查实施、结果公示与数据同步。')}</p>",
        f"<p>{tr('版本')}：{__version__}<br>{tr('构建日期')}：{build_date()}<br>Python {python} · Qt {qVersion()} · PySide6 {PySide6.__version__}</p>",
    ]
    if database:
        rows.append(f"<p>{tr('数据库')}：{database}</p>")
    rows.append(f"<p>{tr('界面字体：文泉驿微米黑（Apache-2.0 或 GPLv3 附字体例外），随程序提供。')}</p>")
    return "".join(rows)


def show_about(parent: QWidget | None, database: str | None) -> QMessageBox:
    """Open the about box without blocking and return it."""
    box = QMessageBox(parent)
    box.setObjectName("aboutDialog")
    box.setWindowTitle(QCoreApplication.translate("About", "关于联查"))
    box.setTextFormat(Qt.TextFormat.RichText)
    box.setText(about_text(database))
    box.setIcon(QMessageBox.Icon.Information)
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box
