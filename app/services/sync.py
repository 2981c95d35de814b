"""Sync batches in the database (SYNC.md): enrolment, results outbox export, import, receipts, status.

The file format and every file-level check live in ``app.io.batch``; this module decides what goes
into a batch and applies what comes out of one, each in one transaction:

* export: everything in a stream above the acknowledged seq (cumulative), recorded only after the
  file was written and read back; versions are marked sent, never deleted;
* import: ``read_batch`` first (nothing written before every check passed, trusted keys from the
  database only), then one transaction applies, holds, rejects or keeps conflicts, writes the
  import log and stores the receipt, so the same batch twice yields the identical receipt;
* receipts: acknowledgement only moves forward; a receipt acknowledging more than this
  installation produced means a restored backup: stop and re-enrol.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.io.batch import (
    BatchKind,
    InstallationKeys,
    ItemStatus,
    KeyCard,
    Receipt,
    ReceiptItem,
    Stream,
    TrustedKey,
    TrustedKeys,
    VerifiedBatch,
    canonical_json,
    read_batch,
    read_receipt,
    write_batch,
)
from app.io.batch.receipt import build_receipt
from app.io.batch.results_sheet import results_sheet_bytes
from app.io.batch.safe_write import write_atomically
from app.models.base import utcnow
from app.models.enums import InspectionState, ResultVersionKind, SyncState
from app.models.results import ResultVersion
from app.models.sync import (
    SyncBatch,
    SyncConflict,
    SyncHeldItem,
    SyncIdentity,
    SyncStreamMark,
    SyncTrustedKey,
)
from app.models.tasks import Inspection, Task
from app.services.context import ServiceContext
from app.services.errors import ConflictError, NotFoundError, PermissionDenied, RuleViolation
from app.services.installation import installation_id
from app.services.locking import SYNC_LOCK, serialize_writers
from app.services.operations import tracked
from app.services.permissions import Permission, can_see_classified
from app.services.results import document_sha256, next_seq
from app.services.settings import get_setting

logger = logging.getLogger(__name__)

OFFICE_KEY = "sync.office"
DEFAULT_OFFICE = "liancha"
ITEMS_MEMBER = "items.jsonl"
SHEET_MEMBER = "results.xlsx"
OUT = "out"
IN = "in"

REASON_TAMPERED = "同一版本编号内容不同（可能被篡改），已拒收并留待人工核查"
REASON_HELD = "前序版本未到，暂缓，待前序版本到达后自动处理"
REASON_UNKNOWN_RECORD = "本机没有该检查记录，请先导入对应任务包"
REASON_BAD_HASH = "内容摘要与数据不符，已拒收"
REASON_BAD_ITEM = "条目格式不正确，已拒收"


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class ExportedBatch:
    """A batch written and recorded."""

    path: Path
    batch_id: str
    batch_seq: int
    manifest_sha256: str
    stream: str | None
    seq_first: int | None
    seq_last: int | None
    count: int


@dataclass(frozen=True)
class ImportedItem:
    """What happened to one item of an imported batch."""

    item_id: str
    seq: int | None
    status: str  # accepted | duplicate | held | rejected
    reason: str | None


@dataclass(frozen=True)
class ImportResult:
    """The outcome of importing one batch (or of a dry run)."""

    batch_id: str
    kind: str
    origin: str
    stream: str | None
    items: tuple[ImportedItem, ...]
    contiguous_through: int | None
    already_imported: bool
    dry_run: bool
    receipt_path: Path | None
    batch_seq_gap: tuple[int, int] | None  # (expected, got) when the origin's batch numbers skip
    released: int  # held items applied because their predecessor arrived

    def count(self, status: str) -> int:
        """Number of items with this status."""
        return sum(1 for i in self.items if i.status == status)


@dataclass(frozen=True)
class ReceiptApplied:
    """What a receipt changed."""

    batch_id: str
    stream: str | None
    acknowledged_through: int
    newly_acknowledged: int
    rejected: tuple[ImportedItem, ...]


@dataclass(frozen=True)
class BatchRow:
    """One batch made or received, for the status page."""

    batch_id: str
    direction: str
    kind: str
    batch_seq: int
    stream: str | None
    state: str
    file_name: str
    created_at: datetime
    imported_at: datetime | None


@dataclass(frozen=True)
class ConflictRow:
    """A conflict kept for a person."""

    id: int
    kind: str
    record_uid: str
    version_uid: str
    other_uid: str
    detail: str
    created_at: datetime


@dataclass(frozen=True)
class SyncStatus:
    """What the 数据同步 page shows."""

    installation_id: str
    fingerprint: str | None
    pending: dict[str, int]  # per stream; classified only for cleared users
    rejected: dict[str, int]
    acknowledged_through: dict[str, int]
    last_sync_at: datetime | None
    batches: tuple[BatchRow, ...]
    held: int
    conflicts: tuple[ConflictRow, ...]


@dataclass(frozen=True)
class KeyInfo:
    """This installation's public identity."""

    installation_id: str
    office: str
    fingerprint: str
    card_json: str


@dataclass(frozen=True)
class TrustedKeyRow:
    """A trusted key entry."""

    fingerprint: str
    name: str
    installation_id: str
    office: str
    trusted_at: datetime
    trusted_by: str


