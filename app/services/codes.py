"""The platform's code tables: result categories, verification methods, follow-up measures.

The tables come from a provincial platform (``resources/codes/zhejiang_sccheck_codes.json``,
kept exactly as found). They are used by the printed forms (check boxes) and by results
entry (the same codes are stored and sent back to the platform).

The file encodes the result-category tree only in its labels: a parent's label ends with
``(父项, 下含 2/B/C/6/D/3/4/5)``, listing *all* its descendants. The loader turns that into a
tree (each code's parent is the smallest group that lists it) and strips the note from the label.

Labels may be edited (newer provincial lists say 市场监管 where this one says 工商); the codes
never change. Use :meth:`CodeTables.with_labels` for that.

Pure Python, no database.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from app.resources import resource_path

logger = logging.getLogger(__name__)

CODES_FILE = ("codes", "zhejiang_sccheck_codes.json")

_KEY_RESULTS = "检查结果_checkResult (多选, 逗号分隔)"
_KEY_CHECK_METHODS = "核查方式_checkType (多选)"
_KEY_FOLLOW_UPS = "后续处置措施_disposeMss (多选)"
_KEY_REVIEW_STATES = "结果审核状态_auditState"

_PARENT_NOTE = re.compile(r"\s*[(（]\s*父项\s*[,，]\s*下含\s*([^)）]*)[)）]\s*$")

# The platform added G (公安) after writing A's "下含" note; it is a violation category
# like 3/4/5 and belongs under A, where results entry and the forms must show it.
_EXTRA_CHILDREN: dict[str, tuple[str, ...]] = {"A": ("G",)}


class CodeTableError(ValueError):
    """The code-table file is missing, unreadable or not in the expected shape."""


@dataclass(frozen=True)
class CodeOption:
    """One entry of a flat code list (核查方式, 后续处置措施, review states).

    Attributes:
        code: the platform's code, stored and exchanged (never shown alone).
        label: the Chinese text shown and printed.
        free_text: True where the option expects a written addition (``其他：____``).
    """

    code: str
    label: str
    free_text: bool = False


@dataclass(frozen=True)
class ResultCategory:
    """One node of the 检查结果 tree; every node, parent or leaf, can be ticked (multi-select).

    Attributes:
        code: platform code (``"1"``, ``"A"``, ``"B"`` …).
        label: Chinese label without the file's ``(父项, 下含 …)`` note.
        children: sub-categories in display order.
    """

    code: str
    label: str
    children: tuple[ResultCategory, ...] = ()

    def walk(self, depth: int = 0) -> Iterator[tuple[int, ResultCategory]]:
        """Yield ``(depth, node)`` for this node and its descendants, depth first, in order."""
        yield depth, self
        for child in self.children:
            yield from child.walk(depth + 1)


@dataclass(frozen=True)
class CodeTables:
    """The code tables one form or one results-entry screen needs.

    Attributes:
        results: roots of the 检查结果 tree, in the platform's order.
        check_methods: 核查方式 (multi-select).
        follow_ups: 后续处置措施 (multi-select); codes are ``"1"``… by position in the file.
        review_states: 结果审核状态, in workflow order.
    """

    results: tuple[ResultCategory, ...]
    check_methods: tuple[CodeOption, ...]
    follow_ups: tuple[CodeOption, ...]
    review_states: tuple[CodeOption, ...]

    def walk_results(self) -> Iterator[tuple[int, ResultCategory]]:
        """Yield ``(depth, node)`` over the whole result tree in display order."""
        for root in self.results:
            yield from root.walk()

    def result_label(self, code: str) -> str:
        """Return the label of a result code; raise ``KeyError`` if the code is unknown."""
        for _depth, node in self.walk_results():
            if node.code == code:
                return node.label
        raise KeyError(code)

    def result_parent(self, code: str) -> str | None:
        """Return the code of a result category's parent, or None for a root; ``KeyError`` if unknown."""

        def search(nodes: tuple[ResultCategory, ...], parent: str | None) -> str | bool | None:
            for node in nodes:
                if node.code == code:
                    return parent
                found = search(node.children, node.code)
                if found is not False:
                    return found
            return False

        found = search(self.results, None)
        if found is False:
            raise KeyError(code)
        return found if isinstance(found, str) else None

    def result_codes(self) -> frozenset[str]:
        """Return every result code of the tree."""
        return frozenset(node.code for _d, node in self.walk_results())

    def with_labels(self, labels: Mapping[str, str]) -> CodeTables:
        """Return a copy with some result-category labels replaced (codes unchanged).

        Args:
            labels: result code -> new label, e.g. ``{"2": "违反市场监管相关规定"}``.

        Raises:
            KeyError: a code in ``labels`` is not a result code.
        """
        known = {node.code for _d, node in self.walk_results()}
        missing = sorted(set(labels) - known)
        if missing:
            raise KeyError(", ".join(missing))

        def relabel(node: ResultCategory) -> ResultCategory:
            return replace(
                node,
                label=labels.get(node.code, node.label),
                children=tuple(relabel(c) for c in node.children),
            )

        return replace(self, results=tuple(relabel(r) for r in self.results))


