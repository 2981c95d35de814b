"""Task packages (office → field laptop): everything a second, empty database needs to enter one task's results.

A package is a batch of kind ``task-package`` (docs/sync-format.md §10) with these JSON Lines members
(docs/sync-database.md, "Task packages"):

=====================  ==========================================================================
member                 objects
=====================  ==========================================================================
``departments.jsonl``  the task's lead and joint departments and those of its items and people
``items.jsonl``        the task's check items in checklist order, each with its checkpoints
``targets.jsonl``      the drawn targets
``inspectors.jsonl``   the drawn inspectors (certificates, no ID-card numbers) and their recusals
``task.jsonl``         one object: the task, its departments and item order by uid
``draws.jsonl``        the task's draws (targets and inspectors, voided ones included)
``teams.jsonl``        the teams with their members
``inspections.jsonl``  one per drawn target: team, visit order, state, and the result versions so
                       far (so that an entry after 退回 or a correction names the right predecessor)
``forms.jsonl``        the printed-form ids (task, draw, team, record) the laptop must resolve, so
                       that a returned paper form finds its record
=====================  ==========================================================================

Rows are matched by their permanent uid. Import runs in one transaction, is idempotent (the same
package twice changes nothing; a newer package of the same task updates in place) and never
touches a result the laptop made itself. A classified task travels only in a classified package,
encrypted to the recipient's key and made by a cleared user.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.io.batch import BatchKind, VerifiedBatch, read_batch, write_batch
from app.models.base import utcnow
from app.models.enums import SyncState
from app.models.registry import (
    CheckItem,
    Checkpoint,
    Department,
    Inspector,
    InspectorCertificate,
    RecusalConflict,
    Target,
    TargetLicence,
)
from app.models.results import ResultVersion
from app.models.sync import SyncBatch
from app.models.tasks import Draw, Inspection, Task, TaskItem, Team, TeamMember
from app.services.context import ServiceContext
from app.services.errors import ConflictError, NotFoundError, PermissionDenied, RuleViolation
from app.services.permissions import Permission, can_see_classified
from app.services.pinyin import initials
from app.services.sync import (
    IN,
    OUT,
    _find_recipient,
    _identity,
    _next_batch_numbers,
    _office,
    _require_identity,
    _trusted,
    version_item,
)
from app.services.sync_rows import RowError, dump_row, load_row
from app.services.tasks import resolve_items, task_data

logger = logging.getLogger(__name__)

PACKAGE_FORMAT = 1
MEMBERS = (
    "departments.jsonl",
    "draws.jsonl",
    "forms.jsonl",
    "inspections.jsonl",
    "inspectors.jsonl",
    "items.jsonl",
    "targets.jsonl",
    "task.jsonl",
    "teams.jsonl",
)
# What an import reports, per table, in the order shown.
PACKAGE_TABLES = (
    ("task", "任务"),
    ("departments", "部门"),
    ("items", "抽查事项"),
    ("targets", "检查对象"),
    ("inspectors", "检查人员"),
    ("draws", "抽取记录"),
    ("teams", "检查组"),
    ("inspections", "检查记录"),
)
# Personal data the field does not need stays at the office.
INSPECTOR_PRIVATE = ("id_number",)
# The task's planning columns that point at office-only rows (plan, scheme) are not carried: the
# package carries the resolved item list instead.
TASK_SKIP = ("scheme_id", "plan_id")


@dataclass(frozen=True)
class ExportedPackage:
    """A task package written and recorded."""

    path: Path
    batch_id: str
    batch_seq: int
    manifest_sha256: str
    task_number: str
    classified: bool
    counts: dict[str, int]


@dataclass
class PackageImport:
    """What importing a task package did (or would do, for a dry run)."""

    batch_id: str
    task_number: str
    task_name: str
    classified: bool
    already_imported: bool
    dry_run: bool
    added: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)

    def count(self, table: str) -> tuple[int, int, int]:
        """(added, updated, unchanged) of one member table."""
        return self.added.get(table, 0), self.updated.get(table, 0), self.unchanged.get(table, 0)


# --------------------------------------------------------------------------- export


def _find_task(ctx: ServiceContext, session: Session, reference: str | int) -> Task:
    ref = str(reference).strip()
    task = session.execute(select(Task).where(or_(Task.number == ref, Task.uid == ref))).scalar_one_or_none()
    if task is None and ref.isdigit():
        task = session.get(Task, int(ref))
    # An uncleared user gets the message for a missing task: he must not learn that it exists.
    if task is None or (task.is_classified and not can_see_classified(ctx)):
        raise NotFoundError(f"找不到抽查任务「{ref}」，或您无权查看。请用 `liancha task list` 查看任务编号。")
    return task


def _package_items(session: Session, task: Task) -> dict[str, list[dict[str, Any]]]:
    """The package's objects, built in one read of the office database."""
    items = resolve_items(session, task_data(task))
    draws = session.execute(select(Draw).where(Draw.task_id == task.id).order_by(Draw.id)).scalars().all()
    draw_uid = {d.id: d.uid for d in draws}
    inspections = (
        session.execute(select(Inspection).where(Inspection.task_id == task.id).order_by(Inspection.id))
        .scalars()
        .all()
    )
    teams = session.execute(select(Team).where(Team.task_id == task.id).order_by(Team.id)).scalars().all()
    team_key = {t.id: (draw_uid[t.draw_id], t.number) for t in teams}
    inspectors = {m.inspector.id: m.inspector for t in teams for m in t.members}
    targets = {i.target.id: i.target for i in inspections}
    departments: dict[int, Department] = {task.lead_department.id: task.lead_department}
    departments.update({d.id: d for d in task.joint_departments})
    departments.update({i.department.id: i.department for i in items})
    departments.update({p.department.id: p.department for p in inspectors.values()})
    dept_uid = {d.id: d.uid for d in departments.values()}

    def dept_row(d: Department) -> dict[str, Any]:
        return dump_row(d)

    def item_row(item: CheckItem) -> dict[str, Any]:
        row = dump_row(item)
        row["department"] = dept_uid[item.department_id]
        row["checkpoints"] = [dump_row(cp) for cp in item.checkpoints]
        return row

    def target_row(t: Target) -> dict[str, Any]:
        row = dump_row(t, skip=("name_initials",))
        row["licences"] = [dump_row(lic) for lic in t.licences]
        return row

    def inspector_row(p: Inspector) -> dict[str, Any]:
        row = dump_row(p, skip=(*INSPECTOR_PRIVATE, "name_initials"))
        row["department"] = dept_uid[p.department_id]
        row["certificates"] = [dump_row(c) for c in p.certificates]
        row["recusals"] = [
            {"target": targets[c.target_id].uid, **dump_row(c)} for c in p.conflicts if c.target_id in targets
        ]
        return row

    task_row = dump_row(task, skip=TASK_SKIP)
    task_row["format"] = PACKAGE_FORMAT
    task_row["lead_department"] = dept_uid[task.lead_department_id]
    task_row["joint_departments"] = [d.uid for d in task.joint_departments]
    task_row["items"] = [i.uid for i in items]

    def team_row(t: Team) -> dict[str, Any]:
        return {
            "draw": draw_uid[t.draw_id],
            "number": t.number,
            "members": [
                {
                    "inspector": m.inspector.uid,
                    "department": dept_uid[m.department_id],
                    **dump_row(m),
                }
                for m in t.members
            ],
        }

    def inspection_row(i: Inspection) -> dict[str, Any]:
        row = dump_row(i)
        row["target"] = i.target.uid
        row["draw"] = draw_uid[i.target_draw_id]
        team = team_key.get(i.team_id) if i.team_id is not None else None
        row["team"] = {"draw": team[0], "number": team[1]} if team else None
        versions = (
            session.execute(
                select(ResultVersion)
                .where(ResultVersion.inspection_id == i.id)
                .order_by(ResultVersion.number)
            )
            .scalars()
            .all()
        )
        row["versions"] = [{**version_item(v), "is_current": v.is_current} for v in versions]
        return row

    forms: list[dict[str, Any]] = [{"form": "task", "id": task.uid}]
    forms += [{"form": "draw", "id": d.uid} for d in draws]
    forms += [{"form": "team", "id": f"{task.uid}/team-{t.number}"} for t in teams]
    forms += [{"form": "record", "id": i.uid} for i in inspections]
    return {
        "departments.jsonl": [dept_row(d) for d in sorted(departments.values(), key=lambda d: d.id)],
        "items.jsonl": [item_row(i) for i in items],
        "targets.jsonl": [target_row(t) for t in sorted(targets.values(), key=lambda t: t.id)],
        "inspectors.jsonl": [inspector_row(p) for p in sorted(inspectors.values(), key=lambda p: p.id)],
        "task.jsonl": [task_row],
        "draws.jsonl": [dump_row(d) for d in draws],
        "teams.jsonl": [team_row(t) for t in teams],
        "inspections.jsonl": [inspection_row(i) for i in inspections],
        "forms.jsonl": forms,
    }