# --------------------------------------------------------------------------- keys


def _office(session: Session) -> str:
    value = get_setting(session, OFFICE_KEY)
    return value.strip() if isinstance(value, str) and value.strip() else DEFAULT_OFFICE


def _identity(session: Session, *, create: bool) -> tuple[uuid.UUID, InstallationKeys] | None:
    row = session.execute(select(SyncIdentity).where(SyncIdentity.active.is_(True))).scalar_one_or_none()
    if row is None:
        if not create:
            return None
        keys = InstallationKeys.generate()
        row = SyncIdentity(
            installation_id=installation_id(session),
            keys_json=keys.to_json(),
            fingerprint=keys.fingerprint,
            created_at=utcnow(),
            active=True,
        )
        session.add(row)
        session.flush()
        logger.info("enrolled: new installation keys %s", keys.fingerprint)
    return uuid.UUID(row.installation_id), InstallationKeys.from_json(row.keys_json)


def _require_identity(session: Session) -> tuple[uuid.UUID, InstallationKeys]:
    # Every sync write starts here. On a server all desks share one installation: its keys, batch
    # numbers and stream positions are taken one desk at a time (else two desks exporting at once
    # would both take the next batch number, or both make keys).
    serialize_writers(session, SYNC_LOCK)
    found = _identity(session, create=True)
    assert found is not None
    return found


def _trusted(session: Session) -> TrustedKeys:
    rows = session.execute(select(SyncTrustedKey).order_by(SyncTrustedKey.id)).scalars()
    return TrustedKeys(tuple(TrustedKey.from_dict(json.loads(r.key_json)) for r in rows))


def my_key_card(ctx: ServiceContext, *, name: str = "LianCha 数据同步") -> KeyInfo:
    """This installation's key card (keys are made on first use).

    Args:
        ctx: Service context (needs the sync permission).
        name: The human name written on the card.

    Returns:
        The identity and the card's JSON to hand over.
    """
    ctx.require(Permission.SYNC)
    with ctx.write() as session:
        inst, keys = _require_identity(session)
        office = _office(session)
    card = KeyCard(name=name, installation_id=inst, office=office, public=keys.public)
    return KeyInfo(str(inst), office, keys.fingerprint, card.to_json())


def trust_key_card(ctx: ServiceContext, card_json: str, *, fingerprint: str) -> TrustedKeyRow:
    """Trust another installation's key card after a person confirmed its fingerprint.

    Args:
        ctx: Service context (needs the sync permission).
        card_json: The card's text.
        fingerprint: The fingerprint as read back over a second channel (hex, or the
            40-digit display form).

    Returns:
        The stored entry.

    Raises:
        RuleViolation: The card is invalid or the fingerprint does not match.
    """
    from app.io.batch import format_fingerprint

    ctx.require(Permission.SYNC)
    try:
        card = KeyCard.from_json(card_json)
    except ValueError as exc:
        # The reader's reasons are English diagnostics; the operator needs to know what to do.
        raise RuleViolation(
            "密钥卡无法读取：不是联查密钥卡，或内容已被改动（指纹与密钥不符）。请向对方重新索取密钥卡。"
        ) from exc
    given = "".join(ch for ch in fingerprint.lower() if ch.isalnum())
    display = format_fingerprint(card.fingerprint).replace(" ", "")
    if given not in (card.fingerprint, display):
        raise RuleViolation("指纹与密钥卡不符：请与对方电话核对指纹，不要信任这张卡。")
    key = card.trust(trusted_at=datetime.now(UTC))
    with ctx.write() as session:
        row = session.execute(
            select(SyncTrustedKey).where(SyncTrustedKey.fingerprint == key.fingerprint)
        ).scalar_one_or_none()
        if row is None:
            row = SyncTrustedKey(fingerprint=key.fingerprint)
            session.add(row)
        row.key_json = canonical_json(key.to_dict()).decode("utf-8")
        row.name = card.name
        row.installation_id = str(card.installation_id)
        row.office = card.office
        row.trusted_at = utcnow()
        row.trusted_by = ctx.operator
        session.flush()
        ctx.audit(
            session,
            action="sync.trust",
            entity="sync_trusted_key",
            entity_id=key.fingerprint,
            summary=f"信任密钥：{card.name}（{card.office}）",
        )
        return _trusted_row(row)


def _trusted_row(row: SyncTrustedKey) -> TrustedKeyRow:
    return TrustedKeyRow(
        row.fingerprint, row.name, row.installation_id, row.office, row.trusted_at, row.trusted_by
    )


def trusted_keys(ctx: ServiceContext) -> tuple[TrustedKeyRow, ...]:
    """The trusted keys, oldest first."""
    with ctx.read() as session:
        rows = session.execute(select(SyncTrustedKey).order_by(SyncTrustedKey.id)).scalars()
        return tuple(_trusted_row(r) for r in rows)


def _find_recipient(session: Session, recipient: str) -> TrustedKey:
    trusted = _trusted(session)
    text = recipient.strip()
    for key in trusted:
        if text in (key.fingerprint, key.name, str(key.installation_id)):
            return key
    raise NotFoundError(f"找不到接收方“{text}”：请先在“数据同步”中信任对方的密钥卡。")


# --------------------------------------------------------------------------- batches out


