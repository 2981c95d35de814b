"""Build and write batch files: encode, encrypt if classified, sign, zip, write safely, read back."""

from __future__ import annotations

import hashlib
import io
import logging
import os
import uuid
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.io.batch.errors import BatchRejected, BatchWriteError
from app.io.batch.fields import is_valid_member_name
from app.io.batch.jsonutil import StrictJsonError, canonical_json, encode_jsonl, parse_jsonl
from app.io.batch.keys import SIGNATURE_ALGORITHM, InstallationKeys, PublicKeys, TrustedKey, TrustedKeys
from app.io.batch.limits import DEFAULT_LIMITS, Limits
from app.io.batch.manifest import (
    INDEX_NAME,
    MANIFEST_NAME,
    PUBLIC_ALGORITHMS,
    SEALED_ALGORITHMS,
    SEQ_MEMBER,
    SIGNATURE_CONTEXT,
    SIGNATURE_NAME,
    BatchKind,
    ContentFile,
    Contents,
    Manifest,
    MemberEntry,
    MemberType,
    RegistryInfo,
    Sealing,
    SeqRange,
    SignatureDocument,
    Stream,
    check_contents_against_members,
    is_reserved_name,
    sealed_member_name,
)
from app.io.batch.reader import inspect_batch, read_batch
from app.io.batch.safe_write import PARTIAL_SUFFIX, withdraw, write_atomically
from app.io.batch.sealing import Sealer

logger = logging.getLogger(__name__)

# Already compressed or encrypted: deflating again only costs time.
_STORED_SUFFIXES = (".bin", ".xlsx", ".zip", ".pdf", ".png", ".jpg")


@dataclass(frozen=True)
class BuiltBatch:
    """A batch built in memory.

    Attributes:
        data: The complete file bytes.
        manifest: Its manifest.
        manifest_sha256: SHA-256 of ``manifest.json`` (what receipts name).
        contents: The contents directory (in plain, also for classified batches).
        file_sha256: SHA-256 of ``data``.
    """

    data: bytes
    manifest: Manifest
    manifest_sha256: str
    contents: Contents
    file_sha256: str


@dataclass(frozen=True)
class WrittenBatch:
    """A batch file written, flushed, renamed and read back successfully.

    Attributes:
        path: The final file.
        manifest: Its manifest.
        manifest_sha256: SHA-256 of ``manifest.json`` (record it with the batch).
        contents: The contents directory (in plain; never log it for classified batches).
        file_sha256: SHA-256 of the file.
        size: File size in bytes.
    """

    path: Path
    manifest: Manifest
    manifest_sha256: str
    contents: Contents
    file_sha256: str
    size: int


def _seq_range(items: Sequence[Mapping[str, Any]]) -> SeqRange:
    if not items:
        raise ValueError(f"a results batch needs at least one item in {SEQ_MEMBER}")
    seqs = [item.get("seq") for item in items]
    for offset, value in enumerate(seqs):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{SEQ_MEMBER} item {offset}: seq must be a positive integer, got {value!r}")
    first = seqs[0]
    assert isinstance(first, int)
    if seqs != list(range(first, first + len(seqs))):
        raise ValueError(f"{SEQ_MEMBER}: seqs must be consecutive and ascending")
    return SeqRange(first=first, last=first + len(seqs) - 1)


def _check_names(items: Mapping[str, Any], files: Mapping[str, bytes], limits: Limits) -> None:
    for name in list(items) + list(files):
        if not is_valid_member_name(name) or is_reserved_name(name):
            raise ValueError(f"member name {name!r} is not allowed")
    for name in items:
        if not name.endswith(".jsonl"):
            raise ValueError(f"JSON Lines member {name!r} must end in .jsonl")
    for name, data in files.items():
        if name.endswith(".jsonl"):
            raise ValueError(f"binary member {name!r} must not end in .jsonl (pass it as items)")
        if not isinstance(data, bytes):
            raise TypeError(f"binary member {name!r} must be bytes")
    if len(items) + len(files) + 3 > limits.max_members:
        raise ValueError("too many members")


