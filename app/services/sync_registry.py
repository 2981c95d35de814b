"""Registry updates (platform → office): targets, inspectors and check items as a diff, applied atomically.

The platform owns the registries (SYNC.md, "Ownership"). A registry batch is a full snapshot with a
version (docs/sync-format.md §10, ``contents.registry``); the office shows what it would change —
added, changed (field by field), removed — before anything is written, and applies it in one
transaction.

Local edits are never overwritten silently. For every row taken from an update the office keeps
the hash of what it took (``sync_registry_base``). When the next update arrives:

===========================================  =================================================
local row vs base, incoming vs base          outcome
===========================================  =================================================
local = incoming                             unchanged
local = base, incoming differs               changed: taken
local edited, incoming = base                kept: the local edit stays (the platform did not
                                             touch the row)
local edited and incoming differs, or the    conflict: listed for a person, who keeps the local
row was never taken from an update and       row or takes the incoming one; nothing is applied
differs                                      until every conflict has a decision
row from an earlier update, now absent       removed: made inactive (never deleted: results
                                             point at it); a conflict if edited locally
===========================================  =================================================

Rows the office made itself and the platform never sent are never removed.
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.io.batch import BatchKind, RegistryInfo, VerifiedBatch, canonical_json, write_batch
from app.models.base import utcnow
from app.models.registry import (
    CheckItem,
    Checkpoint,
    Department,
    Inspector,
    InspectorCertificate,
    Target,
    TargetLicence,
)
from app.models.sync import SyncBatch, SyncRegistryBase, SyncStreamMark
from app.services.context import ServiceContext
from app.services.errors import ConflictError, RuleViolation
from app.services.permissions import Permission
from app.services.pinyin import initials
from app.services.settings import get_setting, set_setting
from app.services.sync import IN, OUT, _next_batch_numbers, _office, _require_identity
from app.services.sync_packages import _replace_children
from app.services.sync_rows import RowError, dump_row, load_row

logger = logging.getLogger(__name__)

REGISTRY_NAME = "registry"
KINDS = ("targets", "inspectors", "items")
KIND_LABELS = {"targets": "检查对象", "inspectors": "检查人员", "items": "抽查事项"}
MEMBERS = {kind: f"{kind}.jsonl" for kind in KINDS}
VERSION_KEY = "sync.registry_version"  # the exporter's running snapshot number
MARK_STREAM = "registry"  # sync_stream_marks.received_through = installed snapshot version
SKIP = ("name_initials", "created_at")
ACTIONS = ("added", "changed", "removed", "kept", "conflict")
ACTION_LABELS = {
    "added": "新增",
    "changed": "变更",
    "removed": "移除",
    "kept": "保留本地修改",
    "conflict": "冲突",
}
LOCAL, INCOMING = "local", "incoming"
# Chinese names of the columns a diff shows (people read it, not programmers); others show as is.
FIELD_LABELS = {
    "name": "名称",
    "code": "统一社会信用代码/注册号",
    "code_kind": "代码类型",
    "kind": "类型",
    "legal_rep": "法定代表人",
    "phone": "联系电话",
    "address": "地址",
    "reg_authority": "登记机关",
    "jurisdiction": "管辖单位",
    "region": "乡镇/街道",
    "industry": "行业",
    "risk_class": "风险分类",
    "status": "经营状态",
    "active": "有效",
    "note": "备注",
    "licences": "许可证",
    "department": "所属部门",
    "staff_no": "单位工号",
    "gender": "性别",
    "id_number": "身份证号",
    "education": "学历",
    "major": "专业",
    "post_category": "岗位大类",
    "post_since": "从事本岗位时间",
    "qualifications": "岗位资质资格",
    "enforcement_scope": "执法事项范围",
    "level": "层级",
    "title": "担任职务",
    "unit": "所在业务部门",
    "is_expert": "专家",
    "certificates": "执法证",
    "seq_no": "序号",
    "category": "抽查类别",
    "target_scope": "检查对象",
    "importance": "事项类别",
    "methods": "检查方式",
    "subject": "检查主体",
    "legal_basis": "检查依据",
    "ratio_cap": "抽查比例上限",
    "checkpoints": "检查要点",
}


def field_label(name: str) -> str:
    """The Chinese name of a registry column."""
    return FIELD_LABELS.get(name, name)


@dataclass(frozen=True)
class FieldChange:
    """One column that differs: local value and incoming value (JSON values)."""

    name: str
    local: Any
    incoming: Any


@dataclass(frozen=True)
class RegistryChange:
    """One row of the diff."""

    kind: str  # targets | inspectors | items
    key: str  # "<kind>:<uid>": what a decision names
    label: str  # the row's name, for people
    action: str  # added | changed | removed | kept | conflict
    fields: tuple[FieldChange, ...]
    removal: bool = False  # for a conflict: the platform removed the row
    decision: str | None = None  # for a conflict: local | incoming


@dataclass
class RegistryImport:
    """A registry update checked (dry run, or waiting for decisions) or applied."""

    batch_id: str
    version: int
    installed: int
    changes: tuple[RegistryChange, ...]
    already_imported: bool
    dry_run: bool
    applied: bool
    counts: dict[str, int] = field(default_factory=dict)

    def of(self, action: str) -> tuple[RegistryChange, ...]:
        """The changes with this action."""
        return tuple(c for c in self.changes if c.action == action)

    @property
    def undecided(self) -> tuple[RegistryChange, ...]:
        """Conflicts that still need a person's decision."""
        return tuple(c for c in self.changes if c.action == "conflict" and c.decision is None)


