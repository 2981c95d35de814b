"""The canonical fields of each registry kind, with the header names found in the wild.

A field's ``label`` is the header LianCha writes; ``synonyms`` are other headers
that mean the same (from the platform templates, the published lists and the
way operators title their own sheets). Matching ignores spaces, full-width
forms and required-field stars (see :func:`app.io.text.header_key`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum

from app.io.text import header_key

logger = logging.getLogger(__name__)


class RegistryKind(StrEnum):
    """What a file holds; the values are the ``KIND`` words of ``liancha import/export``."""

    TARGETS = "targets"
    """检查对象名录库 (market entities and other objects)."""
    INSPECTORS = "inspectors"
    """执法检查人员名录库."""
    ITEMS = "items"
    """随机抽查事项清单 (one department's items)."""
    SCHEMES = "schemes"
    """部门联合抽查事项清单 / 一业一查: joint items with initiating and cooperating departments."""
    CHECKPOINTS = "checkpoints"
    """检查要点: the lines of one item's checklist (双随机抽查记录表)."""

    @property
    def label(self) -> str:
        """The kind's Chinese name."""
        return _KIND_LABELS[self]


_KIND_LABELS = {
    RegistryKind.TARGETS: "检查对象名录",
    RegistryKind.INSPECTORS: "执法检查人员名录",
    RegistryKind.ITEMS: "随机抽查事项清单",
    RegistryKind.SCHEMES: "联合抽查事项清单",
    RegistryKind.CHECKPOINTS: "检查要点",
}


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One canonical field of a registry kind.

    Attributes:
        name: the code name (also the attribute of the row record).
        label: the Chinese header LianCha writes.
        required: a row without it is rejected.
        synonyms: other headers that mean this field.
        hint: what to write, for the explanation row of a blank template.
    """

    name: str
    label: str
    required: bool = False
    synonyms: tuple[str, ...] = ()
    hint: str = ""


# ------------------------------------------------------------------ allowed values

ENTITY_KINDS = ("企业", "个体工商户", "农民专业合作社", "其他")
RISK_CLASSES = ("A", "B", "C", "D")
RISK_CLASS_LABELS = {"A": "低风险", "B": "一般风险", "C": "较高风险", "D": "高风险"}
TARGET_STATUSES = ("存续", "注销", "吊销", "撤销", "迁出")
INSPECTOR_STATUSES = ("有效", "失效")
GENDERS = ("男", "女")
EDUCATIONS = ("小学", "初中", "高中", "中专", "大专", "本科", "研究生", "硕士", "博士", "博士后")
POST_CATEGORIES = ("工商行政管理类", "食品药品管理类", "质量技术监督类", "安全生产类", "物价管理类")
QUALIFICATIONS = ("无", "保化检查员", "药品检查员", "医疗器械检查员", "特种设备安全监察员")
LEVELS = ("省级", "市级", "县级", "所级")
POSITIONS = (
    "局领导",
    "科室（处、办、中心）负责人（正职）",
    "科室（处、办、中心）负责人（副职）",
    "所（站、分局）长（正职）",
    "所（站、分局）长（副职）",
    "一般干部",
)
EXPERT_TYPES = ("保化组长", "药品GSP", "药品GMP", "医疗器械GSP", "医疗器械GMP")
ITEM_CLASSES = ("重点", "一般")
ITEM_CLASS_LABELS = {"重点": "重点检查事项", "一般": "一般检查事项"}
YES_NO = ("是", "否")


def _f(name: str, label: str, *synonyms: str, required: bool = False, hint: str = "") -> FieldSpec:
    return FieldSpec(name=name, label=label, required=required, synonyms=synonyms, hint=hint)


_MULTI_HINT = "多个以中文逗号分开填写"
_DATE_HINT = "YYYY-MM-DD"
_VALIDITY_HINT = "年月日，若长期有效输入9999-09-09"

FIELDS: dict[RegistryKind, tuple[FieldSpec, ...]] = {
    RegistryKind.TARGETS: (
        _f(
            "code",
            "统一社会信用代码/注册号",
            "统一社会信用代码",
            "注册号/统一社会信用代码",
            "统一社会信用代码（注册号）",
            "注册号（统一社会信用代码）",
            "社会信用代码",
            "信用代码",
            "注册号",
            "工商注册号",
            "营业执照号码",
            "营业执照注册号",
            "统一代码",
            "UNISCID",
            "REGNO",
            hint="18位统一社会信用代码；未换照的填15位注册号",
        ),
        _f(
            "name",
            "企业名称",
            "名称",
            "主体名称",
            "市场主体名称",
            "单位名称",
            "检查对象名称",
            "对象名称",
            "企业（个体户）名称",
            "商户名称",
            "字号名称",
            "ENTNAME",
            required=True,
        ),
        _f(
            "entity_kind",
            "主体类型",
            "市场主体类型",
            "检查对象类型",
            "主体类别",
            "企业类型",
            "类型",
            hint="企业、个体工商户、农民专业合作社、其他；空白按代码推断",
        ),
        _f(
            "legal_rep",
            "法定代表人（负责人）",
            "法定代表人",
            "法定代表人/负责人",
            "法人代表",
            "法人",
            "负责人",
            "经营者",
            "投资人",
        ),
        _f("phone", "联系电话", "电话", "手机号", "手机", "联系方式", "联系人电话", "联系手机"),
        _f(
            "address",
            "住所（经营场所）",
            "住所",
            "住所/经营场所",
            "经营场所",
            "地址",
            "经营地址",
            "注册地址",
            "企业住所",
            "实际经营地址",
        ),
        _f("reg_authority", "登记机关", "RegOrgName", "登记机关名称", "REGORG", "登记管理机关"),
        _f(
            "jurisdiction",
            "管辖单位",
            "管辖机关",
            "属地监管所",
            "监管单位",
            "所属监管所",
            "管辖所",
            "监管机关",
        ),
        _f(
            "region",
            "所属区域",
            "区域",
            "地区",
            "所属乡镇",
            "乡镇",
            "乡镇（街道）",
            "所属街道",
            "行政区划",
            "地域",
        ),
        _f("industry", "行业", "所属行业", "行业类别", "行业门类", "国民经济行业"),
        _f(
            "risk_class",
            "信用风险分类",
            "信用风险等级",
            "风险分类",
            "风险等级",
            "风险类别",
            "信用风险类别",
            hint="A 低风险、B 一般风险、C 较高风险、D 高风险",
        ),
        _f(
            "status",
            "登记状态",
            "经营状态",
            "企业状态",
            "存续状态",
            "状态",
            hint="存续、注销、吊销、撤销、迁出",
        ),
        _f("tags", "标签", "监管标签", "对应专项库监管标签", "专项库监管标签", hint=_MULTI_HINT),
        _f("special_registries", "专项库名称", "专项库", hint="从专项库名称中选择"),
        _f("licence_name", "许可证名称", "许可名称", "许可证件名称"),
        _f("licence_no", "许可证编号", "许可证号", "许可证号码", "许可文件编号"),
        _f("licence_issued_on", "许可批准日期", "许可日期", "批准日期", "发证日期", hint=_DATE_HINT),
        _f(
            "licence_valid_until",
            "有效期至",
            "许可有效期至",
            "许可证有效期至",
            "许可证有效期",
            "有效期限至",
            "有效期",
            hint=_VALIDITY_HINT,
        ),
        _f("licence_authority", "许可发证机关", "发证机关", "许可机关", "许可证发证机关"),
        _f("inspection_authority", "检查机关", "检查单位"),
        _f("professional_supervision", "专业监管", hint="请填写“是”或“否”"),
        _f("professional_qualifications", "专业资质资格", hint="若无直接填写无；" + _MULTI_HINT),
        _f("expert_leaders", "配备专家（组长）", "配备专家", hint="若不配备则填写无；" + _MULTI_HINT),
    ),
    RegistryKind.INSPECTORS: (
        _f("staff_no", "单位工号", "工号", "人员编号", "职工编号"),
        _f("name", "姓名", "人员姓名", "检查人员姓名", "执法人员姓名", "执法人员", required=True),
        _f("gender", "性别", hint="男、女"),
        _f("id_number", "身份证号", "身份证号码", "公民身份号码", "身份证"),
        _f("mobile", "手机号", "手机号码", "手机", "联系电话", "电话"),
        _f("education", "学历", "文化程度"),
        _f("major", "学历专业", "所学专业", "专业"),
        _f(
            "post_categories",
            "岗位大类",
            "从事岗位大类",
            hint="；".join(POST_CATEGORIES) + "【" + _MULTI_HINT + "】",
        ),
        _f("post_since", "从事本岗起始日期", "本岗起始日期", "从事本岗日期", hint=_DATE_HINT),
        _f("qualifications", "岗位资质资格", "资质资格", "执法资质", hint="无则空白填写，" + _MULTI_HINT),
        _f(
            "item_scope",
            "执法事项范围",
            "检查事项范围",
            "执法范围",
            hint="按照抽查事项清单，对应其岗位职责分工【无则空白填写，" + _MULTI_HINT + "】",
        ),
        _f("region", "地区", "所属地区"),
        _f("level", "层级", "单位层级", hint="省级、市级、县级、所级"),
        _f("position", "担任职务", "职务"),
        _f("position_detail", "具体职务"),
        # The department the inspector belongs to in LianCha, when the file names it apart from
        # the 所在业务部门（机构） (a 市场监管所 of the 市场监管局): the export writes both, so
        # an inspector of a sub-unit imports back into the same department.
        _f("home_department", "所属部门"),
        _f(
            "department",
            "所在业务部门（机构）",
            "所在业务部门",
            "业务部门",
            "所在部门",
            "部门",
            "所在单位",
            "工作单位",
            "单位",
        ),
        _f("expert", "是否专家", "专家", "专家类别", hint="否；或 " + "，".join(EXPERT_TYPES)),
        _f("department_cert_no", "工商执法证编号", "工商执法证号", "市场监管执法证编号"),
        _f("department_cert_valid_until", "工商执法证有效期", "市场监管执法证有效期", hint=_DATE_HINT),
        _f("province_cert_no", "省执法证编号", "执法证编号", "执法证号", "行政执法证编号", "行政执法证号"),
        _f(
            "province_cert_valid_until", "执法证有效期", "省执法证有效期", "行政执法证有效期", hint=_DATE_HINT
        ),
        _f("province_cert_issuer", "执法证发证机关", "发证机关"),
        _f("status", "执法人员状态", "人员状态", "状态", hint="有效、失效（失效人员不纳入抽取范围）"),
    ),
    RegistryKind.ITEMS: (
        _f("department", "编制单位", "部门", "实施部门", "所属部门", "责任部门", "部门名称", required=True),
        _f("seq", "序号", "编号", "事项编号"),
        _f("category", "抽查类别", "类别", "事项分类"),
        _f("name", "抽查事项", "抽查事项名称", "事项名称", "检查事项", required=True),
        _f("target_desc", "检查对象", "抽查对象"),
        _f("item_class", "事项类别", "事项类型", "检查事项类别", hint="重点检查事项、一般检查事项"),
        _f("methods", "检查方式", "抽查方式", "核查方式", hint=_MULTI_HINT),
        _f("subject", "检查主体", "实施主体", "抽查主体"),
        _f("basis", "检查依据", "抽查依据", "依据", "法律依据"),
        _f("content", "检查内容", "抽查内容"),
    ),
    RegistryKind.SCHEMES: (
        _f("seq", "序号", "编号"),
        _f("field", "抽查领域", "领域", "行业", required=True),
        _f("name", "抽查事项", "抽查事项名称", "事项名称", "检查事项", required=True),
        _f("target_desc", "检查对象", "联查对象", "抽查对象"),
        _f("initiating_departments", "发起部门", "牵头部门", "发起单位", required=True, hint=_MULTI_HINT),
        _f("cooperating_departments", "配合部门", "协同部门", "配合单位", hint=_MULTI_HINT),
    ),
    RegistryKind.CHECKPOINTS: (
        _f("seq", "序号", "编号"),
        # Two departments may each have an item of the same name (宾馆、旅店取得许可证情况的检查):
        # the department tells them apart, so that an export imports back unchanged.
        _f("department", "所属部门", "部门", "编制单位", "实施部门"),
        _f("item_name", "抽查事项", "检查事项", "事项名称"),
        _f("content", "检查内容", "检查要点", "检查项目", required=True),
        _f("method", "操作方法与要领", "操作方法", "检查方法", "检查方法与要领"),
    ),
}


def fields_of(kind: RegistryKind) -> tuple[FieldSpec, ...]:
    """Return the canonical fields of ``kind`` in their export order."""
    return FIELDS[kind]


def field_spec(kind: RegistryKind, name: str) -> FieldSpec:
    """Return one field of ``kind`` by code name.

    Raises:
        KeyError: if ``kind`` has no such field.
    """
    for spec in FIELDS[kind]:
        if spec.name == name:
            return spec
    raise KeyError(f"{kind.value} 没有字段 {name}")


def synonym_index(kind: RegistryKind) -> dict[str, str]:
    """Map every known header key of ``kind`` (labels and synonyms) to its field name.

    Labels win over synonyms when two fields claim the same key.
    """
    index: dict[str, str] = {}
    for spec in FIELDS[kind]:
        for synonym in spec.synonyms:
            index.setdefault(header_key(synonym), spec.name)
    for spec in FIELDS[kind]:
        index[header_key(spec.label)] = spec.name
    return index


def known_header_keys(kind: RegistryKind | None = None) -> frozenset[str]:
    """Return the header keys of ``kind`` (or of every kind), used to find header rows."""
    kinds = [kind] if kind is not None else list(RegistryKind)
    keys: set[str] = set()
    for one in kinds:
        keys.update(synonym_index(one))
    return frozenset(keys)
