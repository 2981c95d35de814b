"""The manifest, the contents directory and the signature document, with strict parsing.

A batch file is a zip with these members (see ``docs/sync-format.md``):

- ``manifest.json``: canonical JSON describing the batch and listing every other
  member with its size and SHA-256;
- ``manifest.sig``: the Ed25519 signature over the manifest bytes;
- the data members. In a public batch they are stored under their own names and
  the manifest's ``contents`` describes them (type, item count, seq range). In a
  classified batch they are stored encrypted as ``sealed-NNN.bin`` and the
  contents directory itself is the encrypted member ``contents.bin``, so that no
  name, count or seq of classified work is visible without the recipient's key.

Parsing here refuses anything unexpected: unknown or missing fields, wrong types,
non-canonical spellings. A reader only ever sees a :class:`Manifest` that passed.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from app.io.batch import fields
from app.io.batch.errors import BatchRejected, RejectReason
from app.io.batch.jsonutil import StrictJsonError, canonical_json, strict_loads
from app.io.batch.keys import SIGNATURE_ALGORITHM, b64decode, b64encode, format_time

FORMAT = "liancha-batch"
FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"
SIGNATURE_NAME = "manifest.sig"
INDEX_NAME = "contents.bin"
SEQ_MEMBER = "items.jsonl"
RECEIPT_MEMBER = "receipt.json"
#: Prefixed to the manifest bytes before signing, so a signature made for a batch
#: can never be passed off as a signature over anything else this key signs.
SIGNATURE_CONTEXT = b"LianCha batch manifest v1\x00"

HASH_ALGORITHM = "SHA-256"
KDF_ALGORITHM = "HKDF-SHA256"
CIPHER_ALGORITHM = "AES-256-GCM"
KEY_AGREEMENT_ALGORITHM = "X25519"
PUBLIC_ALGORITHMS: Mapping[str, str] = {"hash": HASH_ALGORITHM, "signature": SIGNATURE_ALGORITHM}
SEALED_ALGORITHMS: Mapping[str, str] = {
    **PUBLIC_ALGORITHMS,
    "key_agreement": KEY_AGREEMENT_ALGORITHM,
    "kdf": KDF_ALGORITHM,
    "cipher": CIPHER_ALGORITHM,
}

_SEALED_NAME_RE = re.compile(r"sealed-[0-9]{3,6}\.bin")
_RESERVED_NAMES = frozenset({MANIFEST_NAME, SIGNATURE_NAME, INDEX_NAME})


def is_reserved_name(name: str) -> bool:
    """True for names the format itself uses (not available for data members)."""
    return name in _RESERVED_NAMES or _SEALED_NAME_RE.fullmatch(name) is not None


def sealed_member_name(index: int) -> str:
    """Stored name of the ``index``-th (1-based) encrypted data member."""
    return f"sealed-{index:03d}.bin"


class BatchKind(StrEnum):
    """What a batch carries."""

    TASK_PACKAGE = "task-package"
    RESULTS = "results"
    REGISTRY = "registry"
    RECEIPT = "receipt"


class Stream(StrEnum):
    """The sequenced stream a batch belongs to (results) or concerns (receipts)."""

    PUBLIC = "public"
    CLASSIFIED = "classified"


class MemberType(StrEnum):
    """How a data member is read: JSON Lines objects, or opaque bytes."""

    JSONL = "jsonl"
    BINARY = "binary"


# --- the parts of a manifest ----------------------------------------------------------


@dataclass(frozen=True)
class MemberEntry:
    """One stored zip member as the manifest lists it.

    Attributes:
        name: The member name in the zip.
        size: Its exact size in bytes (as stored, i.e. encrypted in a classified batch).
        sha256: Lowercase hex SHA-256 of those bytes.
    """

    name: str
    size: int
    sha256: str

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"name": self.name, "size": self.size, "sha256": self.sha256}

    @classmethod
    def _parse(cls, value: object, where: str) -> MemberEntry:
        data = fields.obj(value, where, frozenset({"name", "size", "sha256"}))
        return cls(
            name=fields.member_name(data["name"], f"{where}.name"),
            size=fields.integer(data["size"], f"{where}.size"),
            sha256=fields.hex64(data["sha256"], f"{where}.sha256"),
        )


@dataclass(frozen=True)
class SeqRange:
    """The stream seqs a results batch carries, both ends included.

    Attributes:
        first: Seq of the first item (≥ 1).
        last: Seq of the last item (≥ first).
    """

    first: int
    last: int

    @property
    def count(self) -> int:
        """How many items the range holds."""
        return self.last - self.first + 1

    def to_dict(self) -> dict[str, int]:
        """JSON form."""
        return {"first": self.first, "last": self.last}


@dataclass(frozen=True)
class RegistryInfo:
    """Which registry snapshot or change set a registry batch carries.

    Attributes:
        name: The registry (e.g. ``"targets"``, ``"inspectors"``, ``"items"``).
        version: The platform's version number of this snapshot or change set.
        base_version: For a change set, the version it applies on; ``None`` for a
            full snapshot.
    """

    name: str
    version: int
    base_version: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"name": self.name, "version": self.version, "base_version": self.base_version}


@dataclass(frozen=True)
class ContentFile:
    """One data file of the batch, as the contents directory describes it.

    Attributes:
        name: The file's name (what the caller gave the writer).
        type: JSON Lines or opaque bytes.
        items: Number of JSON Lines objects; ``None`` for binary files.
        size: Size of the plain (decrypted) bytes.
        sha256: SHA-256 of the plain bytes.
        stored_as: The zip member holding it: the same name in a public batch,
            ``sealed-NNN.bin`` in a classified one.
    """

    name: str
    type: MemberType
    items: int | None
    size: int
    sha256: str
    stored_as: str

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "name": self.name,
            "type": self.type.value,
            "items": self.items,
            "size": self.size,
            "sha256": self.sha256,
            "stored_as": self.stored_as,
        }


_FILE_KEYS = frozenset({"name", "type", "items", "size", "sha256", "stored_as"})
_CONTENTS_KEYS = frozenset({"files", "seq", "registry"})


@dataclass(frozen=True)
class Contents:
    """What the batch carries: its files, the seq range, the registry version.

    Public batches put this in the manifest; classified batches encrypt it as
    ``contents.bin``. Either way the reader returns it only after checking it.

    Attributes:
        files: The data files, ordered by name.
        seq: The seq range of ``items.jsonl`` (results batches only).
        registry: The registry version (registry batches only).
    """

    files: tuple[ContentFile, ...]
    seq: SeqRange | None = None
    registry: RegistryInfo | None = None

    def file(self, name: str) -> ContentFile | None:
        """The file of this name, or ``None``."""
        for entry in self.files:
            if entry.name == name:
                return entry
        return None

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "files": [f.to_dict() for f in self.files],
            "seq": self.seq.to_dict() if self.seq else None,
            "registry": self.registry.to_dict() if self.registry else None,
        }

    @classmethod
    def from_dict(cls, value: object, *, kind: BatchKind, max_files: int) -> Contents:
        """Parse and check a contents directory for a batch of ``kind``.

        Raises:
            BatchRejected: ``BAD_CONTENTS``; the detail names fields, never values,
                because this may be decrypted classified data.
        """
        try:
            return cls._parse(value, kind=kind, max_files=max_files)
        except fields.Invalid as exc:
            raise BatchRejected(RejectReason.BAD_CONTENTS, str(exc)) from None

    @classmethod
    def _parse(cls, value: object, *, kind: BatchKind, max_files: int) -> Contents:
        data = fields.obj(value, "contents", _CONTENTS_KEYS)
        files: list[ContentFile] = []
        for index, raw in enumerate(fields.array(data["files"], "contents.files", max_length=max_files)):
            where = f"contents.files[{index}]"
            entry = fields.obj(raw, where, _FILE_KEYS)
            file_type = fields.choice(MemberType, entry["type"], f"{where}.type")
            name = fields.member_name(entry["name"], f"{where}.name")
            if is_reserved_name(name):
                raise fields.Invalid(f"{where}.name is reserved")
            if (file_type is MemberType.JSONL) != name.endswith(".jsonl"):
                raise fields.Invalid(f"{where}: only .jsonl files are JSON Lines")
            items = fields.optional_integer(entry["items"], f"{where}.items")
            if (items is None) != (file_type is MemberType.BINARY):
                raise fields.Invalid(f"{where}.items must be a count for JSON Lines and null otherwise")
            files.append(
                ContentFile(
                    name=name,
                    type=file_type,
                    items=items,
                    size=fields.integer(entry["size"], f"{where}.size"),
                    sha256=fields.hex64(entry["sha256"], f"{where}.sha256"),
                    stored_as=fields.member_name(entry["stored_as"], f"{where}.stored_as"),
                )
            )
        names = [f.name for f in files]
        if names != sorted(set(names)):
            raise fields.Invalid("contents.files are not unique and ordered by name")
        stored = [f.stored_as for f in files]
        if len(set(stored)) != len(stored):
            raise fields.Invalid("contents.files share a stored member")

        seq: SeqRange | None = None
        if data["seq"] is not None:
            raw_seq = fields.obj(data["seq"], "contents.seq", frozenset({"first", "last"}))
            seq = SeqRange(
                first=fields.integer(raw_seq["first"], "contents.seq.first", minimum=1),
                last=fields.integer(raw_seq["last"], "contents.seq.last", minimum=1),
            )
            if seq.last < seq.first:
                raise fields.Invalid("contents.seq.last is below first")
        registry: RegistryInfo | None = None
        if data["registry"] is not None:
            raw_reg = fields.obj(
                data["registry"], "contents.registry", frozenset({"name", "version", "base_version"})
            )
            registry = RegistryInfo(
                name=fields.label(raw_reg["name"], "contents.registry.name"),
                version=fields.integer(raw_reg["version"], "contents.registry.version", minimum=1),
                base_version=fields.optional_integer(
                    raw_reg["base_version"], "contents.registry.base_version", minimum=1
                ),
            )
            if registry.base_version is not None and registry.base_version >= registry.version:
                raise fields.Invalid("contents.registry.base_version is not below version")
        contents = cls(files=tuple(files), seq=seq, registry=registry)
        contents._check_kind(kind)
        return contents

    def _check_kind(self, kind: BatchKind) -> None:
        if (self.seq is not None) != (kind is BatchKind.RESULTS):
            raise fields.Invalid("contents.seq is required for results batches and forbidden otherwise")
        if (self.registry is not None) != (kind is BatchKind.REGISTRY):
            raise fields.Invalid("contents.registry is required for registry batches and forbidden otherwise")
        if kind is BatchKind.RESULTS:
            assert self.seq is not None
            seq_file = self.file(SEQ_MEMBER)
            if seq_file is None:
                raise fields.Invalid(f"a results batch needs {SEQ_MEMBER}")
            if seq_file.items != self.seq.count:
                raise fields.Invalid(f"{SEQ_MEMBER} count differs from the seq range")
        if kind is BatchKind.RECEIPT:
            receipt = self.file(RECEIPT_MEMBER)
            if receipt is None or receipt.type is not MemberType.BINARY:
                raise fields.Invalid(f"a receipt batch needs {RECEIPT_MEMBER}")


@dataclass(frozen=True)
class Sealing:
    """How the classified payload of a batch is encrypted (see ``sealing.py``).

    Attributes:
        recipient_fingerprint: Fingerprint of the installation it is encrypted to.
        ephemeral_public_key: The sender's one-time X25519 public key (32 bytes).
        index: The member holding the encrypted contents directory.
    """

    recipient_fingerprint: str
    ephemeral_public_key: bytes
    index: str = INDEX_NAME

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "recipient_key_fingerprint": self.recipient_fingerprint,
            "ephemeral_public_key": b64encode(self.ephemeral_public_key),
            "index": self.index,
        }


_MANIFEST_KEYS = frozenset(
    {
        "format",
        "format_version",
        "batch_id",
        "kind",
        "origin",
        "batch_seq",
        "previous_batch_id",
        "stream",
        "classified",
        "created_at",
        "algorithms",
        "members",
        "contents",
        "sealing",
    }
)


@dataclass(frozen=True)
class Manifest:
    """The signed description of a batch file.

    Attributes:
        batch_id: The batch's id; with the manifest hash, the idempotency key.
        kind: What it carries.
        origin_office: Office code of the sender.
        installation_id: The sending installation.
        key_fingerprint: Fingerprint of the key that signed it.
        batch_seq: The sender's running number of batches (1, 2, …).
        previous_batch_id: The sender's previous batch, ``None`` for its first.
        stream: The stream of a results batch, or the stream a receipt concerns.
        classified: Whether the data members are encrypted.
        created_at: When it was written (UTC; the sender's clock, informative only).
        algorithms: The algorithms used, by role.
        members: Every stored member except ``manifest.json`` and ``manifest.sig``,
            ordered by name.
        contents: The contents directory (public batches); ``None`` when sealed.
        sealing: Encryption parameters (classified batches); ``None`` otherwise.
        format_version: The format version.
    """

    batch_id: uuid.UUID
    kind: BatchKind
    origin_office: str
    installation_id: uuid.UUID
    key_fingerprint: str
    batch_seq: int
    previous_batch_id: uuid.UUID | None
    stream: Stream | None
    classified: bool
    created_at: datetime
    algorithms: Mapping[str, str]
    members: tuple[MemberEntry, ...]
    contents: Contents | None
    sealing: Sealing | None
    format_version: int = FORMAT_VERSION

    def member(self, name: str) -> MemberEntry | None:
        """The listed member of this name, or ``None``."""
        for entry in self.members:
            if entry.name == name:
                return entry
        return None

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "format": FORMAT,
            "format_version": self.format_version,
            "batch_id": str(self.batch_id),
            "kind": self.kind.value,
            "origin": {
                "office": self.origin_office,
                "installation_id": str(self.installation_id),
                "key_fingerprint": self.key_fingerprint,
            },
            "batch_seq": self.batch_seq,
            "previous_batch_id": str(self.previous_batch_id) if self.previous_batch_id else None,
            "stream": self.stream.value if self.stream else None,
            "classified": self.classified,
            "created_at": format_time(self.created_at),
            "algorithms": dict(self.algorithms),
            "members": [m.to_dict() for m in self.members],
            "contents": self.contents.to_dict() if self.contents else None,
            "sealing": self.sealing.to_dict() if self.sealing else None,
        }

    def to_bytes(self) -> bytes:
        """The canonical bytes that are stored as ``manifest.json`` and signed."""
        return canonical_json(self.to_dict())

    @classmethod
    def from_bytes(cls, data: bytes, *, max_members: int) -> Manifest:
        """Parse and check manifest bytes; they must be exactly canonical.

        Args:
            data: The bytes of ``manifest.json``.
            max_members: Refuse a manifest listing more members than this.

        Returns:
            The manifest.

        Raises:
            BatchRejected: ``BAD_MANIFEST``, ``UNSUPPORTED_VERSION`` or ``UNSUPPORTED_ALGORITHM``.
        """
        try:
            value = strict_loads(data)
        except StrictJsonError as exc:
            raise BatchRejected(RejectReason.BAD_MANIFEST, f"manifest.json: {exc}") from None
        if not isinstance(value, dict):
            raise BatchRejected(RejectReason.BAD_MANIFEST, "manifest.json is not an object")
        # Format and version first, so a newer file says "upgrade" rather than "malformed".
        if value.get("format") != FORMAT:
            raise BatchRejected(
                RejectReason.UNSUPPORTED_VERSION, "manifest.json: not a liancha-batch manifest"
            )
        if value.get("format_version") != FORMAT_VERSION:
            raise BatchRejected(
                RejectReason.UNSUPPORTED_VERSION,
                f"format_version {value.get('format_version')!r} is not supported",
            )
        if value.get("kind") not in {k.value for k in BatchKind}:
            raise BatchRejected(RejectReason.UNSUPPORTED_VERSION, f"kind {value.get('kind')!r} is not known")
        try:
            manifest = cls._parse(value, max_members=max_members)
        except fields.Invalid as exc:
            raise BatchRejected(RejectReason.BAD_MANIFEST, f"manifest.json: {exc}") from None
        if manifest.to_bytes() != data:
            raise BatchRejected(RejectReason.BAD_MANIFEST, "manifest.json is not in canonical form")
        return manifest

    @classmethod
    def _parse(cls, value: dict[str, Any], *, max_members: int) -> Manifest:
        data = fields.obj(value, "manifest", _MANIFEST_KEYS)
        origin = fields.obj(
            data["origin"], "origin", frozenset({"office", "installation_id", "key_fingerprint"})
        )
        kind = BatchKind(data["kind"])
        stream = None if data["stream"] is None else fields.choice(Stream, data["stream"], "stream")
        classified = fields.boolean(data["classified"], "classified")

        algorithms = data["algorithms"]
        expected = SEALED_ALGORITHMS if classified else PUBLIC_ALGORITHMS
        if not isinstance(algorithms, dict) or algorithms != dict(expected):
            raise BatchRejected(
                RejectReason.UNSUPPORTED_ALGORITHM,
                f"algorithms {algorithms!r}; this version knows {dict(expected)!r}",
            )

        members: list[MemberEntry] = []
        for index, raw in enumerate(fields.array(data["members"], "members", max_length=max_members)):
            entry = MemberEntry._parse(raw, f"members[{index}]")
            if entry.name in (MANIFEST_NAME, SIGNATURE_NAME):
                raise fields.Invalid(f"members[{index}] lists the manifest or signature")
            members.append(entry)
        names = [m.name for m in members]
        if names != sorted(set(names)):
            raise fields.Invalid("members are not unique and ordered by name")

        if kind is BatchKind.RESULTS and stream is None:
            raise fields.Invalid("a results batch needs a stream")
        if stream is Stream.CLASSIFIED and not classified:
            raise fields.Invalid("the classified stream must be encrypted")
        if kind is BatchKind.RESULTS and stream is Stream.PUBLIC and classified:
            raise fields.Invalid("a public results batch is not encrypted")

        contents: Contents | None = None
        sealing: Sealing | None = None
        if classified:
            if data["contents"] is not None:
                raise fields.Invalid("a classified batch keeps its contents encrypted")
            raw_sealing = fields.obj(
                data["sealing"],
                "sealing",
                frozenset({"recipient_key_fingerprint", "ephemeral_public_key", "index"}),
            )
            try:
                ephemeral = b64decode(raw_sealing["ephemeral_public_key"], length=32)
            except ValueError:
                raise fields.Invalid("sealing.ephemeral_public_key is not 32 bytes of base64") from None
            sealing = Sealing(
                recipient_fingerprint=fields.fingerprint(
                    raw_sealing["recipient_key_fingerprint"], "sealing.recipient_key_fingerprint"
                ),
                ephemeral_public_key=ephemeral,
                index=fields.member_name(raw_sealing["index"], "sealing.index"),
            )
            if sealing.index != INDEX_NAME:
                raise fields.Invalid(f"sealing.index must be {INDEX_NAME}")
            if INDEX_NAME not in names:
                raise fields.Invalid(f"members lack {INDEX_NAME}")
            if any(n != INDEX_NAME and _SEALED_NAME_RE.fullmatch(n) is None for n in names):
                raise fields.Invalid("a classified batch stores only sealed members")
        else:
            if data["sealing"] is not None:
                raise fields.Invalid("a public batch has no sealing")
            contents = Contents._parse(data["contents"], kind=kind, max_files=max_members)

        return cls(
            batch_id=fields.uuid_text(data["batch_id"], "batch_id"),
            kind=kind,
            origin_office=fields.label(origin["office"], "origin.office"),
            installation_id=fields.uuid_text(origin["installation_id"], "origin.installation_id"),
            key_fingerprint=fields.fingerprint(origin["key_fingerprint"], "origin.key_fingerprint"),
            batch_seq=fields.integer(data["batch_seq"], "batch_seq", minimum=1),
            previous_batch_id=fields.optional_uuid_text(data["previous_batch_id"], "previous_batch_id"),
            stream=stream,
            classified=classified,
            created_at=fields.utc_time(data["created_at"], "created_at"),
            algorithms=dict(expected),
            members=tuple(members),
            contents=contents,
            sealing=sealing,
        )


def check_contents_against_members(manifest: Manifest, contents: Contents) -> None:
    """Check that the contents directory and the stored members describe each other exactly.

    Raises:
        BatchRejected: ``BAD_CONTENTS`` (public detail only).
    """
    listed = {m.name for m in manifest.members}
    if manifest.sealing is None:
        for entry in contents.files:
            member = manifest.member(entry.name)
            if entry.stored_as != entry.name or member is None:
                raise BatchRejected(
                    RejectReason.BAD_CONTENTS, f"{entry.name} is not stored under its own name"
                )
            if (member.size, member.sha256) != (entry.size, entry.sha256):
                raise BatchRejected(RejectReason.BAD_CONTENTS, f"{entry.name}: contents and members disagree")
        if listed != {f.name for f in contents.files}:
            raise BatchRejected(RejectReason.BAD_CONTENTS, "members and contents list different files")
    else:
        stored = {f.stored_as for f in contents.files}
        if stored | {manifest.sealing.index} != listed or manifest.sealing.index in stored:
            raise BatchRejected(RejectReason.BAD_CONTENTS, "sealed members and contents do not correspond")


# --- the signature document -----------------------------------------------------------

_SIGNATURE_KEYS = frozenset({"algorithm", "key_fingerprint", "signature"})


@dataclass(frozen=True)
class SignatureDocument:
    """The content of ``manifest.sig``.

    Attributes:
        algorithm: ``"Ed25519"``.
        key_fingerprint: Which trusted key to verify with (looked up locally).
        signature: Signature over ``SIGNATURE_CONTEXT + manifest bytes``.
    """

    algorithm: str
    key_fingerprint: str
    signature: bytes

    def to_bytes(self) -> bytes:
        """Canonical JSON bytes."""
        return canonical_json(
            {
                "algorithm": self.algorithm,
                "key_fingerprint": self.key_fingerprint,
                "signature": b64encode(self.signature),
            }
        )

    @classmethod
    def from_bytes(cls, data: bytes) -> SignatureDocument:
        """Parse ``manifest.sig`` strictly.

        Raises:
            BatchRejected: ``BAD_SIGNATURE_FORMAT`` or ``UNSUPPORTED_ALGORITHM``.
        """
        try:
            value = fields.obj(strict_loads(data), "manifest.sig", _SIGNATURE_KEYS)
            if value["algorithm"] != SIGNATURE_ALGORITHM:
                raise BatchRejected(
                    RejectReason.UNSUPPORTED_ALGORITHM,
                    f"signature algorithm {value['algorithm']!r} is not supported",
                )
            try:
                signature = b64decode(value["signature"], length=64)
            except ValueError:
                raise fields.Invalid("signature is not 64 bytes of base64") from None
            document = cls(
                algorithm=SIGNATURE_ALGORITHM,
                key_fingerprint=fields.fingerprint(value["key_fingerprint"], "key_fingerprint"),
                signature=signature,
            )
        except (fields.Invalid, StrictJsonError) as exc:
            raise BatchRejected(RejectReason.BAD_SIGNATURE_FORMAT, str(exc)) from None
        if document.to_bytes() != data:
            raise BatchRejected(RejectReason.BAD_SIGNATURE_FORMAT, "manifest.sig is not in canonical form")
        return document
