"""Shared data and payload builders of the results tests (fixtures are in conftest.py)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from app.draw.record import SeedMethod
from app.services.context import ServiceContext
from app.services.draws import SeedEntry, draw_task_inspectors, draw_task_targets, drawn_targets
from app.services.results import CheckpointFinding, OnSiteInspector, ResultPayload, entry_form
from tests.factories import MiniCounty

SEED = SeedEntry("27182818284590452353", SeedMethod.DICE, "测试")
INSPECTED_ON = date(2026, 5, 12)
TODAY = date(2026, 11, 23)


@dataclass(frozen=True)
class Drawn:
    """What the template database holds."""

    county: MiniCounty
    public_task: int
    classified_task: int
    private_task: int  # not public, not classified, drawn
    undrawn_task: int
    public_inspections: tuple[int, ...]
    classified_inspections: tuple[int, ...]
    private_inspections: tuple[int, ...]


@dataclass
class ResultsEnv:
    ctx: ServiceContext
    drawn: Drawn
    db_url: str


def draw_both(ctx: ServiceContext, task_id: int) -> tuple[int, ...]:
    draw_task_targets(ctx, task_id, seed=SEED)
    draw_task_inspectors(ctx, task_id, seed=SEED)
    return tuple(t.inspection_id for t in drawn_targets(ctx, task_id))


def good_payload(ctx: ServiceContext, inspection_id: int, **changes: object) -> ResultPayload:
    """A complete, valid 未发现问题 result with the whole team on site and every checkpoint ticked."""
    form = entry_form(ctx, inspection_id)
    payload = ResultPayload(
        inspection_date=INSPECTED_ON,
        methods=("1",),
        categories=("1",),
        measures=("1",),
        findings=tuple(CheckpointFinding(cp.id, True, False) for cp in form.checkpoints),
        inspectors=tuple(OnSiteInspector(m.inspector_id) for m in form.team),
    )
    return replace(payload, **changes)  # type: ignore[arg-type]


def problem_payload(ctx: ServiceContext, inspection_id: int, **changes: object) -> ResultPayload:
    """A valid result with a problem pending follow-up (未按规定公示应当公示的信息, 责令改正)."""
    form = entry_form(ctx, inspection_id)
    findings = [CheckpointFinding(cp.id, True, False) for cp in form.checkpoints]
    findings[0] = CheckpointFinding(form.checkpoints[0].id, True, True, "食品经营许可证已过期")
    base = good_payload(
        ctx,
        inspection_id,
        categories=("B",),
        measures=("3",),
        problems="食品经营许可证已过期，责令十五日内改正",
        findings=tuple(findings),
    )
    return replace(base, **changes)  # type: ignore[arg-type]
