"""Property tests of the target draw through the services: any registry, any ratios, any seed.

Each example builds its own small county in a fresh database, optionally draws a first task
(so the frequency rules have history to act on), then draws a second task and checks the
rules of DOMAIN.md / DRAW.md against an independent computation and the reference sampler.
"""

from __future__ import annotations

import json
import math
import tempfile
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from consistent_sampler import sampler
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from app.db import open_database
from app.draw.record import SeedMethod, record_from_json, verify_record
from app.models.enums import RiskClass
from app.services.context import ServiceContext
from app.services.draws import SeedEntry, draw_record_text, draw_task_targets, drawn_targets
from app.services.errors import RuleViolation
from app.services.tasks import create_task
from tests.factories import build_mini_county, joint_task_data

CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
SEEDS = st.one_of(
    st.text(alphabet="0123456789", min_size=1, max_size=24),
    st.text(alphabet=CJK, min_size=1, max_size=8),
    st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=16).filter(
        lambda s: s.strip() == s and s
    ),
)
RATIO = st.integers(1, 100).map(lambda p: Decimal(p) / Decimal(100))  # ≤ the food item's 30% cap below


# Each example builds a database: few examples, and no long shrinking of a failure.
@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)
@given(
    counts=st.dictionaries(st.sampled_from(list(RiskClass)), st.integers(0, 12), min_size=1),
    first_ratios=st.one_of(st.none(), st.dictionaries(st.sampled_from(list(RiskClass)), RATIO, min_size=1)),
    ratios=st.dictionaries(st.sampled_from(list(RiskClass)), RATIO, min_size=1),
    seed=SEEDS,
    override=st.booleans(),
)
def test_target_draw_rules_hold_for_any_registry_and_seed(
    counts: dict[RiskClass, int],
    first_ratios: dict[RiskClass, Decimal] | None,
    ratios: dict[RiskClass, Decimal],
    seed: str,
    override: bool,
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        db = open_database(str(Path(folder) / "p.sqlite3"))
        try:
            ctx = ServiceContext(db=db, operator="测试员")
            # Only the key (uncapped) item, so any ratio up to 100% is allowed.
            county = build_mini_county(ctx, targets_per_class=counts)
            key_only = {"item_ids": (county.items["fire"],), "mode": joint_task_data(county).mode}
            previously: set[int] = set()
            if first_ratios is not None and any(counts.get(r, 0) for r in first_ratios):
                first = create_task(
                    ctx, joint_task_data(county, name="先行任务", ratios=first_ratios, **key_only)
                )
                draw_task_targets(ctx, first, seed=SeedEntry("先行" + seed, SeedMethod.OTHER))
                previously = {t.target_id for t in drawn_targets(ctx, first)}
            task = create_task(
                ctx,
                joint_task_data(
                    county,
                    ratios=ratios,
                    frequency_override_reason="上级交办" if override else "",
                    **key_only,
                ),
            )
            # The expected stratum sizes, computed independently of the population code.
            sizes = {}
            for risk in ratios:
                excluded = (
                    0 if override else sum(1 for t in previously if _class_of(county, counts, t) == risk)
                )
                sizes[risk] = counts.get(risk, 0) - excluded
            if not any(sizes.values()):
                # Nothing to draw from: refused, and nothing recorded.
                with pytest.raises(RuleViolation, match="没有可抽取的对象"):
                    draw_task_targets(ctx, task, seed=SeedEntry(seed, SeedMethod.OTHER))
                assert drawn_targets(ctx, task) == []
                return
            row = draw_task_targets(ctx, task, seed=SeedEntry(seed, SeedMethod.OTHER))
            record = record_from_json(json.loads(draw_record_text(ctx, row.id)))
            assert verify_record(record).ok
            assert record.targets is not None
            drawn = {t.target_id for t in drawn_targets(ctx, task)}
            # Every target drawn before is excluded here (all default limits are hit on the same
            # day), unless the task overrides the limits with a reason; deregistered ones never.
            if not override:
                assert not drawn & previously
            assert drawn <= set(county.targets)  # never the deregistered target
            assert {s.stratum for s in record.targets.strata} == {r.value for r in ratios}
            for stratum in record.targets.strata:
                risk = RiskClass(stratum.stratum)
                size = len(stratum.population_ids)
                assert size == sizes[risk]
                expected_size = min(size, math.ceil(Fraction(ratios[risk]) * size))
                assert stratum.sample_size == expected_size
                if expected_size:
                    reference = list(
                        sampler(list(stratum.population_ids), seed=seed, take=expected_size, output="id")
                    )
                    assert [t.id for t in stratum.selection] == reference
                else:
                    assert stratum.selection == ()
            assert len(drawn) == sum(s.sample_size for s in record.targets.strata)
        finally:
            db.dispose()


def _class_of(county: object, counts: dict[RiskClass, int], target_id: int) -> RiskClass:
    """The risk class build_mini_county gave a target: classes are filled in the dict's order."""
    targets: list[int] = county.targets  # type: ignore[attr-defined]
    index = targets.index(target_id)
    for risk, count in counts.items():
        if index < count:
            return risk
        index -= count
    raise AssertionError(target_id)