def parse_code_tables(raw: Mapping[str, Any], *, source: str = "code table") -> CodeTables:
    """Build :class:`CodeTables` from the decoded JSON of the platform's code file.

    Args:
        raw: the decoded JSON object.
        source: a name for error messages (usually the file path).

    Raises:
        CodeTableError: a required table is missing or malformed.
    """
    try:
        results_raw = raw[_KEY_RESULTS]
        methods_raw = raw[_KEY_CHECK_METHODS]
        follow_raw = raw[_KEY_FOLLOW_UPS]
        review_raw = raw[_KEY_REVIEW_STATES]
    except KeyError as exc:
        raise CodeTableError(f"{source}：缺少代码表 {exc.args[0]!r}，请使用平台导出的完整代码文件。") from exc
    if not (isinstance(results_raw, dict) and isinstance(methods_raw, dict) and isinstance(review_raw, dict)):
        raise CodeTableError(f"{source}：代码表格式不正确（应为 代码 → 名称 的对象）。")
    if not isinstance(follow_raw, list):
        raise CodeTableError(f"{source}：后续处置措施应为列表。")
    return CodeTables(
        results=_result_tree({str(k): str(v) for k, v in results_raw.items()}, source=source),
        check_methods=tuple(CodeOption(str(k), str(v)) for k, v in methods_raw.items()),
        follow_ups=tuple(_follow_up(i, str(text)) for i, text in enumerate(follow_raw, start=1)),
        review_states=tuple(CodeOption(str(k), str(v)) for k, v in review_raw.items()),
    )


def _follow_up(position: int, text: str) -> CodeOption:
    # "其他：____" marks a free-text option; the blank is drawn by the form, not stored.
    stripped = text.rstrip("_ ")
    return CodeOption(str(position), stripped, free_text=stripped != text)


def _result_tree(entries: dict[str, str], *, source: str) -> tuple[ResultCategory, ...]:
    labels: dict[str, str] = {}
    descendants: dict[str, set[str]] = {}
    for code, text in entries.items():
        match = _PARENT_NOTE.search(text)
        if match:
            labels[code] = text[: match.start()].strip()
            descendants[code] = {c.strip() for c in match.group(1).split("/") if c.strip()}
        else:
            labels[code] = text.strip()
    for parent, extra in _EXTRA_CHILDREN.items():
        if parent in descendants:
            descendants[parent].update(c for c in extra if c in labels)
    for parent, codes in descendants.items():
        unknown = codes - labels.keys()
        if unknown:
            raise CodeTableError(f"{source}：检查结果 {parent} 的下级代码 {sorted(unknown)} 不存在。")

    # The direct parent is the smallest group that lists the code.
    parent_of: dict[str, str] = {}
    for code in labels:
        groups = [p for p, codes in descendants.items() if code in codes]
        if groups:
            parent_of[code] = min(groups, key=lambda p: len(descendants[p]))

    order = list(labels)  # the file's order is the display order

    def build(code: str) -> ResultCategory:
        kids = [c for c in order if parent_of.get(c) == code]
        return ResultCategory(code, labels[code], tuple(build(c) for c in kids))

    return tuple(build(code) for code in order if code not in parent_of)


_cache_lock = threading.Lock()
_default_tables: CodeTables | None = None


def load_code_tables(path: Path | None = None) -> CodeTables:
    """Load the code tables from a JSON file; the shipped file is read once and cached.

    Args:
        path: another code file; None for the shipped ``resources/codes`` file.

    Raises:
        CodeTableError: the file cannot be read or has the wrong shape.
    """
    global _default_tables
    if path is None:
        with _cache_lock:
            if _default_tables is None:
                _default_tables = _read(resource_path(*CODES_FILE))
            return _default_tables
    return _read(path)


def _read(path: Path) -> CodeTables:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CodeTableError(f"{path}：无法读取代码文件（{exc.strerror}），请检查安装是否完整。") from exc
    except json.JSONDecodeError as exc:
        raise CodeTableError(f"{path}：第 {exc.lineno} 行不是有效的 JSON，请使用平台导出的原文件。") from exc
    if not isinstance(raw, dict):
        raise CodeTableError(f"{path}：代码文件应为 JSON 对象。")
    tables = parse_code_tables(raw, source=str(path))
    logger.debug("loaded code tables from %s", path)
    return tables