def _next_batch_numbers(session: Session) -> tuple[int, uuid.UUID | None]:
    last = session.execute(
        select(SyncBatch).where(SyncBatch.direction == OUT).order_by(SyncBatch.batch_seq.desc()).limit(1)
    ).scalar_one_or_none()
    if last is None:
        return 1, None
    return last.batch_seq + 1, uuid.UUID(last.batch_uid)


def _mark(session: Session, origin: str, stream: str) -> SyncStreamMark:
    mark = session.execute(
        select(SyncStreamMark).where(SyncStreamMark.origin == origin, SyncStreamMark.stream == stream)
    ).scalar_one_or_none()
    if mark is None:
        mark = SyncStreamMark(origin=origin, stream=stream, received_through=0, acknowledged_through=0)
        session.add(mark)
        session.flush()
    return mark


def _check_stream_access(ctx: ServiceContext, stream: str | None) -> None:
    ctx.require(Permission.SYNC)
    if stream == Stream.CLASSIFIED.value and not can_see_classified(ctx):
        raise PermissionDenied("涉密数据流只有具备涉密权限的人员可以导出或导入。")


def version_item(version: ResultVersion) -> dict[str, Any]:
    """The batch item of one result version (the payload travels as its exact canonical text)."""
    return {
        "uid": version.uid,
        "record_uid": version.record_uid,
        "prev_uid": version.prev_uid,
        "number": version.number,
        "kind": version.kind.value,
        "sha256": version.sha256,
        "payload": version.payload_json,
        "reason": version.reason,
        "created_by": version.created_by,
        "origin": version.origin,
        "stream": version.stream,
        "seq": version.seq,
        "withheld": version.withheld,
    }


def _labels(values: Any) -> str:
    if not isinstance(values, list):
        return ""
    return "，".join(str(v.get("label", "")) if isinstance(v, dict) else str(v) for v in values)


def _section(document: dict[str, Any], key: str) -> dict[str, Any]:
    value = document.get(key)
    return value if isinstance(value, dict) else {}


def platform_rows(items: Sequence[dict[str, Any]]) -> list[tuple[str, ...]]:
    """One row of the platform's result-import sheet per batch item, from the frozen version alone.

    Only what the version froze is used, so the sheet says exactly what the signed items say; a
    payload lacking a section (older formats) leaves its cells blank rather than failing the export.
    """
    rows: list[tuple[str, ...]] = []
    for item in items:
        try:
            document = json.loads(item["payload"])
        except (TypeError, ValueError):
            document = {}
        document = document if isinstance(document, dict) else {}
        task = _section(document, "task")
        target = _section(document, "target")
        result = _section(document, "result")
        measures = _labels(result.get("measures"))
        if result.get("measure_other"):
            measures = f"{measures}（{result['measure_other']}）"
        people = result.get("inspectors")
        withheld = bool(item.get("withheld"))
        rows.append(
            (
                str(item["seq"]),
                str(item["record_uid"]),
                str(item["uid"]),
                "更正" if item.get("kind") == ResultVersionKind.CORRECTION.value else "录入",
                str(task.get("number", "")),
                str(task.get("name", "")),
                str(target.get("name", "")),
                str(target.get("code", "")),
                str(result.get("inspection_date") or ""),
                _labels(result.get("methods")),
                _labels(result.get("categories")),
                str(result.get("problems", "")),
                measures,
                "，".join(str(p.get("name", "")) for p in people if isinstance(p, dict))
                if isinstance(people, list)
                else "",
                "是" if withheld else "否",
                str(result.get("withheld_reason", "")) if withheld else "",
                str(item.get("reason") or "")
                if item.get("kind") == ResultVersionKind.CORRECTION.value
                else "",
                str(result.get("remarks", "")),
            )
        )
    return rows