@dataclass(frozen=True)
class ExportedRegistry:
    """A registry snapshot written and recorded."""

    path: Path
    batch_id: str
    version: int
    counts: dict[str, int]


# --------------------------------------------------------------------------- rows


def registry_row(kind: str, obj: Any) -> dict[str, Any]:
    """The travelling (and compared) form of one registry row."""
    row = dump_row(obj, skip=SKIP)
    if kind == "targets":
        row["licences"] = [dump_row(lic) for lic in obj.licences]
    elif kind == "inspectors":
        row["department"] = obj.department.name
        row["certificates"] = [dump_row(c) for c in obj.certificates]
    else:
        row["department"] = obj.department.name
        row["checkpoints"] = [dump_row(cp) for cp in obj.checkpoints]
    return row


def _hash(row: Mapping[str, Any]) -> str:
    body = {k: v for k, v in row.items() if k != "uid"}
    return hashlib.sha256(canonical_json(body)).hexdigest()


def _model(kind: str) -> Any:
    return {"targets": Target, "inspectors": Inspector, "items": CheckItem}[kind]


def _fields(local: Mapping[str, Any], incoming: Mapping[str, Any]) -> tuple[FieldChange, ...]:
    names = sorted((set(local) | set(incoming)) - {"uid"})
    return tuple(
        FieldChange(n, local.get(n), incoming.get(n)) for n in names if local.get(n) != incoming.get(n)
    )


# --------------------------------------------------------------------------- export


def export_registry(ctx: ServiceContext, path: Path | str) -> ExportedRegistry:
    """Write a full registry snapshot (targets, inspectors, items) with the next snapshot version.

    This is what the platform side sends; LianCha makes it too, so that a province without its
    own gateway (or a test) can act as the platform.

    Args:
        ctx: Service context (sync permission).
        path: A folder (the file gets a neutral name) or a file path ending ``.lcb``.

    Returns:
        The written snapshot.
    """
    ctx.require(Permission.SYNC)
    with ctx.write() as session:
        inst, keys = _require_identity(session)
        office = _office(session)
        raw = get_setting(session, VERSION_KEY)
        version = (raw if isinstance(raw, int) else 0) + 1
        objects: dict[str, list[dict[str, Any]]] = {}
        for kind in KINDS:
            model = _model(kind)
            objects[MEMBERS[kind]] = [
                registry_row(kind, obj) for obj in session.execute(select(model).order_by(model.id)).scalars()
            ]
        batch_seq, previous = _next_batch_numbers(session)
    target = Path(path)
    batch_id = uuid.uuid4()
    if target.is_dir():
        safe = "".join(ch for ch in office if ch.isascii() and ch.isalnum()) or "office"
        target = target / f"liancha-registry-{safe}-{batch_seq:06d}-{batch_id.hex[:8]}.lcb"
    written = write_batch(
        target,
        kind=BatchKind.REGISTRY,
        origin_office=office,
        installation_id=inst,
        batch_seq=batch_seq,
        previous_batch_id=previous,
        items=objects,
        registry=RegistryInfo(REGISTRY_NAME, version, None),
        signing_key=keys,
        batch_id=batch_id,
    )
    counts = {kind: len(objects[MEMBERS[kind]]) for kind in KINDS}
    with ctx.write() as session:
        set_setting(session, VERSION_KEY, version)
        session.add(
            SyncBatch(
                batch_uid=str(batch_id),
                direction=OUT,
                kind=BatchKind.REGISTRY.value,
                origin=str(inst),
                origin_office=office,
                batch_seq=batch_seq,
                previous_batch_uid=str(previous) if previous else None,
                manifest_sha256=written.manifest_sha256,
                stream=None,
                file_name=written.path.name,
                state="written",
                created_at=utcnow(),
            )
        )
        ctx.audit(
            session,
            action="sync.export_registry",
            entity="sync_batch",
            entity_id=str(batch_id),
            summary=f"导出名录快照 第{version}版（检查对象{counts['targets']}，检查人员{counts['inspectors']}，"
            f"抽查事项{counts['items']}）",
        )
    return ExportedRegistry(written.path, str(batch_id), version, counts)


