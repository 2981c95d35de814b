"""Read a batch file and verify everything before anything from it is returned.

The order of checks follows ``SYNC.md`` ("Reading a batch file"): size cap; opening
the zip, where any exception at all means refusal; member names unique, no folders,
strict pattern; the signature against the local trusted keys only; format and
kind known; the members exactly those of the manifest; each member within its cap,
read with a bounded read and matching its hash; decryption and its authentication;
the JSON Lines items and the seq range. Everything is read in memory; nothing is
ever written to disk.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.io.batch.errors import BatchRejected, RejectReason
from app.io.batch.fields import is_valid_member_name
from app.io.batch.jsonutil import StrictJsonError, parse_jsonl, strict_loads
from app.io.batch.keys import InstallationKeys, TrustedKey, TrustedKeys
from app.io.batch.limits import DEFAULT_LIMITS, Limits
from app.io.batch.manifest import (
    MANIFEST_NAME,
    SEQ_MEMBER,
    SIGNATURE_CONTEXT,
    SIGNATURE_NAME,
    BatchKind,
    Contents,
    Manifest,
    MemberType,
    SeqRange,
    SignatureDocument,
    Stream,
    check_contents_against_members,
)
from app.io.batch.safe_write import PARTIAL_SUFFIX
from app.io.batch.sealing import Opener, SealError

logger = logging.getLogger(__name__)

_CHUNK = 64 * 1024
_ALLOWED_COMPRESSION = frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED})
_ENCRYPTED_FLAG = 0x1

BatchSource = str | os.PathLike[str] | bytes


@dataclass(frozen=True)
class BatchInfo:
    """A batch whose signature and stored members have been verified (not decrypted).

    Attributes:
        manifest: The verified manifest.
        manifest_sha256: SHA-256 of ``manifest.json``: with the batch id, the
            idempotency key of the batch and what a receipt names.
        signer: The local trusted-key entry that verified the signature.
        file_sha256: SHA-256 of the whole file (for the import log).
        size: Size of the file in bytes.
    """

    manifest: Manifest
    manifest_sha256: str
    signer: TrustedKey
    file_sha256: str
    size: int

    @property
    def signer_fingerprint(self) -> str:
        """Fingerprint of the key that signed the batch."""
        return self.signer.fingerprint


@dataclass(frozen=True)
class VerifiedBatch:
    """Everything in a batch, verified, decrypted and parsed, ready for one transaction.

    Attributes:
        manifest: The verified manifest.
        manifest_sha256: SHA-256 of ``manifest.json`` (see :class:`BatchInfo`).
        contents: The contents directory (decrypted for classified batches).
        items: JSON Lines members by name, each a tuple of objects in file order.
        files: Binary members by name (e.g. a platform import spreadsheet, ``receipt.json``).
        signer: The local trusted-key entry that verified the signature.
        file_sha256: SHA-256 of the whole file.
        size: Size of the file in bytes.
    """

    manifest: Manifest
    manifest_sha256: str
    contents: Contents
    items: Mapping[str, tuple[dict[str, Any], ...]]
    files: Mapping[str, bytes]
    signer: TrustedKey
    file_sha256: str
    size: int

    @property
    def batch_id(self) -> str:
        """The batch id as text."""
        return str(self.manifest.batch_id)

    @property
    def kind(self) -> BatchKind:
        """What the batch carries."""
        return self.manifest.kind

    @property
    def stream(self) -> Stream | None:
        """The stream of a results batch (or the one a receipt concerns)."""
        return self.manifest.stream

    @property
    def seq(self) -> SeqRange | None:
        """The seq range of ``items.jsonl`` in a results batch."""
        return self.contents.seq

    @property
    def signer_fingerprint(self) -> str:
        """Fingerprint of the key that signed the batch."""
        return self.signer.fingerprint


def _load(source: BatchSource, limits: Limits) -> tuple[bytes, str | None]:
    if isinstance(source, bytes):
        if len(source) > limits.max_file_bytes:
            raise BatchRejected(RejectReason.FILE_TOO_LARGE, f"{len(source)} bytes > {limits.max_file_bytes}")
        return source, None
    path = Path(source)
    if path.name.endswith(PARTIAL_SUFFIX):
        raise BatchRejected(RejectReason.PARTIAL_FILE, "file name ends in .partial", source=path.name)
    try:
        size = path.stat().st_size
        if size > limits.max_file_bytes:
            raise BatchRejected(
                RejectReason.FILE_TOO_LARGE, f"{size} bytes > {limits.max_file_bytes}", source=path.name
            )
        with open(path, "rb") as handle:
            # Bounded even if the file grows between stat() and read().
            data = handle.read(limits.max_file_bytes + 1)
    except OSError as exc:
        raise BatchRejected(
            RejectReason.UNREADABLE_FILE, f"{type(exc).__name__}: {exc}", source=path.name
        ) from None
    if len(data) > limits.max_file_bytes:
        raise BatchRejected(RejectReason.FILE_TOO_LARGE, "the file grew while being read", source=path.name)
    return data, path.name


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, *, size: int) -> bytes:
    """Read exactly ``size`` bytes of a member, refusing to decompress one byte more."""
    chunks: list[bytes] = []
    total = 0
    try:
        with zf.open(info) as handle:
            while True:
                chunk = handle.read(min(_CHUNK, size - total + 1))
                if not chunk:
                    break
                total += len(chunk)
                if total > size:
                    raise BatchRejected(
                        RejectReason.SIZE_MISMATCH, f"{info.orig_filename} is longer than listed"
                    )
                chunks.append(chunk)
    except BatchRejected:
        raise
    except Exception as exc:  # any failure while decompressing is a corrupt file, whatever its type
        raise BatchRejected(
            RejectReason.CORRUPT_ZIP, f"reading {info.orig_filename}: {type(exc).__name__}: {exc}"
        ) from None
    if total != size:
        raise BatchRejected(RejectReason.SIZE_MISMATCH, f"{info.orig_filename} is shorter than listed")
    return b"".join(chunks)


def _check_declared_size(info: zipfile.ZipInfo, *, size: int, cap: int, limits: Limits) -> None:
    if size > cap or info.file_size > cap:
        raise BatchRejected(RejectReason.MEMBER_TOO_LARGE, f"{info.orig_filename} is over {cap} bytes")
    if info.file_size != size:
        raise BatchRejected(
            RejectReason.SIZE_MISMATCH, f"{info.orig_filename}: zip size differs from the manifest"
        )
    if size > limits.ratio_exempt_bytes and size > info.compress_size * limits.max_compression_ratio:
        raise BatchRejected(
            RejectReason.COMPRESSION_RATIO,
            f"{info.orig_filename}: {size} bytes from {info.compress_size} compressed",
        )


def _zip_members(data: bytes, limits: Limits) -> tuple[zipfile.ZipFile, dict[str, zipfile.ZipInfo]]:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    # BadZipFile, ValueError, struct.error, OverflowError, EOFError, …: a corrupt zip
    # raises many types, and every one of them means the same thing.
    except Exception as exc:
        raise BatchRejected(RejectReason.CORRUPT_ZIP, f"{type(exc).__name__}: {exc}") from None
    if len(infos) > limits.max_members:
        raise BatchRejected(RejectReason.TOO_MANY_MEMBERS, f"{len(infos)} members > {limits.max_members}")
    members: dict[str, zipfile.ZipInfo] = {}
    for info in infos:
        # orig_filename is the name as stored; filename is what zipfile made of it
        # (it cuts at NUL and turns os.sep into /). Both must be the same valid name.
        name = info.orig_filename
        if name != info.filename or not is_valid_member_name(name):
            raise BatchRejected(RejectReason.BAD_MEMBER_NAME, f"member name {name!r}")
        if name in members:
            raise BatchRejected(RejectReason.DUPLICATE_MEMBER, f"{name} appears twice")
        if info.flag_bits & _ENCRYPTED_FLAG or info.compress_type not in _ALLOWED_COMPRESSION:
            raise BatchRejected(
                RejectReason.UNSUPPORTED_ZIP_FEATURE,
                f"{name}: flags {info.flag_bits:#x}, compression {info.compress_type}",
            )
        members[name] = info
    return zf, members


def _verify(data: bytes, trusted_keys: TrustedKeys, limits: Limits) -> tuple[BatchInfo, dict[str, bytes]]:
    zf, infos = _zip_members(data, limits)
    if MANIFEST_NAME not in infos or SIGNATURE_NAME not in infos:
        raise BatchRejected(RejectReason.MISSING_MANIFEST, "manifest.json or manifest.sig is missing")

    sig_info = infos[SIGNATURE_NAME]
    _check_declared_size(sig_info, size=sig_info.file_size, cap=limits.max_signature_bytes, limits=limits)
    signature = SignatureDocument.from_bytes(_read_member(zf, sig_info, size=sig_info.file_size))
    signer = trusted_keys.find(signature.key_fingerprint)
    if signer is None:
        raise BatchRejected(RejectReason.UNKNOWN_KEY, f"key {signature.key_fingerprint} is not trusted here")

    manifest_info = infos[MANIFEST_NAME]
    _check_declared_size(
        manifest_info, size=manifest_info.file_size, cap=limits.max_manifest_bytes, limits=limits
    )
    manifest_bytes = _read_member(zf, manifest_info, size=manifest_info.file_size)
    if not signer.public.verify(signature.signature, SIGNATURE_CONTEXT + manifest_bytes):
        raise BatchRejected(RejectReason.BAD_SIGNATURE, f"signature by {signer.name} does not verify")
    manifest = Manifest.from_bytes(manifest_bytes, max_members=limits.max_members)

    if manifest.key_fingerprint != signer.fingerprint:
        raise BatchRejected(RejectReason.ORIGIN_MISMATCH, "origin.key_fingerprint is not the signing key")
    if manifest.installation_id != signer.installation_id or manifest.origin_office != signer.office:
        raise BatchRejected(
            RejectReason.ORIGIN_MISMATCH,
            f"origin {manifest.origin_office}/{manifest.installation_id} but the key is enrolled for "
            f"{signer.office}/{signer.installation_id}",
        )

    present = set(infos) - {MANIFEST_NAME, SIGNATURE_NAME}
    listed = {m.name for m in manifest.members}
    if present - listed:
        raise BatchRejected(RejectReason.UNLISTED_MEMBER, f"not in the manifest: {sorted(present - listed)}")
    if listed - present:
        raise BatchRejected(RejectReason.MISSING_MEMBER, f"missing: {sorted(listed - present)}")
    total = sum(m.size for m in manifest.members)
    if total > limits.max_total_bytes:
        raise BatchRejected(RejectReason.MEMBER_TOO_LARGE, f"{total} bytes in all > {limits.max_total_bytes}")

    stored: dict[str, bytes] = {}
    for entry in manifest.members:
        info = infos[entry.name]
        _check_declared_size(info, size=entry.size, cap=limits.max_member_bytes, limits=limits)
        content = _read_member(zf, info, size=entry.size)
        if hashlib.sha256(content).hexdigest() != entry.sha256:
            raise BatchRejected(RejectReason.HASH_MISMATCH, f"{entry.name} does not match its SHA-256")
        stored[entry.name] = content

    batch = BatchInfo(
        manifest=manifest,
        manifest_sha256=hashlib.sha256(manifest_bytes).hexdigest(),
        signer=signer,
        file_sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
    )
    return batch, stored


def _unseal(
    batch: BatchInfo, stored: dict[str, bytes], private_key: InstallationKeys | None, limits: Limits
) -> tuple[Contents, dict[str, bytes]]:
    """Return the contents directory and the plain bytes of every data file, by name."""
    manifest = batch.manifest
    if manifest.sealing is None:
        assert manifest.contents is not None
        check_contents_against_members(manifest, manifest.contents)
        return manifest.contents, {f.name: stored[f.stored_as] for f in manifest.contents.files}

    # From here on the data is classified: details name no item, count or seq.
    sealing = manifest.sealing
    if private_key is None:
        raise BatchRejected(RejectReason.PRIVATE_KEY_REQUIRED, "classified batch, no private key given")
    if sealing.recipient_fingerprint != private_key.fingerprint:
        raise BatchRejected(
            RejectReason.NOT_FOR_THIS_INSTALLATION, f"encrypted to {sealing.recipient_fingerprint}"
        )
    try:
        opener = Opener(
            batch_id=manifest.batch_id, ephemeral_public_key=sealing.ephemeral_public_key, private=private_key
        )
        index = opener.open(sealing.index, stored[sealing.index])
    except SealError as exc:
        raise BatchRejected(RejectReason.DECRYPTION_FAILED, f"{sealing.index}: {exc}") from None
    try:
        raw_contents = strict_loads(index)
    except StrictJsonError:
        raise BatchRejected(
            RejectReason.BAD_CONTENTS, "the sealed contents directory is not strict JSON"
        ) from None
    contents = Contents.from_dict(raw_contents, kind=manifest.kind, max_files=limits.max_members)
    check_contents_against_members(manifest, contents)
    plain: dict[str, bytes] = {}
    for entry in contents.files:
        try:
            data = opener.open(entry.stored_as, stored[entry.stored_as])
        except SealError as exc:
            raise BatchRejected(RejectReason.DECRYPTION_FAILED, f"{entry.stored_as}: {exc}") from None
        if len(data) != entry.size:
            raise BatchRejected(RejectReason.SIZE_MISMATCH, f"{entry.stored_as}: plain size differs")
        if hashlib.sha256(data).hexdigest() != entry.sha256:
            raise BatchRejected(RejectReason.HASH_MISMATCH, f"{entry.stored_as}: plain hash differs")
        plain[entry.name] = data
    return contents, plain


def _parse(
    manifest: Manifest, contents: Contents, plain: dict[str, bytes], limits: Limits
) -> tuple[dict[str, tuple[dict[str, Any], ...]], dict[str, bytes]]:
    secret = manifest.classified
    items: dict[str, tuple[dict[str, Any], ...]] = {}
    files: dict[str, bytes] = {}
    for entry in contents.files:
        label = entry.stored_as if secret else entry.name
        if entry.type is MemberType.BINARY:
            files[entry.name] = plain[entry.name]
            continue
        try:
            parsed = parse_jsonl(
                plain[entry.name], max_items=limits.max_items, max_line_bytes=limits.max_line_bytes
            )
        except StrictJsonError as exc:
            raise BatchRejected(RejectReason.BAD_ITEMS, label if secret else f"{label}: {exc}") from None
        if len(parsed) != entry.items:
            raise BatchRejected(
                RejectReason.COUNT_MISMATCH,
                label if secret else f"{label}: {len(parsed)} items, contents say {entry.items}",
            )
        items[entry.name] = tuple(parsed)
    if contents.seq is not None:
        _check_seq(items[SEQ_MEMBER], contents.seq, secret=secret)
    return items, files


def _check_seq(items: tuple[dict[str, Any], ...], seq: SeqRange, *, secret: bool) -> None:
    for offset, item in enumerate(items):
        value = item.get("seq")
        if not isinstance(value, int) or isinstance(value, bool) or value != seq.first + offset:
            detail = (
                "items.jsonl seqs are not the declared range"
                if secret
                else f"items.jsonl line {offset + 1}: seq {value!r}, expected {seq.first + offset}"
            )
            raise BatchRejected(RejectReason.SEQ_MISMATCH, detail)


def inspect_batch(
    source: BatchSource, *, trusted_keys: TrustedKeys, limits: Limits = DEFAULT_LIMITS
) -> BatchInfo:
    """Verify a batch's structure, signature and stored members without decrypting it.

    Enough to relay a classified batch, or to check a file just written, on a
    machine that does not hold the recipient's key. Use :func:`read_batch` to import.

    Args:
        source: A path (``str``/``PathLike``) or the file's bytes.
        trusted_keys: The local trusted keys; the signer must be among them.
        limits: Size caps.

    Returns:
        The verified manifest and signer.

    Raises:
        BatchRejected: Anything wrong, with its reason.
    """
    name: str | None = None
    try:
        data, name = _load(source, limits)
        batch, _stored = _verify(data, trusted_keys, limits)
        if batch.manifest.contents is not None:
            check_contents_against_members(batch.manifest, batch.manifest.contents)
    except BatchRejected as exc:
        _log_rejection(exc, name)
        raise exc.with_source(name) from None
    return batch


def read_batch(
    source: BatchSource,
    *,
    trusted_keys: TrustedKeys,
    private_key: InstallationKeys | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> VerifiedBatch:
    """Read, verify, decrypt and parse a batch file, all before returning anything.

    Args:
        source: A path (``str``/``PathLike``) or the file's bytes. Copy the file off
            removable media first; the reader takes one bounded read of it.
        trusted_keys: The local trusted keys; only these can make a batch valid.
        private_key: This installation's keys, needed for classified batches.
        limits: Size caps.

    Returns:
        The verified batch, with every JSON Lines member parsed.

    Raises:
        BatchRejected: Anything wrong, with its reason; nothing from the file may be used.
    """
    name: str | None = None
    try:
        data, name = _load(source, limits)
        batch, stored = _verify(data, trusted_keys, limits)
        contents, plain = _unseal(batch, stored, private_key, limits)
        items, files = _parse(batch.manifest, contents, plain, limits)
    except BatchRejected as exc:
        _log_rejection(exc, name)
        raise exc.with_source(name) from None
    logger.info(
        "batch %s (%s) from %s verified, %d bytes",
        batch.manifest.batch_id,
        batch.manifest.kind.value,
        batch.signer.name,
        batch.size,
    )
    return VerifiedBatch(
        manifest=batch.manifest,
        manifest_sha256=batch.manifest_sha256,
        contents=contents,
        items=items,
        files=files,
        signer=batch.signer,
        file_sha256=batch.file_sha256,
        size=batch.size,
    )


def _log_rejection(exc: BatchRejected, name: str | None) -> None:
    logger.warning("batch file %s rejected: %s (%s)", name or "<bytes>", exc.reason.value, exc.detail)
