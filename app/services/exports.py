"""Registry export (名录导出): the registry as an xlsx in the platform template layout.

The records are built so that importing the file again changes nothing (every row
"unchanged"): each field is written the way the importer reads it back
(:mod:`app.services.import_targets`, :mod:`app.services.import_registries`). Validity
dates stored as None (长期) are written as the platforms' 9999-09-09.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.io import (
    Certificate,
    CheckpointRow,
    InspectorRow,
    ItemRow,
    JointItemRow,
    Licence,
    Preset,
    PresetError,
    RegistryKind,
    RowRecord,
    TargetRow,
    export_rows,
    load_presets,
    write_blank_template,
)
from app.io.text import split_multi
from app.io.writers import ExportCancelled, resolve_preset
from app.models import (
    CheckItem,
    Department,
    IndustryScheme,
    Inspector,
    Tag,
    Target,
    TargetLicence,
)
from app.models.enums import ItemImportance, TagScope
from app.models.registry import target_tags
from app.services.context import ServiceContext
from app.services.errors import Interrupted, ServiceError
from app.services.import_common import (
    DEPARTMENT_CERT_KIND,
    INSPECTOR_TAG_FIELDS,
    SPECIAL_TARGET_TAG_KINDS,
    TARGET_TAG_FIELDS,
    table_of,
)
from app.services.imports import presets_dir
from app.services.progress import Progress

logger = logging.getLogger(__name__)

__all__ = ["ExportError", "ExportReport", "export_registry", "registry_records", "write_template"]


class ExportError(ServiceError):
    """The export cannot be written (unknown layout, file not writable); nothing was written."""


@dataclass(frozen=True)
class ExportReport:
    """What an export wrote.

    Attributes:
        kind: the registry kind.
        path: the file written.
        records: records exported (targets, inspectors, items, joint items, checkpoint lines).
        rows: spreadsheet rows written (a target with several licences takes several).
        layout: the name of the layout (preset) used.
    """

    kind: RegistryKind
    path: Path
    records: int
    rows: int
    layout: str

    def summary(self) -> str:
        """One line for people, in Chinese."""
        return f"已导出{self.kind.label} {self.records} 条（{self.rows} 行）到“{self.path.name}”"


# ------------------------------------------------------------------ records from the database


def _target_records(session: Session) -> list[TargetRow]:
    tags = {
        tag_id: (kind, name)
        for tag_id, kind, name in session.execute(
            select(Tag.id, Tag.kind, Tag.name).where(Tag.scope == TagScope.TARGET)
        )
    }
    links: dict[int, list[tuple[str, str]]] = {}
    for target_id, tag_id in session.execute(
        select(target_tags.c.target_id, target_tags.c.tag_id).order_by(target_tags.c.tag_id)
    ):
        links.setdefault(target_id, []).append(tags[tag_id])
    licences: dict[int, list[Licence]] = {}
    lic = table_of(TargetLicence)
    for target_id, name, number, valid_from, valid_to, authority in session.execute(
        select(
            lic.c.target_id, lic.c.name, lic.c.number, lic.c.valid_from, lic.c.valid_to, lic.c.authority
        ).order_by(lic.c.id)
    ):
        licences.setdefault(target_id, []).append(
            Licence(
                name=name,
                number=number,
                issued_on=valid_from,
                valid_until=valid_to,
                no_expiry=valid_to is None,
                authority=authority,
            )
        )
    table = table_of(Target)
    records: list[TargetRow] = []
    for row in session.execute(select(table).order_by(table.c.id)).mappings():
        own = links.get(row["id"], [])
        by_kind = {kind: tuple(n for k, n in own if k == kind) for kind in SPECIAL_TARGET_TAG_KINDS}
        supervision = by_kind[TARGET_TAG_FIELDS["professional_supervision"]]
        authority = by_kind[TARGET_TAG_FIELDS["inspection_authority"]]
        records.append(
            TargetRow(
                row=0,
                name=row["name"],
                code=row["code"] or "",
                code_kind=None,
                entity_kind=row["kind"].label,
                legal_rep=row["legal_rep"],
                phone=row["phone"],
                address=row["address"],
                reg_authority=row["reg_authority"],
                jurisdiction=row["jurisdiction"],
                region=row["region"],
                industry=row["industry"],
                risk_class=row["risk_class"].value,
                status=row["status"].label,
                tags=tuple(n for k, n in own if k not in SPECIAL_TARGET_TAG_KINDS),
                special_registries=by_kind[TARGET_TAG_FIELDS["special_registries"]],
                licences=tuple(licences.get(row["id"], ())),
                inspection_authority=authority[0] if authority else "",
                professional_supervision={"是": True, "否": False}.get(supervision[0])
                if supervision
                else None,
                professional_qualifications=by_kind[TARGET_TAG_FIELDS["professional_qualifications"]],
                expert_leaders=by_kind[TARGET_TAG_FIELDS["expert_leaders"]],
            )
        )
    return records


def _certificate(number: str, valid_to: dt.date | None, issuer: str) -> Certificate:
    return Certificate(number=number, valid_until=valid_to, no_expiry=valid_to is None, issuer=issuer)


def _inspector_records(session: Session) -> list[InspectorRow]:
    query = (
        select(Inspector)
        .join(Department, Inspector.department_id == Department.id)
        .order_by(Department.sort_order, Department.id, Inspector.id)
    )
    records: list[InspectorRow] = []
    for ins in session.execute(query).unique().scalars():
        department_cert = next((c for c in ins.certificates if c.kind == DEPARTMENT_CERT_KIND), None)
        province_cert = next((c for c in ins.certificates if c.kind != DEPARTMENT_CERT_KIND), None)
        expert_types = tuple(t.name for t in ins.tags if t.kind == INSPECTOR_TAG_FIELDS["expert_types"])
        position_detail = next(
            (t.name for t in ins.tags if t.kind == INSPECTOR_TAG_FIELDS["position_detail"]), ""
        )
        records.append(
            InspectorRow(
                row=0,
                name=ins.name,
                staff_no=ins.staff_no,
                gender=ins.gender,
                id_number=ins.id_number,
                mobile=ins.phone,
                education=ins.education,
                major=ins.major,
                post_categories=split_multi(ins.post_category),
                post_since=ins.post_since,
                qualifications=split_multi(ins.qualifications),
                item_scope=split_multi(ins.enforcement_scope, separators="，,；;\n"),
                region=ins.region,
                level=ins.level,
                position=ins.title,
                position_detail=position_detail,
                department=ins.unit or ins.department.name,
                home_department=ins.department.name,
                is_expert=ins.is_expert,
                expert_types=expert_types,
                department_cert=(
                    _certificate(department_cert.number, department_cert.valid_to, department_cert.issuer)
                    if department_cert is not None
                    else None
                ),
                province_cert=(
                    _certificate(province_cert.number, province_cert.valid_to, province_cert.issuer)
                    if province_cert is not None
                    else None
                ),
                status="有效" if ins.active else "失效",
            )
        )
    return records


def _item_records(session: Session) -> list[ItemRow]:
    query = (
        select(CheckItem)
        .join(Department, CheckItem.department_id == Department.id)
        .order_by(Department.sort_order, Department.id, CheckItem.id)
    )
    return [
        ItemRow(
            row=0,
            department=item.department.name,
            name=item.name,
            seq=item.seq_no,
            category=item.category,
            target_desc=item.target_scope,
            item_class="重点" if item.importance is ItemImportance.KEY else "一般",
            methods=split_multi(item.methods),
            subject=item.subject,
            basis=item.legal_basis,
        )
        for item in session.execute(query).unique().scalars()
    ]


def _scheme_records(session: Session) -> list[JointItemRow]:
    records: list[JointItemRow] = []
    schemes = session.execute(select(IndustryScheme).order_by(IndustryScheme.id)).unique().scalars()
    for number, scheme in enumerate(schemes, start=1):
        lead = scheme.lead_department.name
        cooperating = [d.name for d in scheme.cooperating_departments]
        for position, scheme_item in enumerate(scheme.scheme_items):
            owner = scheme_item.item.department.name
            # The importer takes the first row's first 发起部门 as the lead and files each item
            # under the first of its row's 发起部门 that has it: name the lead first on row one.
            initiating: tuple[str, ...] = (owner,)
            if position == 0 and owner != lead:
                initiating = (lead, owner)
            records.append(
                JointItemRow(
                    row=0,
                    field=scheme.name,
                    name=scheme_item.item.name,
                    seq=str(number),
                    target_desc=scheme_item.item.target_scope,
                    initiating_departments=initiating,
                    cooperating_departments=tuple(n for n in (lead, *cooperating) if n not in initiating),
                )
            )
    return records


def _checkpoint_records(session: Session) -> list[CheckpointRow]:
    query = (
        select(CheckItem)
        .join(Department, CheckItem.department_id == Department.id)
        .order_by(Department.sort_order, Department.id, CheckItem.id)
    )
    return [
        CheckpointRow(
            row=0,
            content=cp.content,
            seq=str(cp.position),
            item_name=item.name,
            method=cp.method_guide,
            department=item.department.name,
        )
        for item in session.execute(query).unique().scalars()
        for cp in item.checkpoints
    ]


_BUILDERS: dict[RegistryKind, Callable[[Session], Sequence[RowRecord]]] = {
    RegistryKind.TARGETS: _target_records,
    RegistryKind.INSPECTORS: _inspector_records,
    RegistryKind.ITEMS: _item_records,
    RegistryKind.SCHEMES: _scheme_records,
    RegistryKind.CHECKPOINTS: _checkpoint_records,
}


def registry_records(ctx: ServiceContext, kind: RegistryKind | str) -> list[RowRecord]:
    """The registry of ``kind`` as io row records, in export order (also for previews)."""
    kind = RegistryKind(kind)
    with ctx.read() as session:
        return list(_BUILDERS[kind](session))


def _user_presets(kind: RegistryKind, presets: Sequence[Preset] | None) -> tuple[Preset, ...]:
    return tuple(presets) if presets is not None else load_presets(presets_dir(), kind=kind)


def export_registry(
    ctx: ServiceContext,
    kind: RegistryKind | str,
    path: Path | str,
    *,
    preset: Preset | str | None = None,
    presets: Sequence[Preset] | None = None,
    progress: Progress | None = None,
) -> ExportReport:
    """Write a registry to an xlsx in a template layout; importing it back changes nothing.

    Args:
        ctx: the service context.
        kind: targets, inspectors, items, schemes (as a joint list) or checkpoints.
        path: the xlsx to write (replaced only when complete).
        preset: the layout (a preset or its name); default: the platform template of
            the kind (LianCha's full layout for targets and checkpoints).
        presets: the user's presets to look a name up in (default: those in ``presets_dir()``).
        progress: progress and cancellation (cancel → ``Interrupted``, no file written).

    Returns:
        The :class:`ExportReport`.

    Raises:
        ExportError: unknown layout or the file cannot be written.
        Interrupted: cancelled.
    """
    kind = RegistryKind(kind)
    path = Path(path)
    user = _user_presets(kind, presets)
    try:
        layout = resolve_preset(kind, preset, user)
    except PresetError as exc:
        raise ExportError(str(exc)) from exc
    records = registry_records(ctx, kind)

    def report(done: int, total: int) -> None:
        if progress is not None:
            progress.update(done=done, total=total, message=f"正在导出{kind.label}…")

    try:
        rows = export_rows(
            path,
            records,
            kind=kind,
            preset=layout,
            progress=report,
            is_cancelled=progress.is_cancelled if progress is not None else None,
            total=len(records),
        )
    except ExportCancelled as exc:
        raise Interrupted from exc
    except OSError as exc:
        raise ExportError(
            f"无法写入文件“{path}”：{exc.strerror or exc}。请检查文件是否被 Excel 打开或目录是否可写"
        ) from exc
    result = ExportReport(kind=kind, path=path, records=len(records), rows=rows, layout=layout.name)
    logger.info("%s", result.summary())
    return result


def write_template(
    kind: RegistryKind | str,
    path: Path | str,
    *,
    preset: Preset | str | None = None,
    presets: Sequence[Preset] | None = None,
) -> Path:
    """Write an empty import template (title, header, explanation rows) of a kind.

    Raises:
        ExportError: unknown layout or the file cannot be written.
    """
    kind = RegistryKind(kind)
    path = Path(path)
    try:
        write_blank_template(path, kind=kind, preset=preset, presets=_user_presets(kind, presets))
    except PresetError as exc:
        raise ExportError(str(exc)) from exc
    except OSError as exc:
        raise ExportError(f"无法写入文件“{path}”：{exc.strerror or exc}") from exc
    return path