def export_results_batch(
    ctx: ServiceContext, path: Path | str, *, stream: str, recipient: str | None = None
) -> ExportedBatch:
    """Write a cumulative results batch: every version of this installation's stream above the acknowledged seq.

    Args:
        ctx: Service context (sync permission; classified also needs clearance).
        path: A folder (the file gets the suggested neutral name) or a file path ending ``.lcb``.
        stream: ``public`` or ``classified``.
        recipient: Trusted key (fingerprint, name or installation id); required for classified.

    Returns:
        The written batch.

    Raises:
        RuleViolation: Nothing to send, or a classified batch without a recipient.
    """
    _check_stream_access(ctx, stream)
    the_stream = Stream(stream)
    with ctx.write() as session:
        inst, keys = _require_identity(session)
        office = _office(session)
        origin = str(inst)
        recipient_key = None
        if the_stream is Stream.CLASSIFIED:
            if recipient is None:
                raise RuleViolation("涉密结果批次必须指定接收方（已信任的密钥卡）。")
            recipient_key = _find_recipient(session, recipient).public
        ack = _mark(session, origin, stream).acknowledged_through
        rows = session.execute(
            select(ResultVersion, Task.is_classified)
            .join(Inspection, Inspection.id == ResultVersion.inspection_id)
            .join(Task, Task.id == Inspection.task_id)
            .where(ResultVersion.origin == origin, ResultVersion.stream == stream, ResultVersion.seq > ack)
            .order_by(ResultVersion.seq)
        ).all()
        items: list[dict[str, Any]] = []
        for version, is_classified in rows:
            # Re-checked item by item: a classified version must never ride in a public batch.
            if version.stream != stream or (stream == Stream.PUBLIC.value and is_classified):
                raise RuleViolation("数据流检查失败：有记录的密级与批次不符，已停止导出。请联系管理员核查。")
            items.append(version_item(version))
        if not items:
            raise RuleViolation("没有待发送的结果：该数据流的结果都已被对方确认。")
        batch_seq, previous = _next_batch_numbers(session)
    if items[0]["seq"] != ack + 1 or items[-1]["seq"] - items[0]["seq"] + 1 != len(items):
        raise RuleViolation("本机结果序号不连续，无法导出：请运行“数据核查”。")
    target = Path(path)
    batch_id = uuid.uuid4()
    if target.is_dir():
        target = target / _file_name(office, batch_seq, batch_id)
    written = write_batch(
        target,
        kind=BatchKind.RESULTS,
        stream=the_stream,
        origin_office=office,
        installation_id=inst,
        batch_seq=batch_seq,
        previous_batch_id=previous,
        items={ITEMS_MEMBER: items},
        files={SHEET_MEMBER: results_sheet_bytes(platform_rows(items))},
        signing_key=keys,
        recipient_public_key=recipient_key,
        batch_id=batch_id,
    )
    first, last = int(items[0]["seq"]), int(items[-1]["seq"])
    with ctx.write() as session:
        # The number was taken in an earlier transaction (the file is written outside one): another
        # desk sharing this database may have recorded a batch with it meanwhile.
        serialize_writers(session, SYNC_LOCK)
        taken = session.execute(
            select(SyncBatch.id).where(SyncBatch.direction == OUT, SyncBatch.batch_seq == batch_seq)
        ).first()
        if taken is not None:
            written.path.unlink(missing_ok=True)
            raise ConflictError(
                f"另一台电脑刚刚导出了第{batch_seq}号批次，本次导出的文件已删除。请重新导出（会包含全部待发送的结果）。"
            )
        session.add(
            outgoing_batch_row(
                batch_uid=str(batch_id),
                kind=BatchKind.RESULTS,
                origin=origin,
                office=office,
                batch_seq=batch_seq,
                previous=previous,
                manifest_sha256=written.manifest_sha256,
                file_name=written.path.name,
                created_at=utcnow(),
                stream=stream,
                seq_first=first,
                seq_last=last,
            )
        )
        for version in session.execute(
            select(ResultVersion).where(
                ResultVersion.origin == origin,
                ResultVersion.stream == stream,
                ResultVersion.seq >= first,
                ResultVersion.seq <= last,
                ResultVersion.sync_state.in_((SyncState.PENDING, SyncState.SENT)),
            )
        ).scalars():
            version.sync_state = SyncState.SENT
            version.sync_batch_uid = str(batch_id)
        ctx.audit(
            session,
            action="sync.export",
            entity="sync_batch",
            entity_id=str(batch_id),
            summary=f"导出结果批次 第{batch_seq}号（{len(items)}条）",
            classified=stream == Stream.CLASSIFIED.value,
        )
    logger.info("results batch %s written: stream=%s seq=%s..%s", batch_id, stream, first, last)
    return ExportedBatch(
        written.path, str(batch_id), batch_seq, written.manifest_sha256, stream, first, last, len(items)
    )


def outgoing_batch_row(
    *,
    batch_uid: str,
    kind: BatchKind,
    origin: str,
    office: str,
    batch_seq: int,
    previous: uuid.UUID | None,
    manifest_sha256: str,
    file_name: str,
    created_at: datetime,
    stream: str | None = None,
    seq_first: int | None = None,
    seq_last: int | None = None,
) -> SyncBatch:
    """The ``sync_batches`` row of a batch this installation wrote (every kind records the same way)."""
    return SyncBatch(
        batch_uid=batch_uid,
        direction=OUT,
        kind=kind.value,
        origin=origin,
        origin_office=office,
        batch_seq=batch_seq,
        previous_batch_uid=str(previous) if previous else None,
        manifest_sha256=manifest_sha256,
        stream=stream,
        seq_first=seq_first,
        seq_last=seq_last,
        file_name=file_name,
        state="written",
        created_at=created_at,
    )


def incoming_batch_row(
    batch: VerifiedBatch,
    *,
    origin: str,
    path: Path | str,
    log: object,
    now: datetime,
    stream: str | None = None,
    receipt_bytes: str | None = None,
) -> SyncBatch:
    """The ``sync_batches`` row of a batch imported here, with its import log."""
    previous = batch.manifest.previous_batch_id
    return SyncBatch(
        batch_uid=batch.batch_id,
        direction=IN,
        kind=batch.kind.value,
        origin=origin,
        origin_office=batch.manifest.origin_office,
        batch_seq=batch.manifest.batch_seq,
        previous_batch_uid=str(previous) if previous else None,
        manifest_sha256=batch.manifest_sha256,
        stream=stream,
        seq_first=batch.seq.first if batch.seq else None,
        seq_last=batch.seq.last if batch.seq else None,
        file_name=Path(path).name,
        state="imported",
        created_at=now,
        imported_at=now,
        receipt_bytes=receipt_bytes,
        log_json=json.dumps(log, ensure_ascii=False),
    )


