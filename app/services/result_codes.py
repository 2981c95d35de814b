"""The platform's code tables for results: 检查结果 (a tree), 核查方式, 后续处置措施, review states.

They come from a provincial platform (``resources/codes/zhejiang_sccheck_codes.json``, kept exactly
as published). Codes are stable and are what results store; labels are shown and frozen into each
result version next to the code, so a later renaming (工商 → 市场监管) never changes a past record.

The result-category tree, as the platform's entry form draws it::

    1 未发现问题                                  (exclusive)
    A 发现问题待后续处理                          (heading, not selectable)
      2 违反工商行政管理相关规定                  (heading, not selectable)
        B 未按规定公示应当公示的信息
        C 公示信息隐瞒真实情况弄虚作假
        6 通过登记的住所（经营场所）无法联系
        D 违反其他工商行政管理规定行为
      3 违反食品药品管理相关规定
      4 违反质量技术监督相关规定
      5 违反其他部门相关规定
      G 违反公安部门相关规定
    E 发现问题经责令已改正
    F 未发现开展本次抽查涉及的经营活动
    7 已关闭停业或正在组织清算
    8 不配合检查情节严重
    9 注销 / 10 被吊销 / 11 被撤销 / 12 迁出      (at most one)

The JSON's annotation of A predates G; the platform's later form shows G under A beside 5, so
the loader adds it there (``_EXTRA_CHILDREN``). 后续处置措施 are a plain list in the JSON; their
codes here are the 1-based positions, and short names make them typeable in a spreadsheet.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from app.resources import resource_path
from app.services.errors import FieldError

logger = logging.getLogger(__name__)

CODES_FILE = ("codes", "zhejiang_sccheck_codes.json")

NO_PROBLEM = "1"  # 未发现问题
PENDING_ROOT = "A"  # 发现问题待后续处理: its leaves are problems still to be dealt with
CORRECTED = "E"  # 发现问题经责令已改正
NO_ACTIVITY = "F"  # 未发现开展本次抽查涉及的经营活动
CLOSED = "7"  # 已关闭停业或正在组织清算
NON_COOPERATION = "8"  # 不配合检查情节严重
REGISTRATION_END = ("9", "10", "11", "12")  # 注销 / 被吊销 / 被撤销 / 迁出: the entity's registration ended

MEASURE_NONE = "1"  # 无需后续处置
MEASURE_OTHER = "6"  # 其他：____
# Short names an office types in a spreadsheet, by measure code (the full labels are long sentences).
MEASURE_SHORT_NAMES: dict[str, str] = {
    "1": "无需后续处置",
    "2": "停止检查反馈日常监管部门",
    "3": "责令改正",
    "4": "移送办案机构",
    "5": "抄告相关部门",
    "6": "其他",
}
MEASURE_ALIASES: dict[str, str] = {name: code for code, name in MEASURE_SHORT_NAMES.items()}

_EXTRA_CHILDREN: dict[str, tuple[str, ...]] = {"A": ("G",)}
_PARENT_NOTE = re.compile(r"^(?P<label>.*?)\s*\(父项,\s*下含\s*(?P<children>[^)]*)\)\s*$")
_NOTE = re.compile(r"\s*\([^)]*\)\s*$")
_SEPARATORS = re.compile(r"[，,、;；\n]+")


@dataclass(frozen=True)
class Category:
    """One node of the result-category tree."""

    code: str
    label: str
    parent: str | None
    children: tuple[str, ...]
    depth: int

    @property
    def selectable(self) -> bool:
        """Headings (nodes with children) are not chosen themselves; their leaves are."""
        return not self.children


@dataclass(frozen=True)
class CodeLabel:
    """A code with the label it had when it was recorded."""

    code: str
    label: str


@dataclass(frozen=True)
class ResultCodes:
    """All result code tables, in the platform's display order."""

    categories: tuple[Category, ...]  # depth-first, as the entry form lists them
    methods: tuple[CodeLabel, ...]  # 核查方式
    measures: tuple[CodeLabel, ...]  # 后续处置措施
    review_states: tuple[CodeLabel, ...]
    source: str

    def category(self, code: str) -> Category | None:
        for cat in self.categories:
            if cat.code == code:
                return cat
        return None

    def category_label(self, code: str) -> str:
        cat = self.category(code)
        return cat.label if cat else code

    def leaves(self) -> tuple[Category, ...]:
        return tuple(c for c in self.categories if c.selectable)

    def descendants(self, code: str) -> frozenset[str]:
        """All codes below ``code`` (not including it)."""
        found: set[str] = set()
        stack = list(self._children(code))
        while stack:
            child = stack.pop()
            found.add(child)
            stack.extend(self._children(child))
        return frozenset(found)

    def _children(self, code: str) -> tuple[str, ...]:
        cat = self.category(code)
        return cat.children if cat else ()

    @property
    def pending_problem_codes(self) -> frozenset[str]:
        """Leaves under 发现问题待后续处理: problems that still need a follow-up."""
        leaves = {c.code for c in self.categories if c.selectable}
        return self.descendants(PENDING_ROOT) & leaves

    @property
    def problem_codes(self) -> frozenset[str]:
        """Every category meaning something was found wrong (pending, corrected, or non-cooperation)."""
        return self.pending_problem_codes | {CORRECTED, NON_COOPERATION}

    def method_label(self, code: str) -> str:
        return _label_of(self.methods, code)

    def measure_label(self, code: str) -> str:
        return _label_of(self.measures, code)


def _label_of(table: Iterable[CodeLabel], code: str) -> str:
    for entry in table:
        if entry.code == code:
            return entry.label
    return code


