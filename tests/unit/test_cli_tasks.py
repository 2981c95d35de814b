"""The plan / task / draw / verify subcommands, as a script would use them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli import main
from app.models.enums import RiskClass
from app.services.context import ServiceContext
from app.services.tasks import find_task, list_tasks
from tests.factories import build_mini_county

TASK = {
    "name": "2026年餐饮单位联合抽查",
    "mode": "综合性大联查",
    "lead": "青山市监",
    "joint": ["青山消防"],
    "items": ["食品销售者经营行为检查", "消防安全检查"],
    "start": "2026-05-01",
    "end": "2026-06-30",
    "ratios": {"A": "0.05", "B": "0.1", "C": "0.2", "D": "0.25"},
    "teams": 2,
    "plan_year": 2026,
}


def run(db: str, *args: str) -> int:
    return main(["--db", str(db), *args])


def test_plan_task_draw_verify_flow(
    ctx: ServiceContext, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    build_mini_county(ctx)
    assert run(db_url, "plan", "create", "--year", "2026") == 0
    task_file = tmp_path / "task.json"
    task_file.write_text(json.dumps(TASK, ensure_ascii=False), encoding="utf-8")
    assert run(db_url, "task", "create", "--file", str(task_file)) == 0
    assert run(db_url, "plan", "publish", "--year", "2026") == 0
    capsys.readouterr()
    assert run(db_url, "task", "list") == 0
    first_line = capsys.readouterr().out.splitlines()[0]
    number = first_line.split("\t")[0]
    assert number == "青山市监抽查〔2026〕1号"
    assert run(db_url, "task", "show", number) == 0
    assert "应抽 4 户" in capsys.readouterr().out
    record = tmp_path / "targets.json"
    assert (
        run(
            db_url,
            "draw",
            "targets",
            "--task",
            number,
            "--seed",
            "31415926535897932384",
            "--witness",
            "王五/县人大代表",
            "-o",
            str(record),
        )
        == 0
    )
    assert run(db_url, "draw", "targets", "--task", number, "--seed", "31415926535897932384") == 1
    assert "对象一次性抽取" in capsys.readouterr().err
    assert run(db_url, "verify", str(record)) == 0
    teams_record = tmp_path / "teams.json"
    assert (
        run(
            db_url,
            "draw",
            "inspectors",
            "--task",
            number,
            "--seed",
            "27182818284590452353",
            "-o",
            str(teams_record),
        )
        == 0
    )
    assert run(db_url, "verify", str(teams_record)) == 0
    assert run(db_url, "draw", "void", "--task", number, "--kind", "targets", "--reason", "测试作废") == 0
    # A second task in the published plan needs an adjustment reason.
    TASK2 = {**TASK, "name": "追加任务"}
    task_file.write_text(json.dumps(TASK2, ensure_ascii=False), encoding="utf-8")
    capsys.readouterr()
    assert run(db_url, "task", "create", "--file", str(task_file)) == 1
    assert "调整原因" in capsys.readouterr().out


def test_bad_task_file_names_file_and_field(
    ctx: ServiceContext, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    build_mini_county(ctx)
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps({**TASK, "lead": "不存在的局", "start": "2026/5/1", "ratios": {"Z": "x"}}),
        encoding="utf-8",
    )
    assert run(db_url, "task", "create", "--file", str(bad)) == 1
    out = capsys.readouterr().out
    assert f"{bad}：lead" in out and "不存在的局" in out
    assert f"{bad}：start" in out and f"{bad}：ratios" in out
    broken = tmp_path / "broken.json"
    broken.write_text("{ not json", encoding="utf-8")
    assert run(db_url, "task", "create", "--file", str(broken)) == 2
    assert "JSON 格式错误" in capsys.readouterr().err
    capsys.readouterr()
    assert run(db_url, "task", "list") == 0
    assert capsys.readouterr().out == ""


def _tagged(ctx: ServiceContext) -> None:
    from app.services.targets import LicenceData, TargetData, create_target
    from tests.factories import make_uscc

    create_target(ctx, TargetData(name="重点甲", code=make_uscc(7001), tags=(("监管", "重点监管"),)))
    create_target(
        ctx,
        TargetData(
            name="重点乙",
            code=make_uscc(7002),
            tags=(("监管", "重点监管"),),
            licences=(LicenceData("食品经营许可证", "JY1"),),
        ),
    )


def test_task_options_by_arguments(
    ctx: ServiceContext, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    build_mini_county(ctx)
    _tagged(ctx)
    args = [
        "task", "create", "--name", "持证重点单位专项", "--mode", "special_campaign",
        "--lead", "青山市监", "--joint", "青山消防", "--item", "食品销售者经营行为检查", "--item", "消防安全检查",
        "--start", "2026-05-01", "--end", "2026-06-30", "--ratio", "B=0.3",
        "--teams", "1", "--officers-per-department", "2", "--min-officers", "4", "--expert-per-team",
        "--frequency-override-reason", "上级交办专项整治",
        "--scope-tag", "监管：重点监管", "--scope-licence", "食品经营许可证", "--scope-risk", "b",
    ]  # fmt: skip
    assert run(db_url, *args) == 0
    number = capsys.readouterr().out.split("\t")[0]
    detail = find_task(ctx, number)
    d = detail.data
    assert (d.officers_per_department, d.min_officers_per_team, d.expert_per_team) == (2, 4, True)
    assert d.frequency_override_reason == "上级交办专项整治"
    assert d.scope.licence_names == ("食品经营许可证",) and len(d.scope.tag_ids) == 1
    assert d.scope.risk_classes == (RiskClass.B,)
    assert run(db_url, "task", "show", number) == 0
    out = capsys.readouterr().out
    assert "每部门每组 2 名，每组至少 4 名执法人员；每组专家 1 名" in out
    assert "抽查频次：已豁免（理由：上级交办专项整治）" in out
    assert "B 一般风险：对象 1 户" in out  # tagged, licensed, class B: only 重点乙


def test_task_file_scope_tags_by_name_and_bad_options(
    ctx: ServiceContext, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    build_mini_county(ctx)
    _tagged(ctx)
    good = tmp_path / "good.json"
    spec = {
        **TASK,
        "plan_year": None,
        "scope": {"tags": ["重点监管"]},
        "officers_per_department": 1,
        "min_officers_per_team": 3,
        "expert_per_team": True,
    }
    good.write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")
    assert run(db_url, "task", "create", "--file", str(good)) == 0
    number = capsys.readouterr().out.split("\t")[0]
    d = find_task(ctx, number).data
    assert len(d.scope.tag_ids) == 1 and d.min_officers_per_team == 3 and d.expert_per_team
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps(
            {**spec, "scope": {"tags": ["没有这个标签"]}, "teams": "两组", "officers_per_department": -1},
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    assert run(db_url, "task", "create", "--file", str(bad)) == 1
    out = capsys.readouterr().out
    assert f"{bad}：scope.tags" in out and "没有这个标签" in out
    assert f"{bad}：teams" in out and f"{bad}：officers_per_department" in out
    assert len(list_tasks(ctx)) == 1  # nothing created from the bad file
    too_many = tmp_path / "many.json"
    too_many.write_text(
        json.dumps({**spec, "officers_per_department": 11}, ensure_ascii=False), encoding="utf-8"
    )
    assert run(db_url, "task", "create", "--file", str(too_many)) == 1
    assert "每部门人数：每个部门向每组派出 1 到 10 名执法人员" in capsys.readouterr().out


def test_task_by_scheme_takes_lead_from_the_scheme(
    ctx: ServiceContext, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """docs/task-file.md: a scheme supplies the lead department when none is given."""
    from app.services.schemes import SchemeData, create_scheme

    county = build_mini_county(ctx)
    create_scheme(
        ctx,
        SchemeData(
            industry="餐饮",
            name="青山县餐饮业一业一查方案",
            lead_department_id=county.departments["青山市监"],
            cooperating_department_ids=(county.departments["青山消防"],),
            item_ids=(county.items["food"], county.items["fire"]),
        ),
    )
    common = ["--mode", "general_sweep", "--start", "2026-05-01", "--end", "2026-06-30", "--fixed-count", "3"]
    assert (
        run(db_url, "task", "create", "--name", "按方案", "--scheme", "青山县餐饮业一业一查方案", *common)
        == 0
    )
    number = capsys.readouterr().out.split("\t")[0]
    d = find_task(ctx, number).data
    assert d.lead_department_id == county.departments["青山市监"]
    assert d.joint_department_ids == (county.departments["青山消防"],)
    # Neither lead nor scheme: one clear error, not 部门「」不存在.
    assert run(db_url, "task", "create", "--name", "无牵头", "--item", "消防安全检查", *common) == 1
    out = capsys.readouterr().out
    assert "lead：请填写牵头部门" in out and "部门「」" not in out
    assert len(list_tasks(ctx)) == 1
