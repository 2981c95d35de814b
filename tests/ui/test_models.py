"""Every table model passes Qt's model tester; the target model reads lazily and sorts in SQL."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from app.models.enums import RiskClass, TargetKind, TargetStatus
from app.services.context import ServiceContext
from app.services.departments import list_departments
from app.services.inspectors import list_inspectors
from app.services.items import list_items
from app.services.schemes import list_schemes
from app.services.targets import TargetFilter, TargetRow, get_target_rows, search_target_ids
from app.ui.models import ROW_ROLE, RowTableModel, TargetTableModel
from app.ui.pages.departments import department_columns
from app.ui.pages.inspectors import inspector_columns
from app.ui.pages.items import item_columns
from app.ui.pages.schemes import scheme_columns
from tests.sample_county import SampleCounty


def _fake_row(target_id: int) -> TargetRow:
    return TargetRow(
        id=target_id,
        uid=f"uid-{target_id}",
        code=f"{target_id:018d}",
        name=f"对象{target_id}",
        kind=TargetKind.ENTERPRISE,
        legal_rep="张三",
        phone="",
        address="",
        region="城关镇",
        industry="餐饮",
        risk_class=RiskClass.B,
        status=TargetStatus.ACTIVE,
        active=target_id % 7 != 0,
        tags="",
        version=1,
    )


def test_target_model_passes_the_model_tester(
    qtmodeltester: ModelTester, ctx: ServiceContext, sample: SampleCounty
) -> None:
    model = TargetTableModel(lambda ids: get_target_rows(ctx, ids))
    qtmodeltester.check(model)
    model.set_ids(search_target_ids(ctx, TargetFilter()))
    assert model.rowCount() == len(sample.targets)
    model.invalidate_rows()
    model.set_ids(search_target_ids(ctx, TargetFilter(text="超市")))
    model.set_ids([])


def test_row_models_pass_the_model_tester(
    qtmodeltester: ModelTester, ctx: ServiceContext, sample: SampleCounty
) -> None:
    cases = [
        (inspector_columns(), list_inspectors(ctx)),
        (item_columns(), list_items(ctx)),
        (scheme_columns(), list_schemes(ctx)),
        (department_columns(), list_departments(ctx, include_inactive=True)),
    ]
    for columns, rows in cases:
        model: RowTableModel[object] = RowTableModel(columns, is_inactive=lambda r: not getattr(r, "active"))  # noqa: B009
        qtmodeltester.check(model)
        model.set_rows(rows)
        assert model.rowCount() == len(rows) > 0
        for column in range(model.columnCount()):
            model.sort(column, Qt.SortOrder.DescendingOrder)
            model.sort(column, Qt.SortOrder.AscendingOrder)
        model.set_rows([])


def test_target_model_fetches_one_page_at_a_time() -> None:
    fetched: list[int] = []

    def fetch(ids: Sequence[int]) -> list[TargetRow]:
        fetched.append(len(ids))
        return [_fake_row(i) for i in ids]

    model = TargetTableModel(fetch)
    model.set_ids(list(range(1, 500_001)))  # the size of a city's registry
    assert model.rowCount() == 500_000 and fetched == []
    last = model.index(499_999, 0)
    assert model.data(last) == "对象500000"
    assert fetched == [TargetTableModel.PAGE_SIZE]
    assert model.data(model.index(499_950, 1)) == f"{499_951:018d}"  # same page: cached
    assert fetched == [TargetTableModel.PAGE_SIZE]
    row = model.data(model.index(250_000, 0), ROW_ROLE)
    assert isinstance(row, TargetRow) and row.id == 250_001
    assert len(fetched) == 2
    inactive = model.index(6, 0)  # id 7 is inactive in the fake rows
    assert model.data(inactive, Qt.ItemDataRole.ForegroundRole) is not None
    assert model.data(model.index(6, 9)) == "已停用"


def test_target_model_cache_is_bounded() -> None:
    model = TargetTableModel(lambda ids: [_fake_row(i) for i in ids])
    model.set_ids(list(range(1, 100_001)))
    for row in range(0, 100_000, TargetTableModel.PAGE_SIZE):
        model.row_at(row)
    assert len(model._cache) <= TargetTableModel.CACHE_ROWS


def test_sorting_is_asked_of_the_database(qtbot: QtBot) -> None:
    model = TargetTableModel(lambda ids: [_fake_row(i) for i in ids])
    region = [c.key for c in model.columns].index("region")
    with qtbot.waitSignal(model.sort_requested) as blocker:
        model.sort(region, Qt.SortOrder.DescendingOrder)
    assert blocker.args == ["region", True]
    assert model.sort_column() == region
    tags = [c.key for c in model.columns].index("tags")
    with qtbot.assertNotEmitted(model.sort_requested):
        model.sort(tags, Qt.SortOrder.AscendingOrder)  # not sortable in SQL: ignored


def test_target_model_gives_every_text_cell_its_full_text_as_tooltip(qtmodeltester: ModelTester) -> None:
    # 类型 (农民专业合作社) and 行业 (信息技术服务) were cut off in their columns with no tooltip; the
    # view shows the tooltip only where the text is cut off (ElidedTipDelegate).
    model = TargetTableModel(lambda ids: [_fake_row(i) for i in ids])
    model.set_ids([1, 2])
    qtmodeltester.check(model)
    keys = [c.key for c in model.columns]
    for key in ("name", "kind", "industry", "region", "legal_rep"):
        index = model.index(0, keys.index(key))
        assert index.data(Qt.ItemDataRole.ToolTipRole) == index.data() != ""
    assert model.index(0, keys.index("tags")).data(Qt.ItemDataRole.ToolTipRole) is None  # no tags, no tip
