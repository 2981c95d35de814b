"""Registry import and export against the database: real files, upserts, atomicity, round trips."""

from __future__ import annotations

import csv
import datetime as dt
import gc
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select, text

from app.io import RegistryKind, Severity, read_rows
from app.models import (
    AuditEntry,
    CheckItem,
    Checkpoint,
    Department,
    IndustryScheme,
    Inspector,
    Tag,
    Target,
    TargetLicence,
)
from app.models.enums import CodeKind, RiskClass, TargetKind, TargetStatus
from app.services import import_targets, sqlite_search
from app.services.audit import verify_chain
from app.services.context import ServiceContext
from app.services.errors import Interrupted, ValidationError
from app.services.exports import export_registry, registry_records, write_template
from app.services.import_common import ImportFileError, Stage, bulk_cache, insert_columns, table_of
from app.services.imports import ImportReport, import_registry, preview_import
from app.services.items import CheckpointData, ItemData, create_item, get_item, update_item
from app.services.progress import Progress
from app.services.schemes import get_scheme, list_schemes, validate_scheme
from app.services.targets import (
    LicenceData,
    TargetData,
    create_target,
    get_target,
    text_condition,
    update_target,
)
from tests.factories import valid_uscc
from tests.unit import round_trip
from tests.unit.io.conftest import SHARED_DATA

TODAY = dt.date(2025, 1, 1)
TARGET_HEADER = (
    "统一社会信用代码/注册号",
    "企业名称",
    "法定代表人（负责人）",
    "住所（经营场所）",
    "信用风险分类",
)


@pytest.fixture(scope="module")
def data_dir() -> Path:
    if SHARED_DATA is None:
        pytest.skip("../shared/data not found (set LIANCHA_SHARED_DATA)")
    return SHARED_DATA


def run(ctx: ServiceContext, kind: str, path: Path, **options: Any) -> ImportReport:
    return import_registry(ctx, kind, path, presets=(), today=TODAY, **options)


