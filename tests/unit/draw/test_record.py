"""Draw records: JSON round trip, malformed files, and verification of tampered records."""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import consistent_sampler
import pytest

from app.draw.errors import DrawParameterError
from app.draw.record import (
    DrawKind,
    RecordFormatError,
    load_record,
    record_fingerprint,
    record_from_json,
    record_to_json,
    record_to_text,
    save_record,
    verify_record,
    void_record,
)
from app.draw.teams import Role
from tests.unit.draw.helpers import CHINA, SEED, combined_record


@pytest.fixture(scope="module")
def record_json() -> dict[str, Any]:
    return record_to_json(combined_record())


def reverify(data: dict[str, Any]) -> Any:
    return verify_record(record_from_json(data))


def test_round_trip_is_lossless(record_json: dict[str, Any]) -> None:
    record = combined_record()
    again = record_from_json(json.loads(record_to_text(record)))
    assert again == record
    assert again.kind is DrawKind.TARGETS_AND_INSPECTORS
    assert record_fingerprint(again) == record_fingerprint(record)
    assert record_json["algorithm"]["reference"].startswith("consistent-sampler")


def test_save_and_load(tmp_path: Path) -> None:
    record = combined_record()
    path = tmp_path / "记录.json"
    save_record(record, path)
    assert load_record(path) == record
    assert "王晓明" in path.read_text(encoding="utf-8")  # Chinese kept readable, not escaped


@pytest.mark.parametrize(("with_targets", "with_teams"), [(True, True), (True, False), (False, True)])
def test_honest_records_verify(with_targets: bool, with_teams: bool) -> None:
    record = combined_record(with_targets=with_targets, with_teams=with_teams)
    result = verify_record(record)
    assert result.ok, [c.message for c in result.failures]
    if with_targets:
        assert {c.subject for c in result.checks if c.aspect == "selection"} == {"A", "B", "C", "D"}
    if with_teams:
        assert sum(1 for c in result.checks if c.aspect == "team") == 3


def test_reference_package_reproduces_every_stratum_from_the_json(record_json: dict[str, Any]) -> None:
    # The recipe printed in docs/draw-record.md.
    seed = record_json["seed"]["value"]
    for stratum in record_json["targets"]["strata"]:
        got = list(
            consistent_sampler.sampler(
                stratum["population_ids"], seed=seed, take=stratum["sample_size"], output="id"
            )
        )
        assert got == [x["id"] for x in stratum["selection"]]
    teams = record_json["inspectors"]
    order = list(consistent_sampler.sampler(teams["target_ids"], seed=seed + "/teams", output="id"))
    team_order = [t["id"] for t in teams["team_order"]]
    by_team = {t["team_id"]: [x["id"] for x in t["targets"]] for t in teams["teams"]}
    for index, target in enumerate(order):
        assert target in by_team[team_order[index % len(team_order)]]


def test_a_changed_population_id_is_caught_in_its_stratum_only(record_json: dict[str, Any]) -> None:
    data = copy.deepcopy(record_json)
    data["targets"]["strata"][1]["population_ids"][3] = "91330100MA00000000"
    result = reverify(data)
    assert not result.ok
    assert not result.stratum_ok("B")
    assert result.stratum_ok("A") and result.stratum_ok("C") and result.stratum_ok("D")
    failed = {c.aspect for c in result.failures if c.subject == "B"}
    assert "population_hash" in failed


def test_a_changed_hash_alone_is_reported_as_a_hash_mismatch(record_json: dict[str, Any]) -> None:
    data = copy.deepcopy(record_json)
    data["targets"]["strata"][0]["population_hash"] = "0" * 64
    result = reverify(data)
    assert [(c.subject, c.aspect) for c in result.failures] == [("A", "population_hash")]
    assert "0" * 64 in result.failures[0].message


def test_swapped_selection_and_changed_ticket_are_caught(record_json: dict[str, Any]) -> None:
    data = copy.deepcopy(record_json)
    selection = data["targets"]["strata"][1]["selection"]
    selection[0], selection[1] = selection[1], selection[0]
    result = reverify(data)
    assert [(c.subject, c.aspect) for c in result.failures] == [("B", "selection")]
    assert "第 1 位应为" in result.failures[0].message

    data = copy.deepcopy(record_json)
    ticket = data["targets"]["strata"][2]["selection"][0]["ticket"]
    data["targets"]["strata"][2]["selection"][0]["ticket"] = ticket[:-1] + ("1" if ticket[-1] != "1" else "2")
    result = reverify(data)
    assert [(c.subject, c.aspect) for c in result.failures] == [("C", "selection")]
    assert "票号" in result.failures[0].message


