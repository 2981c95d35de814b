"""Attachments of inspection records (photos, scanned signed forms, documents), stored once by SHA-256.

Files live in ``data_dir()/attachments/<sha[0:2]>/<sha>``, named by the SHA-256 of their content:
the same photo attached twice is stored once. A file is written to ``NAME.partial``, fsynced and
renamed, so a crash never leaves a half file under a real name; the database row is added after
the file is safely on disk (an orphan file from a failed transaction is harmless and reused).

Attachments of classified (涉密) tasks are encrypted at rest with AES-256-GCM under a key kept in
``data_dir()/keys/attachments.key`` (created with mode 0600 on first use). Be honest about what
that buys: it protects against someone copying the attachments folder (or a backup of it) on its
own; it does NOT protect against anyone who has the whole data folder, the key included, or who
can run the program as the user. Whole-disk encryption and access control of the PC remain the
real protection for classified work.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import mimetypes
import os
import re
import secrets
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import select

from app.config import data_dir
from app.models import Attachment, Inspection, InspectionAttachment, ResultVersion, Task
from app.models.base import utcnow
from app.services.context import ServiceContext
from app.services.errors import FieldError, NotFoundError, RuleViolation, ValidationError
from app.services.permissions import Permission
from app.services.results import require_on_inspection, require_some

logger = logging.getLogger(__name__)

KEY_FILE = ("keys", "attachments.key")
MAGIC = b"LCATT\x00\x01\x00"  # marks an encrypted file: magic, 12-byte nonce, AES-GCM ciphertext+tag
_NONCE = 12
MAX_BYTES = 200 * 1024 * 1024  # a scanned bundle can be large; anything bigger is a mistake


class AttachmentCorrupted(RuleViolation):
    """A stored file does not match its SHA-256 (damaged disk, or edited by hand)."""


@dataclass(frozen=True)
class AttachmentRow:
    id: int
    sha256: str
    size: int
    media_type: str
    original_name: str
    encrypted: bool
    label: str
    added_at: datetime
    added_by: str


def attachments_dir() -> Path:
    return data_dir() / "attachments"


def stored_path(sha256: str) -> Path:
    """Where the file with this SHA-256 is (or would be) stored."""
    if not re.fullmatch(r"[0-9a-f]{64}", sha256):
        raise ValidationError([FieldError("附件", f"「{sha256}」不是 SHA-256 摘要")])
    return attachments_dir() / sha256[:2] / sha256


def _key() -> bytes:
    path = data_dir().joinpath(*KEY_FILE)
    if path.exists():
        key = path.read_bytes()
        if len(key) != 32:
            raise RuleViolation(
                f"附件密钥文件 {path} 已损坏（长度不对）。请从备份恢复该文件，否则涉密附件无法打开。"
            )
        return key
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(OSError):  # Windows ignores POSIX modes
        path.parent.chmod(0o700)
    key = secrets.token_bytes(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process created it first: use theirs
        return _key()
    with os.fdopen(fd, "wb") as fh:
        fh.write(key)
        fh.flush()
        os.fsync(fh.fileno())
    logger.info("created the attachment key %s", path)
    return key


def _encrypt(data: bytes, sha256: str) -> bytes:
    nonce = secrets.token_bytes(_NONCE)
    # The digest is bound in as associated data: a ciphertext moved to another name fails to open.
    return MAGIC + nonce + AESGCM(_key()).encrypt(nonce, data, sha256.encode("ascii"))


def _decode(raw: bytes, sha256: str) -> bytes:
    if raw.startswith(MAGIC):
        nonce = raw[len(MAGIC) : len(MAGIC) + _NONCE]
        try:
            data = AESGCM(_key()).decrypt(nonce, raw[len(MAGIC) + _NONCE :], sha256.encode("ascii"))
        except Exception as exc:  # InvalidTag, wrong key
            raise AttachmentCorrupted(
                f"涉密附件 {sha256[:12]}… 无法解密：文件已损坏，或附件密钥不是加密时的那一个。"
            ) from exc
    else:
        data = raw
    if hashlib.sha256(data).hexdigest() != sha256:
        raise AttachmentCorrupted(
            f"附件 {sha256[:12]}… 的内容与其摘要不符（文件已损坏或被改动），请从备份恢复。"
        )
    return data


def _fsync_dir(path: Path) -> None:
    if os.name == "nt":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_atomic(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".partial")
    with open(tmp, "wb") as fh:
        fh.write(content)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def _stored_ok(path: Path, sha256: str, *, must_be_encrypted: bool) -> bool:
    if not path.exists():
        return False
    raw = path.read_bytes()
    if must_be_encrypted and not raw.startswith(MAGIC):
        return False
    try:
        _decode(raw, sha256)
    except AttachmentCorrupted:
        return False
    return True


def _row(link: InspectionAttachment, att: Attachment) -> AttachmentRow:
    return AttachmentRow(
        att.id,
        att.sha256,
        att.size,
        att.media_type,
        att.original_name,
        att.encrypted,
        link.label,
        link.added_at,
        link.added_by,
    )


def add_attachment(
    ctx: ServiceContext,
    inspection_id: int,
    source: Path | bytes,
    *,
    label: str = "",
    name: str | None = None,
    media_type: str | None = None,
) -> AttachmentRow:
    """Store a file (once, by SHA-256) and attach it to an inspection's record.

    Args:
        ctx: service context.
        inspection_id: the inspection.
        source: a file path, or the bytes (e.g. from a camera or scanner).
        label: what it is (现场照片, 签字检查单 …).
        name: the original file name (defaults to the path's name).
        media_type: MIME type (guessed from the name when omitted).

    Returns the attachment; put its ``sha256`` in ``ResultPayload.attachments`` to freeze it into
    the result.
    """
    require_some(ctx, Permission.ENTER_RESULTS)
    if isinstance(source, bytes):
        data, original = source, name or "附件"
    else:
        try:
            if source.stat().st_size > MAX_BYTES:
                raise ValidationError(
                    [FieldError("附件", f"文件 {source} 超过 {MAX_BYTES // 1024 // 1024} MB")]
                )
            data = source.read_bytes()
        except OSError as exc:
            raise ValidationError(
                [FieldError("附件", f"无法读取文件 {source}：{exc.strerror or exc}")]
            ) from exc
        original = name or source.name
    if len(data) > MAX_BYTES:
        raise ValidationError([FieldError("附件", f"附件超过 {MAX_BYTES // 1024 // 1024} MB")])
    sha = hashlib.sha256(data).hexdigest()
    mime = media_type or mimetypes.guess_type(original)[0] or "application/octet-stream"
    path = stored_path(sha)
    with ctx.write() as session:
        inspection = session.get(Inspection, inspection_id)
        if inspection is None:
            raise NotFoundError(f"检查记录（编号 {inspection_id}）不存在")
        require_on_inspection(ctx, session, inspection, Permission.ENTER_RESULTS)
        task: Task = inspection.task
        att = session.execute(select(Attachment).where(Attachment.sha256 == sha)).scalar_one_or_none()
        encrypt = task.is_classified or (att is not None and att.encrypted)
        if not _stored_ok(path, sha, must_be_encrypted=encrypt):
            _write_atomic(path, _encrypt(data, sha) if encrypt else data)
        if att is None:
            att = Attachment(
                sha256=sha,
                size=len(data),
                media_type=mime,
                original_name=original,
                encrypted=encrypt,
                created_at=utcnow(),
            )
            session.add(att)
            session.flush()
        elif encrypt and not att.encrypted:
            att.encrypted = True  # first attached to a public record, now to a classified one
        link = session.execute(
            select(InspectionAttachment).where(
                InspectionAttachment.inspection_id == inspection_id,
                InspectionAttachment.attachment_id == att.id,
            )
        ).scalar_one_or_none()
        if link is None:
            link = InspectionAttachment(
                inspection_id=inspection_id,
                attachment_id=att.id,
                label=label.strip(),
                added_at=utcnow(),
                added_by=ctx.operator,
            )
            session.add(link)
        elif label.strip():
            link.label = label.strip()
        session.flush()
        ctx.audit(
            session,
            action="attach",
            entity="inspections",
            entity_id=inspection_id,
            summary=f"添加附件「{original}」（{len(data)} 字节）",
            after={"sha256": sha, "label": link.label, "encrypted": att.encrypted},
        )
        return _row(link, att)


def list_attachments(ctx: ServiceContext, inspection_id: int) -> list[AttachmentRow]:
    """The inspection's attachments, in the order they were added."""
    with ctx.read() as session:
        rows = session.execute(
            select(InspectionAttachment, Attachment)
            .join(Attachment, InspectionAttachment.attachment_id == Attachment.id)
            .where(InspectionAttachment.inspection_id == inspection_id)
            .order_by(InspectionAttachment.id)
        ).all()
        return [_row(link, att) for link, att in rows]


def read_attachment(ctx: ServiceContext, sha256: str) -> bytes:
    """The attachment's content, decrypted if need be and checked against its SHA-256."""
    with ctx.read() as session:
        if session.execute(select(Attachment.id).where(Attachment.sha256 == sha256)).first() is None:
            raise NotFoundError(f"附件 {sha256[:12]}… 不存在")
    path = stored_path(sha256)
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise AttachmentCorrupted(
            f"附件文件 {path} 不见了。请从备份恢复数据文件夹中的 attachments 目录。"
        ) from exc
    return _decode(raw, sha256)


def _safe_name(name: str) -> str:
    cleaned = re.sub(r'[\\/:*?"<>|\x00-\x1f]', "_", name).strip(" .")
    return cleaned or "附件"


def open_attachment_path(ctx: ServiceContext, sha256: str, *, dest_dir: Path | None = None) -> Path:
    """A path the user's viewer can open.

    A plain attachment opens in place (after its hash is checked). An encrypted one is decrypted
    into ``dest_dir`` (default: a new private temporary folder) under its original name; the caller
    deletes that copy when the viewer is closed.
    """
    data = read_attachment(ctx, sha256)
    with ctx.read() as session:
        att = session.execute(select(Attachment).where(Attachment.sha256 == sha256)).scalar_one()
        encrypted, original = att.encrypted, att.original_name
    if not encrypted and not stored_path(sha256).read_bytes().startswith(MAGIC):
        return stored_path(sha256)
    folder = dest_dir or Path(tempfile.mkdtemp(prefix="liancha-attachment-"))
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / _safe_name(original)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    return target


def detach_attachment(ctx: ServiceContext, inspection_id: int, sha256: str) -> None:
    """Remove a mistaken attachment from a record before it is frozen into a submitted version.

    The stored file stays (other records may share it); once a version names it, it stays attached.
    """
    require_some(ctx, Permission.ENTER_RESULTS)
    with ctx.write() as session:
        inspection = session.get(Inspection, inspection_id)
        if inspection is None:
            raise NotFoundError(f"检查记录（编号 {inspection_id}）不存在")
        require_on_inspection(ctx, session, inspection, Permission.ENTER_RESULTS)
        att = session.execute(select(Attachment).where(Attachment.sha256 == sha256)).scalar_one_or_none()
        link = (
            session.execute(
                select(InspectionAttachment).where(
                    InspectionAttachment.inspection_id == inspection_id,
                    InspectionAttachment.attachment_id == att.id,
                )
            ).scalar_one_or_none()
            if att is not None
            else None
        )
        if att is None or link is None:
            raise NotFoundError("该附件不在本检查记录上")
        versions = session.execute(
            select(ResultVersion.payload_json).where(ResultVersion.inspection_id == inspection_id)
        ).scalars()
        if any(sha256 in text for text in versions):
            raise RuleViolation("该附件已随提交的检查结果固定，不能移除。如有错误，请在更正中说明。")
        session.delete(link)
        session.flush()
        ctx.audit(
            session,
            action="detach",
            entity="inspections",
            entity_id=inspection_id,
            summary=f"移除附件「{att.original_name}」",
            before={"sha256": sha256},
        )