# --------------------------------------------------------------------------- import


def _installed(session: Session, origin: str) -> SyncStreamMark | None:
    return session.execute(
        select(SyncStreamMark).where(SyncStreamMark.origin == origin, SyncStreamMark.stream == MARK_STREAM)
    ).scalar_one_or_none()


def _match(session: Session, kind: str, row: Mapping[str, Any]) -> Any:
    model = _model(kind)
    uid = row.get("uid")
    found = (
        session.execute(select(model).where(model.uid == uid)).scalar_one_or_none()
        if isinstance(uid, str)
        else None
    )
    if found is not None:
        return found
    # The same entity entered separately on both sides: its code (targets) or its name within the
    # department (items) identifies it.
    if kind == "targets" and row.get("code"):
        return session.execute(select(Target).where(Target.code == row["code"])).scalar_one_or_none()
    if kind == "items":
        return session.execute(
            select(CheckItem)
            .join(Department, Department.id == CheckItem.department_id)
            .where(CheckItem.name == row.get("name"), Department.name == row.get("department"))
        ).scalar_one_or_none()
    return None


def _bases(session: Session, origin: str, kind: str) -> dict[str, SyncRegistryBase]:
    rows = session.execute(
        select(SyncRegistryBase).where(SyncRegistryBase.origin == origin, SyncRegistryBase.kind == kind)
    ).scalars()
    return {b.uid: b for b in rows}


def _plan(
    session: Session, batch: VerifiedBatch, origin: str, decisions: Mapping[str, str]
) -> list[tuple[RegistryChange, Any, Mapping[str, Any] | None]]:
    """The diff with, per change, the local row (or None) and the incoming row (or None)."""
    planned: list[tuple[RegistryChange, Any, Mapping[str, Any] | None]] = []
    for kind in KINDS:
        rows = batch.items.get(MEMBERS[kind])
        if rows is None:
            raise RuleViolation(f"名录更新缺少数据文件 {MEMBERS[kind]}：请让平台重新导出。")
        bases = _bases(session, origin, kind)
        seen: set[int] = set()
        for n, row in enumerate(rows, start=1):
            if not isinstance(row.get("uid"), str) or not isinstance(row.get("name"), str):
                raise RuleViolation(f"名录更新内容有误：{MEMBERS[kind]} 第 {n} 条缺少编号或名称。")
            local = _match(session, kind, row)
            incoming_hash = _hash(row)
            if local is None:
                change = RegistryChange(kind, f"{kind}:{row['uid']}", row["name"], "added", _fields({}, row))
                planned.append((change, None, row))
                continue
            if local.id in seen:
                raise RuleViolation(
                    f"名录更新内容有误：{MEMBERS[kind]} 第 {n} 条与前面的条目对应同一本地记录。"
                )
            seen.add(local.id)
            local_row = registry_row(kind, local)
            local_hash = _hash(local_row)
            base = bases.get(local.uid)
            key = f"{kind}:{local.uid}"
            diff = _fields(local_row, row)
            if local_hash == incoming_hash:
                action = "unchanged"
            elif base is not None and local_hash == base.sha256:
                action = "changed"
            elif base is not None and incoming_hash == base.sha256:
                action = "kept"
            else:
                action = "conflict"
            change = RegistryChange(
                kind,
                key,
                local.name,
                action,
                diff,
                decision=decisions.get(key) if action == "conflict" else None,
            )
            planned.append((change, local, row))
        model = _model(kind)
        for uid, base in bases.items():
            local = session.execute(select(model).where(model.uid == uid)).scalar_one_or_none()
            if local is None or local.id in seen or not local.active:
                continue
            key = f"{kind}:{uid}"
            edited = _hash(registry_row(kind, local)) != base.sha256
            change = RegistryChange(
                kind,
                key,
                local.name,
                "conflict" if edited else "removed",
                (FieldChange("active", True, False),),
                removal=True,
                decision=decisions.get(key) if edited else None,
            )
            planned.append((change, local, None))
    return planned