def test_a_replaced_selected_target_is_named(record_json: dict[str, Any]) -> None:
    data = copy.deepcopy(record_json)
    stratum = data["targets"]["strata"][0]
    chosen = {x["id"] for x in stratum["selection"]}
    outsider = next(i for i in stratum["population_ids"] if i not in chosen)
    removed = stratum["selection"][-1]["id"]
    stratum["selection"][-1]["id"] = outsider
    data["inspectors"] = None
    data["kind"] = "targets"
    result = reverify(data)
    message = next(c.message for c in result.failures if c.aspect == "selection")
    assert outsider in message and removed in message


def test_wrong_sample_size_and_excluded_target_in_population(record_json: dict[str, Any]) -> None:
    data = copy.deepcopy(record_json)
    data["targets"]["strata"][3]["sample_size"] = 2
    data["targets"]["strata"][3]["population_ids"].append(data["targets"]["exclusions"][0]["id"])
    data["targets"]["strata"][3]["population_ids"].sort()
    result = reverify(data)
    failed = {(c.subject, c.aspect) for c in result.failures}
    assert ("D", "sample_size") in failed
    assert ("", "exclusions") in failed


def test_a_changed_seed_fails_everywhere(record_json: dict[str, Any]) -> None:
    data = copy.deepcopy(record_json)
    data["seed"]["value"] = SEED + "0"
    result = reverify(data)
    assert {c.subject for c in result.failures if c.aspect == "selection"} == {"A", "B", "C", "D"}
    assert any(c.section == "inspectors" for c in result.failures)


def test_team_tampering_is_caught(record_json: dict[str, Any]) -> None:
    data = copy.deepcopy(record_json)
    teams = data["inspectors"]["teams"]
    teams[0]["members"][1], teams[1]["members"][1] = teams[1]["members"][1], teams[0]["members"][1]
    result = reverify(data)
    assert {c.subject for c in result.failures if c.aspect == "team"} == {
        teams[0]["team_id"],
        teams[1]["team_id"],
    }

    data = copy.deepcopy(record_json)
    # Put the inspector with a recusal conflict into the team that visits that target.
    conflicted = next(i for i in data["inspectors"]["inspector_pool"] if i["conflicts"])
    team = next(
        t
        for t in data["inspectors"]["teams"]
        if conflicted["conflicts"][0] in {x["id"] for x in t["targets"]}
    )
    team["members"][0]["id"] = conflicted["id"]
    result = reverify(data)
    rules = next(c for c in result.checks if c.aspect == "rules")
    assert not rules.ok and "回避" in rules.message


def test_team_targets_must_be_the_drawn_targets(record_json: dict[str, Any]) -> None:
    data = copy.deepcopy(record_json)
    data["inspectors"]["target_ids"] = data["inspectors"]["target_ids"][1:]
    result = reverify(data)
    failed = {c.aspect for c in result.failures}
    assert {"targets_match", "target_hash"} <= failed


def test_void_keeps_the_draw_and_the_reason(record_json: dict[str, Any]) -> None:
    record = combined_record()
    voided = void_record(
        record,
        reason="种子录入错误，经联席会议办公室同意重新抽取",
        voided_at=datetime(2025, 4, 28, 10, tzinfo=CHINA),
        operator="王晓明",
    )
    again = record_from_json(record_to_json(voided))
    assert again.void is not None and again.void.reason.startswith("种子录入错误")
    assert again.targets == record.targets
    assert verify_record(again).ok
    with pytest.raises(DrawParameterError):
        void_record(voided, reason="again", voided_at=datetime(2025, 4, 29, tzinfo=CHINA), operator="x")
    with pytest.raises(DrawParameterError):
        void_record(record, reason=" ", voided_at=datetime(2025, 4, 29, tzinfo=CHINA), operator="x")


