"""``liancha sample`` and ``liancha verify``, driven through their own parsers."""

from __future__ import annotations

import argparse
import io
import json
import random
from pathlib import Path
from typing import Any

import consistent_sampler
import pytest

from app.cli import sample as sample_cli
from app.cli import verify as verify_cli
from app.cli.common import EXIT_CANNOT_RUN, CliError
from app.draw.record import record_to_json, save_record
from tests.unit.draw.helpers import combined_record


def run(module: Any, argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="liancha")
    subparsers = parser.add_subparsers(dest="command")
    module.register(subparsers)
    args = parser.parse_args(argv)
    result: int = args.func(args)
    return result


@pytest.fixture
def ids_file(tmp_path: Path) -> tuple[Path, list[str]]:
    rng = random.Random(7)
    ids = [f"9133{rng.randrange(10**14):014d}" for _ in range(500)] + ["杭州某某餐饮店（个体）"]
    path = tmp_path / "ids.txt"
    path.write_text("\ufeff" + "\r\n".join(ids) + "\r\n\r\n", encoding="utf-8")  # BOM, CRLF, blank line
    return path, ids


def test_sample_prints_what_the_reference_prints(
    ids_file: tuple[Path, list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    path, ids = ids_file
    assert run(sample_cli, ["sample", "--seed", "骰子 0421 7789", "--count", "25", str(path)]) == 0
    expected = list(consistent_sampler.sampler(ids, seed="骰子 0421 7789", take=25, output="id"))
    assert capsys.readouterr().out.splitlines() == expected


def test_sample_reads_standard_input_and_prints_tickets(
    ids_file: tuple[Path, list[str]], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path, ids = ids_file
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(path.read_bytes()), encoding="utf-8"))
    assert run(sample_cli, ["sample", "--seed", "1", "--count", "3", "--tickets"]) == 0
    lines = [line.split("\t") for line in capsys.readouterr().out.splitlines()]
    expected = list(consistent_sampler.sampler(ids, seed="1", take=3, output="tuple", digits=200))
    assert [(id_, ticket) for id_, ticket in lines] == [(t[1], t[0]) for t in expected]


def test_sample_count_above_population_prints_everyone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "few.txt"
    path.write_text("b\na\n", encoding="utf-8")
    assert run(sample_cli, ["sample", "--seed", "5", "--count", "9", str(path)]) == 0
    assert sorted(capsys.readouterr().out.split()) == ["a", "b"]


def test_sample_refuses_duplicates_naming_both_lines(tmp_path: Path) -> None:
    path = tmp_path / "dup.txt"
    path.write_text("a\nb\n\n a \n", encoding="utf-8")
    with pytest.raises(CliError) as info:
        run(sample_cli, ["sample", "--seed", "5", "--count", "1", str(path)])
    assert info.value.exit_code == EXIT_CANNOT_RUN
    assert "第 4 行" in str(info.value) and "第 1 行" in str(info.value) and "dup.txt" in str(info.value)


def test_sample_refuses_unreadable_input_and_negative_count(tmp_path: Path) -> None:
    with pytest.raises(CliError, match="无法读取编号文件"):
        run(sample_cli, ["sample", "--seed", "5", "--count", "1", str(tmp_path / "none.txt")])
    gbk = tmp_path / "gbk.txt"
    gbk.write_bytes("抽查对象".encode("gbk"))
    with pytest.raises(CliError, match="UTF-8"):
        run(sample_cli, ["sample", "--seed", "5", "--count", "1", str(gbk)])
    with pytest.raises(CliError, match="负数"):
        run(sample_cli, ["sample", "--seed", "5", "--count", "-1", str(gbk)])


@pytest.fixture
def record_path(tmp_path: Path) -> Path:
    path = tmp_path / "draw.json"
    save_record(combined_record(), path)
    return path


def test_verify_accepts_an_honest_record(record_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(verify_cli, ["verify", str(record_path)]) == 0
    out = capsys.readouterr().out
    assert "风险等级 A · 抽中名单" in out and "不符" not in out and "全部" in out


def test_verify_reports_the_tampered_stratum(record_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = json.loads(record_path.read_text(encoding="utf-8"))
    data["targets"]["strata"][2]["selection"].pop()
    record_path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert run(verify_cli, ["verify", "--quiet", str(record_path)]) == 1
    out = capsys.readouterr().out.splitlines()
    failures = [line for line in out if line.startswith("[不符]")]
    # The stratum that was cut, and the team step whose targets no longer match it.
    assert failures[0].startswith("[不符] 对象抽取 · 风险等级 C · 抽中名单")
    assert "记录列出 2 个" in failures[0]
    assert "对象一致性" in failures[1] and len(failures) == 2
    assert "[一致]" not in "\n".join(out)
    assert out[-1].startswith("结论：2 项不符")


def test_verify_malformed_or_missing_file_exits_2(record_path: Path, tmp_path: Path) -> None:
    data = record_to_json(combined_record())
    del data["targets"]["strata"][0]["population_hash"]
    record_path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(CliError) as info:
        run(verify_cli, ["verify", str(record_path)])
    assert info.value.exit_code == EXIT_CANNOT_RUN
    assert "targets.strata[0].population_hash" in str(info.value) and "draw.json" in str(info.value)

    record_path.write_text("not json", encoding="utf-8")
    with pytest.raises(CliError) as info:
        run(verify_cli, ["verify", str(record_path)])
    assert info.value.exit_code == EXIT_CANNOT_RUN

    with pytest.raises(CliError) as info:
        run(verify_cli, ["verify", str(tmp_path / "absent.json")])
    assert info.value.exit_code == EXIT_CANNOT_RUN


def test_verify_mentions_a_voided_draw(record_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = json.loads(record_path.read_text(encoding="utf-8"))
    data["void"] = {"reason": "见证人未到场", "voided_at": "2025-04-28T10:00:00+08:00", "operator": "王晓明"}
    record_path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert run(verify_cli, ["verify", str(record_path)]) == 0
    assert "已于 2025-04-28T10:00:00+08:00 作废，原因：见证人未到场" in capsys.readouterr().out


def test_verify_refuses_a_target_record_emptied_of_strata(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Deleting every stratum (population and selection) must not leave a record that reads 一致."""
    path = tmp_path / "emptied.json"
    data = record_to_json(combined_record(with_teams=False))
    data["targets"]["strata"] = []
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert run(verify_cli, ["verify", str(path)]) == 1
    out = capsys.readouterr().out
    assert "[不符] 对象抽取" in out and "没有任何分层" in out
    assert "抽取结果可复现" not in out
