"""Reading files by content: real platform files, CSV encodings, 2003 XML, HTML, broken files."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import openpyxl
import pytest

from app.io.fields import RegistryKind
from app.io.readers import UnreadableFileError, load_table, open_workbook, read_rows, sniff_format

# ------------------------------------------------------------------ real files


def test_target_lists_are_excel_2003_xml_despite_the_extension(data_dir: Path) -> None:
    for name, count in (("zhejiang_enterprises_a.xlsx", 478), ("zhejiang_enterprises_b.xlsx", 2883)):
        table = load_table(data_dir / "targets" / name)
        assert table.file_format == "xml2003"
        assert table.header == ("企业名称", "注册号/统一社会信用代码", "RegOrgName", "管辖单位")
        assert table.header_row == 1
        rows = list(table.iter_rows())
        assert len(rows) == count
        assert rows[0].number == 2
        assert rows[-1].number == count + 1
        assert all(isinstance(cell, str) for row in rows for cell in row.cells)


def test_item_lists_are_utf8_bom_csv(data_dir: Path) -> None:
    items = load_table(data_dir / "items" / "hainan_2020_random_check_items.csv")
    assert items.file_format == "csv"
    assert items.header[0] == "编制单位"  # the BOM is gone
    assert len(list(items.iter_rows())) == 297
    joint = load_table(data_dir / "items" / "hainan_2020_joint_check_items_v2.csv")
    assert joint.header == ("序号", "抽查领域", "抽查事项", "检查对象", "发起部门", "配合部门")
    assert len(list(joint.iter_rows())) == 83


@pytest.mark.parametrize("name", ["template_randomscagent.xls", "template_randomscagentsyn.xls"])
def test_inspector_template_header_found_below_title_and_above_explanation(data_dir: Path, name: str) -> None:
    table = load_table(data_dir / "templates" / name)
    assert table.file_format == "xlsx"  # an xlsx named .xls
    assert table.sheet_name == "人员名录库"  # not 参数表
    assert table.sheet_names == ("人员名录库", "参数表", "Sheet3")
    assert table.header_row == 2
    assert len(table.header) == 21
    assert table.header[0] == "单位工号"
    assert table.header[-1] == "执法人员状态"
    assert table.header_known == 21
    assert [(row.number, row.reason) for row in table.skipped] == [
        (1, "title"),
        (3, "explanation"),
        (4, "example"),
    ]
    assert list(table.iter_rows()) == []


def test_special_registry_templates(data_dir: Path) -> None:
    drcheck = load_table(data_dir / "templates" / "drcheck_scspecial_spLibrary.xlsx")
    assert drcheck.header_row == 2
    assert len(drcheck.header) == 12
    assert [(row.number, row.reason) for row in drcheck.skipped] == [(1, "title"), (3, "explanation")]
    special = load_table(data_dir / "templates" / "specialent_special.xlsx")
    assert special.header_row == 2
    assert special.header[-1] == "检查机关"
    entinfo = load_table(data_dir / "templates" / "template_randomentinfo.xls")
    assert entinfo.header == ("统一社会信用代码/注册号", "企业名称")


@pytest.mark.parametrize(
    "name", ["template_A01.xls", "template_A07.xls", "template_A08.xls", "template_B03.xls"]
)
def test_real_excel_97_checklists(data_dir: Path, name: str) -> None:
    table = load_table(data_dir / "templates" / name, kind=RegistryKind.CHECKPOINTS)
    assert table.file_format == "xls"
    assert table.header_row == 4
    assert table.header[:3] == ("序号", "检查内容", "操作方法与要领")
    first = next(table.iter_rows())
    assert first.number == 5
    assert first.cells[0] == 1.0


def test_sniffing_ignores_the_extension(data_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "名单.csv"
    copy.write_bytes((data_dir / "targets" / "zhejiang_enterprises_a.xlsx").read_bytes())
    assert sniff_format(copy) == "xml2003"
    assert len(list(read_rows(copy))) == 479


# ------------------------------------------------------------------ CSV


HEADER = "企业名称,统一社会信用代码,登记机关\n"
BODY = "杭州潘天寿环境艺术设计有限公司,913301007161035748,杭州市市场监督管理局\n某某（个体）,,“引号”测试\n"


@pytest.mark.parametrize("encoding", ["gb18030", "utf-8-sig", "utf-8", "utf-16"])
def test_csv_encodings_are_detected(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / f"t_{encoding}.csv"
    path.write_bytes((HEADER + BODY).encode(encoding))
    table = load_table(path)
    assert table.header == ("企业名称", "统一社会信用代码", "登记机关")
    rows = list(table.iter_rows())
    assert rows[0].cells == ("杭州潘天寿环境艺术设计有限公司", "913301007161035748", "杭州市市场监督管理局")
    assert rows[1].cells[2] == "“引号”测试"


def test_gbk_only_text_is_not_mistaken_for_utf8(tmp_path: Path) -> None:
    path = tmp_path / "gbk.txt"
    path.write_bytes("名称,代码\n甲乙丙丁有限公司,1\n".encode("gbk"))
    assert list(read_rows(path))[1].cells == ("甲乙丙丁有限公司", "1")


def test_tab_separated_and_quoted_newlines(tmp_path: Path) -> None:
    path = tmp_path / "t.txt"
    path.write_text('名称\t检查依据\n甲\t"第一条\n第二条"\n乙\t无\n', encoding="utf-8")
    rows = list(read_rows(path))
    assert rows[1].cells == ("甲", "第一条\n第二条")
    assert rows[2].number == 3  # record numbers, as Excel shows the rows


# ------------------------------------------------------------------ Excel 2003 XML

XML_HEAD = (
    '<?xml version="1.0"?>\n<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" '
    'xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">'
)


def _xml(tmp_path: Path, body: str, prefix: str = "") -> Path:
    path = tmp_path / "t.xls"
    path.write_text(prefix + XML_HEAD + body + "</Workbook>", encoding="utf-8")
    return path


def test_xml2003_types_indexes_and_merges(tmp_path: Path) -> None:
    path = _xml(
        tmp_path,
        '<Worksheet ss:Name="名单"><Table>'
        '<Row><Cell><Data ss:Type="String">编制单位</Data></Cell>'
        '<Cell><Data ss:Type="String">抽查事项</Data></Cell>'
        '<Cell><Data ss:Type="String">日期</Data></Cell></Row>'
        '<Row><Cell ss:MergeDown="1"><Data ss:Type="String">省教育厅</Data></Cell>'
        '<Cell><Data ss:Type="String">事项<B>一</B></Data></Cell>'
        '<Cell><Data ss:Type="DateTime">2017-03-07T00:00:00.000</Data></Cell></Row>'
        '<Row><Cell ss:Index="2"><Data ss:Type="String">事项二</Data></Cell>'
        '<Cell><Data ss:Type="Number">42801</Data></Cell></Row>'
        '<Row ss:Index="6"><Cell ss:MergeAcross="1"><Data ss:Type="String">跨列</Data></Cell>'
        '<Cell><Data ss:Type="Boolean">1</Data></Cell></Row>'
        "</Table></Worksheet>"
        '<Worksheet ss:Name="空"></Worksheet>',
    )
    workbook = open_workbook(path)
    assert workbook.file_format == "xml2003"
    assert workbook.sheet_names == ("名单", "空")
    rows = list(workbook.sheet("名单").rows())
    assert [row.number for row in rows] == [1, 2, 3, 6]
    assert rows[1].cells == ("省教育厅", "事项一", dt.datetime(2017, 3, 7))
    assert rows[2].cells == ("省教育厅", "事项二", 42801.0)  # merged down, then ss:Index
    assert rows[3].cells == ("跨列", "", True)  # MergeAcross skips a column


@pytest.mark.parametrize(
    "prefix",
    [
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>',
        '<?xml version="1.0"?><!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
        '<?xml version="1.0"?><!DOCTYPE Workbook SYSTEM "http://example.invalid/x.dtd">',
    ],
)
def test_xml_with_doctype_or_entities_is_refused(tmp_path: Path, prefix: str) -> None:
    path = tmp_path / "evil.xml"
    path.write_text(
        prefix
        + '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"><Worksheet><Table>'
        "<Row><Cell><Data>&lol2;</Data></Cell></Row></Table></Worksheet></Workbook>".replace(
            "&lol2;", "&lol2;" if "lol2" in prefix else "x"
        ),
        encoding="utf-8",
    )
    with pytest.raises(UnreadableFileError, match="安全"):
        open_workbook(path)


def test_xml_index_beyond_excel_limits_is_refused(tmp_path: Path) -> None:
    path = _xml(
        tmp_path,
        '<Worksheet><Table><Row><Cell ss:Index="99999999"><Data>x</Data></Cell></Row></Table></Worksheet>',
    )
    with pytest.raises(UnreadableFileError, match="范围"):
        open_workbook(path)


def test_other_xml_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.xlsx"
    path.write_text('<?xml version="1.0"?><root><a>1</a></root>', encoding="utf-8")
    with pytest.raises(UnreadableFileError, match="不是 Excel 2003 XML"):
        open_workbook(path)


def test_truncated_xml_is_unreadable(data_dir: Path, tmp_path: Path) -> None:
    data = (data_dir / "targets" / "zhejiang_enterprises_a.xlsx").read_bytes()
    path = tmp_path / "cut.xlsx"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(UnreadableFileError, match="XML 格式错误"):
        open_workbook(path)


# ------------------------------------------------------------------ HTML


def test_html_table_saved_as_xls(tmp_path: Path) -> None:
    path = tmp_path / "export.xls"
    path.write_bytes(
        (
            '<html><head><meta charset="gbk"></head><body><table>'
            "<tr><th>企业名称</th><th>统一社会信用代码</th><th>管辖单位</th></tr>"
            "<tr><td>甲公司</td><td>913301007161035748</td><td rowspan=2>朝晖所</td></tr>"
            "<tr><td colspan=2>乙&amp;丙</td></tr>"
            "</table></body></html>"
        ).encode("gb18030")
    )
    table = load_table(path)
    assert table.file_format == "html"
    assert table.header == ("企业名称", "统一社会信用代码", "管辖单位")
    rows = [row.cells for row in table.iter_rows()]
    assert rows == [("甲公司", "913301007161035748", "朝晖所"), ("乙&丙", "", "朝晖所")]


# ------------------------------------------------------------------ xlsx details


def test_xlsx_offset_start_vertical_merges_and_sheet_choice(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    notes = workbook.active
    notes.title = "说明"
    notes["A1"] = "本文件由某局导出"
    sheet = workbook.create_sheet("事项")
    sheet["C3"] = "随机抽查事项清单"
    sheet["C4"], sheet["D4"], sheet["E4"] = "编制单位", "抽查事项", "事项类别"
    sheet["C5"], sheet["D5"], sheet["E5"] = "省教育厅", "事项一", "一般检查事项"
    sheet["D6"], sheet["E6"] = "事项二", "重点检查事项"
    sheet.merge_cells("C5:C6")
    sheet.merge_cells("D8:E8")
    sheet["D8"] = "横向合并"
    path = tmp_path / "items.xlsx"
    workbook.save(path)
    table = load_table(path)
    assert table.sheet_name == "事项"
    assert table.header_row == 4
    assert table.header == ("A列", "B列", "编制单位", "抽查事项", "事项类别")
    rows = list(table.iter_rows())
    assert [row.number for row in rows] == [5, 6, 8]
    assert rows[1].cells[2:] == ("省教育厅", "事项二", "重点检查事项")
    assert rows[2].cells[3:] == ("横向合并", "")


def test_explicit_sheet_and_header_row(data_dir: Path) -> None:
    path = data_dir / "templates" / "template_randomscagent.xls"
    params = load_table(path, sheet="参数表")
    assert params.header[:3] == ("岗位大类", "B列", "岗位资质资格")
    forced = load_table(path, header_row=3)
    assert forced.header_row == 3
    with pytest.raises(UnreadableFileError, match="没有名为"):
        load_table(path, sheet="不存在")
    with pytest.raises(UnreadableFileError, match="空的"):
        load_table(path, sheet="Sheet3")
    with pytest.raises(UnreadableFileError, match="第99行"):
        load_table(path, header_row=99)


# ------------------------------------------------------------------ unreadable


def _zip_with(tmp_path: Path, name: str, member: str) -> Path:
    path = tmp_path / name
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(member, "<x/>")
    return path


def test_unreadable_files_give_one_clear_error(data_dir: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty.xlsx"
    empty.write_bytes(b"")
    random = tmp_path / "random.xlsx"
    random.write_bytes(bytes(range(256)) * 10)
    truncated = tmp_path / "truncated.xlsx"
    truncated.write_bytes((data_dir / "templates" / "specialent_special.xlsx").read_bytes()[:3000])
    encrypted = tmp_path / "encrypted.xlsx"
    encrypted.write_bytes(
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + "EncryptedPackage".encode("utf-16-le")
    )
    bad_cfb = tmp_path / "bad.xls"
    bad_cfb.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    cases = {
        empty: "空的",
        random: "不是表格文件",
        truncated: "不完整",
        encrypted: "密码",
        bad_cfb: "",
        _zip_with(tmp_path, "doc.xlsx", "word/document.xml"): "Word",
        _zip_with(tmp_path, "other.xlsx", "readme.txt"): "压缩文件",
        tmp_path / "missing.xlsx": "不存在",
        tmp_path: "文件夹",
    }
    for path, words in cases.items():
        with pytest.raises(UnreadableFileError) as caught:
            load_table(path)
        message = str(caught.value)
        assert message.startswith(f"无法读取文件“{path.name}”："), message
        assert words in message, message


def test_workbook_with_only_empty_sheets(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    workbook.create_sheet("第二页")
    path = tmp_path / "blank.xlsx"
    workbook.save(path)
    with pytest.raises(UnreadableFileError, match="没有任何数据"):
        load_table(path)


def test_csv_with_binary_content_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bin.csv"
    path.write_bytes(b"a,b\n" + b"\x00\x01\x02" * 50)
    with pytest.raises(UnreadableFileError):
        load_table(path)


def test_csv_with_bad_encoding_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes("名称,代码\n".encode() + b"\xff\xfe\xfd\x80\x81" * 3 + b"\n")
    with pytest.raises(UnreadableFileError, match="不是表格文件"):
        load_table(path)
    # A bad byte far from the start passes the sniffing and fails the decoding.
    path.write_bytes(("名称,代码\n" + "甲,1\n" * 3000).encode() + b"\xff\xfe\x80\n")
    with pytest.raises(UnreadableFileError, match="编码"):
        load_table(path)