def malformed(data: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(data)
    node: Any = changed
    keys = path.split(".")
    for key in keys[:-1]:
        node = node[int(key)] if isinstance(node, list) else node[key]
    if value is KeyError:
        del node[keys[-1]]
    elif isinstance(node, list):
        node[int(keys[-1])] = value
    else:
        node[keys[-1]] = value
    return changed


@pytest.mark.parametrize(
    ("path", "value", "field", "needle"),
    [
        ("seed", KeyError, "seed", "缺少该字段"),
        ("seed.value", 123, "seed.value", "应为字符串"),
        ("seed.method", "coin", "seed.method", "无效"),
        ("targets.strata.1.population_ids.0", 5, "targets.strata[1].population_ids[0]", "应为字符串"),
        ("targets.strata.0.selection.1.ticket", KeyError, "targets.strata[0].selection[1].ticket", "缺少"),
        ("targets.strata.0.sample_size", -1, "targets.strata[0].sample_size", "不能小于 0"),
        ("targets.strata.0.sample_size", True, "targets.strata[0].sample_size", "应为整数"),
        ("targets.strata.0.ratio", "five percent", "targets.strata[0].ratio", "小数"),
        ("targets.strata.0.fixed_count", 3, "targets.strata[0]", "ratio 与 fixed_count"),
        ("targets.strata", {}, "targets.strata", "应为数组"),
        ("drawn_at", "2025-04-28 09:30", "drawn_at", "时区"),
        ("kind", "targets", "kind", "记录内容"),
        ("inspectors.plan.start", "2025/05/06", "inspectors.plan.start", "YYYY-MM-DD"),
        (
            "inspectors.plan.quotas",
            [{"department": "市场监管", "officers": 1}],
            "inspectors.plan.quotas",
            "两名",
        ),
        ("inspectors.teams.0.members.0.role", "boss", "inspectors.teams[0].members[0].role", "无效"),
        ("inspectors.inspector_pool.0.active", "yes", "inspectors.inspector_pool[0].active", "true 或 false"),
        ("format_version", 2, "format_version", "版本"),
        ("format", "something-else", "format", "不是联查抽取记录"),
        ("algorithm.version", "0", "algorithm", "无法在此核验"),
    ],
)
def test_malformed_records_name_the_field(
    record_json: dict[str, Any], path: str, value: Any, field: str, needle: str
) -> None:
    with pytest.raises(RecordFormatError) as info:
        record_from_json(malformed(record_json, path, value))
    assert info.value.field == field
    assert needle in str(info.value)


def test_both_sections_missing_is_malformed(record_json: dict[str, Any]) -> None:
    data = copy.deepcopy(record_json)
    data["targets"] = None
    data["inspectors"] = None
    with pytest.raises(RecordFormatError, match="至少一项"):
        record_from_json(data)
    with pytest.raises(RecordFormatError, match="JSON 对象"):
        record_from_json([1, 2])


def test_unreadable_files_name_the_file(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": "liancha-draw-record",', encoding="utf-8")
    with pytest.raises(RecordFormatError, match=r"broken\.json.*不是有效的 JSON（第 1 行"):
        load_record(broken)
    binary = tmp_path / "gbk.json"
    binary.write_bytes('{"a": "抽取"}'.encode("gbk"))
    with pytest.raises(RecordFormatError, match="UTF-8"):
        load_record(binary)
    with pytest.raises(RecordFormatError, match="无法读取"):
        load_record(tmp_path / "missing.json")
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps({"format": "liancha-draw-record", "format_version": 1}), encoding="utf-8")
    with pytest.raises(RecordFormatError) as info:
        load_record(wrong)
    assert info.value.source.endswith("wrong.json") and info.value.field == "algorithm"


def test_members_roles_survive_the_round_trip(record_json: dict[str, Any]) -> None:
    record = record_from_json(record_json)
    assert record.teams is not None
    roles = [[m.role for m in team.members] for team in record.teams.teams]
    assert roles == [[Role.LEADER, Role.OFFICER, Role.EXPERT]] * 3


def test_verify_reports_rather_than_raises_on_an_inconsistent_rule() -> None:
    record = combined_record(with_teams=False)
    assert record.targets is not None
    broken = replace(record.targets.strata[0], ratio=None, fixed_count=None)
    record = replace(record, targets=replace(record.targets, strata=(broken, *record.targets.strata[1:])))
    result = verify_record(record)
    assert [(c.subject, c.aspect) for c in result.failures] == [("A", "sample_size")]


def test_record_refuses_sections_drawn_with_another_seed() -> None:
    record = combined_record()
    with pytest.raises(DrawParameterError, match="种子"):
        replace(record, seed=replace(record.seed, value="other"))
    with pytest.raises(DrawParameterError, match="时区"):
        replace(record, drawn_at=datetime(2025, 4, 28, 9, 30))