def export_task_package(
    ctx: ServiceContext, path: Path | str, *, task: str | int, recipient: str | None = None
) -> ExportedPackage:
    """Write one task's package for a field laptop.

    Args:
        ctx: Service context (sync permission; a classified task also needs clearance).
        path: A folder (the file gets a neutral name) or a file path ending ``.lcb``.
        task: The task's number, uid or numeric id.
        recipient: Trusted key (fingerprint, name or installation id) of the laptop; required for a
            classified task, whose package is encrypted to it.

    Returns:
        The written package.

    Raises:
        NotFoundError: No such task, or a classified task and an uncleared user.
        RuleViolation: The task has no drawn targets, or a classified task without a recipient.
    """
    ctx.require(Permission.SYNC)
    with ctx.write() as session:
        the_task = _find_task(ctx, session, task)
        classified = the_task.is_classified
        if classified and not can_see_classified(ctx):  # pragma: no cover - _find_task hides it
            raise PermissionDenied("涉密任务只有具备涉密权限的人员可以导出。")
        recipient_key = None
        if classified:
            if recipient is None:
                raise RuleViolation(
                    "涉密任务的任务包必须加密给接收方：请指定接收方（已信任的外业电脑密钥卡）。"
                )
            recipient_key = _find_recipient(session, recipient).public
        elif recipient is not None:
            _find_recipient(session, recipient)  # a typo in the name is reported, not ignored
        inst, keys = _require_identity(session)
        office = _office(session)
        objects = _package_items(session, the_task)
        if not objects["inspections.jsonl"]:
            raise RuleViolation(
                f"任务 {the_task.number} 尚未抽取检查对象，没有可带到外业的内容。请先完成随机抽取。"
            )
        number = the_task.number
        batch_seq, previous = _next_batch_numbers(session)
    target = Path(path)
    batch_id = uuid.uuid4()
    if target.is_dir():
        safe = "".join(ch for ch in office if ch.isascii() and ch.isalnum()) or "office"
        target = target / f"liancha-task-package-{safe}-{batch_seq:06d}-{batch_id.hex[:8]}.lcb"
    written = write_batch(
        target,
        kind=BatchKind.TASK_PACKAGE,
        classified=classified,
        origin_office=office,
        installation_id=inst,
        batch_seq=batch_seq,
        previous_batch_id=previous,
        items=objects,
        signing_key=keys,
        recipient_public_key=recipient_key,
        batch_id=batch_id,
    )
    counts = {name.removesuffix(".jsonl"): len(rows) for name, rows in objects.items()}
    with ctx.write() as session:
        session.add(
            SyncBatch(
                batch_uid=str(batch_id),
                direction=OUT,
                kind=BatchKind.TASK_PACKAGE.value,
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
            action="sync.export_task_package",
            entity="sync_batch",
            entity_id=str(batch_id),
            summary=f"导出任务包 第{batch_seq}号：{number}（{counts['inspections']}个检查对象）",
            classified=classified,
        )
    logger.info("task package %s written (%s inspections)", batch_id, counts["inspections"])
    return ExportedPackage(
        written.path, str(batch_id), batch_seq, written.manifest_sha256, number, classified, counts
    )


# --------------------------------------------------------------------------- import


class _Tally:
    def __init__(self) -> None:
        self.added: dict[str, int] = {}
        self.updated: dict[str, int] = {}
        self.unchanged: dict[str, int] = {}

    def note(self, table: str, *, new: bool, changed: bool) -> None:
        bucket = self.added if new else self.updated if changed else self.unchanged
        bucket[table] = bucket.get(table, 0) + 1


def _bad(member: str, index: int, message: str) -> RuleViolation:
    return RuleViolation(f"任务包内容有误：{member} 第 {index} 条：{message}。请让办公室重新导出任务包。")


def _by_uid(session: Session, model: Any, uid: Any) -> Any:
    if not isinstance(uid, str):
        return None
    return session.execute(select(model).where(model.uid == uid)).scalar_one_or_none()


def _replace_children(
    session: Session, collection: list[Any], incoming: Sequence[Mapping[str, Any]], make: Any
) -> bool:
    """Bring a child collection in line with ``incoming`` by position (ids kept where rows stay)."""
    changed = False
    rows = list(collection)
    for index, data in enumerate(incoming):
        if index < len(rows):
            changed |= bool(load_row(rows[index], data))
        else:
            child = make()
            load_row(child, data)
            collection.append(child)
            changed = True
    for extra in rows[len(incoming) :]:
        collection.remove(extra)
        session.delete(extra)
        changed = True
    return changed


def _apply_package(session: Session, batch: VerifiedBatch, tally: _Tally) -> Task:
    """Apply a verified task package inside the caller's transaction (raises before any commit)."""
    items_of = batch.items
    missing = [m for m in MEMBERS if m not in items_of]
    if missing:
        raise RuleViolation(f"任务包缺少数据文件：{'、'.join(missing)}。请让办公室重新导出任务包。")
    task_rows = items_of["task.jsonl"]
    if len(task_rows) != 1 or task_rows[0].get("format") != PACKAGE_FORMAT:
        raise _bad("task.jsonl", 1, "应恰好有一个任务，格式版本 1")
    task_in = task_rows[0]
    if bool(task_in.get("is_classified")) != batch.manifest.classified:
        # A classified task may never travel in an ordinary package, and the reverse means a bug.
        raise RuleViolation(
            "任务包的密级与任务不符：涉密任务只能放在加密的涉密任务包中。已拒收，未做任何更改。"
        )

    # Departments: by uid, else by name (an empty laptop database may have made the same department).
    dept_ids: dict[str, int] = {}
    for n, row in enumerate(items_of["departments.jsonl"], start=1):
        dept = _by_uid(session, Department, row.get("uid"))
        if dept is None:
            dept = session.execute(
                select(Department).where(Department.name == row.get("name"))
            ).scalar_one_or_none()
        new = dept is None
        if dept is None:
            dept = Department()
            session.add(dept)
        try:
            changed = load_row(dept, row, skip=() if new else ("uid",))
        except RowError as exc:
            raise _bad("departments.jsonl", n, str(exc)) from exc
        session.flush()
        dept_ids[str(row.get("uid"))] = dept.id
        tally.note("departments", new=new, changed=bool(changed))

    def dept_of(member: str, n: int, uid: Any) -> int:
        if uid not in dept_ids:
            raise _bad(member, n, f"部门 {uid} 不在任务包中")
        return dept_ids[uid]

    # Check items and their checkpoints.
    item_ids: dict[str, int] = {}
    for n, row in enumerate(items_of["items.jsonl"], start=1):
        item = _by_uid(session, CheckItem, row.get("uid"))
        new = item is None
        if item is None:
            item = CheckItem()
            session.add(item)
        try:
            changed = load_row(item, row)
            department_id = dept_of("items.jsonl", n, row.get("department"))
            if item.department_id != department_id:
                item.department_id = department_id
                changed.append("department")
            session.flush()
            checkpoints = row.get("checkpoints")
            if not isinstance(checkpoints, list):
                raise RowError("缺少检查要点")
            cp_changed = _replace_children(session, item.checkpoints, checkpoints, Checkpoint)
        except RowError as exc:
            raise _bad("items.jsonl", n, str(exc)) from exc
        session.flush()
        item_ids[str(row["uid"])] = item.id
        tally.note("items", new=new, changed=bool(changed) or cp_changed)

    # Targets.
    target_ids: dict[str, int] = {}
    for n, row in enumerate(items_of["targets.jsonl"], start=1):
        target = _by_uid(session, Target, row.get("uid"))
        if target is None and row.get("code"):
            clash = session.execute(select(Target).where(Target.code == row["code"])).scalar_one_or_none()
            if clash is not None:
                raise _bad(
                    "targets.jsonl",
                    n,
                    f"本机已有代码为 {row['code']} 的另一检查对象「{clash.name}」（编号不同），"
                    "两份名录不一致，需由办公室核对",
                )
        new = target is None
        if target is None:
            target = Target()
            session.add(target)
        try:
            changed = load_row(target, row)
            if "name" in changed or new:
                target.name_initials = initials(target.name)
            licences = row.get("licences")
            if not isinstance(licences, list):
                raise RowError("缺少许可证列表")
            lic_changed = _replace_children(session, target.licences, licences, TargetLicence)
        except RowError as exc:
            raise _bad("targets.jsonl", n, str(exc)) from exc
        session.flush()
        target_ids[str(row["uid"])] = target.id
        tally.note("targets", new=new, changed=bool(changed) or lic_changed)

    # Inspectors with certificates and recusals.
    inspector_ids: dict[str, int] = {}
    for n, row in enumerate(items_of["inspectors.jsonl"], start=1):
        person = _by_uid(session, Inspector, row.get("uid"))
        new = person is None
        if person is None:
            person = Inspector()
            session.add(person)
        try:
            changed = load_row(person, row, skip=INSPECTOR_PRIVATE)
            if "name" in changed or new:
                person.name_initials = initials(person.name)
            department_id = dept_of("inspectors.jsonl", n, row.get("department"))
            if person.department_id != department_id:
                person.department_id = department_id
                changed.append("department")
            certificates = row.get("certificates")
            if not isinstance(certificates, list):
                raise RowError("缺少执法证列表")
            cert_changed = _replace_children(session, person.certificates, certificates, InspectorCertificate)
            session.flush()
            recusals = row.get("recusals")
            if not isinstance(recusals, list):
                raise RowError("缺少回避列表")
            for rec in recusals:
                target_id = target_ids.get(str(rec.get("target")))
                if target_id is None:
                    raise RowError(f"回避对象 {rec.get('target')} 不在任务包中")
                conflict = session.execute(
                    select(RecusalConflict).where(
                        RecusalConflict.inspector_id == person.id, RecusalConflict.target_id == target_id
                    )
                ).scalar_one_or_none()
                if conflict is None:
                    conflict = RecusalConflict(inspector_id=person.id, target_id=target_id)
                    session.add(conflict)
                    cert_changed = True
                cert_changed |= bool(load_row(conflict, rec))
        except RowError as exc:
            raise _bad("inspectors.jsonl", n, str(exc)) from exc
        session.flush()
        inspector_ids[str(row["uid"])] = person.id
        tally.note("inspectors", new=new, changed=bool(changed) or cert_changed)

    # The task.
    task: Task | None = _by_uid(session, Task, task_in.get("uid"))
    if task is None:
        other = session.execute(select(Task).where(Task.number == task_in.get("number"))).scalar_one_or_none()
        if other is not None:
            raise _bad("task.jsonl", 1, f"本机已有编号为 {other.number} 的另一任务（编号不同）")
    new = task is None
    if task is None:
        task = Task()
        session.add(task)
    try:
        changed = load_row(task, task_in, skip=TASK_SKIP)
        lead = dept_of("task.jsonl", 1, task_in.get("lead_department"))
        if task.lead_department_id != lead:
            task.lead_department_id = lead
            changed.append("lead")
        joint_uids = task_in.get("joint_departments")
        item_uids = task_in.get("items")
        if not isinstance(joint_uids, list) or not isinstance(item_uids, list) or not item_uids:
            raise RowError("缺少联合部门或抽查事项")
        joint = [session.get(Department, dept_of("task.jsonl", 1, u)) for u in joint_uids]
        if [d.id for d in task.joint_departments] != [d.id for d in joint if d is not None]:
            task.joint_departments = [d for d in joint if d is not None]
            changed.append("joint")
        wanted = []
        for uid in item_uids:
            if uid not in item_ids:
                raise RowError(f"抽查事项 {uid} 不在任务包中")
            wanted.append(item_ids[uid])
        if [ti.item_id for ti in task.task_items] != wanted:
            task.task_items.clear()
            session.flush()
            task.task_items.extend(TaskItem(item_id=i, position=p) for p, i in enumerate(wanted, start=1))
            changed.append("items")
    except RowError as exc:
        raise _bad("task.jsonl", 1, str(exc)) from exc
    session.flush()
    tally.note("task", new=new, changed=bool(changed))

    # Draws.
    draw_ids: dict[str, int] = {}
    for n, row in enumerate(items_of["draws.jsonl"], start=1):
        draw = _by_uid(session, Draw, row.get("uid"))
        new = draw is None
        if draw is None:
            draw = Draw(task_id=task.id)
            session.add(draw)
        elif draw.task_id != task.id:
            raise _bad("draws.jsonl", n, "该抽取记录在本机属于另一任务")
        try:
            changed = load_row(draw, row)
        except RowError as exc:
            raise _bad("draws.jsonl", n, str(exc)) from exc
        session.flush()
        draw_ids[str(row["uid"])] = draw.id
        tally.note("draws", new=new, changed=bool(changed))
    # Draws replaced on the office (replaces_draw_id) are carried as plain draws; the chain is the
    # office's business, the laptop only needs every draw its teams and inspections name.

    # Teams.
    team_ids: dict[tuple[str, int], int] = {}
    for n, row in enumerate(items_of["teams.jsonl"], start=1):
        draw_id = draw_ids.get(str(row.get("draw")))
        number = row.get("number")
        members = row.get("members")
        if draw_id is None or not isinstance(number, int) or not isinstance(members, list):
            raise _bad("teams.jsonl", n, "检查组缺少抽取记录、组号或组员")
        team = session.execute(
            select(Team).where(Team.draw_id == draw_id, Team.number == number)
        ).scalar_one_or_none()
        new = team is None
        if team is None:
            team = Team(task_id=task.id, draw_id=draw_id, number=number)
            session.add(team)
            session.flush()
        wanted_members = []
        for m in members:
            inspector_id = inspector_ids.get(str(m.get("inspector")))
            if inspector_id is None:
                raise _bad("teams.jsonl", n, f"组员 {m.get('inspector')} 不在任务包中")
            wanted_members.append((inspector_id, dept_of("teams.jsonl", n, m.get("department")), m))
        current = [(tm.inspector_id, tm.department_id, dump_row(tm)) for tm in team.members]
        changed_members = current != [(i, d, dump_row_like(m)) for i, d, m in wanted_members]
        if changed_members:
            team.members.clear()
            session.flush()
            for inspector_id, department_id, m in wanted_members:
                member = TeamMember(inspector_id=inspector_id, department_id=department_id)
                try:
                    load_row(member, m)
                except RowError as exc:
                    raise _bad("teams.jsonl", n, str(exc)) from exc
                team.members.append(member)
        session.flush()
        team_ids[(str(row["draw"]), number)] = team.id
        tally.note("teams", new=new, changed=changed_members and not new)

    # Inspections and the result versions so far.
    for n, row in enumerate(items_of["inspections.jsonl"], start=1):
        target_id = target_ids.get(str(row.get("target")))
        draw_id = draw_ids.get(str(row.get("draw")))
        if target_id is None or draw_id is None:
            raise _bad("inspections.jsonl", n, "检查对象或抽取记录不在任务包中")
        team_ref = row.get("team")
        team_id = None
        if team_ref is not None:
            team_id = team_ids.get((str(team_ref.get("draw")), team_ref.get("number")))
            if team_id is None:
                raise _bad("inspections.jsonl", n, "检查组不在任务包中")
        inspection = _by_uid(session, Inspection, row.get("uid"))
        new = inspection is None
        if inspection is None:
            inspection = Inspection(task_id=task.id, target_id=target_id, target_draw_id=draw_id)
            session.add(inspection)
        elif inspection.task_id != task.id or inspection.target_id != target_id:
            raise _bad("inspections.jsonl", n, "该检查记录在本机属于另一任务或另一对象")
        versions = row.get("versions")
        if not isinstance(versions, list):
            raise _bad("inspections.jsonl", n, "缺少结果版本列表")
        own = (
            not new
            and session.execute(
                select(ResultVersion.id).where(
                    ResultVersion.inspection_id == inspection.id,
                    ResultVersion.sync_state != SyncState.LOCAL,
                )
            ).first()
            is not None
        )
        try:
            # The laptop's own entries win over the office's view of the record's state: they are
            # newer and travel back in a results batch; the package never undoes them.
            skip = ("state", "correction_state", "published_version_uid") if own else ()
            changed = load_row(inspection, row, skip=skip)
        except RowError as exc:
            raise _bad("inspections.jsonl", n, str(exc)) from exc
        if inspection.team_id != team_id:
            inspection.team_id = team_id
            changed.append("team")
        session.flush()
        added_versions = _copy_versions(
            session, inspection, versions, own=own, where=("inspections.jsonl", n)
        )
        tally.note("inspections", new=new, changed=bool(changed) or added_versions > 0)

    # Every printed-form id must resolve here, or a returned paper form would find nothing.
    for n, row in enumerate(items_of["forms.jsonl"], start=1):
        if not _form_resolves(session, task, row):
            raise _bad("forms.jsonl", n, f"表单编号 {row.get('id')} 在导入后找不到对应记录")
    return task


def dump_row_like(data: Mapping[str, Any]) -> dict[str, Any]:
    """The travelling part of a team member object, to compare with :func:`dump_row` of a local one."""
    return {k: v for k, v in data.items() if k not in ("inspector", "department")}


def _copy_versions(
    session: Session,
    inspection: Inspection,
    versions: Iterable[Mapping[str, Any]],
    *,
    own: bool,
    where: tuple[str, int],
) -> int:
    """Store the office's versions of this record the laptop lacks (frozen copies, never sent back)."""
    from app.models.enums import ResultVersionKind
    from app.services.results import document_sha256

    added = 0
    for v in versions:
        uid = v.get("uid")
        payload = v.get("payload")
        if (
            not isinstance(uid, str)
            or not isinstance(payload, str)
            or document_sha256(payload) != v.get("sha256")
        ):
            raise _bad(where[0], where[1], "结果版本的内容与摘要不符")
        if session.execute(select(ResultVersion.id).where(ResultVersion.uid == uid)).first() is not None:
            continue
        try:
            session.add(
                ResultVersion(
                    uid=uid,
                    inspection_id=inspection.id,
                    record_uid=inspection.uid,
                    prev_uid=v.get("prev_uid"),
                    number=int(v["number"]),
                    kind=ResultVersionKind(v["kind"]),
                    payload_json=payload,
                    sha256=v["sha256"],
                    reason=str(v.get("reason") or ""),
                    created_at=utcnow(),
                    created_by=str(v.get("created_by") or ""),
                    origin=str(v["origin"]),
                    stream=str(v["stream"]),
                    seq=int(v["seq"]),
                    # With entries of its own the laptop's chain stays current (a fork would show
                    # up at the office when they travel back).
                    is_current=bool(v.get("is_current")) and not own,
                    withheld=bool(v.get("withheld")),
                    sync_state=SyncState.LOCAL,
                )
            )
        except (KeyError, ValueError, TypeError) as exc:
            raise _bad(where[0], where[1], "结果版本字段不全") from exc
        added += 1
    session.flush()
    return added


def _form_resolves(session: Session, task: Task, row: Mapping[str, Any]) -> bool:
    form, ident = row.get("form"), row.get("id")
    if not isinstance(ident, str):
        return False
    if form == "task":
        return ident == task.uid
    if form == "draw":
        return (
            session.execute(select(Draw.id).where(Draw.uid == ident, Draw.task_id == task.id)).first()
            is not None
        )
    if form == "record":
        found = session.execute(
            select(Inspection.id).where(Inspection.uid == ident, Inspection.task_id == task.id)
        ).first()
        return found is not None
    if form == "team":
        prefix = f"{task.uid}/team-"
        if not ident.startswith(prefix) or not ident[len(prefix) :].isdigit():
            return False
        number = int(ident[len(prefix) :])
        found = session.execute(select(Team.id).where(Team.task_id == task.id, Team.number == number)).first()
        return found is not None
    return False


def import_task_package(
    ctx: ServiceContext, path: Path | str, *, dry_run: bool = False, batch: VerifiedBatch | None = None
) -> PackageImport:
    """Verify a task package and apply it in one transaction (or, for a dry run, roll it back).

    Args:
        ctx: Service context (sync permission; a classified package needs clearance).
        path: The package file (copied off the stick first).
        dry_run: Check and count everything, change nothing.
        batch: The already verified batch, when the caller read it (``import_any``).

    Returns:
        What was (or would be) added, updated and left unchanged, per table.

    Raises:
        BatchRejected: The file failed a check (nothing changed).
        PermissionDenied: A classified package and an uncleared user.
        RuleViolation: The contents are inconsistent (nothing changed).
        ConflictError: A package with this batch id but other bytes was imported before.
    """
    ctx.require(Permission.SYNC)
    if batch is None:
        with ctx.read() as session:
            found = _identity(session, create=False)
            trusted = _trusted(session)
        batch = read_batch(Path(path), trusted_keys=trusted, private_key=found[1] if found else None)
    if batch.kind is not BatchKind.TASK_PACKAGE:
        raise RuleViolation(f"该文件是“{batch.kind.value}”批次，不是任务包。")
    if batch.manifest.classified and not can_see_classified(ctx):
        raise PermissionDenied("这是涉密任务包：只有具备涉密权限的人员可以导入。")
    with ctx.write() as session:
        seen = session.execute(
            select(SyncBatch).where(SyncBatch.direction == IN, SyncBatch.batch_uid == batch.batch_id)
        ).scalar_one_or_none()
        if seen is not None:
            if seen.manifest_sha256 != batch.manifest_sha256:
                raise ConflictError("同一批次编号的文件内容不同：可能被篡改，已拒收。请向对方重新索取。")
            log = json.loads(seen.log_json)
            return PackageImport(
                batch.batch_id,
                log["task_number"],
                log["task_name"],
                batch.manifest.classified,
                already_imported=True,
                dry_run=dry_run,
                added=log["added"],
                updated=log["updated"],
                unchanged=log["unchanged"],
            )
        tally = _Tally()
        task = _apply_package(session, batch, tally)
        result = PackageImport(
            batch.batch_id,
            task.number,
            task.name,
            batch.manifest.classified,
            already_imported=False,
            dry_run=dry_run,
            added=tally.added,
            updated=tally.updated,
            unchanged=tally.unchanged,
        )
        if dry_run:
            session.rollback()
            return result
        now = utcnow()
        log = {
            "task_uid": task.uid,
            "task_number": task.number,
            "task_name": task.name,
            "added": tally.added,
            "updated": tally.updated,
            "unchanged": tally.unchanged,
        }
        session.add(
            SyncBatch(
                batch_uid=batch.batch_id,
                direction=IN,
                kind=batch.kind.value,
                origin=str(batch.manifest.installation_id),
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
        ctx.audit(
            session,
            action="sync.import_task_package",
            entity="tasks",
            entity_id=task.id,
            summary=f"导入任务包：{task.number}（新增检查对象{tally.added.get('inspections', 0)}个）",
            task_id=task.id,
            classified=task.is_classified,
        )
    logger.info("task package %s imported", batch.batch_id)
    return result
