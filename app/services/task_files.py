"""Task definitions as files (JSON) for `liancha task create --file`, resolved against the registries.

Departments, items and schemes are named as people write them (names, not database ids),
and every problem is reported with the field it concerns.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from sqlalchemy import select

from app.models import CheckItem, Department, IndustryScheme, Tag
from app.models.enums import RiskClass, TagScope, TaskMode
from app.services.context import ServiceContext
from app.services.errors import FieldError, ValidationError
from app.services.plans import plan_for_year
from app.services.tasks import TaskData, TaskScope


def _mode(text: str) -> TaskMode:
    try:
        return TaskMode(text)
    except ValueError:
        try:
            return TaskMode.from_label(text)  # type: ignore[return-value]
        except ValueError:
            raise ValidationError(
                [
                    FieldError(
                        "mode",
                        f"「{text}」不是抽查方式；可选：{'、'.join(m.value + '/' + m.label for m in TaskMode)}",
                    )
                ]
            ) from None


def task_data_from_mapping(
    ctx: ServiceContext, raw: dict[str, Any], *, source: str = ""
) -> tuple[TaskData, str]:
    """Build TaskData from a JSON-like mapping; return it and the adjustment reason (if any)."""
    where = f"{source}：" if source else ""
    errors: list[FieldError] = []

    def err(field: str, message: str) -> None:
        errors.append(FieldError(f"{where}{field}", message))

    with ctx.read() as session:
        departments = {d.name: d for d in session.execute(select(Department)).scalars()}
        departments.update({d.short_name: d for d in list(departments.values()) if d.short_name})

        def dept(name: str, field: str) -> int:
            d = departments.get(str(name).strip())
            if d is None:
                err(field, f"部门「{name}」不存在")
                return 0
            return d.id

        # A scheme names its lead department: only a lead that is written is looked up here,
        # so that "scheme without lead" (docs/task-file.md) is not refused as 部门「」不存在.
        lead_name = str(raw.get("lead") or "").strip()
        lead = dept(lead_name, "lead") if lead_name else 0
        joint = tuple(dept(n, "joint") for n in raw.get("joint", []))
        scheme_id = None
        if raw.get("scheme"):
            scheme = session.execute(
                select(IndustryScheme).where(IndustryScheme.name == str(raw["scheme"]).strip())
            ).scalar_one_or_none()
            if scheme is None:
                err("scheme", f"一业一查方案「{raw['scheme']}」不存在")
            else:
                scheme_id = scheme.id
                if not raw.get("joint"):
                    joint = tuple(d.id for d in scheme.cooperating_departments)
                if not lead_name:
                    lead = scheme.lead_department_id
        if not lead_name and not scheme_id and not raw.get("scheme"):
            err("lead", "请填写牵头部门（或指定一业一查方案，由方案带出牵头部门）")
        item_ids: list[int] = []
        for ref in raw.get("items", []):
            query = select(CheckItem.id).where(CheckItem.name == str(ref).strip())
            found = session.execute(query).scalars().all()
            if isinstance(ref, int):
                found = [ref] if session.get(CheckItem, ref) else []
            if len(found) != 1:
                err("items", f"抽查事项「{ref}」{'不存在' if not found else '有重名，请改用编号'}")
            else:
                item_ids.append(found[0])

    def day(field: str) -> date:
        try:
            return date.fromisoformat(str(raw.get(field, "")))
        except ValueError:
            err(field, f"日期「{raw.get(field, '')}」应写作 YYYY-MM-DD")
            return date(2000, 1, 1)

    ratios: dict[RiskClass, Decimal] = {}
    for key, value in dict(raw.get("ratios", {})).items():
        try:
            ratios[RiskClass(str(key).upper())] = Decimal(str(value))
        except (ValueError, InvalidOperation):
            err("ratios", f'「{key}: {value}」应为风险类别 A–D 和小数比例，例如 "B": "0.05"')
    scope_raw = dict(raw.get("scope", {}))
    tag_names = scope_raw.pop("tags", [])
    if tag_names:
        tag_ids = list(scope_raw.get("tag_ids", []))
        with ctx.read() as session:
            tags = session.execute(
                select(Tag.id, Tag.kind, Tag.name).where(Tag.scope == TagScope.TARGET)
            ).all()
        for ref in tag_names:
            text = str(ref).strip()
            kind, _, name = text.rpartition("：") if "：" in text else text.rpartition(":")
            found = [t.id for t in tags if t.name == name and (not kind or t.kind == kind)]
            if len(found) == 1:
                tag_ids.append(found[0])
            else:
                err(
                    "scope.tags",
                    f"检查对象标签「{text}」{'不存在' if not found else '有重名，请写成「类别：名称」'}",
                )
        scope_raw["tag_ids"] = tag_ids
    try:
        scope = TaskScope.from_json(json.dumps(scope_raw))
    except (ValueError, TypeError) as exc:
        err("scope", f"抽查范围无法识别：{exc}")
        scope = TaskScope()
    start, end = day("start"), day("end")
    plan_id = None
    if raw.get("plan_year"):
        plan = plan_for_year(ctx, int(raw["plan_year"]))
        if plan is None:
            err("plan_year", f"没有 {raw['plan_year']} 年度计划")
        else:
            plan_id = plan.id
    mode = TaskMode.SINGLE
    try:
        mode = _mode(str(raw.get("mode", "single")))
    except ValidationError as exc:
        errors.extend(FieldError(f"{where}{e.field}", e.message) for e in exc.errors)

    def count(field: str, default: int) -> int:
        value = raw.get(field, default)
        if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).strip().isdigit():
            err(field, f"「{value}」应为正整数")
            return default
        return int(value)

    teams = count("teams", 1)
    officers = count("officers_per_department", 1)
    min_officers = count("min_officers_per_team", 2)
    fixed_count = None if raw.get("fixed_count") is None else count("fixed_count", 1)
    if errors:
        raise ValidationError(errors)
    data = TaskData(
        name=str(raw.get("name", "")),
        mode=mode,
        lead_department_id=lead,
        joint_department_ids=joint,
        item_ids=tuple(item_ids),
        scheme_id=scheme_id,
        scope=scope,
        ratios=ratios,
        fixed_count=fixed_count,
        start_date=start,
        end_date=end,
        responsibilities=str(raw.get("responsibilities", "")),
        is_public=bool(raw.get("public", not raw.get("classified", False))),
        is_classified=bool(raw.get("classified", False)),
        advance_notice=bool(raw.get("advance_notice", True)),
        team_count=teams,
        officers_per_department=officers,
        min_officers_per_team=min_officers,
        expert_per_team=bool(raw.get("expert_per_team", False)),
        frequency_override_reason=str(raw.get("frequency_override_reason", "")),
        contact=str(raw.get("contact", "")),
        plan_id=plan_id,
    )
    return data, str(raw.get("adjustment_reason", ""))


def read_task_file(path: Path) -> dict[str, Any]:
    """Read a task file; raise ValidationError naming the file on unreadable JSON."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise ValidationError(
            [FieldError(str(path), "不是 UTF-8 编码的文本，请另存为 UTF-8 后重试")]
        ) from exc
    except FileNotFoundError as exc:
        raise ValidationError([FieldError(str(path), "找不到文件，请检查路径")]) from exc
    except IsADirectoryError as exc:
        raise ValidationError([FieldError(str(path), "这是一个文件夹，不是任务文件")]) from exc
    except OSError as exc:
        raise ValidationError([FieldError(str(path), f"无法读取：{exc.strerror or exc}")]) from exc
    except json.JSONDecodeError as exc:
        raise ValidationError(
            [FieldError(str(path), f"第 {exc.lineno} 行第 {exc.colno} 列 JSON 格式错误：{exc.msg}")]
        ) from exc
    if not isinstance(raw, dict):
        raise ValidationError([FieldError(str(path), "内容应为一个 JSON 对象 {…}")])
    return raw
