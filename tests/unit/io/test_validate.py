"""Validation rules, on real files and on small tables built for each rule."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import pytest

from app.io.fields import RegistryKind
from app.io.presets import guess_mapping
from app.io.readers import SourceRow, load_table
from app.io.records import InspectorRow, ItemRow, JointItemRow, TargetRow
from app.io.text import CellValue
from app.io.validate import Issue, Severity, ValidationCancelled, ValidationResult, validate, validate_rows
from app.services.identifiers import org_code_check_char, uscc_check_char

from .conftest import TODAY

K = RegistryKind


def run(
    kind: K, header: Sequence[str], *rows: Sequence[CellValue], today: dt.date = TODAY
) -> ValidationResult:
    """Validate rows given as lists (row numbers start at 2, below the header)."""
    mapping = guess_mapping(header, kind)
    source = [SourceRow(number, tuple(cells)) for number, cells in enumerate(rows, start=2)]
    return validate_rows(source, header=header, mapping=mapping, total=len(source), today=today)


def reasons(result: ValidationResult, severity: Severity | None = None) -> list[str]:
    return [issue.reason for issue in result.issues if severity is None or issue.severity is severity]


def uscc(prefix: str, body: str = "MA2CX5J6") -> str:
    first17 = prefix + body + org_code_check_char(body)
    return first17 + uscc_check_char(first17)


# ------------------------------------------------------------------ real files


def test_target_list_a_all_rows_valid_one_legacy_warning(data_dir: Path) -> None:
    table = load_table(data_dir / "targets" / "zhejiang_enterprises_a.xlsx", kind=K.TARGETS)
    result = validate(table, guess_mapping(table.header, K.TARGETS), today=TODAY)
    assert result.data_rows == 478
    assert len(result.rows) == 478
    assert result.error_count == 0
    assert result.warning_count == 1
    kinds = Counter(row.code_kind for row in result.rows if isinstance(row, TargetRow))
    assert kinds == {"uscc": 430, "regno": 47, "legacy": 1}
    (issue,) = result.issues
    assert issue.row is not None and issue.column == "注册号/统一社会信用代码"
    assert issue.value == "3301062015292"


def test_target_list_b_regno_checksums_and_legacy_numbers_are_warnings(data_dir: Path) -> None:
    table = load_table(data_dir / "targets" / "zhejiang_enterprises_b.xlsx", kind=K.TARGETS)
    result = validate(table, guess_mapping(table.header, K.TARGETS), today=TODAY)
    assert result.data_rows == 2883
    assert len(result.rows) == 2883
    assert result.error_count == 0
    kinds = Counter(row.code_kind for row in result.rows if isinstance(row, TargetRow))
    assert kinds == {"uscc": 1779, "regno": 1096, "legacy": 8}
    warned = Counter("注册号校验位" in r for r in reasons(result, Severity.WARNING))
    assert warned == {False: 8, True: 2}
    entity = Counter(row.entity_kind for row in result.rows if isinstance(row, TargetRow))
    assert entity["个体工商户"] >= 1
    assert entity["企业"] > 2800


def test_item_list_real_duplicates_are_reported(data_dir: Path) -> None:
    table = load_table(data_dir / "items" / "hainan_2020_random_check_items.csv")
    result = validate(table, guess_mapping(table.header, K.ITEMS), today=TODAY)
    assert result.data_rows == 297
    # Four rows repeat the item above them (a merged cell split badly): same
    # department, category, name and target, with empty class and basis.
    assert len(result.rejected_rows) == 4
    assert len(result.rows) == 293
    assert all("重复" in r for r in reasons(result, Severity.ERROR))
    items = [row for row in result.rows if isinstance(row, ItemRow)]
    assert Counter(row.item_class for row in items) == {"一般": 263, "重点": 30}
    assert len({row.department for row in items}) == 16
    assert items[0].methods == ("现场检查", "书面检查", "网络检查", "专业机构核查")
    # Same name, other target (or category): a warning, imported as separate items.
    assert sum("作为不同事项导入" in r for r in reasons(result, Severity.WARNING)) == 14


def test_joint_item_list(data_dir: Path) -> None:
    table = load_table(data_dir / "items" / "hainan_2020_joint_check_items_v2.csv")
    result = validate(table, guess_mapping(table.header, K.SCHEMES), today=TODAY)
    assert (len(result.rows), result.error_count, result.warning_count) == (83, 0, 0)
    rows = [row for row in result.rows if isinstance(row, JointItemRow)]
    assert len({row.field for row in rows}) == 36
    multi = [row for row in rows if len(row.initiating_departments) > 1]
    assert multi and multi[0].lead_department == multi[0].initiating_departments[0]
    assert any(len(row.cooperating_departments) == 4 for row in rows)


def test_inspector_template_example_row_is_skipped_with_a_warning(data_dir: Path) -> None:
    table = load_table(data_dir / "templates" / "template_randomscagent.xls")
    result = validate(table, guess_mapping(table.header, K.INSPECTORS), today=TODAY)
    assert result.rows == ()
    assert [(i.row, i.severity) for i in result.issues] == [(4, Severity.WARNING)]
    assert "示例行" in result.issues[0].reason


def test_checklist_rows_stop_at_the_form_footer(data_dir: Path) -> None:
    table = load_table(data_dir / "templates" / "template_A01.xls", kind=K.CHECKPOINTS)
    result = validate(table, guess_mapping(table.header, K.CHECKPOINTS), today=TODAY)
    assert [getattr(row, "seq", "") for row in result.rows] == ["1", "2", "3", "4", "5", "6"]
    assert result.error_count == 0
    assert {skip.reason for skip in result.skipped} >= {"title", "footer"}


# ------------------------------------------------------------------ targets

T_HEADER = ("企业名称", "统一社会信用代码/注册号", "主体类型", "信用风险分类", "登记状态", "联系电话", "标签")


def test_target_codes_good_and_bad() -> None:
    good_n = uscc("N2330106")
    bad = good_n[:17] + ("0" if good_n[17] != "0" else "1")
    result = run(
        K.TARGETS,
        T_HEADER,
        ["村集体经济组织", good_n],
        ["坏代码公司", bad],
        ["旧号码厂", "3301062015292"],
        ["无代码小店", "无"],
        ["小写代码有限公司", " " + uscc("92330106").lower() + " "],
    )
    by_row = {row.row: row for row in result.rows if isinstance(row, TargetRow)}
    assert by_row[2].code_kind == "uscc" and by_row[2].entity_kind == "其他"
    assert 3 in result.rejected_rows
    assert by_row[4].code_kind == "legacy"
    assert by_row[5].code == "" and by_row[5].code_kind is None
    assert by_row[6].entity_kind == "个体工商户" and by_row[6].code.isupper()
    errors = [i for i in result.issues if i.severity is Severity.ERROR]
    assert [(i.row, i.column, i.field) for i in errors] == [(3, "统一社会信用代码/注册号", "code")]
    assert "校验位" in errors[0].reason


def test_code_stored_as_number_warns_about_precision() -> None:
    result = run(K.TARGETS, T_HEADER, ["数字代码公司", 9.13301007161036e17])
    assert any("数字格式" in r for r in reasons(result, Severity.WARNING))


def test_target_enumerations() -> None:
    code = uscc("91330106")
    result = run(
        K.TARGETS,
        T_HEADER,
        ["甲有限公司", code, "公司", "B类", "在业", "0571-88888888", "重点监管，餐饮、食品"],
        ["乙有限公司", uscc("91330106", "MA2CX5J7"), "奇怪", "E", "倒闭", "电话见备注"],
        ["丙合作社", uscc("93330106"), "", "较高风险", "吊销，未注销", "+86 138 0000 0000"],
    )
    by_row = {row.row: row for row in result.rows if isinstance(row, TargetRow)}
    first = by_row[2]
    assert (first.entity_kind, first.risk_class, first.status) == ("企业", "B", "存续")
    assert first.tags == ("重点监管", "餐饮", "食品")
    assert 3 in result.rejected_rows
    row3 = {i.field: i for i in result.issues if i.row == 3}
    assert row3["risk_class"].severity is Severity.ERROR
    assert row3["status"].severity is Severity.ERROR
    assert row3["entity_kind"].severity is Severity.WARNING
    assert row3["phone"].severity is Severity.WARNING
    third = by_row[4]
    assert (third.entity_kind, third.risk_class, third.status) == ("农民专业合作社", "C", "吊销")


def test_name_required_and_too_long() -> None:
    result = run(K.TARGETS, T_HEADER, ["", uscc("91330106")], ["名" * 201, uscc("92330106")])
    assert result.rows == ()
    assert any("缺少企业名称" in r for r in reasons(result))
    assert any("内容过长" in r for r in reasons(result))


def test_duplicate_codes_are_errors_on_the_later_row() -> None:
    code = uscc("91330106")
    result = run(
        K.TARGETS,
        T_HEADER,
        ["甲公司", code],
        ["甲公司（重复）", " " + code.lower()],
        ["乙店", ""],
        ["乙店", "-"],
    )
    assert [row.row for row in result.rows] == [2, 4]
    duplicate = [i for i in result.issues if i.severity is Severity.ERROR]
    assert [(i.row, i.field) for i in duplicate] == [(3, "code"), (5, "name")]
    assert "第2行" in duplicate[0].reason


def test_missing_code_column_is_one_file_warning() -> None:
    result = run(K.TARGETS, ("企业名称", "地址"), ["甲公司", "某路1号"])
    assert [(i.row, i.severity) for i in result.issues] == [(None, Severity.WARNING)]


def test_missing_required_column_is_a_file_error() -> None:
    result = run(K.TARGETS, ("统一社会信用代码", "地址"), [uscc("91330106"), "某路1号"])
    assert result.rows == ()
    assert result.file_errors and "企业名称" in result.file_errors[0].reason


SPECIAL_HEADER = (
    "专项库名称",
    "对应专项库监管标签",
    "统一社会信用代码/注册号",
    "企业名称",
    "许可证名称",
    "许可证编号",
    "许可批准日期",
    "有效期至",
    "许可发证机关",
    "检查机关",
)


def test_licence_rows_with_the_same_code_are_merged() -> None:
    code = uscc("91330106")
    result = run(
        K.TARGETS,
        SPECIAL_HEADER,
        [
            "药品零售",
            "药店",
            code,
            "甲药房有限公司",
            "药品经营许可证",
            "浙AA123",
            "2017/3/7",
            "9999-09-09",
            "省药监局",
            "县局",
        ],
        [
            "医疗器械",
            "器械",
            code,
            "甲药房有限公司",
            "医疗器械经营许可证",
            20230001.0,
            42801.0,
            "2020-01-01",
            "市局",
            "县局",
        ],
        ["医疗器械", "器械", code, "甲药房（另名）", "", "", "", "", "", "县局"],
        ["药品零售", "", uscc("92330106"), "乙店", "", "", "不是日期", "", "", ""],
    )
    first, second = (row for row in result.rows if isinstance(row, TargetRow))
    assert first.source_rows == (2, 3, 4)
    assert first.special_registries == ("药品零售", "医疗器械")
    assert first.tags == ("药店", "器械")
    assert [lic.name for lic in first.licences] == ["药品经营许可证", "医疗器械经营许可证"]
    assert first.licences[0].no_expiry and first.licences[0].valid_until is None
    assert first.licences[0].issued_on == dt.date(2017, 3, 7)
    assert first.licences[1].number == "20230001"
    assert first.name == "甲药房有限公司"
    warnings = {(i.row, i.field) for i in result.issues if i.severity is Severity.WARNING}
    assert (3, "licence_valid_until") in warnings  # expired on 2020-01-01
    assert (4, "name") in warnings  # another name for the same code
    assert (5, "licence_issued_on") in warnings  # not a date: warning, licence dates are descriptive
    assert second.licences == ()
    assert result.error_count == 0


# ------------------------------------------------------------------ inspectors

I_HEADER = (
    "单位工号",
    "姓名",
    "性别",
    "身份证号",
    "手机号",
    "学历",
    "学历专业",
    "岗位大类",
    "从事本岗起始日期",
    "岗位资质资格",
    "执法事项范围",
    "地区",
    "层级",
    "担任职务",
    "所在业务部门（机构）",
    "是否专家",
    "工商执法证编号",
    "工商执法证有效期",
    "省执法证编号",
    "执法证有效期",
    "执法人员状态",
)

GOOD_INSPECTOR: list[CellValue] = [
    "0010",
    "张三",
    "男",
    "330521199109220530",
    "18788888888",
    "本科",
    "食品",
    "工商行政管理类，食品药品管理类",
    dt.date(2017, 3, 7),
    "保化检查员，药品检查员",
    "A01.直销违法行为检查，B01.获证食品生产企业监管,C08.特种设备生产（含设计、制造、安装）单位监督检查",
    "省本级",
    "市级",
    "一般干部",
    "消保分局",
    "保化组长，药品GSP",
    4541321.0,
    "2030-07-19",
    "201654321",
    "9999-09-09",
    "有效",
]


def inspector(**changes: CellValue) -> list[CellValue]:
    row = list(GOOD_INSPECTOR)
    for header, value in changes.items():
        row[I_HEADER.index(header)] = value
    return row


def test_good_inspector_has_all_21_columns() -> None:
    result = run(K.INSPECTORS, I_HEADER, GOOD_INSPECTOR)
    assert result.issues == ()
    (row,) = result.rows
    assert isinstance(row, InspectorRow)
    assert row.staff_no == "0010" and row.name == "张三" and row.gender == "男"
    assert row.post_categories == ("工商行政管理类", "食品药品管理类")
    assert row.post_since == dt.date(2017, 3, 7)
    assert row.qualifications == ("保化检查员", "药品检查员")
    assert row.item_scope[-1] == "C08.特种设备生产（含设计、制造、安装）单位监督检查"
    assert len(row.item_scope) == 3
    assert row.is_expert and row.expert_types == ("保化组长", "药品GSP")
    assert row.department_cert is not None and row.department_cert.number == "4541321"
    assert row.department_cert.valid_until == dt.date(2030, 7, 19)
    assert row.province_cert is not None and row.province_cert.no_expiry
    assert row.has_valid_certificate(TODAY)
    assert row.status == "有效"
    assert row.natural_key == ("cert", "201654321")


def test_inspector_rules() -> None:
    result = run(
        K.INSPECTORS,
        I_HEADER,
        inspector(**{"执法人员状态": "休假"}),  # error: unknown status
        inspector(**{"工商执法证有效期": "明年", "省执法证编号": "X1"}),  # error: bad validity date
        inspector(
            **{"工商执法证有效期": "2020-01-01", "工商执法证编号": "A2", "省执法证编号": "X2"}
        ),  # expired
        inspector(
            **{
                "身份证号": "330521199109220538",
                "手机号": "12345",
                "性别": "未知",
                "工商执法证编号": "A3",
                "省执法证编号": "",
            }
        ),
        inspector(
            **{
                "是否专家": "否",
                "岗位大类": "知识产权类",
                "工商执法证编号": "",
                "省执法证编号": "",
                "执法人员状态": "失效",
            }
        ),
        inspector(**{"单位工号": "0011", "工商执法证编号": "", "省执法证编号": "", "执法人员状态": ""}),
    )
    assert result.rejected_rows == (2, 3)
    by_row = {row.row: row for row in result.rows if isinstance(row, InspectorRow)}
    assert set(by_row) == {4, 5, 6, 7}
    issues = {(i.row, i.field): i for i in result.issues}
    assert issues[(4, "department_cert_valid_until")].severity is Severity.WARNING
    assert not by_row[4].department_cert.is_valid_on(TODAY)  # type: ignore[union-attr]
    for name in ("id_number", "mobile", "gender"):
        assert issues[(5, name)].severity is Severity.WARNING
    assert not by_row[6].is_expert and by_row[6].status == "失效"
    assert issues[(6, "post_categories")].severity is Severity.WARNING
    assert by_row[7].status == "有效"
    assert issues[(7, "status")].severity is Severity.WARNING
    assert any(i.row == 7 and "不计入" in i.reason for i in result.issues)  # no certificate


def test_inspector_duplicates_by_certificate_then_staff_number() -> None:
    result = run(
        K.INSPECTORS,
        I_HEADER,
        GOOD_INSPECTOR,
        inspector(**{"姓名": "李四", "工商执法证编号": "other", "省执法证编号": "201654321"}),
        inspector(**{"姓名": "王五", "单位工号": "77", "工商执法证编号": "", "省执法证编号": ""}),
        inspector(**{"姓名": "赵六", "单位工号": "77", "工商执法证编号": "", "省执法证编号": ""}),
    )
    assert result.rejected_rows == (3, 5)
    assert {i.field for i in result.issues if i.severity is Severity.ERROR} == {
        "province_cert_no",
        "staff_no",
    }


def test_id_number_stored_as_number_warns() -> None:
    result = run(K.INSPECTORS, I_HEADER, inspector(**{"身份证号": 3.30521199109220e17}))
    assert any("15位" in r for r in reasons(result, Severity.WARNING))


# ------------------------------------------------------------------ items and joint items

ITEM_HEADER = (
    "编制单位",
    "序号",
    "抽查类别",
    "抽查事项",
    "检查对象",
    "事项类别",
    "检查方式",
    "检查主体",
    "检查依据",
)


def test_item_rules() -> None:
    result = run(
        K.ITEMS,
        ITEM_HEADER,
        [
            "省局",
            1.0,
            "类",
            "事项甲",
            "对象",
            "重点检查事项",
            "现场检查、书面检查",
            "县局",
            "《法》第一条\n《条例》第二条",
        ],
        ["省局", "2", "类", "事项乙", "对象", "", "", "", ""],
        ["省局", "3", "类", "事项丙", "对象", "特别", "", "", ""],
        ["", "4", "类", "", "对象", "一般", "", "", ""],
    )
    rows = {row.row: row for row in result.rows if isinstance(row, ItemRow)}
    assert rows[2].item_class == "重点" and rows[2].seq == "1"
    assert rows[2].basis == "《法》第一条\n《条例》第二条"
    assert rows[2].methods == ("现场检查", "书面检查")
    assert rows[3].item_class == "一般"
    assert result.rejected_rows == (4, 5)
    assert Counter(i.field for i in result.issues if i.severity is Severity.ERROR) == {
        "item_class": 1,
        "department": 1,
        "name": 1,
    }
    # Methods outside the standard four are kept as written, with a warning naming them.
    method_warnings = [i for i in result.issues if i.field == "methods"]
    assert [(i.row, i.severity, i.column) for i in method_warnings] == [(2, Severity.WARNING, "检查方式")]
    assert "“现场检查”" in method_warnings[0].reason and "书面检查”" not in method_warnings[0].reason


def test_standard_methods_need_no_warning() -> None:
    result = run(
        K.ITEMS, ITEM_HEADER, ["省局", "1", "类", "事项", "对象", "一般", "实地核查，网络监测", "", ""]
    )
    assert result.rows[0].methods == ("实地核查", "网络监测")  # type: ignore[union-attr]
    assert not [i for i in result.issues if i.field == "methods"]


def test_joint_item_rules() -> None:
    header = ("序号", "抽查领域", "抽查事项", "检查对象", "发起部门", "配合部门")
    result = run(
        K.SCHEMES,
        header,
        ["1", "餐饮", "食品安全", "餐馆", "市场监管部门", "卫生健康部门、消防救援机构"],
        ["1", "餐饮", "消防安全", "餐馆", "", "市场监管部门"],
        ["1", "餐饮", "食品安全", "餐馆", "市场监管部门", ""],
    )
    (row,) = result.rows
    assert isinstance(row, JointItemRow)
    assert row.cooperating_departments == ("卫生健康部门", "消防救援机构")
    assert result.rejected_rows == (3, 4)


def test_joint_items_of_the_same_name_from_two_departments_are_not_duplicates() -> None:
    """公安 and 卫健 both check 宾馆、旅店取得许可证情况: one scheme lists both items."""
    header = ("序号", "抽查领域", "抽查事项", "检查对象", "发起部门", "配合部门")
    result = run(
        K.SCHEMES,
        header,
        ["4", "宾馆住宿", "宾馆、旅店取得许可证情况的检查", "各类宾馆、旅店", "公安局", "卫健委"],
        ["4", "宾馆住宿", "宾馆、旅店取得许可证情况的检查", "各类宾馆、旅店", "卫健委", "公安局"],
        ["4", "宾馆住宿", "宾馆、旅店取得许可证情况的检查", "各类宾馆、旅店", "卫健委", "公安局"],
    )
    assert [r.row for r in result.rows] == [2, 3]
    assert result.rejected_rows == (4,)
    assert "与第3行重复（抽查领域、发起部门、抽查事项、检查对象都相同）" in reasons(result, Severity.ERROR)[0]


# ------------------------------------------------------------------ driver


def test_note_rows_are_skipped_anywhere() -> None:
    result = run(K.ITEMS, ITEM_HEADER, ["省局", "1", "类", "事项", "对象", "一般"], ["注：本清单动态调整"])
    assert len(result.rows) == 1
    assert [skip.reason for skip in result.skipped] == ["note"]


def test_progress_and_cancellation() -> None:
    header = ("编制单位", "抽查事项", "事项类别")
    rows = [SourceRow(n, ("局", f"事项{n}", "一般")) for n in range(2, 2502)]
    mapping = guess_mapping(header, K.ITEMS)
    calls: list[tuple[int, int]] = []
    result = validate_rows(
        rows, header=header, mapping=mapping, total=2500, progress=lambda d, t: calls.append((d, t))
    )
    assert len(result.rows) == 2500
    assert calls == [(1000, 2500), (2000, 2500), (2500, 2500)]
    with pytest.raises(ValidationCancelled):
        validate_rows(rows, header=header, mapping=mapping, is_cancelled=lambda: True)


def test_mapping_to_unknown_column_is_a_programming_error() -> None:
    mapping = guess_mapping(("企业名称",), K.TARGETS)
    with pytest.raises(ValueError, match="不在表头"):
        validate_rows([], header=("别的",), mapping=mapping)


def test_issue_values_are_cut() -> None:
    result = run(K.TARGETS, T_HEADER, ["名" * 1000, uscc("91330106")])
    issue: Issue = result.issues[0]
    assert len(issue.value) == 200
    assert issue.severity.label == "错误"