def _zip(entries: list[tuple[str, bytes]], created_at: datetime) -> bytes:
    stamp = created_at.astimezone(UTC)
    date_time = (max(stamp.year, 1980), stamp.month, stamp.day, stamp.hour, stamp.minute, stamp.second)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=date_time)
            info.compress_type = (
                zipfile.ZIP_STORED if name.endswith(_STORED_SUFFIXES) else zipfile.ZIP_DEFLATED
            )
            info.external_attr = 0o644 << 16
            zf.writestr(info, data, compresslevel=6)
    return buffer.getvalue()


def build_batch(
    *,
    kind: BatchKind | str,
    origin_office: str,
    installation_id: uuid.UUID,
    batch_seq: int,
    previous_batch_id: uuid.UUID | None,
    signing_key: InstallationKeys,
    items: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
    files: Mapping[str, bytes] | None = None,
    stream: Stream | str | None = None,
    classified: bool | None = None,
    recipient_public_key: PublicKeys | None = None,
    registry: RegistryInfo | None = None,
    batch_id: uuid.UUID | None = None,
    created_at: datetime | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> BuiltBatch:
    """Build a signed (and, if classified, encrypted) batch in memory.

    Args:
        kind: What the batch carries.
        origin_office: This office's code.
        installation_id: This installation's id.
        batch_seq: This installation's running batch number (1, 2, …).
        previous_batch_id: The id of its previous batch, ``None`` for the first.
        signing_key: This installation's keys.
        items: JSON Lines members: name (``*.jsonl``) → objects. A results batch
            needs ``items.jsonl`` whose objects carry consecutive ``seq`` integers;
            the seq range is taken from them.
        files: Opaque members: name → bytes (e.g. a platform import spreadsheet;
            ``receipt.json`` for a receipt).
        stream: The stream of a results batch (or the one a receipt concerns).
        classified: Encrypt the data members; defaults to ``stream == "classified"``.
        recipient_public_key: The recipient's public keys (classified batches only).
        registry: The registry version (registry batches only).
        batch_id: The batch id; a new random one by default.
        created_at: The time to record; now by default.
        limits: Caps the reader will apply; the writer refuses to exceed them.

    Returns:
        The built batch.

    Raises:
        ValueError: Inconsistent arguments or items the reader would refuse.
    """
    kind = BatchKind(kind)
    stream = Stream(stream) if stream is not None else None
    is_classified = (stream is Stream.CLASSIFIED) if classified is None else classified
    if stream is Stream.CLASSIFIED and not is_classified:
        raise ValueError("the classified stream must be encrypted")
    if is_classified and recipient_public_key is None:
        raise ValueError("a classified batch needs the recipient's public key")
    if not is_classified and recipient_public_key is not None:
        raise ValueError("a public batch is not encrypted; do not pass a recipient key")
    items = dict(items or {})
    files = dict(files or {})
    _check_names(items, files, limits)
    batch_id = batch_id or uuid.uuid4()
    created_at = created_at or datetime.now(UTC)

    seq = _seq_range(items.get(SEQ_MEMBER, ())) if kind is BatchKind.RESULTS else None
    plain: dict[str, bytes] = {name: encode_jsonl(objects) for name, objects in items.items()}
    if is_classified:
        # The read-back cannot decrypt, so check now that the reader will parse it.
        for name, data in plain.items():
            try:
                parse_jsonl(data, max_items=limits.max_items, max_line_bytes=limits.max_line_bytes)
            except StrictJsonError as exc:
                raise ValueError(f"{name}: {exc}") from None
    plain.update(files)

    content_files: list[ContentFile] = []
    for index, name in enumerate(sorted(plain), start=1):
        data = plain[name]
        is_jsonl = name in items
        content_files.append(
            ContentFile(
                name=name,
                type=MemberType.JSONL if is_jsonl else MemberType.BINARY,
                items=len(items[name]) if is_jsonl else None,
                size=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
                stored_as=sealed_member_name(index) if is_classified else name,
            )
        )
    contents = Contents(files=tuple(content_files), seq=seq, registry=registry)
    try:
        # The reader's own checks, so the writer cannot produce what the reader refuses.
        Contents.from_dict(contents.to_dict(), kind=kind, max_files=limits.max_members)
    except BatchRejected as exc:
        raise ValueError(f"inconsistent batch: {exc.detail}") from None

    stored: dict[str, bytes]
    sealing: Sealing | None = None
    if is_classified:
        assert recipient_public_key is not None
        sealer = Sealer(batch_id=batch_id, recipient=recipient_public_key)
        stored = {INDEX_NAME: sealer.seal(INDEX_NAME, contents_bytes(contents))}
        for entry in content_files:
            stored[entry.stored_as] = sealer.seal(entry.stored_as, plain[entry.name])
        sealing = Sealing(
            recipient_fingerprint=sealer.recipient_fingerprint,
            ephemeral_public_key=sealer.ephemeral_public_key,
        )
    else:
        stored = plain

    members = tuple(
        MemberEntry(name=name, size=len(data), sha256=hashlib.sha256(data).hexdigest())
        for name, data in sorted(stored.items())
    )
    manifest = Manifest(
        batch_id=batch_id,
        kind=kind,
        origin_office=origin_office,
        installation_id=installation_id,
        key_fingerprint=signing_key.fingerprint,
        batch_seq=batch_seq,
        previous_batch_id=previous_batch_id,
        stream=stream,
        classified=is_classified,
        created_at=created_at,
        algorithms=dict(SEALED_ALGORITHMS if is_classified else PUBLIC_ALGORITHMS),
        members=members,
        contents=None if is_classified else contents,
        sealing=sealing,
    )
    manifest_bytes = manifest.to_bytes()
    try:
        Manifest.from_bytes(manifest_bytes, max_members=limits.max_members)
        check_contents_against_members(manifest, contents)
    except BatchRejected as exc:
        raise ValueError(f"inconsistent manifest: {exc.detail}") from None
    signature = SignatureDocument(
        algorithm=SIGNATURE_ALGORITHM,
        key_fingerprint=signing_key.fingerprint,
        signature=signing_key.sign(SIGNATURE_CONTEXT + manifest_bytes),
    )
    entries = [(MANIFEST_NAME, manifest_bytes), (SIGNATURE_NAME, signature.to_bytes())]
    entries += sorted(stored.items())
    data = _zip(entries, created_at)
    return BuiltBatch(
        data=data,
        manifest=manifest,
        manifest_sha256=hashlib.sha256(manifest_bytes).hexdigest(),
        contents=contents,
        file_sha256=hashlib.sha256(data).hexdigest(),
    )


def contents_bytes(contents: Contents) -> bytes:
    """The canonical bytes of a contents directory (what ``contents.bin`` encrypts)."""
    return canonical_json(contents.to_dict())


def write_batch(
    path: str | os.PathLike[str],
    *,
    kind: BatchKind | str,
    origin_office: str,
    installation_id: uuid.UUID,
    batch_seq: int,
    previous_batch_id: uuid.UUID | None,
    signing_key: InstallationKeys,
    items: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
    files: Mapping[str, bytes] | None = None,
    stream: Stream | str | None = None,
    classified: bool | None = None,
    recipient_public_key: PublicKeys | None = None,
    registry: RegistryInfo | None = None,
    batch_id: uuid.UUID | None = None,
    created_at: datetime | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> WrittenBatch:
    """Build a batch and write it safely: ``.partial``, fsync, rename, fsync folder, read back.

    Returns only once the file on disk has been read back and verified with the
    reader's own checks (decryption excepted: the writer does not hold the
    recipient's key). Record the batch only after this returns.

    Args:
        path: The final file name; it must not exist. Pick a name with
            :func:`suggest_file_name`; never put classified names or ids in it.
        kind: See :func:`build_batch` for this and every other argument.
        origin_office: See :func:`build_batch`.
        installation_id: See :func:`build_batch`.
        batch_seq: See :func:`build_batch`.
        previous_batch_id: See :func:`build_batch`.
        signing_key: See :func:`build_batch`.
        items: See :func:`build_batch`.
        files: See :func:`build_batch`.
        stream: See :func:`build_batch`.
        classified: See :func:`build_batch`.
        recipient_public_key: See :func:`build_batch`.
        registry: See :func:`build_batch`.
        batch_id: See :func:`build_batch`.
        created_at: See :func:`build_batch`.
        limits: See :func:`build_batch`.

    Returns:
        Where it was written and what it holds.

    Raises:
        ValueError: Inconsistent arguments (nothing written).
        FileExistsError: ``path`` exists (nothing written).
        OSError: The disk refused; ``path.partial`` may remain, ``path`` does not.
        BatchWriteError: The read-back failed; the file was moved back to ``.partial``.
    """
    final = Path(path)
    if final.name.endswith(PARTIAL_SUFFIX):
        raise ValueError("a batch file name must not end in .partial")
    if final.exists():
        raise FileExistsError(f"{final} already exists")
    built = build_batch(
        kind=kind,
        origin_office=origin_office,
        installation_id=installation_id,
        batch_seq=batch_seq,
        previous_batch_id=previous_batch_id,
        signing_key=signing_key,
        items=items,
        files=files,
        stream=stream,
        classified=classified,
        recipient_public_key=recipient_public_key,
        registry=registry,
        batch_id=batch_id,
        created_at=created_at,
        limits=limits,
    )
    write_atomically(final, built.data)
    try:
        _read_back(final, built, signing_key=signing_key, limits=limits)
    except Exception as exc:
        withdraw(final)
        logger.error("batch %s failed its read-back and was withdrawn: %s", built.manifest.batch_id, exc)
        raise BatchWriteError(
            f"批次文件“{final.name}”写入后回读校验失败，已改名为 .partial 作废。请检查磁盘或U盘后重新导出。"
        ) from exc
    logger.info("batch %s (%s) written to %s", built.manifest.batch_id, built.manifest.kind.value, final)
    return WrittenBatch(
        path=final,
        manifest=built.manifest,
        manifest_sha256=built.manifest_sha256,
        contents=built.contents,
        file_sha256=built.file_sha256,
        size=len(built.data),
    )


def _read_back(path: Path, built: BuiltBatch, *, signing_key: InstallationKeys, limits: Limits) -> None:
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != built.file_sha256:
        raise BatchWriteError("the file on disk differs from what was written")
    manifest = built.manifest
    own = TrustedKeys(
        (
            TrustedKey(
                name="本机",
                installation_id=manifest.installation_id,
                office=manifest.origin_office,
                public=signing_key.public,
                trusted_at=manifest.created_at,
            ),
        )
    )
    if manifest.classified:
        manifest_sha256 = inspect_batch(data, trusted_keys=own, limits=limits).manifest_sha256
    else:
        manifest_sha256 = read_batch(data, trusted_keys=own, limits=limits).manifest_sha256
    if manifest_sha256 != built.manifest_sha256:
        raise BatchWriteError("the manifest read back differs")


def suggest_file_name(manifest: Manifest) -> str:
    """A file name that says what a batch is without revealing anything classified.

    For example ``liancha-results-341122-000012-1f0c2a9b.lcb``: kind, office,
    batch number, the start of the batch id. No stream, no counts.
    """
    office = "".join(c if c.isascii() and c.isalnum() else "_" for c in manifest.origin_office)
    return f"liancha-{manifest.kind.value}-{office}-{manifest.batch_seq:06d}-{manifest.batch_id.hex[:8]}.lcb"