def write_csv(path: Path, header: Sequence[str], rows: Sequence[Sequence[object]]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def target_rows(count: int, start: int = 0) -> list[list[object]]:
    return [
        [valid_uscc(n), f"青山县第{n}号商贸有限公司", f"张{n % 97}", f"青山县城关镇{n % 50}号", "ABCD"[n % 4]]
        for n in range(start, start + count)
    ]


def counts(ctx: ServiceContext) -> dict[str, int]:
    with ctx.read() as session:
        return {
            model.__tablename__: int(session.execute(select(func.count()).select_from(model)).scalar_one())
            for model in (
                Target,
                TargetLicence,
                Tag,
                Department,
                CheckItem,
                Checkpoint,
                Inspector,
                AuditEntry,
            )
        }


def integrity(path: Path) -> str:
    connection = sqlite3.connect(str(path))
    try:
        return str(connection.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        connection.close()


# ------------------------------------------------------------------ real files


def test_real_target_files_land_whole(ctx: ServiceContext, data_dir: Path) -> None:
    first = run(ctx, "targets", data_dir / "targets" / "zhejiang_enterprises_a.xlsx")
    second = run(ctx, "targets", data_dir / "targets" / "zhejiang_enterprises_b.xlsx")
    assert (first.data_rows, first.added, first.rejected) == (478, 478, 0)
    assert (second.data_rows, second.added, second.rejected) == (2883, 2883, 0)
    assert counts(ctx)["targets"] == 3361
    legacy = [i for i in (*first.issues, *second.issues) if "旧编号" in i.reason]
    assert legacy and all(
        i.severity is Severity.WARNING and i.column == "注册号/统一社会信用代码" for i in legacy
    )
    with ctx.read() as session:
        entries = [
            (e.action, e.entity, e.summary, e.after_json or "")
            for e in session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars()
        ]
        kinds = session.execute(select(Target.code_kind, func.count()).group_by(Target.code_kind)).all()
        sample = session.execute(
            select(Target.name_initials, Target.reg_authority, Target.jurisdiction).where(
                Target.name == "杭州潘天寿环境艺术设计有限公司"
            )
        ).one()
    assert [e[:2] for e in entries] == [("import", "targets"), ("import", "targets")]
    assert '"added":2883' in entries[1][3] and "zhejiang_enterprises_b.xlsx" in entries[1][2]
    assert {k.value for k, _ in kinds} >= {"uscc", "regno", "legacy"}
    assert sample[0] == "hzptshjyssjyxgs" and sample[1] and sample[2]
    assert verify_chain(ctx.db).ok


def test_reimport_changes_nothing_and_says_so(ctx: ServiceContext, data_dir: Path) -> None:
    path = data_dir / "targets" / "zhejiang_enterprises_a.xlsx"
    run(ctx, "targets", path)
    before = counts(ctx)
    with ctx.read() as session:
        versions = dict(session.execute(select(Target.id, Target.version)).all())
    again = run(ctx, "targets", path)
    assert (again.added, again.updated, again.unchanged, again.rejected) == (0, 0, 478, 0)
    assert not again.changed and again.audit_entry_id is None
    assert "没有任何改动" in again.summary()
    assert counts(ctx) == before
    with ctx.read() as session:
        assert dict(session.execute(select(Target.id, Target.version)).all()) == versions


def test_dry_run_writes_nothing(ctx: ServiceContext, data_dir: Path) -> None:
    before = counts(ctx)
    report = run(ctx, "targets", data_dir / "targets" / "zhejiang_enterprises_a.xlsx", dry_run=True)
    assert report.dry_run and report.added == 478 and report.audit_entry_id is None
    assert "试导入" in report.summary()
    assert counts(ctx) == before
    items = run(ctx, "items", data_dir / "items" / "hainan_2020_random_check_items.csv", dry_run=True)
    assert (items.added, len(items.departments_created)) == (293, 16)
    assert counts(ctx) == before


def test_real_item_list(ctx: ServiceContext, data_dir: Path) -> None:
    report = run(ctx, "items", data_dir / "items" / "hainan_2020_random_check_items.csv")
    # The io layer rejects four rows that repeat the previous row exactly (all four key columns).
    assert report.data_rows == 297
    assert report.rejected_rows == (162, 168, 171, 176)
    assert report.error_count == 4
    assert all("与第" in i.reason for i in report.issues if i.severity is Severity.ERROR)
    assert (report.added, report.updated, report.unchanged) == (293, 0, 0)
    assert len(report.departments_created) == 16 and "省市场监管局" in report.departments_created
    # Five published item names are longer than 300 characters (up to 1,272): stored whole, with
    # no warning, on SQLite and PostgreSQL alike (migration 0014).
    assert not [i for i in report.issues if "超过" in i.reason]
    with ctx.read() as session:
        names = set(session.execute(select(CheckItem.name)).scalars())
        assert max(len(name) for name in names) == 1272
        assert session.execute(select(func.count()).select_from(CheckItem)).scalar_one() == 293
        food = session.execute(
            select(CheckItem.category, CheckItem.importance).where(
                CheckItem.name == "食品经营许可情况的检查（学校、托幼机构、养老机构等食堂）"
            )
        ).one()
    # Same department and name, told apart by 检查对象 (or 抽查类别 when 检查对象 is the same).
    assert food[0] == "餐饮服务监督检查" and food[1].value == "key"
    assert "食品经营许可情况的检查（餐饮服务经营者）" in names
    assert "机电产品国际招投标代理机构检查（机电产品国际招投标活动检查）" in names
    again = run(ctx, "items", data_dir / "items" / "hainan_2020_random_check_items.csv")
    assert (again.added, again.updated, again.unchanged, again.rejected) == (0, 0, 293, 4)


def test_imported_methods_stay_editable(ctx: ServiceContext, data_dir: Path) -> None:
    report = run(ctx, "items", data_dir / "items" / "hainan_2020_random_check_items.csv")
    method_warnings = [i for i in report.issues if i.field == "methods"]
    assert method_warnings and all(i.severity is Severity.WARNING for i in method_warnings)
    with ctx.read() as session:
        item_id, methods = session.execute(
            select(CheckItem.id, CheckItem.methods).where(CheckItem.methods.like("%专业机构核查%"))
        ).first() or (0, "")
    assert methods == "现场检查，书面检查，网络检查，专业机构核查"
    detail = get_item(ctx, item_id)
    # Saving the item unchanged, or with one imported method removed and a standard one added, works.
    update_item(ctx, item_id, detail.data, expected_version=detail.version)
    detail = get_item(ctx, item_id)
    kept = (*detail.data.methods[:3], "实地核查")
    update_item(ctx, item_id, replace(detail.data, methods=kept), expected_version=detail.version)
    detail = get_item(ctx, item_id)
    assert detail.data.methods == ("现场检查", "书面检查", "网络检查", "实地核查")
    # A new non-standard method is still refused, naming the field; nothing changes.
    with pytest.raises(ValidationError) as caught:
        update_item(
            ctx,
            item_id,
            replace(detail.data, methods=(*kept, "专业机构核查")),
            expected_version=detail.version,
        )
    assert [e.field for e in caught.value.errors] == ["检查方式"]
    assert get_item(ctx, item_id).data.methods == kept
    with pytest.raises(ValidationError):
        create_item(ctx, replace(detail.data, name="新事项", methods=("现场检查",)))


def test_joint_list_becomes_schemes(ctx: ServiceContext, data_dir: Path) -> None:
    report = run(ctx, "schemes", data_dir / "items" / "hainan_2020_joint_check_items_v2.csv")
    assert (report.data_rows, report.rejected, report.added, report.items_created) == (83, 0, 36, 83)
    # 21 departments initiate or cooperate, plus 海口海关, named once as a cooperating department.
    assert len(report.departments_created) == 22 and "海口海关" in report.departments_created
    rows = {row.name: row for row in list_schemes(ctx)}
    assert len(rows) == 36
    hotel = get_scheme(ctx, rows["宾馆、旅店监督抽查"].id)
    assert rows["宾馆、旅店监督抽查"].lead_department == "公安部门"
    assert set(rows["宾馆、旅店监督抽查"].cooperating.split("，")) == {
        "卫生健康部门",
        "市场监管领域相关部门",
        "消防救援机构",
        "旅游文化部门",
    }
    assert [item.department for item in hotel.items] == [
        "公安部门",
        "卫生健康部门",
        "消防救援机构",
        "公安部门",
        "旅游文化部门",
    ]
    assert rows["汽车市场监管"].lead_department == "商务部门"
    assert "工业和信息化部门" in rows["汽车市场监管"].cooperating
    with ctx.read() as session:
        for scheme in session.execute(select(IndustryScheme)).unique().scalars():
            detail = get_scheme(ctx, scheme.id)
            validate_scheme(session, detail.data, scheme.id)  # items of the lead or cooperating departments
    again = run(ctx, "schemes", data_dir / "items" / "hainan_2020_joint_check_items_v2.csv")
    assert (again.added, again.updated, again.unchanged, again.items_created) == (0, 0, 36, 0)
    assert not again.changed


def inspector_file(path: Path, data_dir: Path, rows: Sequence[dict[str, object]]) -> Path:
    """An xlsx laid out like the platform template: its title, header and explanation rows, then data."""
    template = list(read_rows(data_dir / "templates" / "template_randomscagent.xls"))
    header = [str(cell) for cell in template[1].cells]
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append([str(cell) for cell in template[0].cells])
    sheet.append(header)
    sheet.append([str(cell) for cell in template[2].cells])
    for row in rows:
        sheet.append([row.get(name, "") for name in header])
    workbook.save(path)
    return path


INSPECTORS: list[dict[str, object]] = [
    {
        "单位工号": "001",
        "姓名": "王建国",
        "性别": "男",
        "手机号": "13800000001",
        "岗位大类": "工商行政管理类，食品药品管理类",
        "所在业务部门（机构）": "城关市场监管所",
        "是否专家": "药品GSP",
        "工商执法证编号": "33010001",
        "工商执法证有效期": "2028-12-31",
        "省执法证编号": "ZJ330001",
        "执法证有效期": "9999-09-09",
        "执法人员状态": "有效",
    },
    {
        "单位工号": "002",
        "姓名": "李秀英",
        "性别": "女",
        "所在业务部门（机构）": "城关市场监管所",
        "是否专家": "否",
        "省执法证编号": "ZJ330002",
        "执法证有效期": "2027-06-30",
        "执法人员状态": "有效",
    },
    {"单位工号": "003", "姓名": "赵辅助", "所在业务部门（机构）": "城关市场监管所", "执法人员状态": "失效"},
    {"姓名": "无证无号", "所在业务部门（机构）": "城关市场监管所", "执法人员状态": "有效"},
]


def test_inspectors_from_the_platform_template(ctx: ServiceContext, data_dir: Path, tmp_path: Path) -> None:
    path = inspector_file(tmp_path / "人员.xlsx", data_dir, INSPECTORS)
    report = run(ctx, "inspectors", path, department="青山县市场监督管理局")
    assert (report.data_rows, report.added, report.rejected) == (4, 3, 1)
    rejected = [i for i in report.issues if i.severity is Severity.ERROR]
    assert rejected[0].row == 7 and "无法唯一识别" in rejected[0].reason
    assert report.departments_created == ("青山县市场监督管理局",)
    with ctx.read() as session:
        wang = session.execute(select(Inspector).where(Inspector.name == "王建国")).unique().scalar_one()
        zhao = session.execute(select(Inspector).where(Inspector.name == "赵辅助")).unique().scalar_one()
        assert wang.department.name == "青山县市场监督管理局" and wang.unit == "城关市场监管所"
        assert sorted((c.kind, c.number, c.valid_to) for c in wang.certificates) == [
            ("工商执法证", "33010001", dt.date(2028, 12, 31)),
            ("执法证", "ZJ330001", None),
        ]
        assert wang.is_expert and {(t.kind, t.name) for t in wang.tags} == {("专家类别", "药品GSP")}
        assert wang.post_category == "工商行政管理类，食品药品管理类" and wang.name_initials == "wjg"
        assert not zhao.active and zhao.certificates == []
    again = run(ctx, "inspectors", path, department="青山县市场监督管理局")
    assert (again.added, again.updated, again.unchanged) == (0, 0, 3)
    # The certificate number keys the person: a new 工号 and phone update him in place.
    changed = [dict(INSPECTORS[1], 单位工号="102", 手机号="13900000002")]
    update = run(
        ctx,
        "inspectors",
        inspector_file(tmp_path / "改.xlsx", data_dir, changed),
        department="青山县市场监督管理局",
    )
    assert (update.added, update.updated) == (0, 1)
    with ctx.read() as session:
        li = session.execute(select(Inspector).where(Inspector.name == "李秀英")).unique().scalar_one()
        assert (li.staff_no, li.phone, li.version) == ("102", "13900000002", 2)


def test_checkpoints_of_a_named_item(ctx: ServiceContext, data_dir: Path, tmp_path: Path) -> None:
    department = Department(name="青山县市场监督管理局", short_name="青山市监")
    with ctx.write() as session:
        session.add(department)
    create_item(ctx, ItemData(department_id=department.id, name="企业公示信息抽查"))
    form = data_dir / "templates" / "template_A07.xls"
    report = run(ctx, "checkpoints", form, item="企业公示信息抽查")
    assert (report.added, report.rejected) == (5, 0)
    with ctx.read() as session:
        item = session.execute(select(CheckItem)).unique().scalar_one()
        assert [c.position for c in item.checkpoints] == [1, 2, 3, 4, 5]
        assert item.checkpoints[0].content == "各类企业年报公示信息是否真实、及时、全面。"
        assert item.checkpoints[0].method_guide.startswith("通过对企业营业执照")
    assert run(ctx, "checkpoints", form, item="企业公示信息抽查").unchanged == 5
    shorter = write_csv(
        tmp_path / "要点.csv", ("序号", "检查内容", "操作方法与要领"), [(1, "只查年报", "看年报")]
    )
    cut = run(ctx, "checkpoints", shorter, item="企业公示信息抽查")
    assert (cut.updated, cut.removed) == (1, 4)
    missing = run(ctx, "checkpoints", shorter, item="没有这个事项")
    assert missing.rejected == 1 and "找不到抽查事项" in missing.issues[-1].reason
    no_item = run(ctx, "checkpoints", shorter)
    assert no_item.rejected == 1 and "--item" in no_item.issues[-1].reason


# ------------------------------------------------------------------ upsert rules


def test_only_mapped_columns_are_managed(ctx: ServiceContext, tmp_path: Path) -> None:
    code = valid_uscc(7)
    target_id = create_target(
        ctx,
        TargetData(
            name="青山县老字号餐馆",
            code=code,
            risk_class=RiskClass.C,
            status=TargetStatus.ACTIVE,
            industry="餐饮",
            tags=(("行业", "餐饮"),),
            licences=(LicenceData("食品经营许可证", "JY1", valid_to=dt.date(2030, 1, 1)),),
        ),
    )
    path = write_csv(
        tmp_path / "名单.csv", ("统一社会信用代码", "企业名称"), [(code, "青山县老字号餐馆（新名）")]
    )
    report = run(ctx, "targets", path)
    assert (report.added, report.updated) == (0, 1)
    detail = get_target(ctx, target_id)
    assert detail.data.name == "青山县老字号餐馆（新名）" and detail.version == 2
    assert detail.data.risk_class is RiskClass.C and detail.data.industry == "餐饮"
    assert detail.data.tags == (("行业", "餐饮"),) and len(detail.data.licences) == 1
    with ctx.read() as session:
        initials = session.execute(select(Target.name_initials).where(Target.id == target_id)).scalar_one()
    assert initials == "qsxlzhcgxm"


def test_a_code_fills_in_a_codeless_target(ctx: ServiceContext, tmp_path: Path) -> None:
    target_id = create_target(ctx, TargetData(name="石门乡农机合作社"))
    path = write_csv(
        tmp_path / "t.csv", ("统一社会信用代码", "企业名称"), [(valid_uscc(3), "石门乡农机合作社")]
    )
    report = run(ctx, "targets", path)
    assert (report.added, report.updated) == (0, 1)
    assert get_target(ctx, target_id).data.code == valid_uscc(3)


def test_bad_rows_are_named_in_the_report(ctx: ServiceContext, tmp_path: Path) -> None:
    rows = target_rows(5)
    rows[2][0] = str(rows[2][0])[:-1] + ("0" if str(rows[2][0])[-1] != "0" else "1")  # wrong check character
    rows[3][4] = "E"  # not a risk class
    path = write_csv(tmp_path / "t.csv", TARGET_HEADER, rows)
    report = run(ctx, "targets", path)
    assert (report.added, report.rejected_rows) == (3, (4, 5))
    out = tmp_path / "问题.xlsx"
    assert report.write_report(out) == report.error_count + report.warning_count
    sheet = load_workbook(out, read_only=True)["问题清单"]
    lines = [tuple(cell for cell in row) for row in sheet.iter_rows(values_only=True)]
    assert lines[0] == ("行号", "列", "值", "级别", "原因")
    assert (4, "统一社会信用代码/注册号", rows[2][0], "错误") == lines[1][:4]
    assert lines[2][:4] == (5, "信用风险分类", "E", "错误")
    assert "校验位" in str(lines[1][4])


def test_missing_required_column_and_unreadable_file(ctx: ServiceContext, tmp_path: Path) -> None:
    no_name = write_csv(tmp_path / "t.csv", ("统一社会信用代码", "住所"), [(valid_uscc(1), "某路")])
    with pytest.raises(ImportFileError, match=r"t\.csv.*企业名称"):
        run(ctx, "targets", no_name)
    garbage = tmp_path / "坏.xlsx"
    garbage.write_bytes(b"PK\x03\x04 not really a zip file" * 10)
    with pytest.raises(ImportFileError, match=r"坏\.xlsx"):
        run(ctx, "targets", garbage)
    with pytest.raises(ImportFileError, match="方案"):
        run(ctx, "targets", no_name, mapping="randomscagent")
    assert counts(ctx)["audit_entries"] == 0


def test_preview(ctx: ServiceContext, tmp_path: Path) -> None:
    rows = target_rows(30)
    rows[1][4] = "Z"
    preview = preview_import(ctx, "targets", write_csv(tmp_path / "t.csv", TARGET_HEADER, rows), rows=10)
    assert preview.header == TARGET_HEADER and preview.mapping.match in ("synonym", "partial", "preset")
    assert preview.mapping.field_for("企业名称") == "name" and preview.missing_required == ()
    assert len(preview.rows) == 10 and preview.rows[0] == (2, tuple(str(c) for c in rows[0]))
    assert [i.row for i in preview.issues if i.severity is Severity.ERROR] == [3]
    assert counts(ctx)["targets"] == 0


# ------------------------------------------------------------------ atomicity


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    original = import_targets.chunks

    def chunked(rows: Sequence[Any], size: int = 100) -> Iterator[Sequence[Any]]:
        yield from original(rows, 100)

    monkeypatch.setattr(import_targets, "chunks", chunked)


def test_an_error_half_way_leaves_nothing(
    ctx: ServiceContext, db_path: Path, tmp_path: Path, small_chunks: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    run(ctx, "targets", write_csv(tmp_path / "old.csv", TARGET_HEADER, target_rows(50)))
    path = write_csv(tmp_path / "t.csv", TARGET_HEADER, target_rows(1000))
    before = counts(ctx)
    original = Stage.advance
    calls: list[int] = []

    def failing(self: Stage, step: int) -> None:
        calls.append(step)
        if len(calls) == 4:
            raise RuntimeError("disk on fire")
        original(self, step)

    monkeypatch.setattr(Stage, "advance", failing)
    with pytest.raises(RuntimeError, match="disk on fire"):
        run(ctx, "targets", path)
    assert counts(ctx) == before and integrity(db_path) == "ok"
    monkeypatch.setattr(Stage, "advance", original)
    report = run(ctx, "targets", path)
    assert (report.added, report.unchanged) == (950, 50)
    assert counts(ctx)["targets"] == 1000 and verify_chain(ctx.db).ok


def schema(path: Path) -> list[tuple[str, str, str]]:
    """Every table, index and trigger of the database file, with its SQL."""
    connection = sqlite3.connect(str(path))
    try:
        return sorted(connection.execute("SELECT type, name, coalesce(sql, '') FROM sqlite_master"))
    finally:
        connection.close()


@pytest.fixture
def bulk_from_ten(monkeypatch: pytest.MonkeyPatch) -> None:
    """Small files take the bulk-insert path (FTS filled once, indexes rebuilt)."""
    monkeypatch.setattr(sqlite_search, "BULK_INSERT_MIN", 10)


def _search_ids(ctx: ServiceContext, query: str, *, indexed: bool) -> set[int]:
    with ctx.read() as session:
        condition = sqlite_search.fts_text_condition(session, query) if indexed else text_condition(query)
        assert condition is not None, query
        return set(session.execute(select(Target.id).where(condition)).scalars())


def test_bulk_insert_keeps_schema_and_search_index(
    ctx: ServiceContext, db_path: Path, tmp_path: Path, bulk_from_ten: None
) -> None:
    run(ctx, "targets", write_csv(tmp_path / "few.csv", TARGET_HEADER, target_rows(5, start=900)))
    before = schema(db_path)
    assert any(kind == "trigger" and name == sqlite_search.INSERT_TRIGGER for kind, name, _ in before)
    report = run(ctx, "targets", write_csv(tmp_path / "many.csv", TARGET_HEADER, target_rows(300)))
    assert (report.added, report.rejected) == (300, 0)
    assert schema(db_path) == before and integrity(db_path) == "ok"
    with ctx.read() as session:
        rows = session.execute(select(Target.id, Target.name, Target.code, Target.name_initials)).all()
    assert len(rows) == 305
    sample = [row for row in rows if row.name.startswith("青山县第1")][:5]
    queries = {"第12", "商贸", "qsx", "3号商", "zzz不存在"}
    for _, name, code, initials in sample:
        queries |= {name[4:8], (code or "")[-7:], initials[2:6], name}
    for query in sorted(queries):
        found = _search_ids(ctx, query, indexed=True)
        assert found == _search_ids(ctx, query, indexed=False), query
        assert bool(found) == (query != "zzz不存在"), query
    # The update and delete triggers remove exactly what the bulk fill indexed.
    target_id, name, _, _ = sample[0]
    detail = get_target(ctx, target_id)
    update_target(
        ctx, target_id, replace(detail.data, name="青山县改名后的饭店"), expected_version=detail.version
    )
    assert _search_ids(ctx, name, indexed=True) == set()
    assert _search_ids(ctx, "改名后", indexed=True) == {target_id}
    connection = sqlite3.connect(str(db_path))
    try:
        connection.execute("INSERT INTO targets_fts(targets_fts) VALUES ('integrity-check')")
    finally:
        connection.close()


def test_cancel_rolls_back(
    ctx: ServiceContext, db_path: Path, tmp_path: Path, small_chunks: None, bulk_from_ten: None
) -> None:
    path = write_csv(tmp_path / "t.csv", TARGET_HEADER, target_rows(600))
    tables = schema(db_path)

    class CancelWhileWriting(Progress):
        def update(
            self, done: int | None = None, total: int | None = None, message: str | None = None
        ) -> None:
            if message and message.startswith("正在写入") and done and done >= 200:
                self.cancel()
            super().update(done, total, message)

    before = counts(ctx)
    with pytest.raises(Interrupted):
        run(ctx, "targets", path, progress=CancelWhileWriting())
    # The bulk path dropped the FTS trigger and the indexes: the rollback brought them back.
    assert counts(ctx) == before and schema(db_path) == tables
    cancelled_early = Progress()
    cancelled_early.cancel()
    with pytest.raises(Interrupted):
        run(ctx, "targets", path, progress=cancelled_early)
    assert counts(ctx) == before


# ------------------------------------------------------------------ export round trips


def reimport_unchanged(ctx: ServiceContext, kind: str, tmp_path: Path, **options: Any) -> ImportReport:
    return round_trip.reimport_unchanged(ctx, kind, tmp_path, today=TODAY, **options)


def test_round_trip_targets_with_tags_and_licences(
    ctx: ServiceContext, data_dir: Path, tmp_path: Path
) -> None:
    run(ctx, "targets", data_dir / "targets" / "zhejiang_enterprises_a.xlsx")
    create_target(
        ctx,
        TargetData(
            name="青山县大药房",
            code=valid_uscc(11),
            legal_rep="周某",
            risk_class=RiskClass.D,
            status=TargetStatus.REVOKED,
            region="城关镇",
            industry="药品零售",
            tags=(("行业", "药品零售"), ("重点监管", "重点监管")),
            licences=(
                LicenceData("药品经营许可证", "浙AA571001", dt.date(2020, 1, 1), dt.date(2030, 1, 1)),
                LicenceData("营业执照", "", None, None),
            ),
        ),
    )
    create_target(ctx, TargetData(name="无代码的小吃摊"))
    report = reimport_unchanged(ctx, "targets", tmp_path)
    assert report.unchanged == 480
    records = {r.name: r for r in registry_records(ctx, "targets")}
    assert (
        records["青山县大药房"].tags == ("药品零售", "重点监管")
        and len(records["青山县大药房"].licences) == 2
    )


def test_round_trip_special_registry_columns(ctx: ServiceContext, tmp_path: Path) -> None:
    header = ("专项库名称", "对应专项库监管标签", "统一社会信用代码/注册号", "企业名称", "许可证名称", "许可证编号",
              "许可批准日期", "有效期至", "许可发证机关", "检查机关")  # fmt: skip
    rows = [
        ("药品零售企业", "重点监管，药店", valid_uscc(1), "甲药房", "药品经营许可证", "A1", "2020-01-01", "9999-09-09", "县局", "县局"),
        ("药品零售企业", "重点监管", valid_uscc(1), "甲药房", "营业执照", "B1", "2019-01-01", "2029-01-01", "", "县局"),
        ("食品销售", "", valid_uscc(2), "乙超市", "食品经营许可证", "C1", "", "", "", ""),
    ]  # fmt: skip
    report = run(ctx, "targets", write_csv(tmp_path / "专项库.csv", header, rows))
    assert (report.added, report.rejected) == (2, 0)
    assert not [i for i in report.issues if i.field == "licence_authority"]
    with ctx.read() as session:
        tags = set(session.execute(select(Tag.kind, Tag.name)))
        licences = session.execute(
            select(TargetLicence.name, TargetLicence.valid_to, TargetLicence.authority).order_by(
                TargetLicence.id
            )
        ).all()
    assert {("专项库", "药品零售企业"), ("标签", "重点监管"), ("标签", "药店"), ("检查机关", "县局")} <= tags
    assert [tuple(lic) for lic in licences] == [
        ("药品经营许可证", None, "县局"),
        ("营业执照", dt.date(2029, 1, 1), ""),
        ("食品经营许可证", None, ""),
    ]
    assert run(ctx, "targets", tmp_path / "专项库.csv").unchanged == 2
    reimport_unchanged(ctx, "targets", tmp_path)
    # The export carries the issuer in the template's 许可发证机关 column.
    exported = tmp_path / "targets-export.xlsx"
    sheet = load_workbook(exported, read_only=True).worksheets[0]
    cells = [[str(c) if c is not None else "" for c in row] for row in sheet.iter_rows(values_only=True)]
    header_row = next(row for row in cells if "许可发证机关" in row)
    column = header_row.index("许可发证机关")
    issuers = [row[column] for row in cells[cells.index(header_row) + 1 :] if len(row) > column]
    assert sorted(filter(None, issuers)) == ["县局"]
    # A changed issuer updates the target; a file without the column keeps the stored issuers.
    changed = [(*row[:8], "市局" if row[4] == "药品经营许可证" else row[8], row[9]) for row in rows]
    report = run(ctx, "targets", write_csv(tmp_path / "改.csv", header, changed))
    assert (report.updated, report.unchanged) == (1, 1)
    narrow = [(row[2], row[3], row[4], row[5], row[6], row[7]) for row in changed]
    report = run(ctx, "targets", write_csv(tmp_path / "窄.csv", (*header[2:8],), narrow))
    assert (report.updated, report.unchanged) == (0, 2), report.summary()
    with ctx.read() as session:
        assert (
            session.execute(
                select(TargetLicence.authority).where(TargetLicence.name == "药品经营许可证")
            ).scalar_one()
            == "市局"
        )


def test_target_editor_licence_issuer(ctx: ServiceContext) -> None:
    target_id = create_target(
        ctx,
        TargetData(
            name="丙药房", licences=(LicenceData("药品经营许可证", "D1", authority=" 县市场监管局 "),)
        ),
    )
    detail = get_target(ctx, target_id)
    assert detail.data.licences == (LicenceData("药品经营许可证", "D1", authority="县市场监管局"),)
    with pytest.raises(ValidationError) as caught:
        update_target(
            ctx,
            target_id,
            replace(detail.data, licences=(LicenceData("药品经营许可证", "D1", authority="局" * 101),)),
            expected_version=detail.version,
        )
    assert [e.field for e in caught.value.errors] == ["许可证"]
    assert get_target(ctx, target_id).data.licences == detail.data.licences


def test_round_trip_inspectors(ctx: ServiceContext, data_dir: Path, tmp_path: Path) -> None:
    run(ctx, "inspectors", inspector_file(tmp_path / "人员.xlsx", data_dir, INSPECTORS[:3]))
    assert reimport_unchanged(ctx, "inspectors", tmp_path).unchanged == 3


def test_inspectors_of_a_sub_unit_keep_their_department_through_export_and_import(
    ctx: ServiceContext, tmp_path: Path
) -> None:
    """所属部门 is the department; 所在业务部门（机构） its 市场监管所 (the unit)."""
    people = write_csv(
        tmp_path / "人员.csv",
        ("姓名", "单位工号", "所属部门", "所在业务部门（机构）"),
        [
            ["张三", "9001", "青山县市场监督管理局", "城关市场监管所"],
            ["李四", "9002", "青山县市场监督管理局", "青山县市场监督管理局"],
            ["王五", "9003", "", "城关市场监管所"],
        ],
    )
    report = run(ctx, "inspectors", people)
    assert (report.added, report.rejected) == (2, 1)
    assert any(
        i.row == 4 and i.field == "home_department" and "缺少所属部门" in i.reason for i in report.issues
    )
    with ctx.read() as session:
        rows = session.execute(select(Inspector.name, Inspector.unit, Department.name).join(Department)).all()
    assert sorted(rows) == [
        ("张三", "城关市场监管所", "青山县市场监督管理局"),
        ("李四", "青山县市场监督管理局", "青山县市场监督管理局"),
    ]
    assert reimport_unchanged(ctx, "inspectors", tmp_path).unchanged == 2
    with ctx.read() as session:
        # Before 所属部门 the export's 所在业务部门 became a department of its own.
        assert session.execute(select(func.count()).select_from(Department)).scalar_one() == 1


def test_round_trip_items_schemes_checkpoints(ctx: ServiceContext, data_dir: Path, tmp_path: Path) -> None:
    run(ctx, "items", data_dir / "items" / "hainan_2020_random_check_items.csv")
    run(ctx, "schemes", data_dir / "items" / "hainan_2020_joint_check_items_v2.csv")
    assert reimport_unchanged(ctx, "items", tmp_path).unchanged == 293 + 83
    assert reimport_unchanged(ctx, "schemes", tmp_path).unchanged == 36
    department_id = create_item(
        ctx,
        ItemData(
            department_id=1,
            name="手工事项",
            checkpoints=(CheckpointData("第一要点", "看"), CheckpointData("第二要点", "问")),
        ),
    )
    assert department_id
    assert reimport_unchanged(ctx, "checkpoints", tmp_path).unchanged == 2


def test_round_trip_checkpoints_of_same_named_items_in_two_departments(
    ctx: ServiceContext, tmp_path: Path
) -> None:
    """宾馆、旅店取得许可证情况的检查 is an item of both 公安 and 卫健: the export must import back."""
    from app.services.departments import create_department

    police = create_department(ctx, name="青山县公安局")
    health = create_department(ctx, name="青山县卫生健康委员会")
    for department, points in ((police, ("特种行业许可证", "旅客登记")), (health, ("卫生许可证",))):
        create_item(
            ctx,
            ItemData(
                department_id=department,
                name="宾馆、旅店取得许可证情况的检查",
                checkpoints=tuple(CheckpointData(p, "查看") for p in points),
            ),
        )
    assert reimport_unchanged(ctx, "checkpoints", tmp_path).unchanged == 3
    # A file that names the department changes only that department's item.
    changed = tmp_path / "卫健要点.csv"
    changed.write_text(
        "所属部门,抽查事项,检查内容\n青山县卫生健康委员会,宾馆、旅店取得许可证情况的检查,卫生许可证是否有效\n",
        encoding="utf-8",
    )
    report = run(ctx, "checkpoints", changed)
    assert (report.updated, report.rejected) == (1, 0)
    with ctx.read() as session:
        items = {i.department_id: i for i in session.scalars(select(CheckItem))}
        assert [c.content for c in items[health].checkpoints] == ["卫生许可证是否有效"]
        assert [c.content for c in items[police].checkpoints] == ["特种行业许可证", "旅客登记"]
    # Without the department the name is ambiguous: refused, saying how to tell them apart.
    ambiguous = tmp_path / "不写部门.csv"
    ambiguous.write_text("抽查事项,检查内容\n宾馆、旅店取得许可证情况的检查,x\n", encoding="utf-8")
    report = run(ctx, "checkpoints", ambiguous)
    assert report.rejected == 1 and "所属部门" in report.issues[0].reason
    unknown = tmp_path / "错部门.csv"
    unknown.write_text(
        "所属部门,抽查事项,检查内容\n不存在的局,宾馆、旅店取得许可证情况的检查,x\n", encoding="utf-8"
    )
    report = run(ctx, "checkpoints", unknown)
    assert report.rejected == 1 and "找不到部门“不存在的局”" in report.issues[0].reason


def test_round_trip_hand_made_scheme(ctx: ServiceContext, tmp_path: Path) -> None:
    from app.services.departments import create_department
    from app.services.schemes import SchemeData, create_scheme

    market = create_department(ctx, name="市场监管局")
    fire = create_department(ctx, name="消防大队")
    food = create_item(ctx, ItemData(department_id=market, name="食品经营检查", target_scope="餐饮单位"))
    exits = create_item(ctx, ItemData(department_id=fire, name="疏散通道检查"))
    # The first checklist item belongs to a cooperating department, not to the lead.
    create_scheme(
        ctx,
        SchemeData(
            industry="餐饮",
            name="餐饮一业一查",
            lead_department_id=market,
            cooperating_department_ids=(fire,),
            item_ids=(exits, food),
        ),
    )
    reimport_unchanged(ctx, "schemes", tmp_path)
    with ctx.read() as session:
        assert session.execute(select(func.count()).select_from(CheckItem)).scalar_one() == 2


def test_formula_looking_cells_survive(ctx: ServiceContext, tmp_path: Path) -> None:
    nasty = [
        [valid_uscc(1), "=1+2商贸有限公司", "+86李四", "@某路1号", "A"],
        [valid_uscc(2), "-减号开头的公司", "=1+1", "''=SUM(A1)", "B"],
    ]
    report = run(ctx, "targets", write_csv(tmp_path / "t.csv", TARGET_HEADER, nasty))
    assert report.added == 2
    out = tmp_path / "out.xlsx"
    export_registry(ctx, "targets", out, presets=())
    cells = {cell.value for row in load_workbook(out)["检查对象名录"].iter_rows() for cell in row}
    assert "'=1+2商贸有限公司" in cells and "''=SUM(A1)" in cells
    again = run(ctx, "targets", out)
    assert (again.unchanged, again.updated) == (2, 0)
    records = {r.code: r for r in registry_records(ctx, "targets")}
    assert records[valid_uscc(1)].name == "=1+2商贸有限公司"
    assert records[valid_uscc(2)].address == "'=SUM(A1)" and records[valid_uscc(2)].legal_rep == "=1+1"


def test_blank_templates(tmp_path: Path) -> None:
    for kind in RegistryKind:
        path = write_template(kind, tmp_path / f"{kind.value}.xlsx", presets=())
        assert path.stat().st_size > 0
    header = next(
        iter(
            load_workbook(tmp_path / "inspectors.xlsx")["人员名录库"].iter_rows(
                min_row=2, max_row=2, values_only=True
            )
        )
    )
    assert header[0] == "单位工号" and header[-1] == "执法人员状态"


_CHILD = """
import sys, time
from pathlib import Path
from app.db import open_database
from app.services.context import ServiceContext
from app.services.imports import import_registry
from app.services.progress import Progress

marker = Path(sys.argv[3])


class Hold(Progress):
    # Stops inside the open write transaction, after 10,000 rows were inserted.
    def update(self, done=None, total=None, message=None):
        super().update(done, total, message)
        if message and message.startswith("正在写入") and done and done >= 10000:
            marker.write_text(str(done))
            time.sleep(300)


ctx = ServiceContext(open_database(sys.argv[1]), "断电测试")
import_registry(ctx, "targets", sys.argv[2], progress=Hold(), presets=())
"""


def test_sigkill_half_way_leaves_the_database_as_before(
    ctx: ServiceContext, db_path: Path, tmp_path: Path
) -> None:
    run(ctx, "targets", write_csv(tmp_path / "old.csv", TARGET_HEADER, target_rows(50, start=100_000)))
    before = counts(ctx)
    tables = schema(db_path)  # the child's bulk insert drops the FTS trigger and the indexes
    path = write_csv(tmp_path / "big.csv", TARGET_HEADER, target_rows(20_000))
    script = tmp_path / "child.py"
    script.write_text(_CHILD, encoding="utf-8")
    marker = tmp_path / "writing"
    repo = Path(__file__).resolve().parents[2]
    env = dict(os.environ, PYTHONPATH=str(repo), LIANCHA_DATA_DIR=str(tmp_path / "child-data"))
    child = subprocess.Popen(
        [sys.executable, str(script), str(db_path), str(path), str(marker)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 180
        while not marker.exists():
            assert child.poll() is None, child.communicate()[1].decode()
            assert time.monotonic() < deadline, "the child never reached the writing stage"
            time.sleep(0.05)
        assert int(marker.read_text()) >= 10_000
    finally:
        child.send_signal(signal.SIGKILL)
        child.communicate()
    assert child.returncode == -signal.SIGKILL
    assert counts(ctx) == before and schema(db_path) == tables
    assert integrity(db_path) == "ok" and verify_chain(ctx.db).ok
    report = run(ctx, "targets", path)
    assert (report.added, report.rejected) == (20_000, 0)
    assert counts(ctx)["targets"] == 20_050 and integrity(db_path) == "ok"


@pytest.mark.sqlite_only
def test_driver_insert_stores_what_core_insert_stores(ctx: ServiceContext) -> None:
    """The SQLite fast path converts every type (enums, timestamps, dates, booleans) as Core does."""
    now = dt.datetime(2025, 3, 4, 5, 6, 7, 890, tzinfo=dt.UTC)
    table = table_of(Target)
    licences = table_of(TargetLicence)

    def columns(start: int) -> dict[str, list[Any]]:
        codes = [valid_uscc(start + n) for n in range(3)]
        return {
            "code": [codes[0], None, codes[2]],
            "code_kind": [CodeKind.USCC, CodeKind.NONE, CodeKind.USCC],
            "name": [f"第{start + n}号店" for n in range(3)],
            "name_initials": ["d", "d", "d"],
            "kind": [TargetKind.ENTERPRISE, TargetKind.INDIVIDUAL, TargetKind.COOPERATIVE],
            **{name: ["", "某", "=1+1"] for name in import_targets.TEXT_FIELDS},
            "risk_class": [RiskClass.A, RiskClass.B, RiskClass.D],
            "status": [TargetStatus.ACTIVE, TargetStatus.REVOKED, TargetStatus.ACTIVE],
            "active": [True, False, True],
            "note": ["", "备注", ""],
            "uid": [f"uid-{start + n}" for n in range(3)],
            "created_at": [now] * 3,
            "updated_at": [now, now + dt.timedelta(days=1), now],
            "version": [1, 1, 1],
        }

    with ctx.write() as session:
        insert_columns(session, table, columns(0), driver=True)
        insert_columns(session, table, columns(10), driver=False)
        ids = dict(session.execute(select(Target.uid, Target.id)).all())
        for driver, first in ((True, "uid-0"), (False, "uid-10")):
            insert_columns(
                session,
                licences,
                {
                    "target_id": [ids[first], ids[first]],
                    "name": ["许可证", "许可证乙"],
                    "number": ["A1", ""],
                    "valid_from": [dt.date(2020, 1, 2), None],
                    "valid_to": [None, dt.date(2030, 12, 31)],
                    "authority": ["县局", ""],
                },
                driver=driver,
            )
    with ctx.read() as session:
        targets = {t.uid: t for t in session.execute(select(Target)).scalars()}
        stored = session.execute(
            select(
                TargetLicence.target_id, TargetLicence.name, TargetLicence.valid_from, TargetLicence.valid_to
            )
        ).all()
        fields = (
            "code_kind",
            "kind",
            "legal_rep",
            "risk_class",
            "status",
            "active",
            "note",
            "created_at",
            "updated_at",
        )
        for n in range(3):
            fast, core = targets[f"uid-{n}"], targets[f"uid-{10 + n}"]
            assert [getattr(fast, f) for f in fields] == [getattr(core, f) for f in fields]
            assert fast.created_at == now and (fast.code is None) == (n == 1)
        assert targets["uid-1"].updated_at == now + dt.timedelta(days=1) and targets["uid-1"].active is False
        # The stored text too (SQL compares and sorts it): byte for byte what Core writes.
        raw = {
            row[0]: row[1:]
            for row in session.execute(
                text("SELECT uid, created_at, updated_at, code_kind, kind, risk_class, active FROM targets")
            )
        }
        assert [raw[f"uid-{n}"] for n in range(3)] == [raw[f"uid-{10 + n}"] for n in range(3)]
    by_target = sorted(tuple(row) for row in stored)
    assert (
        [row[1:] for row in by_target if row[0] == ids["uid-0"]]
        == [row[1:] for row in by_target if row[0] == ids["uid-10"]]
        == [("许可证", dt.date(2020, 1, 2), None), ("许可证乙", None, dt.date(2030, 12, 31))]
    )


def test_bulk_tags_and_licences_belong_to_their_own_targets(
    ctx: ServiceContext, db_path: Path, tmp_path: Path, bulk_from_ten: None
) -> None:
    """New ids are taken from SQLite's numbering: each row's tags and licence land on its target."""
    run(ctx, "targets", write_csv(tmp_path / "old.csv", TARGET_HEADER, target_rows(30, start=5000)))
    with ctx.write() as session:  # a gap below the top id and a removed top id: new ids continue above
        session.execute(text("DELETE FROM targets WHERE id IN (3, 30)"))
    header = (*TARGET_HEADER, "标签", "许可证名称", "许可证编号", "有效期至")
    rows = [
        [*row, f"标签{n % 7}，共同标签", "食品经营许可证", f"JY{n:05d}", f"2030-01-{n % 28 + 1:02d}"]
        for n, row in enumerate(target_rows(400))
    ]
    report = run(ctx, "targets", write_csv(tmp_path / "new.csv", header, rows))
    assert (report.added, report.rejected) == (400, 0)
    with ctx.read() as session:
        by_code = {
            code: (name, target_id)
            for target_id, code, name in session.execute(select(Target.id, Target.code, Target.name))
        }
        tag_names: dict[int, set[str]] = {}
        for target_id, name in session.execute(
            text("SELECT target_id, tags.name FROM target_tags JOIN tags ON tags.id = tag_id")
        ):
            tag_names.setdefault(target_id, set()).add(name)
        licences = session.execute(text("SELECT target_id, number FROM target_licences")).all()
        numbers = {target_id: number for target_id, number in licences}
    for n, row in enumerate(rows):
        name, target_id = by_code[str(row[0])]
        assert name == row[1]
        assert tag_names[target_id] == {f"标签{n % 7}", "共同标签"}
        assert numbers[target_id] == f"JY{n:05d}"
    assert integrity(db_path) == "ok"


@pytest.mark.sqlite_only
def test_bulk_cache_is_larger_only_while_writing(ctx: ServiceContext) -> None:
    def cache_size() -> int:
        with ctx.read() as session:
            return int(session.execute(text("PRAGMA cache_size")).scalar_one())

    before = cache_size()
    with ctx.write() as session:
        with bulk_cache(session, rows=50_000):
            inside = int(session.execute(text("PRAGMA cache_size")).scalar_one())
        after = int(session.execute(text("PRAGMA cache_size")).scalar_one())
    assert inside == -50_000 and after == before
    with pytest.raises(RuntimeError), ctx.write() as session, bulk_cache(session, rows=300_000):
        assert int(session.execute(text("PRAGMA cache_size")).scalar_one()) == -256 * 1024
        raise RuntimeError("cancelled")
    assert cache_size() == before
    with ctx.write() as session, bulk_cache(session, rows=10):  # a few rows: left as it is
        assert int(session.execute(text("PRAGMA cache_size")).scalar_one()) == before


def test_licence_warnings_for_every_row_that_shares_a_licence(ctx: ServiceContext, tmp_path: Path) -> None:
    """Rows with the same licence share one record of it; each still gets its own warning."""
    header = (*TARGET_HEADER, "许可证名称", "许可证编号", "许可发证机关")
    rows = [
        [*row, "", "JY1", "县局"] if n < 3 else [*row, "许可证甲", "JY2", "局" * 101]
        for n, row in enumerate(target_rows(6))
    ]
    report = run(ctx, "targets", write_csv(tmp_path / "t.csv", header, rows))
    assert (report.added, report.rejected) == (6, 0)
    unnamed = [i.row for i in report.issues if i.field == "licence_name" and "未填写许可证名称" in i.reason]
    long = [i.row for i in report.issues if i.field == "licence_authority" and "超过100字" in i.reason]
    assert (unnamed, long) == ([2, 3, 4], [5, 6, 7])
    with ctx.read() as session:
        stored = session.execute(text("SELECT name, number, length(authority) FROM target_licences")).all()
    assert sorted(tuple(row) for row in stored) == [("许可证", "JY1", 2)] * 3 + [("许可证甲", "JY2", 100)] * 3


def test_cycle_collector_pauses_during_an_import_only(ctx: ServiceContext, tmp_path: Path) -> None:
    assert gc.isenabled()
    seen: list[bool] = []

    class Watch(Progress):
        def update(
            self, done: int | None = None, total: int | None = None, message: str | None = None
        ) -> None:
            seen.append(gc.isenabled())
            super().update(done, total, message)

    path = write_csv(tmp_path / "t.csv", TARGET_HEADER, target_rows(20))
    assert run(ctx, "targets", path, progress=Watch()).added == 20
    assert seen and not any(seen) and gc.isenabled()
    with pytest.raises(ImportFileError):
        run(ctx, "targets", write_csv(tmp_path / "bad.csv", ("地址",), [["某路1号"]]))
    assert gc.isenabled()
    cancelled = Progress()
    cancelled.cancel()
    with pytest.raises(Interrupted):
        run(ctx, "targets", path, progress=cancelled)
    assert gc.isenabled()
    gc.disable()
    try:  # a caller that turned it off itself keeps it off
        run(ctx, "targets", path, dry_run=True)
        assert not gc.isenabled()
    finally:
        gc.enable()
