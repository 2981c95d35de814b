"""The platform code tables: result tree, verification methods, follow-up measures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.resources import resource_path
from app.services.codes import CodeTableError, load_code_tables, parse_code_tables


def test_result_tree_follows_the_parent_notes() -> None:
    tables = load_code_tables()
    roots = [node.code for node in tables.results]
    assert roots == ["1", "A", "E", "F", "7", "8", "9", "10", "11", "12"]
    problem = tables.results[1]
    assert problem.label == "发现问题待后续处理"  # the "(父项, 下含 …)" note is stripped
    assert [c.code for c in problem.children] == ["2", "3", "4", "5", "G"]
    assert [c.code for c in problem.children[0].children] == ["B", "C", "6", "D"]
    assert tables.result_parent("B") == "2"
    assert tables.result_parent("2") == "A"
    assert tables.result_parent("1") is None
    assert tables.result_label("6") == "通过登记的住所（经营场所）无法联系"


def test_every_result_code_of_the_file_is_in_the_tree_once() -> None:
    raw = json.loads(resource_path("codes", "zhejiang_sccheck_codes.json").read_text(encoding="utf-8"))
    codes_in_file = set(raw["检查结果_checkResult (多选, 逗号分隔)"])
    walked = [node.code for _depth, node in load_code_tables().walk_results()]
    assert sorted(walked) == sorted(codes_in_file)
    assert load_code_tables().result_codes() == frozenset(codes_in_file)


def test_flat_lists() -> None:
    tables = load_code_tables()
    assert [o.label for o in tables.check_methods] == [
        "实地检查",
        "书面检查",
        "行政部门检查结果或专业意见",
        "检验检测",
        "网络监测",
        "委托专业机构辅助",
    ]
    assert [o.code for o in tables.follow_ups] == ["1", "2", "3", "4", "5", "6"]
    assert tables.follow_ups[-1].label == "其他：" and tables.follow_ups[-1].free_text
    assert not any(o.free_text for o in tables.follow_ups[:-1])
    assert [o.label for o in tables.review_states] == ["未录入", "待审核", "审核退回", "不通过", "已公示"]


def test_labels_can_be_renamed_but_codes_stay() -> None:
    tables = load_code_tables().with_labels({"2": "违反市场监管相关规定", "D": "违反其他市场监管规定行为"})
    assert tables.result_label("2") == "违反市场监管相关规定"
    assert tables.result_label("D") == "违反其他市场监管规定行为"
    assert tables.result_parent("D") == "2"
    assert (
        load_code_tables().result_label("2") == "违反工商行政管理相关规定"
    )  # the cached original is untouched
    with pytest.raises(KeyError):
        tables.with_labels({"ZZ": "x"})


def test_unknown_code_raises_key_error() -> None:
    with pytest.raises(KeyError):
        load_code_tables().result_label("ZZ")
    with pytest.raises(KeyError):
        load_code_tables().result_parent("ZZ")


def test_bad_files_say_which_and_why(tmp_path: Path) -> None:
    missing = tmp_path / "none.json"
    with pytest.raises(CodeTableError, match=r"none\.json"):
        load_code_tables(missing)
    broken = tmp_path / "broken.json"
    broken.write_text("{\n  oops", encoding="utf-8")
    with pytest.raises(CodeTableError, match="第 2 行"):
        load_code_tables(broken)
    with pytest.raises(CodeTableError, match="缺少代码表"):
        parse_code_tables({}, source="x.json")


def test_parent_note_naming_an_unknown_code_is_rejected() -> None:
    raw = json.loads(resource_path("codes", "zhejiang_sccheck_codes.json").read_text(encoding="utf-8"))
    key = "检查结果_checkResult (多选, 逗号分隔)"
    raw[key] = {"1": "未发现问题", "A": "发现问题 (父项, 下含 2/Q)", "2": "违反规定"}
    with pytest.raises(CodeTableError, match="Q"):
        parse_code_tables(raw, source="edited.json")