def _file_name(office: str, batch_seq: int, batch_id: uuid.UUID) -> str:
    safe = "".join(ch for ch in office if ch.isascii() and ch.isalnum()) or "office"
    return f"liancha-batch-{safe}-{batch_seq:06d}-{batch_id.hex[:8]}.lcb"


# --------------------------------------------------------------------------- batches in


def _item_status(session: Session, item: dict[str, Any]) -> tuple[str, str | None]:
    """Classify one results item without changing anything."""
    uid = item.get("uid")
    payload = item.get("payload")
    sha = item.get("sha256")
    if not isinstance(uid, str) or not isinstance(payload, str) or not isinstance(sha, str):
        return ItemStatus.REJECTED.value, REASON_BAD_ITEM
    existing = session.execute(
        select(ResultVersion.sha256).where(ResultVersion.uid == uid)
    ).scalar_one_or_none()
    if existing is None:
        held = session.execute(
            select(SyncHeldItem.item_json).where(SyncHeldItem.version_uid == uid)
        ).scalar_one_or_none()
        existing = json.loads(held)["sha256"] if held is not None else None
    if existing is not None:
        if existing == sha:
            return ItemStatus.DUPLICATE.value, None
        return ItemStatus.REJECTED.value, REASON_TAMPERED
    if document_sha256(payload) != sha:
        return ItemStatus.REJECTED.value, REASON_BAD_HASH
    return "new", None


RELAY_KEY = "sync.relay_received"
REASON_STREAM = "条目的密级与本机任务不符（涉密任务的结果只能在涉密数据流中），已拒收"


def _relays(session: Session) -> bool:
    """Whether received versions are forwarded under this installation's own seqs (docs/sync-database.md).

    True for a county office (laptops → office → platform); an installation acting as the system
    of record (a platform gateway built on LianCha) sets it false: it forwards nothing.
    """
    value = get_setting(session, RELAY_KEY)
    return value is not False and value != "false"


def _apply_version(session: Session, item: dict[str, Any], *, batch_uid: str) -> str | None:
    """Store one new version: applied (current), a fork kept as a conflict, or held. Returns a hold reason.

    An applied version is *relayed*: it takes the next seq of this installation's own stream and
    becomes pending here, so that the next results batch to the platform carries it (the maker's
    installation and seq stay in the import log of the batch it came in). A fork is kept local
    until a person settles it with a correction, which is then this installation's own version.
    """
    inspection = session.execute(
        select(Inspection).where(Inspection.uid == item["record_uid"])
    ).scalar_one_or_none()
    if inspection is None:
        return REASON_UNKNOWN_RECORD
    task: Task = inspection.task
    if item.get("stream") != (Stream.CLASSIFIED.value if task.is_classified else Stream.PUBLIC.value):
        return REASON_STREAM
    prev_uid = item.get("prev_uid")
    current = session.execute(
        select(ResultVersion).where(
            ResultVersion.inspection_id == inspection.id, ResultVersion.is_current.is_(True)
        )
    ).scalar_one_or_none()
    if prev_uid is not None:
        prev = session.execute(
            select(ResultVersion).where(ResultVersion.uid == prev_uid)
        ).scalar_one_or_none()
        if prev is None:
            return REASON_HELD
    fork = (current is not None and current.uid != prev_uid) or (current is None and prev_uid is not None)
    if fork:
        # Never "latest wins": both versions stay, a person decides.
        session.add(
            SyncConflict(
                kind="fork",
                record_uid=item["record_uid"],
                version_uid=item["uid"],
                other_uid=current.uid if current else "",
                batch_uid=batch_uid,
                detail=f"两个版本都以 {prev_uid or '（无）'} 为前序版本：请人工核对后更正。",
                created_at=utcnow(),
            )
        )
    elif current is not None:
        current.is_current = False
        session.flush()
    kind = ResultVersionKind(item["kind"])
    stream = str(item["stream"])
    origin, seq, state = str(item["origin"]), int(item["seq"]), SyncState.LOCAL
    if not fork and _relays(session):
        # The seq is taken in this transaction, like a version finalized here (the outbox rule).
        origin = installation_id(session)
        seq, state = next_seq(session, origin, stream), SyncState.PENDING
    session.add(
        ResultVersion(
            uid=item["uid"],
            inspection_id=inspection.id,
            record_uid=item["record_uid"],
            prev_uid=prev_uid,
            number=int(item["number"]),
            kind=kind,
            payload_json=item["payload"],
            sha256=item["sha256"],
            reason=str(item.get("reason") or ""),
            created_at=utcnow(),
            created_by=str(item.get("created_by") or ""),
            origin=origin,
            stream=stream,
            seq=seq,
            is_current=not fork,
            withheld=bool(item.get("withheld")),
            sync_state=state,
            sync_batch_uid=batch_uid,
        )
    )
    if not fork:
        # The office reviews what the field entered: the record moves as if entered here.
        if kind is ResultVersionKind.ENTRY and inspection.state in (
            InspectionState.NOT_ENTERED,
            InspectionState.RETURNED,
        ):
            inspection.state = InspectionState.PENDING_REVIEW
        elif kind is ResultVersionKind.CORRECTION and inspection.state == InspectionState.PUBLISHED:
            inspection.correction_state = "pending_review"
    session.flush()
    return None


