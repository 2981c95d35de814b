"""名录库: the registries as tabs. A new registry plugs in by adding one entry to ``REGISTRY_TABS``."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication
from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from app.ui.context import UiContext


@dataclass(frozen=True)
class RegistryTab:
    """One tab of 名录库: key, title and the panel class ("module:Class")."""

    key: str
    title: str
    factory: str  # "module:Class", called as Class(ui_context, parent)


REGISTRY_TABS: tuple[RegistryTab, ...] = (
    RegistryTab(
        "targets", str(QT_TRANSLATE_NOOP("Registry", "检查对象")), "app.ui.pages.targets:TargetsPanel"
    ),
    RegistryTab(
        "inspectors",
        str(QT_TRANSLATE_NOOP("Registry", "检查人员")),
        "app.ui.pages.inspectors:InspectorsPanel",
    ),
    RegistryTab("items", str(QT_TRANSLATE_NOOP("Registry", "抽查事项")), "app.ui.pages.items:ItemsPanel"),
    RegistryTab(
        "schemes", str(QT_TRANSLATE_NOOP("Registry", "一业一查方案")), "app.ui.pages.schemes:SchemesPanel"
    ),
    RegistryTab(
        "departments", str(QT_TRANSLATE_NOOP("Registry", "部门")), "app.ui.pages.departments:DepartmentsPanel"
    ),
)


class RegistryPage(QWidget):
    """Tabs over the registries; each tab reads its data the first time it is shown."""

    def __init__(self, ui: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("registryPage")
        self.tabs = QTabWidget()
        self.panels: dict[str, QWidget] = {}
        for tab in REGISTRY_TABS:
            module_name, _, attribute = tab.factory.partition(":")
            factory = cast(
                Callable[[UiContext, QWidget | None], QWidget],
                getattr(importlib.import_module(module_name), attribute),
            )
            panel = factory(ui, None)
            self.panels[tab.key] = panel
            self.tabs.addTab(panel, QCoreApplication.translate("Registry", tab.title))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.tabs)

    def show_tab(self, key: str) -> QWidget:
        """Bring a registry's tab to the front and return its panel."""
        panel = self.panels[key]
        self.tabs.setCurrentWidget(panel)
        return panel
