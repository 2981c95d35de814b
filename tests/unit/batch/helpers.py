"""Shared helpers for the batch tests: parties, items, and hand-made zips."""

from __future__ import annotations

import base64
import hashlib
import io
import struct
import uuid
import warnings
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from app.io.batch import InstallationKeys, TrustedKey, TrustedKeys, canonical_json, strict_loads
from app.io.batch.manifest import SIGNATURE_CONTEXT

CREATED_AT = datetime(2025, 6, 1, 8, 0, 0, tzinfo=UTC)
MARKER = "绝密标记-ZX9Q"
SECRET_ID = "f00dfeed-0000-4000-8000-5ec2e7000001"


@dataclass(frozen=True, eq=False)
class Party:
    """An installation (county office or platform gateway) in a test."""

    name: str
    keys: InstallationKeys
    installation_id: uuid.UUID
    office: str

    def trusted_key(self) -> TrustedKey:
        return TrustedKey(
            name=self.name,
            installation_id=self.installation_id,
            office=self.office,
            public=self.keys.public,
            trusted_at=CREATED_AT,
        )

    def origin(self) -> dict[str, Any]:
        """The keyword arguments of write_batch/build_batch that name the sender."""
        return {
            "origin_office": self.office,
            "installation_id": self.installation_id,
            "signing_key": self.keys,
        }


def make_party(name: str, office: str) -> Party:
    return Party(name=name, keys=InstallationKeys.generate(), installation_id=uuid.uuid4(), office=office)


def trusting(*parties: Party) -> TrustedKeys:
    return TrustedKeys(tuple(p.trusted_key() for p in parties))


def result_items(count: int, *, first: int = 1, text: str = "未发现问题") -> list[dict[str, Any]]:
    """Result versions as the outbox would give them."""
    return [
        {
            "seq": first + i,
            "record_id": str(uuid.UUID(int=1000 + first + i)),
            "version_id": str(uuid.UUID(int=5000 + first + i)),
            "previous_version_id": None,
            "target": {"name": f"某某餐饮店{first + i}", "uscc": "91341122MA2N0000X1"},
            "outcome": text,
            "findings": [{"checkpoint": "A07-1", "ok": True}],
        }
        for i in range(count)
    ]


def entries(data: bytes) -> list[tuple[str, bytes]]:
    """The members of a zip, in order."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return [(info.orig_filename, zf.read(info)) for info in zf.infolist()]


def make_zip(members: list[tuple[str, bytes]], *, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    """A zip of exactly these members (duplicates and odd names included)."""
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns on duplicate names; writing them is the point
        with zipfile.ZipFile(buffer, "w") as zf:
            for name, data in members:
                info = zipfile.ZipInfo(name, date_time=(2025, 6, 1, 8, 0, 0))
                info.compress_type = compression
                zf.writestr(info, data)
    return buffer.getvalue()


def manifest_of(data: bytes) -> dict[str, Any]:
    value = strict_loads(dict(entries(data))["manifest.json"])
    assert isinstance(value, dict)
    return value


def resign(
    members: list[tuple[str, bytes]],
    edit: Callable[[dict[str, Any]], None],
    signer: InstallationKeys,
    *,
    claimed_fingerprint: str | None = None,
) -> list[tuple[str, bytes]]:
    """Edit the manifest, then sign it again with ``signer`` (a trusted-but-wrong or an attacker's key)."""
    by_name = dict(members)
    manifest = strict_loads(by_name["manifest.json"])
    edit(manifest)
    manifest_bytes = canonical_json(manifest)
    signature = signer.sign(SIGNATURE_CONTEXT + manifest_bytes)
    sig = canonical_json(
        {
            "algorithm": "Ed25519",
            "key_fingerprint": claimed_fingerprint or signer.fingerprint,
            "signature": base64.b64encode(signature).decode(),
        }
    )
    result = []
    for name, content in members:
        if name == "manifest.json":
            content = manifest_bytes
        elif name == "manifest.sig":
            content = sig
        result.append((name, content))
    return result


def set_member(manifest: dict[str, Any], name: str, content: bytes) -> None:
    """Update a member's size and hash in a manifest dict (and the public contents entry)."""
    for entry in manifest["members"]:
        if entry["name"] == name:
            entry["size"] = len(content)
            entry["sha256"] = hashlib.sha256(content).hexdigest()
    if manifest.get("contents"):
        for entry in manifest["contents"]["files"]:
            if entry["name"] == name:
                entry["size"] = len(content)
                entry["sha256"] = hashlib.sha256(content).hexdigest()


@dataclass(frozen=True)
class RawMember:
    """A zip member with every header field under the test's control."""

    name: bytes
    payload: bytes  # as stored (already compressed when method is 8)
    method: int
    crc: int
    file_size: int


def raw_zip(members: list[RawMember]) -> bytes:
    """Assemble a zip by hand (local headers, central directory, end record)."""
    out = io.BytesIO()
    central = io.BytesIO()
    for member in members:
        offset = out.tell()
        out.write(
            struct.pack(
                "<4s5H3L2H",
                b"PK\x03\x04",
                20,
                0,
                member.method,
                0,
                0x21,
                member.crc,
                len(member.payload),
                member.file_size,
                len(member.name),
                0,
            )
        )
        out.write(member.name)
        out.write(member.payload)
        central.write(
            struct.pack(
                "<4s6H3L5H2L",
                b"PK\x01\x02",
                20,
                20,
                0,
                member.method,
                0,
                0x21,
                member.crc,
                len(member.payload),
                member.file_size,
                len(member.name),
                0,
                0,
                0,
                0,
                0,
                offset,
            )
        )
        central.write(member.name)
    cd_offset = out.tell()
    cd = central.getvalue()
    out.write(cd)
    out.write(struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(members), len(members), len(cd), cd_offset, 0))
    return out.getvalue()


def stored_member(name: str, data: bytes) -> RawMember:
    return RawMember(name.encode(), data, 0, zlib.crc32(data), len(data))


def deflated_zeros(size: int, chunk: int = 1 << 20) -> tuple[bytes, int, str]:
    """Raw deflate of ``size`` zero bytes, made in chunks; also its CRC-32 and SHA-256."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    crc = 0
    digest = hashlib.sha256()
    block = bytes(chunk)
    parts = []
    left = size
    while left:
        piece = block if left >= chunk else bytes(left)
        parts.append(compressor.compress(piece))
        crc = zlib.crc32(piece, crc)
        digest.update(piece)
        left -= len(piece)
    parts.append(compressor.flush())
    return b"".join(parts), crc, digest.hexdigest()
