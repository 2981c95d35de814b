"""Benchmark: a stratified target draw over 200,000 targets against the bare computation.

The baseline, measured in the same run, is the least any implementation must do: the
SHA-256 tickets of the same ids and a heapq selection of the same sizes. The draw adds
validation, sorting and hashing of each stratum's id list, and the frozen result.
Goal: ratio ≤ 2 and the draw under 1 s.

Run: ``python -m tests.benchmarks.bench_draw`` or ``pytest tests/benchmarks/bench_draw.py -s``.
"""

from __future__ import annotations

import hashlib
import heapq
import math
import random
import time
from collections.abc import Callable
from decimal import Decimal

import pytest

from app.draw.sampling import sample
from app.draw.targets import CandidateTarget, StratumRule, draw_targets

TARGETS = 200_000
SEED = "38402917465019283746"
RATIOS = {"A": Decimal("0.02"), "B": Decimal("0.05"), "C": Decimal("0.1"), "D": Decimal("0.2")}
SHARES = {"A": 0.55, "B": 0.3, "C": 0.12, "D": 0.03}  # a typical county's risk profile


def make_candidates(n: int) -> list[CandidateTarget]:
    rng = random.Random(1)
    classes = rng.choices(list(SHARES), weights=list(SHARES.values()), k=n)
    serials = rng.sample(range(16**10), n)
    return [
        CandidateTarget(id=f"913301{s:010X}{r}X", risk_class=r) for s, r in zip(serials, classes, strict=True)
    ]


def bare(strata: dict[str, list[str]]) -> list[list[tuple[str, str]]]:
    """Tickets and heap selection only: the floor for any implementation."""
    prefix = hashlib.sha256(SEED.encode()).hexdigest().encode()
    chosen = []
    for key, ids in strata.items():
        tickets = [
            (str(int.from_bytes(hashlib.sha256(prefix + i.encode()).digest(), "big")).zfill(64)[::-1], i)
            for i in ids
        ]
        chosen.append(heapq.nsmallest(math.ceil(RATIOS[key] * len(ids)), tickets))
    return chosen


def best_of(runs: int, function: Callable[[], object]) -> tuple[float, object]:
    best = math.inf
    result: object = None
    for _ in range(runs):
        start = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - start)
    return best, result


def measure(runs: int = 3) -> dict[str, float]:
    candidates = make_candidates(TARGETS)
    strata: dict[str, list[str]] = {}
    for c in candidates:
        strata.setdefault(c.risk_class, []).append(c.id)
    rules = [StratumRule(k, ratio=v) for k, v in RATIOS.items()]

    bare_time, bare_result = best_of(runs, lambda: bare(strata))
    draw_time, draw = best_of(runs, lambda: draw_targets(candidates=candidates, rules=rules, seed=SEED))

    # Same selection from both, or the comparison means nothing.
    assert [[i for _, i in s] for s in bare_result] == [  # type: ignore[attr-defined]
        [t.id for t in s.selection]
        for s in sorted(draw.strata, key=lambda s: list(strata).index(s.stratum))  # type: ignore[attr-defined]
    ]
    big = [f"91330100MA{n:08X}" for n in range(500_000)]
    sample_time, _ = best_of(1, lambda: sample(big, SEED, 25_000))
    return {"bare": bare_time, "draw": draw_time, "ratio": draw_time / bare_time, "sample_500k": sample_time}


def report(figures: dict[str, float]) -> None:
    print(f"stratified draw, {TARGETS:,} targets in 4 strata (best of 3)")
    print(f"  bare tickets + heapq : {figures['bare']:.3f} s")
    print(f"  draw_targets         : {figures['draw']:.3f} s")
    print(f"  ratio                : {figures['ratio']:.2f}x   (goal <= 2x and < 1 s)")
    print(f"sample(500,000 ids, take 25,000): {figures['sample_500k']:.3f} s")


@pytest.mark.benchmark
def test_bench_draw() -> None:
    report(measure())


if __name__ == "__main__":
    report(measure())
