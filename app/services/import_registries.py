"""Importers of the small registries: inspectors, check items, joint lists (schemes), checkpoints.

A county has a few hundred of each, so these go through the ORM (the version
column, relationships and cascades stay in the model's hands). Like the target
importer, each one manages only the columns the file maps, compares every
accepted row with the database, and writes only in a real run.

Decisions (documented in ``docs``-style here because the file formats do not say):

* **Inspectors** are keyed by 执法证号 (either certificate), else by department +
  单位工号. The department is the ``department`` option when given, else the 所属部门
  column (LianCha's own layout, written by the export; a blank cell there is refused),
  else the 所在业务部门（机构） column itself, created by name when missing. The 所在业务部门 column also fills
  ``unit`` (an empty unit is kept when the column just repeats the 所属部门). 工商执法证 is stored as a certificate of kind 工商执法证, the 省/行政执法证
  as kind 执法证; 是否专家's types and 具体职务 are inspector tags (专家类别, 具体职务).
* **Items** are keyed by department + name (the database's unique pair). Published
  lists repeat a name within one department for different 检查对象 or 抽查类别 (the io
  layer's key); such rows get a distinguishing suffix in the stored name: the
  检查对象 when it tells them apart, else the 抽查类别, else both, e.g.
  ``食品经营许可情况的检查（学校、托幼机构、养老机构等食堂）``. Exported back, that
  suffixed name is the item's name, so export → import is stable. 检查内容 has no
  column in the model: a mapped 检查内容 column is reported and not stored (import
  checklists as ``checkpoints``).
* **Schemes** (联合抽查事项清单 → 一业一查): one scheme per 抽查领域 (its name, also its
  ``field`` and, when new, its ``industry``). The lead department is the first 发起部门
  of the field's first row; every other department the field's rows name (further
  发起部门 and 配合部门) cooperates. Each row's item is a check item of the row's first
  发起部门 (created when missing, with the field as 抽查类别 and the row's 检查对象);
  items that exist already are linked as they are (the department's own item list
  owns their details). The scheme's checklist order is the file's row order.
* **Checkpoints** (the lines of a 双随机抽查记录表) replace the named item's checklist
  line by line; the item is the ``item`` option or the file's 抽查事项 column.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.io import CheckpointRow, ColumnMapping, InspectorRow, ItemRow, JointItemRow
from app.io.records import Certificate
from app.models import (
    CheckItem,
    Checkpoint,
    Department,
    IndustryScheme,
    Inspector,
    InspectorCertificate,
    SchemeItem,
)
from app.models.enums import ItemImportance, TagScope
from app.services.import_common import (
    DEPARTMENT_CERT_KIND,
    INSPECTOR_TAG_FIELDS,
    PROVINCE_CERT_KIND,
    Departments,
    ImportFileError,
    Lengths,
    Outcome,
    RowIssues,
    Stage,
    join_multi,
    table_of,
)
from app.services.pinyin import initials
from app.services.progress import Progress
from app.services.records import resolve_tags

logger = logging.getLogger(__name__)


class _Importer:
    """State every small-registry importer shares."""

    def __init__(
        self,
        session: Session,
        mapping: ColumnMapping,
        *,
        write: bool,
        outcome: Outcome,
        progress: Progress | None,
    ) -> None:
        self.session = session
        self.mapping = mapping
        self.mapped = mapping.mapped_fields
        self.write = write
        self.outcome = outcome
        self.issues = RowIssues(mapping, outcome)
        self.progress = progress
        self.departments = Departments(session, write=write, outcome=outcome)

    def _department(self, row: int, field_name: str, name: str) -> int | None:
        """The id of department ``name`` (created when missing), or None after rejecting the row."""
        reason = self.departments.check_name(name)
        if reason is not None:
            self.issues.reject(row, field_name, name, reason)
            return None
        return self.departments.ensure(name)


def _set_changed(obj: Any, values: dict[str, Any]) -> bool:
    """Assign the values that differ; True when any did."""
    changed = False
    for key, value in values.items():
        if getattr(obj, key) != value:
            setattr(obj, key, value)
            changed = True
    return changed


def _differs(obj: Any, values: dict[str, Any]) -> bool:
    return any(getattr(obj, key) != value for key, value in values.items())


# ------------------------------------------------------------------ inspectors

_INSPECTOR_COLUMNS: dict[str, str] = {
    # io field → model attribute, for plain text and date fields
    "staff_no": "staff_no",
    "gender": "gender",
    "id_number": "id_number",
    "mobile": "phone",
    "education": "education",
    "major": "major",
    "post_since": "post_since",
    "region": "region",
    "level": "level",
    "position": "title",
    "department": "unit",
}
_INSPECTOR_MULTI: dict[str, str] = {
    "post_categories": "post_category",
    "qualifications": "qualifications",
    "item_scope": "enforcement_scope",
}


class InspectorImporter(_Importer):
    """执法检查人员名录 → inspectors (with certificates and tags)."""

    def __init__(
        self,
        session: Session,
        mapping: ColumnMapping,
        *,
        write: bool,
        outcome: Outcome,
        progress: Progress | None,
        department: str | None,
    ) -> None:
        super().__init__(session, mapping, write=write, outcome=outcome, progress=progress)
        self.department = (department or "").strip() or None
        if self.department is not None:
            reason = self.departments.check_name(self.department)
            if reason is not None:
                raise ImportFileError(f"指定的部门“{self.department}”不能使用：{reason}")
        self.lengths = Lengths(
            session,
            table_of(Inspector),
            self.issues,
            {v: k for k, v in _INSPECTOR_COLUMNS.items()}
            | {v: k for k, v in _INSPECTOR_MULTI.items()}
            | {"name": "name", "name_initials": "name"},
        )
        self.tag_kinds = {
            kind
            for field_name, kind in INSPECTOR_TAG_FIELDS.items()
            if ("expert" if field_name == "expert_types" else field_name) in self.mapped
        }

    def run(self, records: Sequence[InspectorRow]) -> None:
        """Compare (and write) every record."""
        inspectors = list(self.session.execute(select(Inspector)).unique().scalars())
        by_cert: dict[str, Inspector] = {}
        by_staff: dict[tuple[int, str], Inspector] = {}
        for ins in inspectors:
            for cert in ins.certificates:
                by_cert.setdefault(cert.number, ins)
            if ins.staff_no:
                by_staff.setdefault((ins.department_id, ins.staff_no), ins)
        matched: dict[int, int] = {}
        stage = Stage(self.progress, len(records), "正在写入检查人员…")
        for record in records:
            self._one(record, by_cert, by_staff, matched)
            stage.advance(1)
        if self.write:
            self.session.flush()

    def _one(
        self,
        record: InspectorRow,
        by_cert: dict[str, Inspector],
        by_staff: dict[tuple[int, str], Inspector],
        matched: dict[int, int],
    ) -> None:
        row = record.row
        if record.natural_key is None:
            self.issues.reject(
                row,
                "name",
                record.name,
                "没有执法证编号，也没有单位工号，无法唯一识别该人员：请至少填写其中一项",
            )
            return
        # A file with a 所属部门 column says the department there; a blank one is missing, not a
        # reason to make a department of the row's 市场监管所.
        if "home_department" in self.mapped:
            department_name = self.department or record.home_department
        else:
            department_name = self.department or record.department
        if not department_name:
            column = "home_department" if "home_department" in self.mapped else "department"
            self.issues.reject(
                row,
                column,
                "",
                (
                    "缺少所属部门"
                    if column == "home_department"
                    else "缺少所在业务部门（机构），无法确定所属部门"
                )
                + "：请在文件中填写，或导入时指定部门（--department）",
            )
            return
        values = self._values(record)
        if not self.lengths.ok((row,), values):
            return
        department_id = self._department(row, "department", department_name)
        if department_id is None:
            return
        values["department_id"] = department_id
        numbers = [cert.number for cert in (record.province_cert, record.department_cert) if cert is not None]
        owners = {by_cert[n].id: by_cert[n] for n in numbers if n in by_cert}
        if len(owners) > 1:
            names = "、".join(ins.name for ins in owners.values())
            self.issues.reject(
                row, "province_cert_no", "、".join(numbers), f"两个执法证号分属不同人员（{names}），请核对"
            )
            return
        ins = next(iter(owners.values()), None)
        if ins is None and record.staff_no:
            ins = by_staff.get((department_id, record.staff_no))
        if ins is not None:
            previous = matched.get(ins.id)
            if previous is not None:
                self.issues.reject(
                    row, "name", record.name, f"与第{previous}行对应同一名人员（执法证号或工号相同），请核对"
                )
                return
            matched[ins.id] = row
        if (
            ins is not None
            and record.home_department
            and values.get("unit") == record.home_department
            and ins.unit in ("", record.home_department)
        ):
            # The export writes the department itself as 所在业务部门 when the inspector has
            # no sub-unit: an empty unit and one naming the department mean the same.
            values["unit"] = ins.unit
        certs = self._certificates(record)
        tags = self._tags(record)
        if ins is None:
            self.outcome.added += 1
            if self.write:
                new = Inspector(**values, note="")
                new.certificates = [InspectorCertificate(**cert) for cert in certs]
                new.tags = resolve_tags(self.session, TagScope.INSPECTOR, tags)
                self.session.add(new)
            return
        changed = _differs(ins, values) or self._certs_differ(ins, certs) or self._tags_differ(ins, tags)
        if not changed:
            self.outcome.unchanged += 1
            return
        self.outcome.updated += 1
        if self.write:
            _set_changed(ins, values)
            self._replace_certs(ins, certs)
            self._replace_tags(ins, tags)

    def _values(self, record: InspectorRow) -> dict[str, Any]:
        values: dict[str, Any] = {"name": record.name, "name_initials": initials(record.name)}
        for field_name, attribute in _INSPECTOR_COLUMNS.items():
            if field_name in self.mapped:
                values[attribute] = getattr(record, field_name)
        for field_name, attribute in _INSPECTOR_MULTI.items():
            if field_name in self.mapped:
                values[attribute] = join_multi(getattr(record, field_name))
        if "expert" in self.mapped:
            values["is_expert"] = record.is_expert
        if "status" in self.mapped:
            values["active"] = record.status == "有效"
        return values

    # certificates: one slot per template column pair; a slot not mapped is left alone

    def _slots(self) -> list[tuple[str, str]]:
        slots = []
        if "department_cert_no" in self.mapped:
            slots.append(("department_cert", DEPARTMENT_CERT_KIND))
        if "province_cert_no" in self.mapped:
            slots.append(("province_cert", PROVINCE_CERT_KIND))
        return slots

    def _certificates(self, record: InspectorRow) -> list[dict[str, Any]]:
        wanted: list[dict[str, Any]] = []
        for attribute, kind in self._slots():
            cert: Certificate | None = getattr(record, attribute)
            if cert is not None:
                wanted.append(
                    {
                        "kind": kind,
                        "number": cert.number,
                        "issuer": cert.issuer,
                        "valid_to": None if cert.no_expiry else cert.valid_until,
                    }
                )
        return wanted

    def _in_slots(self, kind: str) -> bool:
        slot_kinds = {slot_kind for _, slot_kind in self._slots()}
        return (DEPARTMENT_CERT_KIND if kind == DEPARTMENT_CERT_KIND else PROVINCE_CERT_KIND) in slot_kinds

    def _cert_key(self, kind: str, number: str, valid_to: object, issuer: str) -> tuple[object, ...]:
        is_department = kind == DEPARTMENT_CERT_KIND
        # Only the 省执法证 has an issuer column (执法证发证机关), and only some layouts have it.
        issuer_managed = not is_department and "province_cert_issuer" in self.mapped
        return (is_department, number, valid_to, issuer if issuer_managed else None)

    def _certs_differ(self, ins: Inspector, wanted: list[dict[str, Any]]) -> bool:
        current = sorted(
            (
                self._cert_key(c.kind, c.number, c.valid_to, c.issuer)
                for c in ins.certificates
                if self._in_slots(c.kind)
            ),
            key=repr,
        )
        return current != sorted((self._cert_key(**c) for c in wanted), key=repr)

    def _replace_certs(self, ins: Inspector, wanted: list[dict[str, Any]]) -> None:
        if not self._certs_differ(ins, wanted):
            return
        old_issuers = {c.number: c.issuer for c in ins.certificates if self._in_slots(c.kind)}
        kept = [c for c in ins.certificates if not self._in_slots(c.kind)]
        new = []
        for cert in wanted:
            key = self._cert_key(**cert)
            issuer = cert["issuer"] if key[3] is not None else old_issuers.get(cert["number"], "")
            new.append(InspectorCertificate(**(cert | {"issuer": issuer})))
        ins.certificates = kept + new

    # tags: 专家类别 and 具体职务

    def _tags(self, record: InspectorRow) -> list[tuple[str, str]]:
        pairs: list[tuple[str, str]] = []
        if INSPECTOR_TAG_FIELDS["expert_types"] in self.tag_kinds:
            pairs += [(INSPECTOR_TAG_FIELDS["expert_types"], v[:100]) for v in record.expert_types]
        if INSPECTOR_TAG_FIELDS["position_detail"] in self.tag_kinds and record.position_detail:
            pairs.append((INSPECTOR_TAG_FIELDS["position_detail"], record.position_detail[:100]))
        return pairs

    def _tags_differ(self, ins: Inspector, wanted: list[tuple[str, str]]) -> bool:
        current = {(t.kind, t.name) for t in ins.tags if t.kind in self.tag_kinds}
        return current != set(wanted)

    def _replace_tags(self, ins: Inspector, wanted: list[tuple[str, str]]) -> None:
        if not self._tags_differ(ins, wanted):
            return
        others = [t for t in ins.tags if t.kind not in self.tag_kinds]
        ins.tags = others + resolve_tags(self.session, TagScope.INSPECTOR, wanted)


# ------------------------------------------------------------------ items


def distinct_names(group: Sequence[ItemRow]) -> dict[int, str]:
    """Stored names for rows sharing department and name: suffix what tells them apart.

    Args:
        group: the accepted rows of one department with the same 抽查事项 name.

    Returns:
        Source row → the name to store.
    """
    if len(group) == 1:
        return {group[0].row: group[0].name}
    targets = [r.target_desc for r in group]
    categories = [r.category for r in group]
    names: dict[int, str] = {}
    for record in group:
        if all(targets) and len(set(targets)) == len(group):
            suffix = record.target_desc
        elif all(categories) and len(set(categories)) == len(group):
            suffix = record.category
        else:
            suffix = "，".join(part for part in (record.category, record.target_desc) if part)
        names[record.row] = f"{record.name}（{suffix}）" if suffix else record.name
    return names


_ITEM_FIELDS = {
    "name": "name",
    "seq_no": "seq",
    "category": "category",
    "target_scope": "target_desc",
    "methods": "methods",
    "subject": "subject",
}


class ItemImporter(_Importer):
    """随机抽查事项清单 → check items of departments (created by name when missing)."""

    def run(self, records: Sequence[ItemRow]) -> None:
        """Compare (and write) every record."""
        if "content" in self.mapped and any(r.content for r in records):
            self.issues.warn(
                None,
                "content",
                "",
                "“检查内容”列没有导入（事项本身不保存检查内容）：检查要点请用“检查要点”导入（liancha import checkpoints）",
            )
        groups: dict[tuple[str, str], list[ItemRow]] = {}
        for record in records:
            groups.setdefault((record.department, record.name), []).append(record)
        stored_name: dict[int, str] = {}
        for group in groups.values():
            stored_name.update(distinct_names(group))
        existing = {
            (item.department_id, item.name): item
            for item in self.session.execute(select(CheckItem)).unique().scalars()
        }
        lengths = Lengths(self.session, table_of(CheckItem), self.issues, _ITEM_FIELDS)
        taken: dict[tuple[int, str], int] = {}
        stage = Stage(self.progress, len(records), "正在写入抽查事项…")
        for record in records:
            stage.advance(1)
            department_id = self._department(record.row, "department", record.department)
            if department_id is None:
                continue
            name = stored_name[record.row]
            values = self._values(record, name)
            if not lengths.ok((record.row,), values):
                continue
            key = (department_id, name)
            previous = taken.get(key)
            if previous is not None:
                self.issues.reject(
                    record.row, "name", name, f"与第{previous}行在同一部门下同名，请在抽查事项名称中加以区分"
                )
                continue
            taken[key] = record.row
            item = existing.get(key)
            if item is None:
                self.outcome.added += 1
                if self.write:
                    new = CheckItem(department_id=department_id, **values)
                    self.session.add(new)
                    existing[key] = new
            elif _differs(item, values):
                self.outcome.updated += 1
                if self.write:
                    _set_changed(item, values)
            else:
                self.outcome.unchanged += 1
        if self.write:
            self.session.flush()

    def _values(self, record: ItemRow, name: str) -> dict[str, Any]:
        values: dict[str, Any] = {"name": name}
        if "seq" in self.mapped:
            values["seq_no"] = record.seq
        if "category" in self.mapped:
            values["category"] = record.category
        if "target_desc" in self.mapped:
            values["target_scope"] = record.target_desc
        if "item_class" in self.mapped:
            values["importance"] = (
                ItemImportance.KEY if record.item_class == "重点" else ItemImportance.GENERAL
            )
        if "methods" in self.mapped:
            values["methods"] = join_multi(record.methods)
        if "subject" in self.mapped:
            values["subject"] = record.subject
        if "basis" in self.mapped:
            values["legal_basis"] = record.basis
        return values


# ------------------------------------------------------------------ schemes


class SchemeImporter(_Importer):
    """联合抽查事项清单 → one 一业一查 scheme per 抽查领域, with its items and departments."""

    def run(self, records: Sequence[JointItemRow]) -> None:
        """Compare (and write) every record, field by field."""
        accepted: list[JointItemRow] = []
        for record in records:
            bad = next(
                (
                    (name, reason)
                    for name in (*record.initiating_departments, *record.cooperating_departments)
                    if (reason := self.departments.check_name(name)) is not None
                ),
                None,
            )
            if bad is not None:
                self.issues.reject(record.row, "initiating_departments", bad[0], bad[1])
            elif len(record.field) > 200:
                self.issues.reject(record.row, "field", record.field, "抽查领域超过200字，不能作为方案名称")
            else:
                accepted.append(record)
        item_names = self._item_names(accepted)
        items: dict[tuple[int, str], int] = {}
        for known_id, department_id, name in self.session.execute(
            select(CheckItem.id, CheckItem.department_id, CheckItem.name)
        ):
            items[(department_id, name)] = known_id
        schemes = {s.name: s for s in self.session.execute(select(IndustryScheme)).unique().scalars()}
        fields: dict[str, list[JointItemRow]] = {}
        for record in accepted:
            fields.setdefault(record.field, []).append(record)
        placeholder = -1
        stage = Stage(self.progress, len(fields), "正在写入一业一查方案…")
        for field_name, rows in fields.items():
            lead_id = self.departments.ensure(rows[0].lead_department)
            cooperating: list[int] = []
            item_ids: list[int] = []
            for record in rows:
                for name in (*record.initiating_departments, *record.cooperating_departments):
                    dept_id = self.departments.ensure(name)
                    if dept_id != lead_id and dept_id not in cooperating:
                        cooperating.append(dept_id)
                stored = item_names[record.row]
                # A row naming several 发起部门 files its item under the first that already has it.
                owner = next(
                    (
                        found
                        for name in record.initiating_departments
                        if (found := self.departments.find(name)) is not None and (found, stored) in items
                    ),
                    None,
                )
                key = (
                    owner if owner is not None else self.departments.ensure(record.lead_department),
                    stored,
                )
                item_id = items.get(key)
                if item_id is None:
                    self.outcome.items_created += 1
                    if self.write:
                        item = CheckItem(
                            department_id=key[0],
                            name=key[1],
                            seq_no=record.seq[:20],
                            category=field_name[:100],
                            target_scope=record.target_desc[:300],
                        )
                        self.session.add(item)
                        self.session.flush()
                        item_id = item.id
                    else:
                        item_id = placeholder
                        placeholder -= 1
                    items[key] = item_id
                if item_id in item_ids:
                    self.issues.warn(
                        record.row, "name", record.name, "该事项已在本方案的检查单中，不再重复列入"
                    )
                    continue
                item_ids.append(item_id)
            self._scheme(schemes, field_name, lead_id, cooperating, item_ids)
            stage.advance(1)
        if self.write:
            self.session.flush()

    def _item_names(self, records: Sequence[JointItemRow]) -> dict[int, str]:
        """Stored item names: the same department and name with several 检查对象 get the 检查对象 as suffix."""
        targets: dict[tuple[str, str], set[str]] = {}
        for record in records:
            targets.setdefault((record.lead_department, record.name), set()).add(record.target_desc)
        names: dict[int, str] = {}
        for record in records:
            several = len(targets[(record.lead_department, record.name)]) > 1
            names[record.row] = (
                f"{record.name}（{record.target_desc}）" if several and record.target_desc else record.name
            )
        return names

    def _scheme(
        self,
        schemes: dict[str, IndustryScheme],
        field_name: str,
        lead_id: int,
        cooperating: list[int],
        item_ids: list[int],
    ) -> None:
        scheme = schemes.get(field_name)
        if scheme is None:
            self.outcome.added += 1
            if self.write:
                scheme = IndustryScheme(
                    industry=field_name[:50],
                    name=field_name,
                    field=field_name[:100],
                    lead_department_id=lead_id,
                    handbook_text="",
                )
                scheme.cooperating_departments = [self.session.get_one(Department, i) for i in cooperating]
                scheme.scheme_items = [SchemeItem(item_id=i, position=n) for n, i in enumerate(item_ids, 1)]
                self.session.add(scheme)
                schemes[field_name] = scheme
            return
        same = (
            scheme.lead_department_id == lead_id
            and {d.id for d in scheme.cooperating_departments} == set(cooperating)
            and [si.item_id for si in scheme.scheme_items] == item_ids
        )
        if same:
            self.outcome.unchanged += 1
            return
        self.outcome.updated += 1
        if not self.write:
            return
        scheme.lead_department_id = lead_id
        scheme.cooperating_departments = [self.session.get_one(Department, i) for i in cooperating]
        if [si.item_id for si in scheme.scheme_items] != item_ids:
            # Two steps, so the unique (scheme, item) pair never clashes inside one flush.
            scheme.scheme_items = []
            self.session.flush()
            scheme.scheme_items = [SchemeItem(item_id=i, position=n) for n, i in enumerate(item_ids, 1)]
        self.session.flush()


# ------------------------------------------------------------------ checkpoints


class CheckpointImporter(_Importer):
    """双随机抽查记录表 / 检查要点 → the checkpoints of an item, replaced line by line."""

    def __init__(
        self,
        session: Session,
        mapping: ColumnMapping,
        *,
        write: bool,
        outcome: Outcome,
        progress: Progress | None,
        item: str | None,
        department: str | None,
    ) -> None:
        super().__init__(session, mapping, write=write, outcome=outcome, progress=progress)
        self.item = (item or "").strip() or None
        self.department = (department or "").strip() or None
        if self.department is not None and self.departments.find(self.department) is None:
            raise ImportFileError(f"找不到部门“{self.department}”，请核对部门名称")

    def run(self, records: Sequence[CheckpointRow]) -> None:
        """Resolve each group's item and replace its checklist with the file's lines."""
        # Grouped by (所属部门, 抽查事项): an item name may exist in two departments, and a
        # file that names the department (as the export does) must not be refused for it.
        groups: dict[tuple[str, str], list[CheckpointRow]] = {}
        for record in records:
            name = self.item or record.item_name
            if not name:
                self.issues.reject(
                    record.row,
                    "item_name",
                    "",
                    "不知道这些检查要点属于哪个抽查事项：请在文件中加“抽查事项”列，或导入时指定事项（--item）",
                )
                continue
            groups.setdefault((record.department, name), []).append(record)
        if not groups:
            return
        query = select(CheckItem).where(CheckItem.name.in_({name for _, name in groups}))
        if self.department is not None:
            query = query.where(CheckItem.department_id == self.departments.find(self.department))
        candidates: dict[str, list[CheckItem]] = {}
        for item in self.session.execute(query).unique().scalars():
            candidates.setdefault(item.name, []).append(item)
        stage = Stage(self.progress, len(groups), "正在写入检查要点…")
        for (department, name), rows in groups.items():
            stage.advance(1)
            found = candidates.get(name, [])
            if department and self.department is None:
                department_id = self.departments.find(department)
                if department_id is None:
                    for record in rows:
                        self.issues.reject(
                            record.row, "department", department, f"找不到部门“{department}”，请核对部门名称"
                        )
                    continue
                found = [item for item in found if item.department_id == department_id]
            if len(found) != 1:
                reason = (
                    f"找不到抽查事项“{name}”"
                    + (f"（{department}）" if department and self.department is None else "")
                    + "：请先导入抽查事项清单，或核对事项名称"
                    if not found
                    else f"抽查事项“{name}”在多个部门都有（{'、'.join(i.department.name for i in found)}），"
                    "请在文件中加“所属部门”列，或导入时指定部门（--department）"
                )
                for record in rows:
                    self.issues.reject(record.row, "item_name", name, reason)
                continue
            self._replace(found[0], rows)
        if self.write:
            self.session.flush()

    def _replace(self, item: CheckItem, rows: list[CheckpointRow]) -> None:
        current = list(item.checkpoints)
        for position, record in enumerate(rows, start=1):
            if position <= len(current):
                checkpoint = current[position - 1]
                wanted = {"position": position, "content": record.content, "method_guide": record.method}
                if _differs(checkpoint, wanted):
                    self.outcome.updated += 1
                    if self.write:
                        _set_changed(checkpoint, wanted)
                else:
                    self.outcome.unchanged += 1
            else:
                self.outcome.added += 1
                if self.write:
                    item.checkpoints.append(
                        Checkpoint(
                            position=position,
                            content=record.content,
                            method_guide=record.method,
                            materials="",
                        )
                    )
        extra = current[len(rows) :]
        self.outcome.removed += len(extra)
        if self.write:
            for checkpoint in extra:
                item.checkpoints.remove(checkpoint)