def _release_held(session: Session, applied_uid: str) -> int:
    """Apply held items waiting for ``applied_uid`` (and, transitively, their own successors)."""
    released = 0
    queue = [applied_uid]
    while queue:
        uid = queue.pop()
        for held in session.execute(select(SyncHeldItem).where(SyncHeldItem.prev_uid == uid)).scalars().all():
            item = json.loads(held.item_json)
            if _apply_version(session, item, batch_uid=held.batch_uid) is None:
                session.delete(held)
                released += 1
                queue.append(item["uid"])
    session.flush()
    return released


@tracked("导入数据批次")
def import_batch(
    ctx: ServiceContext,
    path: Path | str,
    *,
    receipt_path: Path | str | None = None,
    dry_run: bool = False,
    batch: VerifiedBatch | None = None,
) -> ImportResult:
    """Verify and apply a results batch in one transaction, and write the receipt for the sender.

    Args:
        ctx: Service context (sync permission; classified needs clearance).
        path: The batch file (copied off the stick first).
        receipt_path: Where to write the receipt; default next to the batch (``.receipt.lcb``).
        dry_run: Verify and classify every item, change nothing, write no receipt.
        batch: The already verified file, when the caller read it to see its kind.

    Returns:
        Per-item outcome, the receipt's ``contiguous_through`` and where it was written.

    Raises:
        BatchRejected: The file failed a check (nothing changed).
        PermissionDenied: A classified batch and an uncleared user.
    """
    ctx.require(Permission.SYNC)
    with ctx.read() as session:
        found = _identity(session, create=False)
        trusted = _trusted(session)
    keys = found[1] if found else None
    if batch is None:
        batch = read_batch(Path(path), trusted_keys=trusted, private_key=keys)
    stream = batch.stream.value if batch.stream else None
    if batch.manifest.classified and not can_see_classified(ctx):
        raise PermissionDenied("这是涉密批次：只有具备涉密权限的人员可以导入。")
    if batch.kind is not BatchKind.RESULTS:
        raise RuleViolation(f"该文件是“{batch.kind.value}”批次，不能作为结果批次导入。")
    origin = str(batch.manifest.installation_id)
    out_path = Path(receipt_path) if receipt_path else Path(path).with_suffix(".receipt.lcb")
    with ctx.write() as session:
        inst, my_keys = _require_identity(session)
        seen = session.execute(
            select(SyncBatch).where(SyncBatch.direction == IN, SyncBatch.batch_uid == batch.batch_id)
        ).scalar_one_or_none()
        if seen is not None and seen.manifest_sha256 == batch.manifest_sha256 and seen.receipt_bytes:
            log = json.loads(seen.log_json)
            if not dry_run:
                write_atomically(out_path, bytes.fromhex(seen.receipt_bytes))
            return _result_from_log(log, already=True, dry_run=dry_run, receipt=None if dry_run else out_path)
        if seen is not None:
            raise ConflictError("同一批次编号的文件内容不同：可能被篡改，已拒收。请向对方重新索取。")
        gap = _batch_gap(session, origin, batch.manifest.batch_seq)
        items = batch.items.get(ITEMS_MEMBER, ())
        outcomes: list[ImportedItem] = []
        released = 0
        for item in items:
            status, reason = _item_status(session, item)
            if item.get("stream") != stream or item.get("origin") != origin:
                status, reason = ItemStatus.REJECTED.value, "条目的数据流或来源与批次不符，已拒收"
            if status == "new":
                hold = _apply_version(session, item, batch_uid=batch.batch_id)
                if hold == REASON_HELD:
                    session.add(
                        SyncHeldItem(
                            version_uid=item["uid"],
                            prev_uid=item.get("prev_uid"),
                            origin=origin,
                            stream=str(stream),
                            seq=int(item["seq"]),
                            item_json=json.dumps(item, ensure_ascii=False),
                            batch_uid=batch.batch_id,
                            held_at=utcnow(),
                        )
                    )
                    session.flush()
                    status, reason = ItemStatus.HELD.value, hold
                elif hold is not None:
                    status, reason = ItemStatus.REJECTED.value, hold
                else:
                    status = ItemStatus.ACCEPTED.value
                    released += _release_held(session, item["uid"])
            elif status == ItemStatus.REJECTED.value and reason == REASON_TAMPERED:
                session.add(
                    SyncConflict(
                        kind="tampering",
                        record_uid=str(item.get("record_uid", "")),
                        version_uid=str(item.get("uid")),
                        batch_uid=batch.batch_id,
                        detail=REASON_TAMPERED,
                        created_at=utcnow(),
                    )
                )
            outcomes.append(ImportedItem(str(item.get("uid")), int(item["seq"]), status, reason))
        contiguous = None
        if stream is not None and batch.seq is not None:
            mark = _mark(session, origin, stream)
            if batch.seq.first <= mark.received_through + 1:
                mark.received_through = max(mark.received_through, batch.seq.last)
            contiguous = mark.received_through
        receipt = Receipt(
            batch_id=uuid.UUID(batch.batch_id),
            manifest_sha256=batch.manifest_sha256,
            stream=batch.stream,
            contiguous_through=contiguous,
            items=tuple(ReceiptItem(o.item_id, ItemStatus(o.status), o.seq, o.reason) for o in outcomes),
            issued_at=datetime.now(UTC).replace(microsecond=0),
        )
        log = {
            "batch_id": batch.batch_id,
            "kind": batch.kind.value,
            "origin": origin,
            "stream": stream,
            "items": [[o.item_id, o.seq, o.status, o.reason] for o in outcomes],
            "contiguous_through": contiguous,
            "gap": list(gap) if gap else None,
            "released": released,
        }
        result = _result_from_log(log, already=False, dry_run=dry_run, receipt=None if dry_run else out_path)
        if dry_run:
            session.rollback()
            return result
        batch_seq, previous = _next_batch_numbers(session)
        built = build_receipt(
            receipt=receipt,
            origin_office=_office(session),
            installation_id=inst,
            batch_seq=batch_seq,
            previous_batch_id=previous,
            signing_key=my_keys,
            recipient_public_key=batch.signer.public if batch.manifest.classified else None,
        )
        now = utcnow()
        session.add(
            incoming_batch_row(
                batch,
                origin=origin,
                path=path,
                log=log,
                now=now,
                stream=stream,
                receipt_bytes=built.data.hex(),
            )
        )
        session.add(
            outgoing_batch_row(
                batch_uid=str(built.manifest.batch_id),
                kind=BatchKind.RECEIPT,
                origin=str(inst),
                office=_office(session),
                batch_seq=batch_seq,
                previous=previous,
                manifest_sha256=built.manifest_sha256,
                file_name=out_path.name,
                created_at=now,
                stream=stream,
            )
        )
        ctx.audit(
            session,
            action="sync.import",
            entity="sync_batch",
            entity_id=batch.batch_id,
            summary=f"导入结果批次：接收{result.count('accepted')}条，重复{result.count('duplicate')}条，"
            f"暂缓{result.count('held')}条，拒收{result.count('rejected')}条",
            classified=batch.manifest.classified,
        )
        session.flush()
        # The receipt file is written inside the transaction: if it cannot be written nothing is
        # committed, and a re-import writes it again from the stored bytes.
        write_atomically(out_path, built.data)
    return result


