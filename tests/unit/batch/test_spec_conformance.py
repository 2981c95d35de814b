"""docs/sync-format.md, implemented again from the text alone, against the reference code.

Nothing from ``app.io.batch`` is used to build or open the files here except the
reader and writer under test, so a drift between the document and the code fails.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import uuid
import zipfile
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from app.io.batch import build_batch, format_fingerprint, read_batch
from tests.unit.batch.helpers import Party, trusting


def canonical(value: Any) -> bytes:
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode()


def fingerprint(signing: bytes, encryption: bytes) -> str:
    return hashlib.sha256(b"LianCha installation key v1\x00" + signing + encryption).hexdigest()


def padme(length: int) -> int:
    if length <= 4096:
        return 4096
    e = length.bit_length() - 1
    s = e.bit_length()
    mask = (1 << (e - s)) - 1
    return (length + mask) & ~mask


def derive(shared: bytes, batch_id: uuid.UUID, ephemeral: bytes, recipient: bytes, name: str) -> bytes:
    info = b"LianCha sealed member v1\x00" + ephemeral + recipient + name.encode()
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=batch_id.bytes, info=info).derive(shared)


def aad(batch_id: uuid.UUID, name: str) -> bytes:
    return f"LianCha sealed member v1|{batch_id}|{name}".encode()


def seal(
    shared: bytes, batch_id: uuid.UUID, ephemeral: bytes, recipient: bytes, name: str, plain: bytes
) -> bytes:
    padded = b"LCP1" + len(plain).to_bytes(8, "big") + plain
    padded += bytes(padme(len(plain) + 12) - len(padded))
    nonce = os.urandom(12)
    key = derive(shared, batch_id, ephemeral, recipient, name)
    return nonce + AESGCM(key).encrypt(nonce, padded, aad(batch_id, name))


def sign(party: Party, manifest: dict[str, Any]) -> tuple[bytes, bytes]:
    manifest_bytes = canonical(manifest)
    signature = party.keys.signing_key.sign(b"LianCha batch manifest v1\x00" + manifest_bytes)
    sig = canonical(
        {
            "algorithm": "Ed25519",
            "key_fingerprint": party.keys.fingerprint,
            "signature": base64.b64encode(signature).decode(),
        }
    )
    return manifest_bytes, sig


def zip_up(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buffer.getvalue()


def entry(name: str, data: bytes) -> dict[str, Any]:
    return {"name": name, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def origin(party: Party) -> dict[str, Any]:
    return {
        "office": party.office,
        "installation_id": str(party.installation_id),
        "key_fingerprint": party.keys.fingerprint,
    }


def test_fingerprint_as_documented(county: Party) -> None:
    public = county.keys.public
    assert fingerprint(public.signing, public.encryption) == county.keys.fingerprint
    digits = f"{int(county.keys.fingerprint, 16) % 10**40:040d}"
    assert format_fingerprint(county.keys.fingerprint).replace(" ", "") == digits


def test_a_public_batch_built_from_the_document_is_accepted(county: Party) -> None:
    items = b'{"seq":5,"x":"\xe7\xbb\x93\xe6\x9e\x9c"}\n{"seq":6,"x":"b"}\n'
    sheet = b"spreadsheet bytes"
    batch_id = uuid.uuid4()
    manifest = {
        "format": "liancha-batch",
        "format_version": 1,
        "batch_id": str(batch_id),
        "kind": "results",
        "origin": origin(county),
        "batch_seq": 3,
        "previous_batch_id": None,
        "stream": "public",
        "classified": False,
        "created_at": "2025-06-01T08:00:00Z",
        "algorithms": {"hash": "SHA-256", "signature": "Ed25519"},
        "members": [entry("items.jsonl", items), entry("results.xlsx", sheet)],
        "contents": {
            "files": [
                {**entry("items.jsonl", items), "type": "jsonl", "items": 2, "stored_as": "items.jsonl"},
                {
                    **entry("results.xlsx", sheet),
                    "type": "binary",
                    "items": None,
                    "stored_as": "results.xlsx",
                },
            ],
            "seq": {"first": 5, "last": 6},
            "registry": None,
        },
        "sealing": None,
    }
    manifest_bytes, sig = sign(county, manifest)
    data = zip_up(
        {"manifest.json": manifest_bytes, "manifest.sig": sig, "items.jsonl": items, "results.xlsx": sheet}
    )
    batch = read_batch(data, trusted_keys=trusting(county))
    assert batch.items["items.jsonl"] == ({"seq": 5, "x": "结果"}, {"seq": 6, "x": "b"})
    assert batch.files["results.xlsx"] == sheet
    assert batch.manifest_sha256 == hashlib.sha256(manifest_bytes).hexdigest()


def test_a_classified_batch_built_from_the_document_is_accepted(county: Party, platform: Party) -> None:
    items = b'{"record":"secret","seq":1}\n'
    batch_id = uuid.uuid4()
    ephemeral_key = X25519PrivateKey.generate()
    ephemeral = ephemeral_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    recipient = platform.keys.public.encryption
    shared = ephemeral_key.exchange(X25519PublicKey.from_public_bytes(recipient))
    contents = canonical(
        {
            "files": [
                {**entry("items.jsonl", items), "type": "jsonl", "items": 1, "stored_as": "sealed-001.bin"}
            ],
            "seq": {"first": 1, "last": 1},
            "registry": None,
        }
    )
    stored = {
        "contents.bin": seal(shared, batch_id, ephemeral, recipient, "contents.bin", contents),
        "sealed-001.bin": seal(shared, batch_id, ephemeral, recipient, "sealed-001.bin", items),
    }
    manifest = {
        "format": "liancha-batch",
        "format_version": 1,
        "batch_id": str(batch_id),
        "kind": "results",
        "origin": origin(county),
        "batch_seq": 4,
        "previous_batch_id": str(uuid.uuid4()),
        "stream": "classified",
        "classified": True,
        "created_at": "2025-06-01T08:00:00Z",
        "algorithms": {
            "hash": "SHA-256",
            "signature": "Ed25519",
            "key_agreement": "X25519",
            "kdf": "HKDF-SHA256",
            "cipher": "AES-256-GCM",
        },
        "members": [entry(name, data) for name, data in sorted(stored.items())],
        "contents": None,
        "sealing": {
            "recipient_key_fingerprint": platform.keys.fingerprint,
            "ephemeral_public_key": base64.b64encode(ephemeral).decode(),
            "index": "contents.bin",
        },
    }
    manifest_bytes, sig = sign(county, manifest)
    data = zip_up({"manifest.json": manifest_bytes, "manifest.sig": sig, **stored})
    batch = read_batch(data, trusted_keys=trusting(county), private_key=platform.keys)
    assert batch.items["items.jsonl"] == ({"record": "secret", "seq": 1},)


def test_the_writers_classified_output_opens_as_documented(county: Party, platform: Party) -> None:
    built = build_batch(
        kind="results",
        stream="classified",
        batch_seq=1,
        previous_batch_id=None,
        items={"items.jsonl": [{"seq": 9, "name": "某涉密单位"}]},
        recipient_public_key=platform.keys.public,
        **county.origin(),
    )
    with zipfile.ZipFile(io.BytesIO(built.data)) as zf:
        members = {info.filename: zf.read(info) for info in zf.infolist()}
    manifest = json.loads(members["manifest.json"])
    assert canonical(manifest) == members["manifest.json"]
    signature = base64.b64decode(json.loads(members["manifest.sig"])["signature"])
    assert county.keys.public.verify(signature, b"LianCha batch manifest v1\x00" + members["manifest.json"])
    batch_id = uuid.UUID(manifest["batch_id"])
    ephemeral = base64.b64decode(manifest["sealing"]["ephemeral_public_key"])
    shared = platform.keys.encryption_key.exchange(X25519PublicKey.from_public_bytes(ephemeral))
    recipient = platform.keys.public.encryption

    def open_member(name: str) -> bytes:
        data = members[name]
        key = derive(shared, batch_id, ephemeral, recipient, name)
        padded = AESGCM(key).decrypt(data[:12], data[12:], aad(batch_id, name))
        assert padded[:4] == b"LCP1"
        length = int.from_bytes(padded[4:12], "big")
        assert len(padded) == padme(length + 12)
        assert not any(padded[12 + length :])
        return padded[12 : 12 + length]

    contents = json.loads(open_member("contents.bin"))
    assert contents["seq"] == {"first": 9, "last": 9}
    (only,) = contents["files"]
    assert open_member(only["stored_as"]) == '{"name":"某涉密单位","seq":9}\n'.encode()
