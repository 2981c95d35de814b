"""A small county built through the services: for UI tests and screenshots (not the demo county)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date

from app.models.enums import ItemImportance, RiskClass, TargetKind, TargetStatus
from app.services.context import ServiceContext
from app.services.departments import create_department
from app.services.identifiers import uscc_check_char
from app.services.inspectors import CertificateData, ConflictData, InspectorData, create_inspector
from app.services.items import CheckpointData, ItemData, create_item
from app.services.schemes import SchemeData, create_scheme
from app.services.targets import LicenceData, TargetData, create_target
from tests.benchmarks.bulk import BRAND_CHARS, COUNTY, GIVEN, INDUSTRY_WORDS, REGIONS, SURNAMES

DEPARTMENTS = (
    ("青川县市场监督管理局", "县市场监管局"),
    ("青川县卫生健康局", "县卫健局"),
    ("青川县应急管理局", "县应急局"),
    ("青川县消防救援大队", "县消防大队"),
    ("青川县生态环境局", "县生态环境局"),
    ("青川县交通运输局", "县交通局"),
)

ITEMS = (
    (0, "食品销售者持证情况和场所环境检查", ItemImportance.KEY, ("实地核查",), "食品销售者"),
    (0, "餐饮服务提供者食品安全检查", ItemImportance.KEY, ("实地核查",), "餐饮服务提供者"),
    (0, "药品零售企业经营行为检查", ItemImportance.KEY, ("实地核查", "书面检查"), "药品零售企业"),
    (0, "企业公示信息情况检查", ItemImportance.GENERAL, ("书面检查", "网络监测"), "企业"),
    (0, "计量器具使用情况检查", ItemImportance.GENERAL, ("实地核查",), "加油站"),
    (1, "公共场所卫生检查", ItemImportance.GENERAL, ("实地核查",), "住宿场所"),
    (1, "生活饮用水卫生检查", ItemImportance.GENERAL, ("实地核查",), "供水单位"),
    (2, "危险化学品经营安全检查", ItemImportance.KEY, ("实地核查",), "危险化学品经营单位"),
    (2, "加油站安全生产检查", ItemImportance.KEY, ("实地核查",), "加油站"),
    (3, "消防安全检查", ItemImportance.GENERAL, ("实地核查",), "人员密集场所"),
    (4, "排污许可执行情况检查", ItemImportance.GENERAL, ("实地核查", "书面检查"), "排污单位"),
    (5, "道路运输经营行为检查", ItemImportance.GENERAL, ("书面检查",), "道路运输企业"),
)

CHECKPOINTS = (
    ("是否取得有效许可证并在经营场所显著位置悬挂", "查看许可证原件，核对许可范围", "许可证"),
    ("从业人员是否持有有效健康证明", "抽查在岗人员健康证明", "健康证明"),
    ("经营场所环境是否整洁，设施是否正常运行", "现场查看", ""),
    ("进货查验记录是否完整", "查阅近三个月进货台账", "进货台账、票据"),
)


@dataclass
class SampleCounty:
    """Ids of what was created."""

    departments: list[int] = field(default_factory=list)
    targets: list[int] = field(default_factory=list)
    inspectors: list[int] = field(default_factory=list)
    items: list[int] = field(default_factory=list)
    schemes: list[int] = field(default_factory=list)


def make_uscc(serial: int) -> str:
    """A valid 统一社会信用代码 for a sample target."""
    body = f"9151082{serial:09d}"[:16] + "X"
    return body + uscc_check_char(body)


def populate_sample(ctx: ServiceContext, *, targets: int = 120, seed: int = 1) -> SampleCounty:
    """Create departments, targets, inspectors (with experts), items with checkpoints and schemes."""
    rng = random.Random(seed)
    out = SampleCounty()
    for name, short in DEPARTMENTS:
        out.departments.append(create_department(ctx, name=name, short_name=short))
    industries = list(INDUSTRY_WORDS)
    for n in range(targets):
        industry = rng.choice(industries)
        region = rng.choice(REGIONS)
        word = rng.choice(INDUSTRY_WORDS[industry])
        brand = rng.choice(BRAND_CHARS) + rng.choice(BRAND_CHARS)
        suffix = rng.choice(("有限公司", "店", "经营部"))
        tags: list[tuple[str, str]] = [("地域", region)]
        if rng.random() < 0.2:
            tags.append(("重点监管", "重点监管对象"))
        licences: tuple[LicenceData, ...] = ()
        if industry in ("餐饮", "食品销售"):
            tags.append(("许可类别", "食品经营许可"))
            licences = (
                LicenceData("食品经营许可证", f"JY1510822{n:06d}", date(2023, 1, 1), date(2028, 1, 1)),
            )
        out.targets.append(
            create_target(
                ctx,
                TargetData(
                    name=f"{COUNTY}{region[:2]}{brand}{word}{suffix}",
                    code=make_uscc(n + 1),
                    kind=TargetKind.INDIVIDUAL if suffix == "店" else TargetKind.ENTERPRISE,
                    legal_rep=rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
                    phone=f"138{rng.randrange(10**8):08d}",
                    address=f"{COUNTY}{region}{rng.randrange(1, 200)}号",
                    reg_authority=f"{COUNTY}市场监督管理局",
                    jurisdiction=f"{COUNTY}市场监督管理局{region[:2]}所",
                    region=region,
                    industry=industry,
                    risk_class=rng.choice(list(RiskClass)),
                    status=TargetStatus.ACTIVE if rng.random() < 0.95 else TargetStatus.DEREGISTERED,
                    tags=tuple(tags),
                    licences=licences,
                ),
            )
        )
    for n, (dept_index, name, importance, methods, scope) in enumerate(ITEMS):
        out.items.append(
            create_item(
                ctx,
                ItemData(
                    department_id=out.departments[dept_index],
                    name=name,
                    category="市场监管" if dept_index == 0 else "行业监管",
                    seq_no=str(n + 1),
                    target_scope=scope,
                    importance=importance,
                    methods=methods,
                    subject=DEPARTMENTS[dept_index][0],
                    legal_basis="《中华人民共和国食品安全法》第一百一十条"
                    if dept_index == 0
                    else "相关法律法规",
                    ratio_cap=0.05 if importance == ItemImportance.GENERAL else None,
                    checkpoints=tuple(CheckpointData(*cp) for cp in CHECKPOINTS[: 2 + n % 3]),
                ),
            )
        )
    for n in range(16):
        dept = out.departments[n % len(out.departments)]
        expert = n >= 13
        certificates = () if expert else (CertificateData(f"51082{n:06d}", valid_to=date(2029, 12, 31)),)
        conflicts = (ConflictData(out.targets[0], "亲属关系", date(2025, 3, 1)),) if n == 1 else ()
        out.inspectors.append(
            create_inspector(
                ctx,
                InspectorData(
                    name=rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
                    department_id=dept,
                    staff_no=f"GH{n:04d}",
                    gender=rng.choice(("男", "女")),
                    post_category="专家" if expert else "执法岗",
                    is_expert=expert,
                    certificates=certificates,
                    tags=(("执法资质", "食品安全"),) if n % 2 == 0 else (("业务专长", "特种设备"),),
                    conflicts=conflicts,
                ),
            )
        )
    out.schemes.append(
        create_scheme(
            ctx,
            SchemeData(
                industry="加油站",
                name="加油站行业一业一查方案",
                lead_department_id=out.departments[2],
                cooperating_department_ids=(out.departments[0], out.departments[3]),
                item_ids=(out.items[8], out.items[4], out.items[9]),
                field="安全生产",
            ),
        )
    )
    out.schemes.append(
        create_scheme(
            ctx,
            SchemeData(
                industry="餐饮",
                name="餐饮行业一业一查方案",
                lead_department_id=out.departments[0],
                cooperating_department_ids=(out.departments[3],),
                item_ids=(out.items[1], out.items[9]),
            ),
        )
    )
    return out
