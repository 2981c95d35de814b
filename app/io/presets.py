"""Column mapping presets: which source header means which canonical field.

A preset is data: the built-in ones below describe the templates and lists the
platforms really use (``/work/shared/data``), and a user can save a mapping he
made by hand as a named preset (a JSON file in a folder he chooses). A preset
is also an export layout: its columns, in order, with the template's title row
and explanation row, are what the writer produces.

JSON shape of a preset file::

    {"name": "我的名单", "kind": "targets", "title": "", "description": "",
     "hints_in_title_row": false, "multi_separator": "，", "sheet_name": "",
     "columns": [{"header": "企业名称", "field": "name", "hint": ""}, ...]}

``field`` may be ``null`` for a column that is kept in the layout but not read.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from app.io.fields import FIELDS, RegistryKind, fields_of, synonym_index
from app.io.text import header_key

logger = logging.getLogger(__name__)

PRESET_SUFFIX = ".json"
MAX_PRESET_NAME = 60


class PresetError(ValueError):
    """A preset file or definition that cannot be used; the message says why, in Chinese."""


@dataclass(frozen=True, slots=True)
class PresetColumn:
    """One column of a preset: the header text, the field it maps to (None: ignored), a hint."""

    header: str
    field: str | None
    hint: str = ""


@dataclass(frozen=True, slots=True)
class Preset:
    """A named mapping and export layout for one registry kind.

    Attributes:
        name: unique name (built-in names are ASCII identifiers, user names any text).
        kind: the registry kind.
        columns: the columns in layout order.
        title: text of the row above the header ("" for none).
        description: where the layout comes from, for the user.
        hints_in_title_row: the template puts its hints in the title row, not below the header.
        multi_separator: what joins multi-valued cells on export.
        sheet_name: the worksheet name of the template ("" → 名录).
        builtin: shipped with LianCha (cannot be overwritten by a user preset).
    """

    name: str
    kind: RegistryKind
    columns: tuple[PresetColumn, ...]
    title: str = ""
    description: str = ""
    hints_in_title_row: bool = False
    multi_separator: str = "，"
    sheet_name: str = ""
    builtin: bool = False

    @property
    def headers(self) -> tuple[str, ...]:
        """The header texts in layout order."""
        return tuple(column.header for column in self.columns)


MatchQuality = Literal["exact", "preset", "partial", "synonym", "manual", "none"]


@dataclass(frozen=True, slots=True)
class ColumnMapping:
    """Which source column feeds which field.

    Attributes:
        kind: the registry kind.
        columns: (source header, field) pairs in source order; a header appears at most once.
        preset_name: the preset that matched, if any.
        match: how the mapping was found: ``exact`` (the headers are exactly a preset's),
            ``preset`` (a preset's headers all present, plus others), ``partial`` (most of a
            preset's headers), ``synonym`` (by header names only), ``manual`` (edited by the
            user), ``none`` (nothing recognised).
        unmapped: source headers that feed no field.
    """

    kind: RegistryKind
    columns: tuple[tuple[str, str], ...]
    preset_name: str | None = None
    match: MatchQuality = "manual"
    unmapped: tuple[str, ...] = field(default=())

    def field_for(self, header: str) -> str | None:
        """Return the field a source header feeds, or None."""
        for source, target in self.columns:
            if source == header:
                return target
        return None

    def header_for(self, field_name: str) -> str | None:
        """Return the source header that feeds a field, or None."""
        for source, target in self.columns:
            if target == field_name:
                return source
        return None

    @property
    def mapped_fields(self) -> frozenset[str]:
        """The fields that have a source column."""
        return frozenset(target for _, target in self.columns)

    @property
    def missing_required(self) -> tuple[str, ...]:
        """Required fields of the kind that no column feeds (names, in field order)."""
        mapped = self.mapped_fields
        return tuple(spec.name for spec in fields_of(self.kind) if spec.required and spec.name not in mapped)

    def with_column(self, header: str, field_name: str | None) -> ColumnMapping:
        """Return a copy where ``header`` feeds ``field_name`` (None: feeds nothing).

        A field fed by another header before is taken away from it, so that each
        field keeps a single source. The result's ``match`` is ``manual``.

        Raises:
            KeyError: if ``field_name`` is not a field of the kind.
        """
        if field_name is not None and field_name not in {spec.name for spec in fields_of(self.kind)}:
            raise KeyError(f"{self.kind.value} 没有字段 {field_name}")
        columns = [
            (source, target) for source, target in self.columns if source != header and target != field_name
        ]
        unmapped = [source for source in self.unmapped if source != header]
        if field_name is None:
            unmapped.append(header)
        else:
            columns.append((header, field_name))
        released = {source for source, target in self.columns if target == field_name and source != header}
        unmapped.extend(sorted(released))
        return replace(self, columns=tuple(columns), match="manual", unmapped=tuple(unmapped))


# ------------------------------------------------------------------ built-in presets

_NOTE_FILL = "注意:请将信息填写完整,否则可能导致上传失败。"
_VALIDITY = "年月日，若长期有效输入9999-09-09"
_MULTI_NOTE = "【多个以中文逗号分开填写】详见参数表"
_OPTIONAL_MULTI_NOTE = "【无则空白填写，多个以中文逗号分开填写】详见参数表"
_AGENT_HINTS = {
    "岗位大类": "工商行政管理类，食品药品管理类，质量技术监督类，安全生产类，物价管理类" + _MULTI_NOTE,
    "从事本岗起始日期": "YYYY-MM-DD",
    "岗位资质资格": "保化检查员，药品检查员，医疗器械检查员，特种设备安全监察员" + _OPTIONAL_MULTI_NOTE,
    "执法事项范围": "按照各省级主管部门制订的抽查事项清单，对应其岗位职责分工" + _OPTIONAL_MULTI_NOTE,
    "是否专家": "保化组长,药品GSP,药品GMP,医疗器械GSP,医疗器械GMP" + _OPTIONAL_MULTI_NOTE,
    "工商执法证有效期": "YYYY-MM-DD",
    "执法证有效期": "YYYY-MM-DD",
}


def _columns(
    pairs: Iterable[tuple[str, str | None]], hints: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    hints = hints or {}
    return [{"header": header, "field": name, "hint": hints.get(header, "")} for header, name in pairs]


def _full_layout(kind: RegistryKind) -> list[dict[str, Any]]:
    return [{"header": spec.label, "field": spec.name, "hint": spec.hint} for spec in FIELDS[kind]]


_AGENT_COMMON_HEAD = [
    ("单位工号", "staff_no"),
    ("姓名", "name"),
    ("性别", "gender"),
    ("身份证号", "id_number"),
    ("手机号", "mobile"),
    ("学历", "education"),
    ("学历专业", "major"),
    ("岗位大类", "post_categories"),
    ("从事本岗起始日期", "post_since"),
    ("岗位资质资格", "qualifications"),
    ("执法事项范围", "item_scope"),
    ("地区", "region"),
    ("层级", "level"),
    ("担任职务", "position"),
]

BUILTIN_PRESET_DATA: tuple[dict[str, Any], ...] = (
    {
        "name": "zhejiang_platform_list",
        "kind": "targets",
        "description": "省级平台导出的检查对象名单（企业名称、注册号/统一社会信用代码、登记机关、管辖单位）",
        "sheet_name": "Sheet1",
        "columns": _columns(
            [
                ("企业名称", "name"),
                ("注册号/统一社会信用代码", "code"),
                ("RegOrgName", "reg_authority"),
                ("管辖单位", "jurisdiction"),
            ]
        ),
    },
    {
        "name": "randomentinfo",
        "kind": "targets",
        "title": "待抽检库导入模板",
        "description": "平台“待抽检库导入模板”（template_randomentinfo）",
        "sheet_name": "Sheet1",
        "columns": _columns([("统一社会信用代码/注册号", "code"), ("企业名称", "name")]),
    },
    {
        "name": "specialent_special",
        "kind": "targets",
        "title": _NOTE_FILL,
        "hints_in_title_row": True,
        "description": "平台专项库导入模板（specialent_special），含许可证及有效期",
        "sheet_name": "Sheet1",
        "columns": _columns(
            [
                ("专项库名称", "special_registries"),
                ("对应专项库监管标签", "tags"),
                ("统一社会信用代码/注册号", "code"),
                ("企业名称", "name"),
                ("许可证名称", "licence_name"),
                ("许可证编号", "licence_no"),
                ("许可批准日期", "licence_issued_on"),
                ("有效期至", "licence_valid_until"),
                ("许可发证机关", "licence_authority"),
                ("检查机关", "inspection_authority"),
            ],
            {"许可批准日期": _VALIDITY, "有效期至": _VALIDITY},
        ),
    },
    {
        "name": "drcheck_scspecial_spLibrary",
        "kind": "targets",
        "title": _NOTE_FILL
        + "专业资质资格与配备专家组长涉及多项的，请用英文逗号隔开，"
        + "如：‘保化检查员,药品检查员’，没有则填写‘无’。",
        "multi_separator": ",",
        "description": "平台专项库导入模板（药品、医疗器械等，含专业监管与配备专家）",
        "sheet_name": "Sheet1",
        "columns": _columns(
            [
                ("专项库名称", "special_registries"),
                ("对应专项库监管标签", "tags"),
                ("统一社会信用代码/注册号", "code"),
                ("企业名称", "name"),
                ("许可证名称", "licence_name"),
                ("许可证编号", "licence_no"),
                ("许可批准日期", "licence_issued_on"),
                ("有效期至", "licence_valid_until"),
                ("许可发证机关", "licence_authority"),
                ("专业监管", "professional_supervision"),
                ("专业资质资格", "professional_qualifications"),
                ("配备专家（组长）", "expert_leaders"),
            ],
            {
                "专项库名称": "从27个专项库名称中进行单选",
                "许可证名称": "填写对应此专项库的许可证名称",
                "有效期至": _VALIDITY,
                "专业监管": "请填写“是”或“否”",
                "专业资质资格": "若无直接填写无，若有则从"
                "“保化检查员，药品检查员，医疗器械检查员，特种设备安全监察员”中复选",
                "配备专家（组长）": "若不配备则填写无，若要配备则从"
                "“保化组长,药品GSP,药品GMP,医疗器械GSP,医疗器械GMP”中复选",
            },
        ),
    },
    {
        "name": "liancha_targets",
        "kind": "targets",
        "title": "检查对象名录",
        "description": "联查完整格式：全部字段，一行一个许可证（同一代码多行时合并为一个对象）",
        "sheet_name": "检查对象名录",
        "columns": _full_layout(RegistryKind.TARGETS),
    },
    {
        "name": "randomscagent",
        "kind": "inspectors",
        "title": "市场监管领域执法人员数据库",
        "description": "平台人员名录库导入模板（template_randomscagent，21列）",
        "sheet_name": "人员名录库",
        "columns": _columns(
            [
                *_AGENT_COMMON_HEAD,
                ("所在业务部门（机构）", "department"),
                ("是否专家", "expert"),
                ("工商执法证编号", "department_cert_no"),
                ("工商执法证有效期", "department_cert_valid_until"),
                ("省执法证编号", "province_cert_no"),
                ("执法证有效期", "province_cert_valid_until"),
                ("执法人员状态", "status"),
            ],
            _AGENT_HINTS,
        ),
    },
    {
        "name": "randomscagentsyn",
        "kind": "inspectors",
        "title": "市场监管领域执法人员数据库",
        "description": "平台跨部门人员名录库导入模板（template_randomscagentsyn，21列）",
        "sheet_name": "人员名录库",
        "columns": _columns(
            [
                *_AGENT_COMMON_HEAD,
                ("具体职务", "position_detail"),
                ("所在业务部门（机构）", "department"),
                ("是否专家", "expert"),
                ("执法证编号", "province_cert_no"),
                ("执法证有效期", "province_cert_valid_until"),
                ("执法证发证机关", "province_cert_issuer"),
                ("执法人员状态", "status"),
            ],
            _AGENT_HINTS,
        ),
    },
    {
        "name": "liancha_inspectors",
        "kind": "inspectors",
        "title": "执法检查人员名录",
        "description": "联查完整格式：平台21列加具体职务、执法证发证机关、所属部门",
        "sheet_name": "人员名录库",
        "columns": _full_layout(RegistryKind.INSPECTORS),
    },
    {
        "name": "samr_items",
        "kind": "items",
        "description": "市场监管领域随机抽查事项清单（编制单位、序号、抽查类别……检查依据）",
        "sheet_name": "抽查事项清单",
        "columns": _columns(
            [
                ("编制单位", "department"),
                ("序号", "seq"),
                ("抽查类别", "category"),
                ("抽查事项", "name"),
                ("检查对象", "target_desc"),
                ("事项类别", "item_class"),
                ("检查方式", "methods"),
                ("检查主体", "subject"),
                ("检查依据", "basis"),
            ]
        ),
    },
    {
        "name": "liancha_items",
        "kind": "items",
        "title": "随机抽查事项清单",
        "description": "联查完整格式：抽查事项清单加检查内容",
        "sheet_name": "抽查事项清单",
        "columns": _full_layout(RegistryKind.ITEMS),
    },
    {
        "name": "samr_joint_items",
        "kind": "schemes",
        "description": "部门联合抽查事项清单（序号、抽查领域、抽查事项、检查对象、发起部门、配合部门）",
        "sheet_name": "联合抽查事项清单",
        "columns": _columns(
            [
                ("序号", "seq"),
                ("抽查领域", "field"),
                ("抽查事项", "name"),
                ("检查对象", "target_desc"),
                ("发起部门", "initiating_departments"),
                ("配合部门", "cooperating_departments"),
            ]
        ),
    },
    {
        "name": "liancha_checkpoints",
        "kind": "checkpoints",
        "title": "检查要点",
        "description": "联查完整格式：序号、所属部门、抽查事项、检查内容、操作方法与要领",
        "sheet_name": "检查要点",
        "columns": _full_layout(RegistryKind.CHECKPOINTS),
    },
    {
        "name": "checklist_form",
        "kind": "checkpoints",
        "title": "双随机抽查记录表",
        "description": "双随机抽查记录表（template_A01 等）的检查内容部分",
        "sheet_name": "Sheet1",
        "columns": _columns(
            [
                ("序号", "seq"),
                ("检查内容", "content"),
                ("操作方法与要领", "method"),
                ("是否检查", None),
                ("发现问题情况", None),
            ]
        ),
    },
)


def preset_from_dict(data: dict[str, Any], *, builtin: bool = False) -> Preset:
    """Build a preset from its JSON form, checking kinds, fields and headers.

    Args:
        data: the decoded JSON object.
        builtin: mark the preset as shipped with LianCha.

    Returns:
        The preset.

    Raises:
        PresetError: when a key is missing or a value is not allowed (message in Chinese).
    """
    if not isinstance(data, dict):
        raise PresetError("方案文件的内容应为一个 JSON 对象")
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise PresetError("方案缺少名称（name）")
    name = name.strip()
    if len(name) > MAX_PRESET_NAME:
        raise PresetError(f"方案名称过长（最多{MAX_PRESET_NAME}字）")
    try:
        kind = RegistryKind(str(data.get("kind")))
    except ValueError:
        allowed = "、".join(kind.value for kind in RegistryKind)
        raise PresetError(f"方案“{name}”的类型（kind）应为 {allowed} 之一") from None
    valid_fields = {spec.name for spec in fields_of(kind)}
    raw_columns = data.get("columns")
    if not isinstance(raw_columns, list) or not raw_columns:
        raise PresetError(f"方案“{name}”没有列（columns）")
    columns: list[PresetColumn] = []
    seen_headers: set[str] = set()
    seen_fields: set[str] = set()
    for position, raw in enumerate(raw_columns, start=1):
        if not isinstance(raw, dict) or not isinstance(raw.get("header"), str) or not raw["header"].strip():
            raise PresetError(f"方案“{name}”第{position}列缺少表头（header）")
        header = raw["header"].strip()
        field_name = raw.get("field")
        if field_name is not None and (not isinstance(field_name, str) or field_name not in valid_fields):
            raise PresetError(
                f"方案“{name}”第{position}列“{header}”的字段“{field_name}”不是{kind.label}的字段"
            )
        key = header_key(header)
        if key in seen_headers:
            raise PresetError(f"方案“{name}”的表头“{header}”出现了两次")
        if field_name is not None and field_name in seen_fields:
            raise PresetError(f"方案“{name}”把两列对应到了同一字段“{field_name}”")
        seen_headers.add(key)
        if field_name is not None:
            seen_fields.add(field_name)
        hint = raw.get("hint", "")
        columns.append(
            PresetColumn(header=header, field=field_name, hint=hint if isinstance(hint, str) else "")
        )
    separator = data.get("multi_separator", "，")
    if not isinstance(separator, str) or not separator:
        separator = "，"
    return Preset(
        name=name,
        kind=kind,
        columns=tuple(columns),
        title=str(data.get("title", "") or ""),
        description=str(data.get("description", "") or ""),
        hints_in_title_row=bool(data.get("hints_in_title_row", False)),
        multi_separator=separator,
        sheet_name=str(data.get("sheet_name", "") or ""),
        builtin=builtin,
    )


def preset_to_dict(preset: Preset) -> dict[str, Any]:
    """Return the JSON form of a preset (the inverse of :func:`preset_from_dict`)."""
    return {
        "name": preset.name,
        "kind": preset.kind.value,
        "title": preset.title,
        "description": preset.description,
        "hints_in_title_row": preset.hints_in_title_row,
        "multi_separator": preset.multi_separator,
        "sheet_name": preset.sheet_name,
        "columns": [{"header": c.header, "field": c.field, "hint": c.hint} for c in preset.columns],
    }


BUILTIN_PRESETS: tuple[Preset, ...] = tuple(
    preset_from_dict(data, builtin=True) for data in BUILTIN_PRESET_DATA
)

DEFAULT_EXPORT_PRESET: dict[RegistryKind, str] = {
    RegistryKind.TARGETS: "liancha_targets",
    # The platform's 21 columns cannot tell a 市场监管所 from its 市场监管局, nor carry 具体职务
    # or the certificate's issuer: the full layout keeps them (export → import unchanged).
    RegistryKind.INSPECTORS: "liancha_inspectors",
    RegistryKind.ITEMS: "samr_items",
    RegistryKind.SCHEMES: "samr_joint_items",
    RegistryKind.CHECKPOINTS: "liancha_checkpoints",
}
"""The layout ``export_rows`` uses when none is given: the platform template where one
covers the records (items, joint items), else LianCha's full layout."""


def builtin_presets(kind: RegistryKind | None = None) -> tuple[Preset, ...]:
    """Return the shipped presets, of one kind or all."""
    return tuple(preset for preset in BUILTIN_PRESETS if kind is None or preset.kind == kind)


def find_preset(name: str, presets: Sequence[Preset] = ()) -> Preset:
    """Return the preset called ``name`` among ``presets`` and the built-in ones.

    Raises:
        PresetError: if there is none.
    """
    for preset in (*presets, *BUILTIN_PRESETS):
        if preset.name == name:
            return preset
    raise PresetError(f"找不到名为“{name}”的映射方案")


_UNSAFE_FILENAME = re.compile(r'[<>:"/\\|?*\x00-\x1f]')


def preset_path(folder: Path, name: str) -> Path:
    """Return the file a preset called ``name`` is stored in (characters Windows forbids become _)."""
    stem = _UNSAFE_FILENAME.sub("_", name.strip()).strip(" .") or "preset"
    return folder / f"{stem}{PRESET_SUFFIX}"


def save_preset(preset: Preset, folder: Path) -> Path:
    """Store a user preset as JSON in ``folder`` (created if needed), replacing one of the same name.

    Args:
        preset: the preset; its name must not be a built-in one.
        folder: the presets folder (e.g. in the user's data folder).

    Returns:
        The file written.

    Raises:
        PresetError: if the name is taken by a built-in preset or the preset is invalid.
    """
    if any(builtin.name == preset.name for builtin in BUILTIN_PRESETS):
        raise PresetError(f"“{preset.name}”是内置方案的名称，请换一个名称")
    data = preset_to_dict(preset)
    preset_from_dict(data)  # refuse to write what could not be read back
    folder.mkdir(parents=True, exist_ok=True)
    path = preset_path(folder, preset.name)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    temporary.replace(path)
    logger.info("saved column preset %s to %s", preset.name, path)
    return path


def load_preset(path: Path) -> Preset:
    """Read one preset file.

    Raises:
        PresetError: when the file cannot be read or is not a valid preset (message names the file).
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except json.JSONDecodeError as exc:
        raise PresetError(
            f"映射方案文件“{path.name}”不是有效的 JSON（第 {exc.lineno} 行第 {exc.colno} 列）"
        ) from exc
    except UnicodeDecodeError as exc:
        raise PresetError(f"映射方案文件“{path.name}”不是 UTF-8 编码的文本") from exc
    except FileNotFoundError as exc:
        raise PresetError(f"找不到映射方案文件“{path}”") from exc
    except IsADirectoryError as exc:
        raise PresetError(f"“{path}”是文件夹，不是映射方案文件") from exc
    except OSError as exc:
        raise PresetError(f"无法读取映射方案文件“{path.name}”：{exc.strerror or exc}") from exc
    try:
        return preset_from_dict(data)
    except PresetError as exc:
        raise PresetError(f"映射方案文件“{path.name}”有误：{exc}") from exc


def load_presets(folder: Path, *, kind: RegistryKind | None = None) -> tuple[Preset, ...]:
    """Read every user preset in ``folder`` (a missing folder has none), sorted by name.

    Broken files are skipped and logged, so that one bad file does not hide the others.
    """
    if not folder.is_dir():
        return ()
    presets: list[Preset] = []
    for path in sorted(folder.glob(f"*{PRESET_SUFFIX}")):
        try:
            preset = load_preset(path)
        except PresetError as exc:
            logger.warning("%s", exc)
            continue
        if kind is None or preset.kind == kind:
            presets.append(preset)
    return tuple(sorted(presets, key=lambda preset: preset.name))


def delete_preset(name: str, folder: Path) -> bool:
    """Delete a user preset file; return False if there was none."""
    path = preset_path(folder, name)
    if path.is_file():
        path.unlink()
        return True
    return False


def preset_from_mapping(
    mapping: ColumnMapping, *, name: str, header: Sequence[str] | None = None, description: str = ""
) -> Preset:
    """Turn a (hand-edited) mapping into a preset the user can save.

    Args:
        mapping: the mapping.
        name: the preset's name.
        header: the file's full header, to keep unmapped columns in the layout (as ignored);
            without it only mapped columns are kept.
        description: free text.

    Returns:
        The preset (not yet saved).

    Raises:
        PresetError: if the result is not a valid preset (e.g. empty name, no columns).
    """
    by_header = dict(mapping.columns)
    headers = list(header) if header is not None else [source for source, _ in mapping.columns]
    columns = [{"header": source, "field": by_header.get(source)} for source in headers if source.strip()]
    return preset_from_dict(
        {"name": name, "kind": mapping.kind.value, "description": description, "columns": columns}
    )


# ------------------------------------------------------------------ guessing


def mapping_from_preset(preset: Preset, header: Sequence[str]) -> ColumnMapping:
    """Apply a preset to a file's header: each header the preset knows feeds its field.

    Headers the preset does not name stay unmapped (no synonym guessing here).
    """
    by_key = {header_key(column.header): column.field for column in preset.columns}
    columns: list[tuple[str, str]] = []
    unmapped: list[str] = []
    used: set[str] = set()
    for source in header:
        target = by_key.get(header_key(source))
        if target is not None and target not in used:
            columns.append((source, target))
            used.add(target)
        else:
            unmapped.append(source)
    return ColumnMapping(
        kind=preset.kind,
        columns=tuple(columns),
        preset_name=preset.name,
        match="manual",
        unmapped=tuple(unmapped),
    )


def guess_mapping(
    header: Sequence[str], kind: RegistryKind, *, presets: Sequence[Preset] = ()
) -> ColumnMapping:
    """Guess which source column feeds which field.

    First the presets (the user's, then the built-in ones): a preset whose headers
    all appear wins (``exact`` if the file has no other column, else ``preset``);
    failing that, one with at least half of its headers (two or more) gives the
    columns it knows (``partial``). The remaining columns are matched by normalised
    header names and synonyms. Ties go to the larger preset, then to the user's.

    Args:
        header: the file's header names (see ``Table.header``).
        kind: the registry kind being imported.
        presets: user presets to try before the built-in ones.

    Returns:
        The mapping; ``match`` tells how it was found and ``preset_name`` which preset matched.
    """
    keys = [header_key(source) for source in header]
    present = {key for key in keys if key}
    candidates = [preset for preset in (*presets, *BUILTIN_PRESETS) if preset.kind == kind]
    best: Preset | None = None
    best_rank: tuple[int, int, int, float] = (0, 0, 0, 0.0)
    for preset in candidates:
        preset_keys = {header_key(column.header) for column in preset.columns if column.field is not None}
        if not preset_keys:
            continue
        matched = len(preset_keys & present)
        coverage = matched / len(preset_keys)
        complete = int(coverage == 1.0)
        exact = int(complete == 1 and present == {header_key(column.header) for column in preset.columns})
        rank = (exact, complete, matched, coverage)
        if (complete or (coverage >= 0.5 and matched >= 2)) and rank > best_rank:
            best, best_rank = preset, rank

    synonyms = synonym_index(kind)
    preset_fields = {header_key(c.header): c.field for c in best.columns} if best is not None else {}
    columns: list[tuple[str, str]] = []
    unmapped: list[str] = []
    used: set[str] = set()
    # Preset columns first, so that a synonym cannot steal a field the preset assigns.
    assigned: dict[int, str] = {}
    for index, key in enumerate(keys):
        target = preset_fields.get(key)
        if target is not None and target not in used:
            assigned[index] = target
            used.add(target)
    for index, key in enumerate(keys):
        if index in assigned or key in preset_fields:
            continue
        target = synonyms.get(key)
        if target is not None and target not in used:
            assigned[index] = target
            used.add(target)
    for index, source in enumerate(header):
        if index in assigned:
            columns.append((source, assigned[index]))
        else:
            unmapped.append(source)

    match: MatchQuality
    if best is not None:
        match = "exact" if best_rank[0] else "preset" if best_rank[1] else "partial"
    else:
        match = "synonym" if columns else "none"
    logger.debug("mapping for %s: %s via %s", kind.value, match, best.name if best else None)
    return ColumnMapping(
        kind=kind,
        columns=tuple(columns),
        preset_name=best.name if best is not None else None,
        match=match,
        unmapped=tuple(unmapped),
    )
