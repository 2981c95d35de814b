"""Stratified target draw."""

from __future__ import annotations

from decimal import Decimal

import consistent_sampler
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.draw.errors import DrawParameterError
from app.draw.population import population_hash
from app.draw.sampling import ALGORITHM_NAME, ALGORITHM_VERSION, ticket_order
from app.draw.targets import (
    CandidateTarget,
    Exclusion,
    StratumRule,
    draw_targets,
    parse_ratio,
    sample_size,
)


def candidates(counts: dict[str, int]) -> list[CandidateTarget]:
    return [
        CandidateTarget(id=f"9133{risk}{n:013d}", risk_class=risk)
        for risk, count in counts.items()
        for n in range(count)
    ]


def test_ratio_is_rounded_up_exactly() -> None:
    # 0.07 × 100 is 7.000000000000001 in binary floating point; the draw must say 7.
    assert sample_size(StratumRule("A", ratio=Decimal("0.07")), 100)[0] == 7
    assert sample_size(StratumRule("A", ratio=Decimal("0.05")), 123) == (
        7,
        "比例 0.05 × 总体 123 个 = 6.15，向上取整为 7 个",
    )
    assert sample_size(StratumRule("A", ratio=Decimal("0.1")), 50) == (
        5,
        "比例 0.1 × 总体 50 个 = 5，抽取 5 个",
    )
    assert sample_size(StratumRule("A", ratio=Decimal("0.001")), 1)[0] == 1
    assert sample_size(StratumRule("A", ratio=Decimal("0")), 1000)[0] == 0
    assert sample_size(StratumRule("A", ratio=Decimal("1")), 17)[0] == 17
    assert sample_size(StratumRule("A", ratio=Decimal("0.03")), 0)[0] == 0


def test_fixed_count_and_its_note() -> None:
    assert sample_size(StratumRule("D", count=10), 40) == (10, "固定抽取 10 个")
    assert sample_size(StratumRule("D", count=10), 3) == (3, "固定抽取 10 个，但本层只有 3 个，全部抽取")


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"ratio": Decimal("0.1"), "count": 3},
        {"ratio": Decimal("1.5")},
        {"ratio": Decimal("-0.1")},
        {"ratio": 0.05},
        {"ratio": "abc"},
        {"ratio": Decimal("NaN")},
        {"count": -1},
        {"count": True},
    ],
)
def test_bad_rules_are_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(DrawParameterError):
        StratumRule("A", **kwargs)  # type: ignore[arg-type]


def test_ratio_strings_are_accepted() -> None:
    assert parse_ratio(" 0.05 ") == Decimal("0.05")
    assert StratumRule("A", ratio="0.2").ratio == Decimal("0.2")  # type: ignore[arg-type]


def test_each_stratum_is_drawn_with_the_same_seed_and_recorded() -> None:
    pool = candidates({"A": 200, "B": 120, "C": 30, "D": 7})
    rules = [
        StratumRule("A", ratio=Decimal("0.02")),
        StratumRule("B", ratio=Decimal("0.05")),
        StratumRule("C", ratio=Decimal("0.1")),
        StratumRule("D", count=5),
    ]
    seed = "93841726503918274650"
    draw = draw_targets(candidates=pool, rules=rules, seed=seed)
    assert (draw.algorithm, draw.algorithm_version) == (ALGORITHM_NAME, ALGORITHM_VERSION)
    assert [s.stratum for s in draw.strata] == ["A", "B", "C", "D"]
    assert [s.sample_size for s in draw.strata] == [4, 6, 3, 5]
    for stratum in draw.strata:
        ids = sorted(c.id for c in pool if c.risk_class == stratum.stratum)
        assert stratum.population_ids == tuple(ids)
        assert stratum.population_size == len(ids)
        assert stratum.population_hash == population_hash(ids)
        reference = list(consistent_sampler.sampler(ids, seed=seed, take=stratum.sample_size, output="id"))
        assert [t.id for t in stratum.selection] == reference
    assert len(draw.selected_ids) == 18


def test_rule_without_candidates_gives_an_empty_recorded_stratum() -> None:
    draw = draw_targets(
        candidates=candidates({"A": 3}),
        rules=[StratumRule("A", ratio=Decimal("0.5")), StratumRule("D", ratio=Decimal("1"))],
        seed="1",
    )
    empty = draw.strata[1]
    assert (empty.stratum, empty.population_size, empty.sample_size, empty.selection) == ("D", 0, 0, ())
    assert empty.population_hash == population_hash([])


def test_exclusions_are_recorded_and_never_drawn() -> None:
    exclusions = [
        Exclusion(id="91330000000000000X", reason="本年度抽查次数已达上限", risk_class="A"),
        Exclusion(id="91330000000000000Y", reason="已注销"),
    ]
    draw = draw_targets(
        candidates=candidates({"A": 5}),
        rules=[StratumRule("A", ratio=Decimal("1"))],
        seed="5",
        exclusions=exclusions,
    )
    assert [e.id for e in draw.exclusions] == ["91330000000000000X", "91330000000000000Y"]
    assert not set(draw.selected_ids) & {e.id for e in exclusions}


@pytest.mark.parametrize(
    ("exclusions", "needle"),
    [
        ([Exclusion(id="9133A0000000000000", reason="重复检查")], "既在排除名单中又在抽取总体中"),
        ([Exclusion(id="X1", reason=" ")], "没有填写排除原因"),
        ([Exclusion(id="X1", reason="a"), Exclusion(id="X1", reason="b")], "出现两次"),
    ],
)
def test_inconsistent_exclusions_are_refused(exclusions: list[Exclusion], needle: str) -> None:
    with pytest.raises(DrawParameterError, match=needle):
        draw_targets(
            candidates=candidates({"A": 2}),
            rules=[StratumRule("A", ratio=Decimal("1"))],
            seed="5",
            exclusions=exclusions,
        )


def test_missing_or_repeated_rule_and_empty_seed_are_refused() -> None:
    with pytest.raises(DrawParameterError, match="风险等级 B"):
        draw_targets(candidates=candidates({"A": 1, "B": 1}), rules=[StratumRule("A", count=1)], seed="1")
    with pytest.raises(DrawParameterError, match="重复"):
        draw_targets(
            candidates=candidates({"A": 1}),
            rules=[StratumRule("A", count=1), StratumRule("A", count=2)],
            seed="1",
        )
    with pytest.raises(DrawParameterError, match="种子"):
        draw_targets(candidates=candidates({"A": 1}), rules=[StratumRule("A", count=1)], seed="")


@settings(max_examples=40, deadline=None)
@given(
    assignment=st.lists(st.sampled_from("ABCD"), min_size=1, max_size=120),
    seed=st.text(min_size=1, max_size=20),
    counts=st.fixed_dictionaries({k: st.integers(0, 40) for k in "ABCD"}),
)
def test_stratum_selection_is_the_population_ticket_order_filtered(
    assignment: list[str], seed: str, counts: dict[str, int]
) -> None:
    pool = [CandidateTarget(id=f"T{n:05d}", risk_class=risk) for n, risk in enumerate(assignment)]
    draw = draw_targets(
        candidates=pool, rules=[StratumRule(k, count=c) for k, c in counts.items()], seed=seed
    )
    order = ticket_order([c.id for c in pool], seed)
    for stratum in draw.strata:
        members = set(stratum.population_ids)
        assert list(stratum.selection) == [t for t in order if t.id in members][: counts[stratum.stratum]]
