"""The page registry: the left navigation, one entry per step of the flow.

A feature plugs in its page by filling in one entry's ``factory`` ("module:Class"); the
class is imported only when the page is first opened (that keeps start-up fast) and is
called as ``Class(ui_context, parent)``. An entry without a factory shows, plainly, that
the page is not built yet and what it will offer.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication
from PySide6.QtWidgets import QWidget

from app.ui.context import UiContext

PageFactory = Callable[[UiContext, QWidget | None], QWidget]


@dataclass(frozen=True)
class PageSpec:
    """One entry of the left navigation."""

    key: str
    title: str  # source text; shown through ``QCoreApplication.translate("Navigation", …)``
    factory: str | None = None  # "package.module:ClassName"
    pending: str = ""  # for pages not built yet: what the page will offer

    def display_title(self) -> str:
        """The title in the interface language."""
        return QCoreApplication.translate("Navigation", self.title)

    def display_pending(self) -> str:
        """What the page will offer, in the interface language."""
        return QCoreApplication.translate("Navigation", self.pending) if self.pending else ""

    def load_factory(self) -> PageFactory | None:
        """Import the page class (None while the page is not built)."""
        if self.factory is None:
            return None
        module_name, _, attribute = self.factory.partition(":")
        return cast(PageFactory, getattr(importlib.import_module(module_name), attribute))


PAGES: tuple[PageSpec, ...] = (
    PageSpec(
        "workbench", str(QT_TRANSLATE_NOOP("Navigation", "工作台")), "app.ui.pages.workbench:WorkbenchPage"
    ),
    PageSpec(
        "registry", str(QT_TRANSLATE_NOOP("Navigation", "名录库")), "app.ui.pages.registry:RegistryPage"
    ),
    PageSpec(
        "plan",
        str(QT_TRANSLATE_NOOP("Navigation", "抽查计划")),
        "app.ui.pages.plans:PlanPage",
    ),
    PageSpec(
        "draw",
        str(QT_TRANSLATE_NOOP("Navigation", "随机抽取")),
        "app.ui.pages.draw:DrawPage",
    ),
    PageSpec(
        "inspection",
        str(QT_TRANSLATE_NOOP("Navigation", "检查实施")),
        "app.ui.pages.inspection:InspectionPage",
    ),
    PageSpec(
        "disclosure",
        str(QT_TRANSLATE_NOOP("Navigation", "结果公示")),
        "app.ui.pages.disclosure:DisclosurePage",
    ),
    PageSpec(
        "sync",
        str(QT_TRANSLATE_NOOP("Navigation", "数据同步")),
        "app.ui.pages.sync:SyncPage",
    ),
    PageSpec(
        "statistics",
        str(QT_TRANSLATE_NOOP("Navigation", "统计分析")),
        "app.ui.pages.statistics:StatisticsPage",
    ),
    PageSpec(
        "admin",
        str(QT_TRANSLATE_NOOP("Navigation", "系统管理")),
        "app.ui.pages.admin:AdminPage",
    ),
)


def page_spec(key: str) -> PageSpec:
    """The registry entry with this key (KeyError if none)."""
    for spec in PAGES:
        if spec.key == key:
            return spec
    raise KeyError(key)