def _batch_gap(session: Session, origin: str, batch_seq: int) -> tuple[int, int] | None:
    top = session.execute(
        select(func.max(SyncBatch.batch_seq)).where(SyncBatch.direction == IN, SyncBatch.origin == origin)
    ).scalar()
    expected = int(top or 0) + 1
    if batch_seq > expected:
        logger.warning("batch numbers from %s skip: expected %s, got %s", origin, expected, batch_seq)
        return expected, batch_seq
    return None


def _result_from_log(
    log: dict[str, Any], *, already: bool, dry_run: bool, receipt: Path | None
) -> ImportResult:
    gap = log.get("gap")
    return ImportResult(
        batch_id=log["batch_id"],
        kind=log["kind"],
        origin=log["origin"],
        stream=log["stream"],
        items=tuple(ImportedItem(i[0], i[1], i[2], i[3]) for i in log["items"]),
        contiguous_through=log["contiguous_through"],
        already_imported=already,
        dry_run=dry_run,
        receipt_path=receipt,
        batch_seq_gap=(int(gap[0]), int(gap[1])) if gap else None,
        released=int(log.get("released", 0)),
    )


# --------------------------------------------------------------------------- receipts


def apply_receipt(ctx: ServiceContext, path: Path | str) -> ReceiptApplied:
    """Verify a receipt and move the acknowledgement forward (max(old, new)); rejected items go back to the list.

    Args:
        ctx: Service context (sync permission; classified receipts need clearance).
        path: The receipt file.

    Returns:
        What changed.

    Raises:
        BatchRejected: The file failed a check.
        NotFoundError: The receipt names a batch this installation never made (nothing changed).
        RuleViolation: It acknowledges more than this installation produced: a restored backup.
    """
    ctx.require(Permission.SYNC)
    with ctx.read() as session:
        found = _identity(session, create=False)
        trusted = _trusted(session)
    if found is None:
        raise NotFoundError("本机尚未生成同步密钥，没有发出过批次，不能登记回执。")
    verified = read_receipt(Path(path), trusted_keys=trusted, private_key=found[1])
    receipt = verified.receipt
    stream = receipt.stream.value if receipt.stream else None
    _check_stream_access(ctx, stream)
    origin = str(found[0])
    with ctx.write() as session:
        sent = session.execute(
            select(SyncBatch).where(SyncBatch.direction == OUT, SyncBatch.batch_uid == str(receipt.batch_id))
        ).scalar_one_or_none()
        if sent is None or sent.manifest_sha256 != receipt.manifest_sha256:
            raise NotFoundError(
                f"回执对应的批次 {receipt.batch_id} 不是本机发出的（或内容不同）：未做任何更改。请核对回执文件。"
            )
        mark = _mark(session, origin, stream) if stream else None
        produced = 0
        if stream is not None:
            produced = int(
                session.execute(
                    select(func.max(ResultVersion.seq)).where(
                        ResultVersion.origin == origin, ResultVersion.stream == stream
                    )
                ).scalar()
                or 0
            )
        through = receipt.contiguous_through or 0
        if mark is not None and through > produced:
            raise RuleViolation(
                "回执确认的序号超过本机产生过的数量：本机数据库可能是从旧备份恢复的。"
                "请停止同步，由管理员重新注册本机（生成新密钥），切勿重复使用序号。"
            )
        newly = 0
        ack = 0
        rejected: list[ImportedItem] = []
        if mark is not None and stream is not None:
            old = mark.acknowledged_through
            mark.acknowledged_through = max(old, through)
            ack = mark.acknowledged_through
            rejected_uids = {i.item_id: i for i in receipt.items if i.status is ItemStatus.REJECTED}
            for version in session.execute(
                select(ResultVersion).where(
                    ResultVersion.origin == origin,
                    ResultVersion.stream == stream,
                    ResultVersion.seq <= ack,
                    ResultVersion.sync_state != SyncState.ACKNOWLEDGED,
                    ResultVersion.sync_state != SyncState.REJECTED,
                )
            ).scalars():
                if version.uid in rejected_uids:
                    continue
                version.sync_state = SyncState.ACKNOWLEDGED
                newly += 1
            for uid, item in rejected_uids.items():
                back = session.execute(
                    select(ResultVersion).where(ResultVersion.uid == uid)
                ).scalar_one_or_none()
                if back is not None and back.origin == origin and back.sync_state != SyncState.ACKNOWLEDGED:
                    back.sync_state = SyncState.REJECTED
                    back.sync_message = item.reason or ""
                    rejected.append(ImportedItem(uid, item.seq, item.status.value, item.reason))
        if sent.seq_last is not None and through >= sent.seq_last:
            sent.state = "acknowledged"
        ctx.audit(
            session,
            action="sync.receipt",
            entity="sync_batch",
            entity_id=str(receipt.batch_id),
            summary=f"登记回执：确认至第{ack}号，新确认{newly}条，拒收{len(rejected)}条",
            classified=stream == Stream.CLASSIFIED.value,
        )
    return ReceiptApplied(str(receipt.batch_id), stream, ack, newly, tuple(rejected))


