"""Small hand-made registries for tests, built through the services."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from app.models.enums import ItemImportance, RiskClass, TargetStatus, TaskMode
from app.services.context import ServiceContext
from app.services.departments import create_department
from app.services.identifiers import org_code_check_char, uscc_check_char
from app.services.inspectors import CertificateData, InspectorData, create_inspector
from app.services.items import CheckpointData, ItemData, create_item
from app.services.targets import TargetData, create_target
from app.services.tasks import TaskData


def make_uscc(n: int) -> str:
    body = f"91331122MA{n:07d}"
    return body + uscc_check_char(body)


_ORG_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def valid_uscc(n: int) -> str:
    """A USCC whose embedded organisation code also checks out (no warning on import)."""
    body = "MA"
    value = n
    for _ in range(6):
        value, digit = divmod(value, 31)
        body += _ORG_ALPHABET[digit]
    first17 = "91330106" + body + org_code_check_char(body)
    return first17 + uscc_check_char(first17)


@dataclass
class MiniCounty:
    departments: dict[str, int] = field(default_factory=dict)
    items: dict[str, int] = field(default_factory=dict)
    targets: list[int] = field(default_factory=list)
    inspectors: dict[str, list[int]] = field(default_factory=dict)


def build_mini_county(
    ctx: ServiceContext,
    *,
    targets_per_class: dict[RiskClass, int] | None = None,
    inspectors_per_department: int = 4,
) -> MiniCounty:
    """Two departments with items and checkpoints, targets in every risk class, certified inspectors."""
    county = MiniCounty()
    for name, short in (("青山县市场监督管理局", "青山市监"), ("青山县消防救援大队", "青山消防")):
        county.departments[short] = create_department(ctx, name=name, short_name=short)
    market, fire = county.departments["青山市监"], county.departments["青山消防"]
    county.items["food"] = create_item(
        ctx,
        ItemData(
            department_id=market,
            name="食品销售者经营行为检查",
            category="食品安全",
            methods=("实地核查",),
            ratio_cap=0.3,
            checkpoints=(
                CheckpointData("食品经营许可证是否在有效期内", "查看许可证原件", "食品经营许可证"),
                CheckpointData("从业人员健康证明", "抽查从业人员", "健康证明"),
            ),
        ),
    )
    county.items["fire"] = create_item(
        ctx,
        ItemData(
            department_id=fire,
            name="消防安全检查",
            importance=ItemImportance.KEY,
            methods=("实地核查",),
            checkpoints=(CheckpointData("疏散通道是否畅通", "现场查看"),),
        ),
    )
    counts = targets_per_class or {RiskClass.A: 20, RiskClass.B: 40, RiskClass.C: 10, RiskClass.D: 4}
    n = 0
    for risk, count in counts.items():
        for _ in range(count):
            n += 1
            county.targets.append(
                create_target(
                    ctx,
                    TargetData(
                        name=f"青山县测试商户{n:04d}",
                        code=make_uscc(n),
                        risk_class=risk,
                        region="城关镇" if n % 2 else "石门乡",
                        industry="餐饮",
                    ),
                )
            )
    create_target(ctx, TargetData(name="已注销商户", code=make_uscc(9999), status=TargetStatus.DEREGISTERED))
    cert_no = 0
    for short, dept in county.departments.items():
        county.inspectors[short] = []
        for k in range(inspectors_per_department):
            cert_no += 1
            county.inspectors[short].append(
                create_inspector(
                    ctx,
                    InspectorData(
                        name=f"{short}检查员{k + 1}",
                        department_id=dept,
                        staff_no=f"{short}-{k + 1}",
                        certificates=(CertificateData(f"ZF{cert_no:06d}", valid_to=date(2030, 12, 31)),),
                    ),
                )
            )
    return county


def joint_task_data(county: MiniCounty, **overrides: object) -> TaskData:
    base: dict[str, object] = {
        "name": "2026年餐饮单位联合抽查",
        "mode": TaskMode.GENERAL_SWEEP,
        "lead_department_id": county.departments["青山市监"],
        "joint_department_ids": (county.departments["青山消防"],),
        "item_ids": (county.items["food"], county.items["fire"]),
        "start_date": date(2026, 5, 1),
        "end_date": date(2026, 6, 30),
        "ratios": {
            RiskClass.A: Decimal("0.05"),
            RiskClass.B: Decimal("0.1"),
            RiskClass.C: Decimal("0.2"),
            RiskClass.D: Decimal("0.25"),
        },
        "team_count": 2,
    }
    base.update(overrides)
    return TaskData(**base)  # type: ignore[arg-type]
