"""Export in template layouts, round trips, formula guard, blank templates, issue reports."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from app.io.fields import RegistryKind
from app.io.presets import PresetError, find_preset, guess_mapping
from app.io.readers import load_table
from app.io.records import (
    Certificate,
    CheckpointRow,
    InspectorRow,
    ItemRow,
    JointItemRow,
    Licence,
    RowRecord,
    TargetRow,
)
from app.io.reports import REPORT_HEADER, write_issue_report
from app.io.validate import Issue, Severity, ValidationResult, validate
from app.io.writers import ExportCancelled, export_rows, write_blank_template
from app.services.identifiers import org_code_check_char, uscc_check_char

from .conftest import TODAY

K = RegistryKind


def uscc(prefix: str, body: str) -> str:
    first17 = prefix + body + org_code_check_char(body)
    return first17 + uscc_check_char(first17)


def read_back(path: Path, kind: K) -> ValidationResult:
    table = load_table(path, kind=kind)
    return validate(table, guess_mapping(table.header, kind), today=TODAY)


def without_positions(rows: tuple[RowRecord, ...]) -> list[Any]:
    result: list[Any] = []
    for row in rows:
        changes: dict[str, Any] = {"row": 0}
        if isinstance(row, TargetRow):
            changes["source_rows"] = ()
        result.append(dataclasses.replace(row, **changes))
    return result


def assert_round_trip(
    path: Path, kind: K, records: tuple[RowRecord, ...], preset: str | None = None
) -> ValidationResult:
    export_rows(path, records, kind=kind, preset=preset)
    again = read_back(path, kind)
    assert again.error_count == 0, again.issues
    assert without_positions(again.rows) == without_positions(records)
    return again


# ------------------------------------------------------------------ round trips of real files


@pytest.mark.parametrize(
    ("relative", "kind"),
    [
        ("targets/zhejiang_enterprises_a.xlsx", K.TARGETS),
        ("items/hainan_2020_random_check_items.csv", K.ITEMS),
        ("items/hainan_2020_joint_check_items_v2.csv", K.SCHEMES),
        ("templates/template_B03.xls", K.CHECKPOINTS),
    ],
)
def test_real_files_round_trip(data_dir: Path, tmp_path: Path, relative: str, kind: K) -> None:
    original = read_back(data_dir / relative, kind)
    assert original.rows
    again = assert_round_trip(tmp_path / "out.xlsx", kind, original.rows)
    assert again.warning_count <= original.warning_count


def test_targets_round_trip_in_the_platform_list_layout(data_dir: Path, tmp_path: Path) -> None:
    original = read_back(data_dir / "targets" / "zhejiang_enterprises_b.xlsx", K.TARGETS)
    path = tmp_path / "list.xlsx"
    export_rows(path, original.rows, kind=K.TARGETS, preset="zhejiang_platform_list")
    table = load_table(path)
    assert table.header == ("企业名称", "注册号/统一社会信用代码", "RegOrgName", "管辖单位")
    assert table.header_row == 1
    assert without_positions(read_back(path, K.TARGETS).rows) == without_positions(original.rows)


# ------------------------------------------------------------------ constructed records, every field

TRICKY = '=HYPERLINK("http://evil.invalid","点我")'

TARGETS: tuple[RowRecord, ...] = (
    TargetRow(
        row=2,
        name="甲药房有限公司",
        code=uscc("91330106", "MA2CX5J6"),
        code_kind="uscc",
        entity_kind="企业",
        legal_rep="-张三",
        phone="+86 571 8888 8888",
        address="@某路1号",
        reg_authority="杭州市西湖区市场监督管理局",
        jurisdiction="翠苑所",
        region="翠苑街道",
        industry="药品零售",
        risk_class="C",
        status="存续",
        tags=("重点监管", "药店"),
        special_registries=("药品零售", "医疗器械"),
        licences=(
            Licence("药品经营许可证", "浙AA5710001", dt.date(2017, 3, 7), None, True, "浙江省药品监督管理局"),
            Licence(
                "医疗器械经营许可证", "0001", dt.date(2019, 1, 2), dt.date(2029, 1, 1), False, "杭州市局"
            ),
        ),
        inspection_authority=TRICKY,
        professional_supervision=True,
        professional_qualifications=("药品检查员",),
        expert_leaders=("药品GSP",),
    ),
    TargetRow(
        row=3, name="乙小店", code="3301062015292", code_kind="legacy", entity_kind=None, status="注销"
    ),
    TargetRow(row=4, name="丙合作社", entity_kind="农民专业合作社", professional_supervision=False),
)

INSPECTORS: tuple[RowRecord, ...] = (
    InspectorRow(
        row=4,
        name="张三",
        staff_no="0010",
        gender="男",
        id_number="330521199109220530",
        mobile="18788888888",
        education="本科",
        major="食品",
        post_categories=("工商行政管理类", "食品药品管理类"),
        post_since=dt.date(2017, 3, 7),
        qualifications=("保化检查员",),
        item_scope=("A01.直销违法行为检查", "C08.特种设备生产（含设计、制造、安装）单位监督检查"),
        region="省本级",
        level="市级",
        position="一般干部",
        department="消保分局",
        is_expert=True,
        expert_types=("保化组长", "药品GSP"),
        department_cert=Certificate("4541321", dt.date(2030, 7, 19)),
        province_cert=Certificate("201654321", None, True),
        status="有效",
    ),
    InspectorRow(row=5, name="李四", staff_no="0011", department="=1+1", status="失效", is_expert=True),
)

ITEMS: tuple[RowRecord, ...] = (
    ItemRow(
        row=2,
        department="省市场监管局",
        name="食品生产监督检查",
        seq="104",
        category="食品生产监督检查",
        target_desc="获证食品生产企业",
        item_class="重点",
        methods=("现场检查", "书面检查"),
        subject="县级以上市场监管部门",
        basis="《食品安全法》第一百一十条\n《食品生产经营监督检查管理办法》",
    ),
    ItemRow(row=3, department="省教育厅", name="+校服检查", item_class="一般"),
)

JOINT: tuple[RowRecord, ...] = (
    JointItemRow(
        row=2,
        field="餐饮",
        name="食品安全",
        seq="1",
        target_desc="餐馆",
        initiating_departments=("市场监管部门", "卫生健康部门"),
        cooperating_departments=("消防救援机构", "生态环境部门"),
    ),
)

CHECKPOINTS: tuple[RowRecord, ...] = (
    CheckpointRow(row=2, content="持有的许可证是否合法有效。", seq="1", item_name="B03", method="查看许可证"),
    CheckpointRow(row=3, content="其他", seq="2"),
)


@pytest.mark.parametrize(
    ("kind", "records", "preset"),
    [
        (K.TARGETS, TARGETS, None),
        (K.INSPECTORS, INSPECTORS, None),
        (K.INSPECTORS, INSPECTORS, "liancha_inspectors"),
        (K.ITEMS, ITEMS, None),
        (K.ITEMS, ITEMS, "liancha_items"),
        (K.SCHEMES, JOINT, None),
        (K.CHECKPOINTS, CHECKPOINTS, None),
    ],
)
def test_constructed_records_round_trip(
    tmp_path: Path, kind: K, records: tuple[RowRecord, ...], preset: str | None
) -> None:
    assert_round_trip(tmp_path / "out.xlsx", kind, records, preset)


def test_inspector_export_by_default_keeps_the_department_apart_from_the_unit(tmp_path: Path) -> None:
    path = tmp_path / "人员.xlsx"
    export_rows(path, INSPECTORS, kind=K.INSPECTORS)
    rows = list(openpyxl.load_workbook(path)["人员名录库"].iter_rows(values_only=True))
    header = next(row for row in rows if row and "姓名" in row)
    assert {"所属部门", "所在业务部门（机构）", "具体职务", "执法证发证机关"} <= set(header)


def test_inspector_export_in_the_platform_layout(tmp_path: Path) -> None:
    path = tmp_path / "agents.xls.xlsx"
    export_rows(path, INSPECTORS, kind=K.INSPECTORS, preset="randomscagent")
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == ["人员名录库", "参数表"]
    sheet = workbook["人员名录库"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "市场监管领域执法人员数据库"
    assert rows[1] == find_preset("randomscagent").headers
    assert rows[2][8] == "YYYY-MM-DD"  # the explanation row, as in the template
    assert rows[3][0] == "0010"
    assert rows[3][19] == dt.datetime(9999, 9, 9)  # no expiry


def test_formula_like_text_is_written_as_guarded_strings(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    export_rows(path, TARGETS, kind=K.TARGETS)
    sheet = openpyxl.load_workbook(path)["检查对象名录"]
    cells = {cell.value: cell for row in sheet.iter_rows() for cell in row if isinstance(cell.value, str)}
    for original in (TRICKY, "-张三", "+86 571 8888 8888", "@某路1号"):
        cell = cells["'" + original]
        assert cell.data_type == "s"
    assert not any(value.startswith(("=", "+", "-", "@")) for value in cells)
    assert all(cell.data_type != "f" for cell in cells.values())


def test_targets_with_two_licences_take_two_rows(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    written = export_rows(path, TARGETS, kind=K.TARGETS)
    assert written == 4


def test_blank_templates_for_every_preset(tmp_path: Path) -> None:
    from app.io.presets import BUILTIN_PRESETS

    for preset in BUILTIN_PRESETS:
        path = tmp_path / f"{preset.name}.xlsx"
        write_blank_template(path, kind=preset.kind, preset=preset)
        table = load_table(path, kind=preset.kind)
        assert table.header == preset.headers, preset.name
        assert list(table.iter_rows()) == [], preset.name
        mapping = guess_mapping(table.header, preset.kind)
        assert mapping.preset_name == preset.name, preset.name


def test_export_refuses_wrong_kinds(tmp_path: Path) -> None:
    with pytest.raises(TypeError):
        export_rows(tmp_path / "x.xlsx", ITEMS, kind=K.TARGETS)
    with pytest.raises(PresetError, match="不能用来导出"):
        export_rows(tmp_path / "x.xlsx", ITEMS, kind=K.ITEMS, preset="randomscagent")
    assert not (tmp_path / "x.xlsx").exists()


def test_export_progress_and_cancel(tmp_path: Path) -> None:
    records = [ItemRow(row=n, department="局", name=f"事项{n}") for n in range(2500)]
    calls: list[tuple[int, int]] = []
    export_rows(
        tmp_path / "a.xlsx", records, kind=K.ITEMS, progress=lambda d, t: calls.append((d, t)), total=2500
    )
    assert calls == [(1000, 2500), (2000, 2500), (2500, 2500)]
    with pytest.raises(ExportCancelled):
        export_rows(tmp_path / "b.xlsx", records, kind=K.ITEMS, is_cancelled=lambda: True)
    assert not (tmp_path / "b.xlsx").exists()


def test_issue_report(tmp_path: Path, data_dir: Path) -> None:
    result = read_back(data_dir / "templates" / "template_randomscagent.xls", K.INSPECTORS)
    issues = (
        Issue(None, None, "", Severity.ERROR, "缺少必填列“姓名”"),
        Issue(7, "企业名称", "=1+1", Severity.WARNING, "测试", "name"),
        *result.issues,
    )
    path = tmp_path / "report.xlsx"
    assert write_issue_report(issues, path, skipped=result.skipped) == len(issues)
    workbook = openpyxl.load_workbook(path)
    rows = list(workbook["问题清单"].iter_rows(values_only=True))
    assert rows[0] == REPORT_HEADER
    assert rows[1] == (None, None, None, "错误", "缺少必填列“姓名”")
    assert rows[2] == (7, "企业名称", "'=1+1", "警告", "测试")
    assert rows[3][0] == 4
    skipped = list(workbook["跳过的行"].iter_rows(values_only=True))
    assert skipped[1][:2] == (1, "表头上方的标题或说明行")
    # The report reads back through our own reader, with the guard removed.
    table = load_table(path, header_row=1)
    assert table.header == REPORT_HEADER
    assert next(row for row in table.iter_rows() if row.number == 3).cells[2] == "'=1+1"
    report = validate(table, guess_mapping(table.header, K.TARGETS).with_column("值", "name"), today=TODAY)
    assert any(getattr(row, "name", "") == "=1+1" for row in report.rows)
