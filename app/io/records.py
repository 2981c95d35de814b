"""Typed row records: what one valid row of a registry file means.

They are plain frozen dataclasses, independent of the database: the import
service turns them into ORM rows, the exporter turns them back into cells.
Text fields hold ``""`` when empty; multi-valued fields are tuples in the order
written. ``row`` is the 1-based row number in the source sheet, for messages.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from app.services.identifiers import CodeKind

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Licence:
    """A licence held by a target (专项库 templates: 许可证名称 … 许可发证机关).

    ``valid_until`` is None with ``no_expiry`` True for licences valid indefinitely
    (the platforms write 9999-09-09).
    """

    name: str = ""
    number: str = ""
    issued_on: dt.date | None = None
    valid_until: dt.date | None = None
    no_expiry: bool = False
    authority: str = ""

    def is_valid_on(self, day: dt.date) -> bool:
        """True when the licence has not expired on ``day`` (unknown expiry counts as valid)."""
        return self.no_expiry or self.valid_until is None or self.valid_until >= day


@dataclass(frozen=True, slots=True)
class TargetRow:
    """One 检查对象 (market entity or other object).

    ``entity_kind`` is 企业 / 个体工商户 / 农民专业合作社 / 其他, taken from the file or
    inferred from the code or the name; None when nothing tells. ``code_kind`` is
    None when the row has no code. Several source rows with the same code (one per
    licence or special registry) are merged into one record; ``source_rows`` lists them.
    """

    row: int
    name: str
    code: str = ""
    code_kind: CodeKind | None = None
    entity_kind: str | None = None
    legal_rep: str = ""
    phone: str = ""
    address: str = ""
    reg_authority: str = ""
    jurisdiction: str = ""
    region: str = ""
    industry: str = ""
    risk_class: str | None = None
    status: str | None = None
    tags: tuple[str, ...] = ()
    special_registries: tuple[str, ...] = ()
    licences: tuple[Licence, ...] = ()
    inspection_authority: str = ""
    professional_supervision: bool | None = None
    professional_qualifications: tuple[str, ...] = ()
    expert_leaders: tuple[str, ...] = ()
    source_rows: tuple[int, ...] = ()

    @property
    def natural_key(self) -> tuple[str, str]:
        """The key an import upserts by: the code, or the name when there is no code."""
        return ("code", self.code) if self.code else ("name", self.name)


@dataclass(frozen=True, slots=True)
class Certificate:
    """An enforcement certificate (执法证): number, validity, issuer."""

    number: str
    valid_until: dt.date | None = None
    no_expiry: bool = False
    issuer: str = ""

    def is_valid_on(self, day: dt.date) -> bool:
        """True when the certificate has not expired on ``day`` (unknown expiry counts as valid)."""
        return self.no_expiry or self.valid_until is None or self.valid_until >= day


@dataclass(frozen=True, slots=True)
class InspectorRow:
    """One 执法检查人员 (the 21 columns of the platform template, plus 具体职务 and issuer).

    ``department_cert`` is the 工商（市场监管）执法证, ``province_cert`` the 省（政府）
    执法证; only holders of a valid certificate count toward a team's two officers.
    ``status`` 失效 means never drawn.
    """

    row: int
    name: str
    staff_no: str = ""
    gender: str = ""
    id_number: str = ""
    mobile: str = ""
    education: str = ""
    major: str = ""
    post_categories: tuple[str, ...] = ()
    post_since: dt.date | None = None
    qualifications: tuple[str, ...] = ()
    item_scope: tuple[str, ...] = ()
    region: str = ""
    level: str = ""
    position: str = ""
    position_detail: str = ""
    department: str = ""
    home_department: str = ""
    is_expert: bool = False
    expert_types: tuple[str, ...] = ()
    department_cert: Certificate | None = None
    province_cert: Certificate | None = None
    status: str = "有效"

    def has_valid_certificate(self, day: dt.date) -> bool:
        """True when the inspector holds at least one certificate valid on ``day``."""
        return any(
            cert is not None and cert.is_valid_on(day) for cert in (self.department_cert, self.province_cert)
        )

    @property
    def natural_key(self) -> tuple[str, ...] | None:
        """执法证号 (either certificate), else 工号 within the department; None if neither."""
        for cert in (self.province_cert, self.department_cert):
            if cert is not None and cert.number:
                return ("cert", cert.number)
        if self.staff_no:
            return ("staff", self.home_department or self.department, self.staff_no)
        return None


@dataclass(frozen=True, slots=True)
class ItemRow:
    """One 抽查事项 of a department's list (SAMR format).

    ``item_class`` is 重点 or 一般 (重点 has no ratio cap). The upsert key is
    (department, category, name, target_desc): published lists repeat an item
    name for different 检查对象 (with different classes) or under another 抽查类别.
    """

    row: int
    department: str
    name: str
    seq: str = ""
    category: str = ""
    target_desc: str = ""
    item_class: str = "一般"
    methods: tuple[str, ...] = ()
    subject: str = ""
    basis: str = ""
    content: str = ""

    @property
    def natural_key(self) -> tuple[str, str, str, str]:
        """(department, category, name, target_desc)."""
        return (self.department, self.category, self.name, self.target_desc)


@dataclass(frozen=True, slots=True)
class JointItemRow:
    """One item of a joint (一业一查) list: a field, the initiating and cooperating departments.

    Published lists sometimes name two initiating departments; the first is the lead.
    """

    row: int
    field: str
    name: str
    seq: str = ""
    target_desc: str = ""
    initiating_departments: tuple[str, ...] = ()
    cooperating_departments: tuple[str, ...] = ()

    @property
    def lead_department(self) -> str:
        """The first initiating department (牵头部门)."""
        return self.initiating_departments[0] if self.initiating_departments else ""

    @property
    def natural_key(self) -> tuple[str, str, str, str]:
        """(field, initiating departments, name, target_desc).

        The departments belong to the key: one scheme may list two departments' items of the
        same name and 检查对象 (公安 and 卫健 both check 宾馆、旅店取得许可证情况).
        """
        return (self.field, "，".join(self.initiating_departments), self.name, self.target_desc)


@dataclass(frozen=True, slots=True)
class CheckpointRow:
    """One line of an item's checklist (序号 | 检查内容 | 操作方法与要领)."""

    row: int
    content: str
    seq: str = ""
    item_name: str = ""
    method: str = ""
    department: str = ""


RowRecord = TargetRow | InspectorRow | ItemRow | JointItemRow | CheckpointRow
