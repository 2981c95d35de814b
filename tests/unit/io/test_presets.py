"""Column mapping: built-in presets for every real file, synonyms, user presets as JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.io.fields import FIELDS, RegistryKind, known_header_keys, synonym_index
from app.io.presets import (
    BUILTIN_PRESETS,
    PresetError,
    builtin_presets,
    delete_preset,
    find_preset,
    guess_mapping,
    load_preset,
    load_presets,
    mapping_from_preset,
    preset_from_dict,
    preset_from_mapping,
    preset_to_dict,
    save_preset,
)
from app.io.readers import load_table
from app.io.text import header_key

K = RegistryKind


@pytest.mark.parametrize(
    ("relative", "kind", "preset"),
    [
        ("targets/zhejiang_enterprises_a.xlsx", K.TARGETS, "zhejiang_platform_list"),
        ("targets/zhejiang_enterprises_b.xlsx", K.TARGETS, "zhejiang_platform_list"),
        ("templates/template_randomentinfo.xls", K.TARGETS, "randomentinfo"),
        ("templates/specialent_special.xlsx", K.TARGETS, "specialent_special"),
        ("templates/drcheck_scspecial_spLibrary.xlsx", K.TARGETS, "drcheck_scspecial_spLibrary"),
        ("templates/template_randomscagent.xls", K.INSPECTORS, "randomscagent"),
        ("templates/template_randomscagentsyn.xls", K.INSPECTORS, "randomscagentsyn"),
        ("items/hainan_2020_random_check_items.csv", K.ITEMS, "samr_items"),
        ("items/hainan_2020_joint_check_items_v2.csv", K.SCHEMES, "samr_joint_items"),
    ],
)
def test_every_real_file_matches_its_preset_exactly(
    data_dir: Path, relative: str, kind: K, preset: str
) -> None:
    table = load_table(data_dir / relative, kind=kind)
    mapping = guess_mapping(table.header, kind)
    assert mapping.preset_name == preset
    assert mapping.match == "exact"
    assert mapping.unmapped == ()
    assert mapping.missing_required == ()
    assert len(mapping.columns) == len(table.header)


@pytest.mark.parametrize(
    "name", ["template_A01.xls", "template_A07.xls", "template_A08.xls", "template_B03.xls"]
)
def test_checklist_forms_match_the_checkpoint_preset(data_dir: Path, name: str) -> None:
    table = load_table(data_dir / "templates" / name, kind=K.CHECKPOINTS)
    mapping = guess_mapping(table.header, K.CHECKPOINTS)
    assert mapping.preset_name == "checklist_form"
    assert dict(mapping.columns) == {"序号": "seq", "检查内容": "content", "操作方法与要领": "method"}


def test_the_two_inspector_templates_map_their_certificates_differently() -> None:
    agent = find_preset("randomscagent")
    syn = find_preset("randomscagentsyn")
    agent_map = guess_mapping(agent.headers, K.INSPECTORS)
    syn_map = guess_mapping(syn.headers, K.INSPECTORS)
    assert agent_map.field_for("工商执法证编号") == "department_cert_no"
    assert agent_map.field_for("执法证有效期") == "province_cert_valid_until"
    assert syn_map.field_for("执法证编号") == "province_cert_no"
    assert syn_map.field_for("执法证发证机关") == "province_cert_issuer"
    assert syn_map.field_for("具体职务") == "position_detail"


def test_synonyms_normalised_headers_and_extra_columns() -> None:
    header = ("序号", "单位名称 ", "统一社会信用代码（注册号）", "法定代表人", "住  所", "*风险等级", "备注")
    mapping = guess_mapping(header, K.TARGETS)
    assert mapping.match == "synonym"
    assert mapping.preset_name is None
    assert mapping.field_for("单位名称 ") == "name"
    assert mapping.field_for("统一社会信用代码（注册号）") == "code"
    assert mapping.field_for("住  所") == "address"
    assert mapping.field_for("*风险等级") == "risk_class"
    assert set(mapping.unmapped) == {"序号", "备注"}


def test_preset_with_extra_columns_and_partial_preset() -> None:
    full = guess_mapping(("企业名称", "注册号/统一社会信用代码", "RegOrgName", "管辖单位", "行业"), K.TARGETS)
    assert full.match == "preset"
    assert full.preset_name == "zhejiang_platform_list"
    assert full.field_for("行业") == "industry"
    partial = guess_mapping(("企业名称", "注册号/统一社会信用代码", "RegOrgName", "联系人"), K.TARGETS)
    assert partial.match in ("partial", "preset")
    assert partial.field_for("RegOrgName") == "reg_authority"
    nothing = guess_mapping(("甲", "乙"), K.TARGETS)
    assert nothing.match == "none"
    assert nothing.missing_required == ("name",)


def test_one_field_one_column() -> None:
    mapping = guess_mapping(("名称", "企业名称"), K.TARGETS)
    assert mapping.field_for("企业名称") == "name" or mapping.field_for("名称") == "name"
    assert [field for _, field in mapping.columns].count("name") == 1


def test_with_column_moves_a_field() -> None:
    mapping = guess_mapping(("企业名称", "字号"), K.TARGETS)
    moved = mapping.with_column("字号", "name")
    assert moved.field_for("字号") == "name"
    assert moved.field_for("企业名称") is None
    assert "企业名称" in moved.unmapped
    assert moved.match == "manual"
    cleared = moved.with_column("字号", None)
    assert cleared.field_for("字号") is None
    assert cleared.missing_required == ("name",)
    with pytest.raises(KeyError):
        mapping.with_column("字号", "no_such_field")


def test_every_builtin_header_is_known_to_header_detection() -> None:
    for preset in BUILTIN_PRESETS:
        index = synonym_index(preset.kind)
        for column in preset.columns:
            if column.field is None:
                continue
            assert index.get(header_key(column.header)) == column.field, (preset.name, column.header)
            assert header_key(column.header) in known_header_keys(preset.kind)


def test_every_field_appears_in_a_full_layout() -> None:
    for kind, specs in FIELDS.items():
        fields_in_presets = {c.field for p in builtin_presets(kind) for c in p.columns}
        assert {spec.name for spec in specs} <= fields_in_presets, kind


def test_user_preset_wins_and_round_trips_through_json(tmp_path: Path) -> None:
    header = ("对象名", "信用代码", "片区")
    mapping = guess_mapping(header, K.TARGETS).with_column("对象名", "name").with_column("片区", "region")
    preset = preset_from_mapping(mapping, name="某县/市场监管局 名单", header=header, description="手工")
    path = save_preset(preset, tmp_path / "presets")
    assert path.name == "某县_市场监管局 名单.json"
    loaded = load_presets(tmp_path / "presets")
    assert loaded == (preset,)
    assert preset_to_dict(load_preset(path)) == preset_to_dict(preset)
    again = guess_mapping(header, K.TARGETS, presets=loaded)
    assert again.preset_name == "某县/市场监管局 名单"
    assert again.match == "exact"
    assert dict(again.columns) == {"对象名": "name", "信用代码": "code", "片区": "region"}
    assert mapping_from_preset(preset, header).columns == again.columns
    assert delete_preset(preset.name, tmp_path / "presets")
    assert load_presets(tmp_path / "presets") == ()


def test_builtin_names_cannot_be_overwritten(tmp_path: Path) -> None:
    with pytest.raises(PresetError, match="内置"):
        save_preset(find_preset("randomscagent"), tmp_path)


def test_broken_preset_files_are_skipped_and_explained(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text("{不是 JSON", encoding="utf-8")
    (tmp_path / "b.json").write_text(
        json.dumps({"name": "b", "kind": "nope", "columns": []}), encoding="utf-8"
    )
    good = {"name": "c", "kind": "items", "columns": [{"header": "部门", "field": "department"}]}
    (tmp_path / "c.json").write_text(json.dumps(good, ensure_ascii=False), encoding="utf-8")
    assert [preset.name for preset in load_presets(tmp_path)] == ["c"]
    assert load_presets(tmp_path, kind=K.TARGETS) == ()
    assert load_presets(tmp_path / "missing") == ()
    with pytest.raises(PresetError, match=r"a\.json"):
        load_preset(tmp_path / "a.json")


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"kind": "items", "columns": [{"header": "a", "field": None}]}, "名称"),
        ({"name": "x", "kind": "items", "columns": []}, "没有列"),
        ({"name": "x", "kind": "items", "columns": [{"header": "a", "field": "nope"}]}, "不是"),
        (
            {
                "name": "x",
                "kind": "items",
                "columns": [{"header": "a", "field": None}, {"header": " a ", "field": None}],
            },
            "两次",
        ),
        (
            {
                "name": "x",
                "kind": "items",
                "columns": [{"header": "a", "field": "name"}, {"header": "b", "field": "name"}],
            },
            "同一字段",
        ),
        ([], "JSON 对象"),
    ],
)
def test_invalid_preset_definitions(data: object, words: str) -> None:
    with pytest.raises(PresetError, match=words):
        preset_from_dict(data)  # type: ignore[arg-type]


def test_find_preset_unknown() -> None:
    with pytest.raises(PresetError, match="找不到"):
        find_preset("没有这个")