# --------------------------------------------------------------------------- status


def sync_status(ctx: ServiceContext) -> SyncStatus:
    """Counts and lists for the 数据同步 page (classified counts only for cleared users)."""
    cleared = can_see_classified(ctx)
    with ctx.read() as session:
        found = _identity(session, create=False)
        origin = str(found[0]) if found else installation_id_or_blank(session)
        streams = [Stream.PUBLIC.value] + ([Stream.CLASSIFIED.value] if cleared else [])
        pending: dict[str, int] = {}
        rejected: dict[str, int] = {}
        acked: dict[str, int] = {}
        for s in streams:
            base = (
                select(func.count())
                .select_from(ResultVersion)
                .where(ResultVersion.origin == origin, ResultVersion.stream == s)
            )
            pending[s] = int(
                session.execute(
                    base.where(ResultVersion.sync_state.in_((SyncState.PENDING, SyncState.SENT)))
                ).scalar()
                or 0
            )
            rejected[s] = int(
                session.execute(base.where(ResultVersion.sync_state == SyncState.REJECTED)).scalar() or 0
            )
            mark = session.execute(
                select(SyncStreamMark).where(SyncStreamMark.origin == origin, SyncStreamMark.stream == s)
            ).scalar_one_or_none()
            acked[s] = mark.acknowledged_through if mark else 0
        batch_rows = (
            session.execute(select(SyncBatch).order_by(SyncBatch.id.desc()).limit(200)).scalars().all()
        )
        batches = tuple(
            BatchRow(
                b.batch_uid,
                b.direction,
                b.kind,
                b.batch_seq,
                b.stream,
                b.state,
                b.file_name,
                b.created_at,
                b.imported_at,
            )
            for b in batch_rows
            if cleared or b.stream != Stream.CLASSIFIED.value
        )
        last = max(
            (b.imported_at or b.created_at for b in batch_rows if b.state in ("imported", "acknowledged")),
            default=None,
        )
        held_q = select(func.count()).select_from(SyncHeldItem)
        if not cleared:
            held_q = held_q.where(SyncHeldItem.stream != Stream.CLASSIFIED.value)
        held = int(session.execute(held_q).scalar() or 0)
        conflicts = tuple(
            ConflictRow(c.id, c.kind, c.record_uid, c.version_uid, c.other_uid, c.detail, c.created_at)
            for c in session.execute(
                select(SyncConflict).where(SyncConflict.resolved.is_(False)).order_by(SyncConflict.id)
            ).scalars()
        )
        if not cleared:
            visible = {
                r
                for (r,) in session.execute(
                    select(Inspection.uid)
                    .join(Task, Task.id == Inspection.task_id)
                    .where(Task.is_classified.is_(False))
                )
            }
            conflicts = tuple(c for c in conflicts if c.record_uid in visible)
        return SyncStatus(
            origin,
            found[1].fingerprint if found else None,
            pending,
            rejected,
            acked,
            last,
            batches,
            held,
            conflicts,
        )


def installation_id_or_blank(session: Session) -> str:
    """The installation id if one was made, without creating it (status is read-only)."""
    value = get_setting(session, "installation.id")
    return value if isinstance(value, str) else ""