def _department(session: Session, name: Any) -> int:
    if not isinstance(name, str) or not name.strip():
        raise RowError("缺少所属部门")
    dept = session.execute(select(Department).where(Department.name == name)).scalar_one_or_none()
    if dept is None:
        dept = Department(name=name)
        session.add(dept)
        session.flush()
    return dept.id


def _write(session: Session, kind: str, obj: Any, row: Mapping[str, Any], *, new: bool) -> None:
    load_row(obj, row, skip=(*SKIP, *(() if new else ("uid",))))
    if kind != "items":
        obj.name_initials = initials(obj.name)
    if kind in ("inspectors", "items"):
        obj.department_id = _department(session, row.get("department"))
    if new:
        session.add(obj)
        session.flush()
    children: Any
    make: Any
    if kind == "targets":
        children, make, key = obj.licences, TargetLicence, "licences"
    elif kind == "inspectors":
        children, make, key = obj.certificates, InspectorCertificate, "certificates"
    else:
        children, make, key = obj.checkpoints, Checkpoint, "checkpoints"
    incoming = row.get(key)
    if not isinstance(incoming, list):
        raise RowError(f"缺少 {key}")
    _replace_children(session, children, incoming, make)


def _set_base(session: Session, origin: str, kind: str, uid: str, sha: str) -> None:
    base = session.execute(
        select(SyncRegistryBase).where(
            SyncRegistryBase.origin == origin, SyncRegistryBase.kind == kind, SyncRegistryBase.uid == uid
        )
    ).scalar_one_or_none()
    if base is None:
        session.add(SyncRegistryBase(origin=origin, kind=kind, uid=uid, sha256=sha))
    else:
        base.sha256 = sha


