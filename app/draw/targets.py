"""Stratified draw of targets: one consistent sample per risk class, all with the same seed.

Exclusions (frequency cap reached, deregistered, recently inspected, out of scope) are
decided upstream; they are carried onto the result with their reasons so that the
population can be reproduced, and they are never drawn.
"""

from __future__ import annotations

import itertools
import logging
import math
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, localcontext
from fractions import Fraction

from app.draw.errors import DrawParameterError
from app.draw.population import Population, check_id, populations
from app.draw.sampling import ALGORITHM_NAME, ALGORITHM_VERSION, Ticketed, sample

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CandidateTarget:
    """A target in the task's scope, not excluded.

    Attributes:
        id: Stable registry id (USCC, else 注册号, else the registry's permanent id).
        risk_class: Stratum key, normally ``"A"`` … ``"D"``.
    """

    id: str
    risk_class: str


@dataclass(frozen=True, slots=True)
class Exclusion:
    """A target in scope that is not drawn, with the reason decided upstream.

    Attributes:
        id: The target's id.
        reason: Why it is left out, in words a reader of the record understands.
        risk_class: Its risk class when known, so the record shows which stratum lost it.
    """

    id: str
    reason: str
    risk_class: str = ""


def parse_ratio(value: Decimal | str) -> Decimal:
    """Return a ratio as an exact Decimal in [0, 1].

    Floats are refused: ``ceil(0.07 * 100)`` is 8 in binary floating point.

    Args:
        value: A Decimal or a decimal string such as ``"0.05"``.

    Returns:
        The ratio.

    Raises:
        DrawParameterError: If the value is a float, not a number, or outside [0, 1].
    """
    if isinstance(value, Decimal):
        ratio = value
    elif isinstance(value, str):
        try:
            ratio = Decimal(value.strip())
        except ArithmeticError:
            raise DrawParameterError(
                f"抽查比例「{value}」不是有效的小数，例如应写作 0.05", field="ratio"
            ) from None
    else:
        raise DrawParameterError(
            f'抽查比例必须以小数文本给出（例如 "0.05"），不接受 {type(value).__name__}', field="ratio"
        )
    if not ratio.is_finite() or ratio < 0 or ratio > 1:
        raise DrawParameterError(f"抽查比例 {value} 超出 0 到 1 的范围", field="ratio")
    return ratio


@dataclass(frozen=True, slots=True)
class StratumRule:
    """How many to draw from one stratum: a ratio (rounded up) or a fixed count.

    Attributes:
        stratum: The stratum key (risk class).
        ratio: Share of the stratum to draw; the size is ``ceil(ratio × stratum size)``.
        count: Fixed number to draw instead of a ratio.
    """

    stratum: str
    ratio: Decimal | None = None
    count: int | None = None

    def __post_init__(self) -> None:
        if (self.ratio is None) == (self.count is None):
            raise DrawParameterError(
                f"风险等级「{self.stratum}」须给出抽查比例或固定数量之一（不能都给或都不给）"
            )
        if self.ratio is not None:
            object.__setattr__(self, "ratio", parse_ratio(self.ratio))
        if self.count is not None and (
            isinstance(self.count, bool) or not isinstance(self.count, int) or self.count < 0
        ):
            raise DrawParameterError(
                f"风险等级「{self.stratum}」的固定抽取数量必须是非负整数：{self.count!r}", field="count"
            )


def sample_size(rule: StratumRule, population_size: int) -> tuple[int, str]:
    """Return the number to draw from a stratum and the rounding note for the record.

    Args:
        rule: The stratum's rule.
        population_size: Number of candidates in the stratum.

    Returns:
        The sample size and a note in Chinese explaining how it was obtained.
    """
    if rule.ratio is not None:
        exact = Fraction(rule.ratio) * population_size
        size = math.ceil(exact)
        with localcontext() as context:
            context.prec = 60  # enough for any ratio × size shown exactly
            product = (rule.ratio * population_size).normalize()
        shown = f"{product:f}"
        if exact == size:
            return size, f"比例 {rule.ratio} × 总体 {population_size} 个 = {shown}，抽取 {size} 个"
        return size, f"比例 {rule.ratio} × 总体 {population_size} 个 = {shown}，向上取整为 {size} 个"
    assert rule.count is not None
    if rule.count > population_size:
        return population_size, f"固定抽取 {rule.count} 个，但本层只有 {population_size} 个，全部抽取"
    return rule.count, f"固定抽取 {rule.count} 个"


@dataclass(frozen=True, slots=True)
class StratumDraw:
    """The draw of one stratum, with everything needed to re-run it.

    Attributes:
        stratum: Stratum key (risk class).
        population_size: Number of candidates in the stratum.
        population_ids: The stratum's candidate ids in code-point order.
        population_hash: SHA-256 of ``"\\n".join(population_ids)``.
        ratio: The ratio used, or None for a fixed count.
        fixed_count: The fixed count asked for, or None for a ratio.
        sample_size: Number drawn.
        rounding_note: How ``sample_size`` follows from the rule.
        selection: The drawn ids with tickets, in ticket order.
    """

    stratum: str
    population_size: int
    population_ids: tuple[str, ...]
    population_hash: str
    ratio: Decimal | None
    fixed_count: int | None
    sample_size: int
    rounding_note: str
    selection: tuple[Ticketed, ...]