def _section(raw: Mapping[str, Any], prefix: str) -> Any:
    for key, value in raw.items():
        if key.startswith(prefix):
            return value
    raise ValueError(f"代码表缺少「{prefix}」一节")


def parse_codes(raw: Mapping[str, Any]) -> ResultCodes:
    """Build the code tables from the platform JSON (see the module docstring for its quirks)."""
    cat_raw: Mapping[str, str] = _section(raw, "检查结果_")
    labels: dict[str, str] = {}
    children: dict[str, list[str]] = {}
    for code, text in cat_raw.items():
        match = _PARENT_NOTE.match(text)
        if match:
            labels[code] = match.group("label").strip()
            children[code] = [c.strip() for c in match.group("children").split("/") if c.strip()]
        else:
            labels[code] = _NOTE.sub("", text).strip()
    for parent, extra in _EXTRA_CHILDREN.items():
        if parent in labels:
            children.setdefault(parent, []).extend(
                c for c in extra if c in labels and c not in children[parent]
            )
    # A parent's annotation lists its grandchildren too (A lists B/C/6/D under 2): keep direct children only.
    for parent, kids in children.items():
        nested = {g for k in kids for g in children.get(k, [])}
        children[parent] = [k for k in kids if k not in nested]
    parent_of = {kid: parent for parent, kids in children.items() for kid in kids}
    ordered: list[Category] = []

    def visit(code: str, depth: int) -> None:
        kids = tuple(children.get(code, ()))
        ordered.append(Category(code, labels[code], parent_of.get(code), kids, depth))
        for kid in kids:
            visit(kid, depth + 1)

    for code in cat_raw:
        if code not in parent_of:
            visit(code, 0)
    methods_raw: Mapping[str, str] = _section(raw, "核查方式_")
    measures_raw: Sequence[str] = _section(raw, "后续处置措施_")
    states_raw: Mapping[str, str] = _section(raw, "结果审核状态_")
    measures = tuple(
        CodeLabel(str(i), _normalise_label(text)) for i, text in enumerate(measures_raw, start=1)
    )
    return ResultCodes(
        categories=tuple(ordered),
        methods=tuple(CodeLabel(k, v) for k, v in methods_raw.items()),
        measures=measures,
        review_states=tuple(CodeLabel(k, v) for k, v in states_raw.items()),
        source=str(raw.get("_source", "")),
    )


def load_codes_file(path: Path) -> ResultCodes:
    """Read a code-table file in the platform's JSON shape."""
    return parse_codes(json.loads(path.read_text(encoding="utf-8")))


@lru_cache(maxsize=1)
def result_codes() -> ResultCodes:
    """The code tables shipped with the program (read once)."""
    return load_codes_file(resource_path(*CODES_FILE))


def split_values(text: str) -> list[str]:
    """Split a multi-value cell (Chinese or Latin commas, 顿号, semicolons, new lines)."""
    return [p.strip() for p in _SEPARATORS.split(text) if p.strip()]


def _normalise_label(text: str) -> str:
    """Trim the trailing punctuation and blanks (``其他：____``, ``…无需后续处置；``)."""
    return re.sub(r"[\s；;。.，,：:_]+$", "", text.strip())


def resolve_codes(
    values: Iterable[str], table: Sequence[CodeLabel], *, aliases: Mapping[str, str] | None = None
) -> tuple[list[str], list[str]]:
    """Map codes, labels or aliases (alias → code) to codes. Returns (codes in table order, unknown values).

    Newer provincial lists say 市场监管 where the table says 工商; both spellings are accepted.
    """
    by_text: dict[str, str] = {}
    for entry in table:
        by_text[entry.code] = entry.code
        by_text[_normalise_label(entry.label)] = entry.code
    by_text.update(aliases or {})
    found: set[str] = set()
    unknown: list[str] = []
    for value in values:
        text = _normalise_label(value)
        code = by_text.get(text) or by_text.get(text.replace("市场监管", "工商"))
        if code is None:
            unknown.append(value)
        else:
            found.add(code)
    return [e.code for e in table if e.code in found], unknown


def category_table(codes: ResultCodes) -> tuple[CodeLabel, ...]:
    """Every category (headings included) as code/label, for resolving typed values."""
    return tuple(CodeLabel(c.code, c.label) for c in codes.categories)


def check_categories(codes: ResultCodes, selected: Sequence[str]) -> list[FieldError]:
    """The combination rules of 检查结果 (see docs/results.md); an empty list means acceptable."""
    field = "检查结果"
    errors: list[FieldError] = []
    if not selected:
        return [FieldError(field, "请至少选择一项检查结果")]
    for code in selected:
        cat = codes.category(code)
        if cat is None:
            errors.append(FieldError(field, f"代码「{code}」不在检查结果代码表中"))
        elif not cat.selectable:
            leaf_names = "、".join(codes.category_label(c) for c in cat.children)
            errors.append(
                FieldError(field, f"「{cat.label}」是分类标题，请选择其下的具体类别（{leaf_names}）")
            )
    if errors:
        return errors
    chosen = set(selected)
    if NO_PROBLEM in chosen and len(chosen) > 1:
        others = "、".join(codes.category_label(c) for c in selected if c != NO_PROBLEM)
        errors.append(FieldError(field, f"「未发现问题」不能与其他结果同时选择（同时选了：{others}）"))
    ended = [c for c in REGISTRATION_END if c in chosen]
    if len(ended) > 1:
        names = "、".join(codes.category_label(c) for c in ended)
        errors.append(FieldError(field, f"注销、被吊销、被撤销、迁出只能选择一项（选了：{names}）"))
    if CLOSED in chosen and ended:
        errors.append(
            FieldError(
                field, f"「{codes.category_label(CLOSED)}」与「{codes.category_label(ended[0])}」不能同时选择"
            )
        )
    return errors