def import_registry(
    ctx: ServiceContext,
    path: Path | str,
    *,
    batch: VerifiedBatch,
    dry_run: bool = False,
    decisions: Mapping[str, str] | None = None,
) -> RegistryImport:
    """Show a registry update as a diff, or apply it in one transaction once every conflict is decided.

    Args:
        ctx: Service context (sync permission; applying also needs the registry edit permissions).
        path: The batch file (for the record).
        batch: The verified batch (``sync_inbox.read_inbox_file``).
        dry_run: Only compute the diff.
        decisions: Per conflict key (``"targets:<uid>"``): ``"local"`` keeps the local row,
            ``"incoming"`` takes the platform's.

    Returns:
        The diff; ``applied`` tells whether it was written. With conflicts still undecided nothing is
        written and ``undecided`` lists them.

    Raises:
        RuleViolation: Not a full snapshot, an older snapshot than the one installed (rollback),
            inconsistent contents, or a decision that is not ``local``/``incoming``.
        ConflictError: The same batch id with other bytes was imported before.
    """
    ctx.require(Permission.SYNC)
    chosen = dict(decisions or {})
    bad = {k: v for k, v in chosen.items() if v not in (LOCAL, INCOMING)}
    if bad:
        raise RuleViolation(f"冲突的处理方式只能是 local（保留本地）或 incoming（采用平台）：{bad}")
    if batch.kind is not BatchKind.REGISTRY or batch.contents.registry is None:
        raise RuleViolation(f"该文件是“{batch.kind.value}”批次，不是名录更新。")
    info = batch.contents.registry
    if info.base_version is not None:
        raise RuleViolation(
            f"这是基于第{info.base_version}版的名录变更集：本机只接受完整快照，请让平台导出完整名录快照。"
        )
    origin = str(batch.manifest.installation_id)
    with ctx.write() as session:
        seen = session.execute(
            select(SyncBatch).where(SyncBatch.direction == IN, SyncBatch.batch_uid == batch.batch_id)
        ).scalar_one_or_none()
        mark = _installed(session, origin)
        installed = mark.received_through if mark else 0
        if seen is not None:
            if seen.manifest_sha256 != batch.manifest_sha256:
                raise ConflictError("同一批次编号的文件内容不同：可能被篡改，已拒收。请向对方重新索取。")
            log = json.loads(seen.log_json)
            return RegistryImport(
                batch.batch_id,
                info.version,
                installed,
                (),
                True,
                dry_run,
                False,
                counts=log.get("counts", {}),
            )
        if info.version <= installed:
            raise RuleViolation(
                f"这是第{info.version}版名录，本机已安装第{installed}版：旧版本不能覆盖新版本（回滚），已拒收。"
            )
        try:
            planned = _plan(session, batch, origin, chosen)
        except RowError as exc:
            raise RuleViolation(f"名录更新内容有误：{exc}") from exc
        unknown = set(chosen) - {c.key for c, _, _ in planned if c.action == "conflict"}
        if unknown:
            raise RuleViolation(f"这些处理决定不对应任何冲突：{'、'.join(sorted(unknown))}")
        changes = tuple(c for c, _, _ in planned if c.action != "unchanged")
        result = RegistryImport(batch.batch_id, info.version, installed, changes, False, dry_run, False)
        if dry_run or result.undecided:
            session.rollback()
            return result
        for kind in KINDS:
            need = {"targets": Permission.EDIT_TARGETS, "inspectors": Permission.EDIT_INSPECTORS}.get(
                kind, Permission.EDIT_ITEMS
            )
            if any(c.kind == kind for c in changes):
                ctx.require(need)
        counts = {a: 0 for a in ACTIONS}
        try:
            for change, local, row in planned:
                kind = change.kind
                if change.action != "unchanged":
                    counts[change.action] += 1
                take = change.action in ("added", "changed", "removed") or (
                    change.action == "conflict" and change.decision == INCOMING
                )
                if row is None:  # the platform removed the row
                    if take:
                        local.active = False
                        session.flush()
                        _set_base(session, origin, kind, local.uid, _hash(registry_row(kind, local)))
                    else:
                        # Kept by a person: from now on it is a local row the platform cannot remove.
                        _drop_base(session, origin, kind, local.uid)
                elif change.action == "added":
                    obj = _model(kind)()
                    _write(session, kind, obj, row, new=True)
                    _set_base(session, origin, kind, obj.uid, _hash(row))
                else:
                    if take:
                        _write(session, kind, local, row, new=False)
                    # Kept local edits keep differing from this base, so they stay visible (and
                    # protected) at the next update.
                    _set_base(session, origin, kind, local.uid, _hash(row))
            session.flush()
        except RowError as exc:
            raise RuleViolation(f"名录更新内容有误：{exc}。未做任何更改。") from exc
        if mark is None:
            mark = SyncStreamMark(
                origin=origin, stream=MARK_STREAM, received_through=0, acknowledged_through=0
            )
            session.add(mark)
        mark.received_through = info.version
        now = utcnow()
        log = {
            "version": info.version,
            "counts": counts,
            "changes": [[c.key, c.action, c.decision] for c in changes],
        }
        session.add(
            SyncBatch(
                batch_uid=batch.batch_id,
                direction=IN,
                kind=batch.kind.value,
                origin=origin,
                origin_office=batch.manifest.origin_office,
                batch_seq=batch.manifest.batch_seq,
                previous_batch_uid=str(batch.manifest.previous_batch_id)
                if batch.manifest.previous_batch_id
                else None,
                manifest_sha256=batch.manifest_sha256,
                stream=None,
                file_name=Path(path).name,
                state="imported",
                created_at=now,
                imported_at=now,
                log_json=json.dumps(log, ensure_ascii=False),
            )
        )
        decided = [c for c in changes if c.action == "conflict"]
        ctx.audit(
            session,
            action="sync.import_registry",
            entity="sync_batch",
            entity_id=batch.batch_id,
            summary=f"导入名录更新 第{info.version}版：新增{counts['added']}，变更{counts['changed']}，"
            f"移除{counts['removed']}，保留本地修改{counts['kept']}，冲突{len(decided)}（"
            + "；".join(f"{c.key}→{'保留本地' if c.decision == LOCAL else '采用平台'}" for c in decided)
            + "）",
        )
    result.applied = True
    result.counts = counts
    logger.info("registry version %s from %s applied", info.version, origin)
    return result


def _drop_base(session: Session, origin: str, kind: str, uid: str) -> None:
    base = session.execute(
        select(SyncRegistryBase).where(
            SyncRegistryBase.origin == origin, SyncRegistryBase.kind == kind, SyncRegistryBase.uid == uid
        )
    ).scalar_one_or_none()
    if base is not None:
        session.delete(base)


def conflict_keys(changes: Sequence[RegistryChange]) -> tuple[str, ...]:
    """The keys a person must decide, in diff order."""
    return tuple(c.key for c in changes if c.action == "conflict")