@dataclass(frozen=True, slots=True)
class TargetDraw:
    """A complete stratified target draw.

    Attributes:
        seed: The seed string, exactly as entered.
        algorithm: ``ALGORITHM_NAME`` at the time of the draw.
        algorithm_version: ``ALGORITHM_VERSION`` at the time of the draw.
        strata: One entry per stratum, in key order.
        exclusions: Targets in scope that were not drawn, with reasons, sorted by id.
    """

    seed: str
    algorithm: str
    algorithm_version: str
    strata: tuple[StratumDraw, ...]
    exclusions: tuple[Exclusion, ...]

    @property
    def selected_ids(self) -> tuple[str, ...]:
        """Every drawn id: strata in key order, each in ticket order."""
        return tuple(item.id for stratum in self.strata for item in stratum.selection)


def draw_stratum(*, stratum: str, population: Population, rule: StratumRule, seed: str) -> StratumDraw:
    """Draw one stratum whose population is already fixed.

    Args:
        stratum: Stratum key.
        population: The stratum's ids, sorted and hashed.
        rule: How many to draw.
        seed: The seed string.

    Returns:
        The stratum's draw.
    """
    size, note = sample_size(rule, population.size)
    return StratumDraw(
        stratum=stratum,
        population_size=population.size,
        population_ids=population.ids,
        population_hash=population.hash,
        ratio=rule.ratio,
        fixed_count=rule.count,
        sample_size=size,
        rounding_note=note,
        selection=tuple(sample(population.ids, seed, size, known_distinct=True)),
    )


def draw_targets(
    *,
    candidates: Iterable[CandidateTarget],
    rules: Iterable[StratumRule],
    seed: str,
    exclusions: Iterable[Exclusion] = (),
) -> TargetDraw:
    """Draw targets stratum by stratum with one seed.

    Args:
        candidates: Targets in scope after exclusions; each id once.
        rules: One rule per risk class that may occur; a rule without candidates gives an
            empty stratum on the record.
        seed: The seed string (fixed after the population, see DRAW.md).
        exclusions: Targets left out upstream, with reasons; recorded, never drawn.

    Returns:
        The draw, ready to be written on a record.

    Raises:
        DrawParameterError: A candidate's risk class has no rule, a rule is repeated, an
            exclusion has no reason or is also a candidate, or the seed is empty.
        InvalidIdError: An id cannot be listed one per line.
        DuplicateIdError: An id occurs twice among candidates or among exclusions.
    """
    if not isinstance(seed, str) or not seed:
        raise DrawParameterError("种子不能为空", field="seed")
    rule_by_stratum: dict[str, StratumRule] = {}
    for rule in rules:
        if rule.stratum in rule_by_stratum:
            raise DrawParameterError(f"风险等级「{rule.stratum}」的抽查比例重复设定", field="rules")
        rule_by_stratum[rule.stratum] = rule
    groups: dict[str, list[str]] = {key: [] for key in rule_by_stratum}
    for candidate in candidates:
        groups.setdefault(candidate.risk_class, []).append(candidate.id)
    missing = sorted(groups.keys() - rule_by_stratum.keys())
    if missing:
        raise DrawParameterError(
            f"风险等级 {'、'.join(missing)} 有检查对象但没有设定抽查比例或数量，请在任务中补充", field="rules"
        )
    strata = populations(groups)

    excluded = sorted(exclusions, key=lambda e: e.id)
    for exclusion, following in itertools.pairwise(excluded):
        if exclusion.id == following.id:
            raise DrawParameterError(f"排除名单中对象 {exclusion.id} 出现两次", field="exclusions")
    # Built only when needed: a set over 200,000 ids is a tenth of the draw's time.
    candidate_ids = {id_ for population in strata.values() for id_ in population.ids} if excluded else set()
    for exclusion in excluded:
        check_id(exclusion.id)
        if not exclusion.reason.strip():
            raise DrawParameterError(f"排除对象 {exclusion.id} 没有填写排除原因", field="exclusions")
        if exclusion.id in candidate_ids:
            raise DrawParameterError(f"对象 {exclusion.id} 既在排除名单中又在抽取总体中", field="exclusions")

    results = tuple(
        draw_stratum(stratum=key, population=population, rule=rule_by_stratum[key], seed=seed)
        for key, population in strata.items()
    )
    logger.info(
        "target draw: %d strata, %d candidates, %d selected, %d excluded",
        len(results),
        sum(len(r.population_ids) for r in results),
        sum(r.sample_size for r in results),
        len(excluded),
    )
    return TargetDraw(
        seed=seed,
        algorithm=ALGORITHM_NAME,
        algorithm_version=ALGORITHM_VERSION,
        strata=results,
        exclusions=tuple(excluded),
    )
