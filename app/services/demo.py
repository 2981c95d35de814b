"""The demo county (演示县): a complete, realistic, fictional county to try the whole flow on.

``build_demo_county`` fills an empty database in one unit of work: departments, the real 2020
Hainan item list with derived checkpoints, 一业一查 schemes, inspectors with certificates and
tags, and tens or hundreds of thousands of market entities with codes, licences and tags.
The same seed always gives the same data. Cancelling through the ``Progress`` rolls it all back.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from app.models import (
    Base,
    CheckItem,
    Checkpoint,
    Department,
    IndustryScheme,
    Inspector,
    InspectorCertificate,
    RecusalConflict,
    SchemeItem,
    Tag,
    Target,
    TargetLicence,
)
from app.models.base import utcnow
from app.models.enums import ItemImportance, TagScope, TargetStatus
from app.models.registry import target_tags
from app.services.context import ServiceContext
from app.services.demo_data import (
    CountyConfig,
    InspectorSpec,
    TargetChunk,
    TargetGenerator,
    det_uuid,
    generate_inspectors,
    load_county,
    make_uscc,
    stream,
)
from app.services.demo_items import ItemSpec, SchemeSpec, load_items, load_schemes
from app.services.errors import FieldError, RuleViolation, ValidationError
from app.services.pinyin import initials
from app.services.progress import Progress
from app.services.settings import DEMO_AUDIT_ENTITY, DEMO_DATABASE_KEY, set_setting

if TYPE_CHECKING:
    from app.services.demo_plan import DemoPlanSummary

logger = logging.getLogger(__name__)

DEFAULT_TARGETS = 20_000
DEFAULT_SEED = 2026
# Dates in the demo (licence and certificate validity, declarations) are relative to this day,
# not to today, so that a seed gives the same data whenever it is run.
DEMO_AS_OF = date(2026, 11, 1)
MIN_TARGETS = 100
MAX_TARGETS = 1_000_000
CHUNK = 5_000
RECUSAL_CONFLICTS = 8
# Share of 一般 items that get a ratio cap, and the caps to choose from.
RATIO_CAP_SHARE = 0.75
RATIO_CAPS = (0.03, 0.05, 0.05, 0.08, 0.1)
# Progress units for everything that is not a target row.
_SETUP_UNITS = 500
_INSPECTOR_UNITS = 200


@dataclass(frozen=True)
class DemoSummary:
    """What ``build_demo_county`` created."""

    seed: int
    as_of: date
    departments: int
    targets: int
    target_licences: int
    target_tags: int
    inspectors: int
    experts: int
    certificates: int
    recusal_conflicts: int
    items: int
    checkpoints: int
    schemes: int
    seconds: float

    def counts(self) -> dict[str, int]:
        """The counts under their Chinese labels, for the audit entry and the CLI summary."""
        return {
            "部门": self.departments,
            "检查对象": self.targets,
            "许可证": self.target_licences,
            "对象标签": self.target_tags,
            "检查人员": self.inspectors,
            "其中专家": self.experts,
            "执法证": self.certificates,
            "回避关系": self.recusal_conflicts,
            "抽查事项": self.items,
            "检查要点": self.checkpoints,
            "一业一查方案": self.schemes,
        }


# The Table objects, for Core executemany inserts (typed as Table, unlike ``Model.__table__``).
_TARGETS = Base.metadata.tables[Target.__tablename__]
_LICENCES = Base.metadata.tables[TargetLicence.__tablename__]

_REGISTRY_TABLES: tuple[tuple[str, Any], ...] = (
    ("部门", Department),
    ("检查对象", Target),
    ("检查人员", Inspector),
    ("抽查事项", CheckItem),
    ("一业一查方案", IndustryScheme),
    ("标签", Tag),
)


def _registry_counts(session: Session) -> dict[str, int]:
    return {
        label: int(session.execute(select(func.count()).select_from(model)).scalar_one())
        for label, model in _REGISTRY_TABLES
    }


def is_database_empty(ctx: ServiceContext) -> bool:
    """True when no registry holds anything yet: the GUI then offers the demo county."""
    with ctx.read() as session:
        return not any(_registry_counts(session).values())


def build_demo_county(
    ctx: ServiceContext,
    *,
    targets: int = DEFAULT_TARGETS,
    seed: int = DEFAULT_SEED,
    as_of: date = DEMO_AS_OF,
    progress: Progress | None = None,
) -> DemoSummary:
    """Fill an empty database with the demo county, in one unit of work.

    Args:
        ctx: the service context; its operator is recorded in the audit entry.
        targets: how many market entities to generate (100 to 1,000,000).
        seed: the same seed (and ``as_of``) always gives the same data.
        as_of: the day licence and certificate validity is reckoned from.
        progress: receives progress; cancelling it raises ``Interrupted`` and nothing is kept.

    Raises:
        ValidationError: ``targets`` out of range.
        RuleViolation: the database already holds registry data.
        Interrupted: cancelled through ``progress``.
    """
    if not MIN_TARGETS <= targets <= MAX_TARGETS:
        raise ValidationError(
            [FieldError("检查对象数量", f"应在 {MIN_TARGETS} 到 {MAX_TARGETS:,} 之间，现为 {targets:,}")]
        )
    started = time.perf_counter()
    cfg = load_county()
    items = load_items(cfg)
    schemes = load_schemes(cfg, items)
    total = _SETUP_UNITS + targets + _INSPECTOR_UNITS

    def report(done: int, message: str) -> None:
        if progress is not None:
            progress.update(done=done, total=total, message=message)

    report(0, "正在检查数据库")
    with ctx.write() as session:
        existing = {k: v for k, v in _registry_counts(session).items() if v}
        if existing:
            held = "，".join(f"{k} {v:,} 条" for k, v in existing.items())
            raise RuleViolation(
                f"数据库中已有数据（{held}），演示县只能生成到空数据库中，以免与真实数据混在一起。"
                "请新建一个空数据库（例如 liancha --db 演示.sqlite3 demo）后再生成。"
            )
        report(0, "正在生成部门、抽查事项和一业一查方案")
        departments = _add_departments(session, cfg)
        n_checkpoints = _add_items(session, items, departments, seed=seed)
        _add_schemes(session, schemes, items, departments, seed=seed)
        inspectors = generate_inspectors(cfg, seed=seed, as_of=as_of)
        tag_ids = _add_tags(session, cfg, [i.tags for i in inspectors])
        report(_SETUP_UNITS, "正在生成检查对象")

        generator = TargetGenerator(cfg, seed=seed, as_of=as_of, created_at=utcnow())
        n_licences = n_target_tags = 0
        done = 0
        last_id = 0
        while done < targets:
            chunk = generator.chunk(min(CHUNK, targets - done))
            last_id, licences, tags = _insert_targets(session, chunk, tag_ids, after_id=last_id)
            n_licences += licences
            n_target_tags += tags
            done += len(chunk.rows)
            report(_SETUP_UNITS + done, f"正在生成检查对象（{done:,} / {targets:,}）")

        report(_SETUP_UNITS + targets, "正在生成检查人员")
        n_certs, n_conflicts = _add_inspectors(
            session, cfg, inspectors, departments, tag_ids, seed=seed, as_of=as_of, last_target_id=last_id
        )
        summary = DemoSummary(
            seed=seed,
            as_of=as_of,
            departments=len(departments),
            targets=targets,
            target_licences=n_licences,
            target_tags=n_target_tags,
            inspectors=len(inspectors),
            experts=sum(1 for i in inspectors if i.is_expert),
            certificates=n_certs,
            recusal_conflicts=n_conflicts,
            items=len(items),
            checkpoints=n_checkpoints,
            schemes=len(schemes),
            seconds=0.0,
        )
        counts = summary.counts()
        set_setting(
            session, DEMO_DATABASE_KEY, {"seed": seed, "as_of": as_of.isoformat(), "county": cfg.county}
        )
        ctx.audit(
            session,
            action="create",
            entity=DEMO_AUDIT_ENTITY,
            entity_id=str(seed),
            summary="生成演示县数据：" + "，".join(f"{k} {v:,}" for k, v in counts.items()),
            after={"seed": seed, "as_of": as_of.isoformat(), "county": cfg.county, **counts},
        )
        report(total, "正在保存")
    elapsed = time.perf_counter() - started
    logger.info("demo county built: %d targets in %.1f s", targets, elapsed)
    return replace(summary, seconds=elapsed)


# ---------------------------------------------------------------------------------------------
# Reference data


def _add_departments(session: Session, cfg: CountyConfig) -> dict[str, Department]:
    rng = stream(0, "departments")  # fixed: departments are the same for every seed
    out: dict[str, Department] = {}
    for order, spec in enumerate(cfg.departments, start=1):
        region = cfg.city_code if spec.city_level else cfg.county_code
        # 统一社会信用代码 of a state organ: 1 (机构编制) + 1 (机关).
        code = make_uscc("1", "1", region, f"{rng.randrange(10_000_000, 100_000_000)}")
        dept = Department(
            uid=det_uuid(rng),
            name=spec.name,
            short_name=spec.short_name,
            code=code,
            sort_order=order,
            active=True,
        )
        session.add(dept)
        out[spec.key] = dept
    session.flush()
    return out


def _add_items(
    session: Session, items: Sequence[ItemSpec], departments: dict[str, Department], *, seed: int
) -> int:
    rng = stream(seed, "items")
    n_checkpoints = 0
    for spec in items:
        cap = None
        if spec.importance == ItemImportance.GENERAL and rng.random() < RATIO_CAP_SHARE:
            cap = rng.choice(RATIO_CAPS)
        item = CheckItem(
            uid=det_uuid(rng),
            department_id=departments[spec.department].id,
            seq_no=spec.seq_no,
            category=spec.category,
            name=spec.name,
            target_scope=spec.target_scope,
            importance=spec.importance,
            methods="，".join(spec.methods),
            subject=spec.subject,
            legal_basis=spec.legal_basis,
            ratio_cap=cap,
            active=True,
            checkpoints=[
                Checkpoint(
                    position=n, content=cp.content, method_guide=cp.method_guide, materials=cp.materials
                )
                for n, cp in enumerate(spec.checkpoints, start=1)
            ],
        )
        session.add(item)
        n_checkpoints += len(spec.checkpoints)
    session.flush()
    return n_checkpoints


def _add_schemes(
    session: Session,
    schemes: Sequence[SchemeSpec],
    items: Sequence[ItemSpec],
    departments: dict[str, Department],
    *,
    seed: int,
) -> None:
    rng = stream(seed, "schemes")
    item_ids = {
        (dept_id, name): item_id
        for item_id, dept_id, name in session.execute(
            select(CheckItem.id, CheckItem.department_id, CheckItem.name)
        )
    }
    for spec in schemes:
        ids = [item_ids[(departments[items[i].department].id, items[i].name)] for i in spec.items]
        scheme = IndustryScheme(
            uid=det_uuid(rng),
            industry=spec.industry,
            name=spec.name,
            field=spec.field,
            lead_department_id=departments[spec.lead].id,
            handbook_text=spec.handbook,
            active=True,
            cooperating_departments=[departments[k] for k in spec.cooperating],
            scheme_items=[SchemeItem(item_id=item_id, position=n) for n, item_id in enumerate(ids, start=1)],
        )
        session.add(scheme)
    session.flush()


def _add_tags(
    session: Session, cfg: CountyConfig, inspector_tags: Sequence[Sequence[tuple[str, str]]]
) -> dict[tuple[TagScope, str, str], int]:
    wanted: list[tuple[TagScope, str, str]] = [(TagScope.TARGET, k, n) for k, n in cfg.licence_tags()]
    for tags in inspector_tags:
        for kind, name in tags:
            if (TagScope.INSPECTOR, kind, name) not in wanted:
                wanted.append((TagScope.INSPECTOR, kind, name))
    rows = [Tag(scope=scope, kind=kind, name=name) for scope, kind, name in wanted]
    session.add_all(rows)
    session.flush()
    return {(t.scope, t.kind, t.name): t.id for t in rows}


# ---------------------------------------------------------------------------------------------
# Targets


def _insert_targets(
    session: Session, chunk: TargetChunk, tag_ids: dict[tuple[TagScope, str, str], int], *, after_id: int
) -> tuple[int, int, int]:
    """Insert one chunk with Core executemany; return (highest target id, licences, tags)."""
    session.execute(insert(_TARGETS), chunk.rows)
    # Ids are read back by code rather than assumed: portable to PostgreSQL's sequences.
    id_of = dict(session.execute(select(Target.code, Target.id).where(Target.id > after_id)).all())
    last_id = max(id_of.values())
    if chunk.licences:
        session.execute(
            insert(_LICENCES),
            [
                {"target_id": id_of[code], "name": name, "number": number, "valid_from": vf, "valid_to": vt}
                for code, name, number, vf, vt in chunk.licences
            ],
        )
    pairs = dict.fromkeys((id_of[code], tag_ids[(TagScope.TARGET, *key)]) for code, key in chunk.tags)
    if pairs:
        session.execute(insert(target_tags), [{"target_id": t, "tag_id": g} for t, g in pairs])
    return last_id, len(chunk.licences), len(pairs)


# ---------------------------------------------------------------------------------------------
# Inspectors


def _add_inspectors(
    session: Session,
    cfg: CountyConfig,
    specs: Sequence[InspectorSpec],
    departments: dict[str, Department],
    tag_ids: dict[tuple[TagScope, str, str], int],
    *,
    seed: int,
    as_of: date,
    last_target_id: int,
) -> tuple[int, int]:
    """Add the inspectors and a few recusal conflicts; return (certificates, conflicts)."""
    tags = {key: session.get(Tag, tag_id) for key, tag_id in tag_ids.items()}
    people: list[Inspector] = []
    n_certs = 0
    for spec in specs:
        ins = Inspector(
            uid=spec.uid,
            department_id=departments[spec.department].id,
            staff_no=spec.staff_no,
            name=spec.name,
            name_initials=initials(spec.name),
            gender=spec.gender,
            id_number=spec.id_number,
            phone=spec.phone,
            education=spec.education,
            major=spec.major,
            post_category=spec.post_category,
            post_since=spec.post_since,
            qualifications=spec.qualifications,
            enforcement_scope=spec.enforcement_scope,
            region=spec.region,
            level=spec.level,
            title=spec.title,
            unit=spec.unit,
            is_expert=spec.is_expert,
            active=spec.active,
            note=spec.note,
            certificates=[
                InspectorCertificate(
                    kind=c.kind,
                    number=c.number,
                    issuer=c.issuer,
                    valid_from=c.valid_from,
                    valid_to=c.valid_to,
                )
                for c in spec.certificates
            ],
            tags=[tags[(TagScope.INSPECTOR, kind, name)] for kind, name in spec.tags],
        )
        n_certs += len(spec.certificates)
        session.add(ins)
        people.append(ins)
    session.flush()

    # A few declared conflicts of interest with existing targets in the inspector's own area.
    rng = stream(seed, "recusal")
    candidates = [p for p in people if p.active and not p.is_expert and p.certificates]
    chosen = rng.sample(candidates, k=min(RECUSAL_CONFLICTS, len(candidates)))
    first_id = int(session.execute(select(func.min(Target.id))).scalar_one())
    n_conflicts = 0
    for person in chosen:
        target_id = _conflict_target(session, rng, person.region, first_id, last_target_id)
        session.add(
            RecusalConflict(
                inspector_id=person.id,
                target_id=target_id,
                reason=rng.choice(cfg.recusal_reasons),
                declared_on=as_of - timedelta(days=rng.randint(30, 700)),
            )
        )
        n_conflicts += 1
    session.flush()
    return n_certs, n_conflicts


def _conflict_target(session: Session, rng: Any, region: str, first_id: int, last_id: int) -> int:
    """An active target, in the inspector's town where he works in one, else anywhere."""
    start = rng.randint(first_id, last_id)
    query = select(Target.id).where(Target.status == TargetStatus.ACTIVE, Target.id >= start)
    local = session.execute(query.where(Target.region == region).order_by(Target.id).limit(1)).scalar()
    if local is not None:
        return int(local)
    anywhere = session.execute(query.order_by(Target.id).limit(1)).scalar()
    if anywhere is None:
        anywhere = session.execute(select(func.min(Target.id))).scalar_one()
    return int(anywhere)


def build_demo_plan(ctx: ServiceContext, *, year: int) -> DemoPlanSummary:
    """The demo county's annual plan with one task of each kind (see ``app.services.demo_plan``)."""
    from app.services.demo_plan import build_demo_plan as build

    return build(ctx, year=year)
