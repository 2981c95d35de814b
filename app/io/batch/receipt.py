"""Receipts: what the receiving side accepted of a batch, as a signed file.

A receipt file is a batch of kind ``receipt`` whose one data member,
``receipt.json``, holds the receipt document. It is therefore signed, verified
and (for the classified stream) encrypted exactly like any other batch: a receipt
for classified work names classified items, so it travels sealed too.

The receipt document (canonical JSON):

    {"format": "liancha-receipt", "format_version": 1,
     "batch_id": "<uuid of the batch acknowledged>",
     "manifest_sha256": "<SHA-256 of that batch's manifest.json>",
     "stream": "public" | "classified" | null,
     "contiguous_through": <highest seq up to which everything arrived> | null,
     "issued_at": "YYYY-MM-DDTHH:MM:SSZ",
     "items": [{"id": "<item id>", "seq": <int> | null,
                "status": "accepted" | "duplicate" | "held" | "rejected",
                "reason": "<text>" | null}, ...]}

``held`` and ``rejected`` need a reason. The receiving side applies
``acknowledged = max(old, contiguous_through)``, so late and repeated receipts are
harmless (that rule lives in the database layer, not here).
"""

from __future__ import annotations

import logging
import os
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from app.io.batch import fields
from app.io.batch.errors import BatchRejected, RejectReason
from app.io.batch.jsonutil import StrictJsonError, canonical_json, strict_loads
from app.io.batch.keys import InstallationKeys, PublicKeys, TrustedKey, TrustedKeys, format_time
from app.io.batch.limits import DEFAULT_LIMITS, Limits
from app.io.batch.manifest import RECEIPT_MEMBER, BatchKind, Stream
from app.io.batch.reader import BatchSource, VerifiedBatch, read_batch
from app.io.batch.writer import BuiltBatch, WrittenBatch, build_batch, write_batch

logger = logging.getLogger(__name__)

RECEIPT_FORMAT = "liancha-receipt"
RECEIPT_FORMAT_VERSION = 1
MAX_REASON_LENGTH = 2000
_RECEIPT_KEYS = frozenset(
    {
        "format",
        "format_version",
        "batch_id",
        "manifest_sha256",
        "stream",
        "contiguous_through",
        "issued_at",
        "items",
    }
)
_ITEM_KEYS = frozenset({"id", "seq", "status", "reason"})


class ItemStatus(StrEnum):
    """What became of one item of an acknowledged batch."""

    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"
    HELD = "held"
    REJECTED = "rejected"


@dataclass(frozen=True)
class ReceiptItem:
    """The fate of one item.

    Attributes:
        item_id: The item's id (for results: the version id).
        status: Accepted, duplicate, held (waiting for its predecessor) or rejected.
        seq: Its stream seq, when the batch was sequenced.
        reason: Why it was held or rejected (required then); optional otherwise.
    """

    item_id: str
    status: ItemStatus
    seq: int | None = None
    reason: str | None = None

    def to_dict(self) -> dict[str, object]:
        """JSON form."""
        return {"id": self.item_id, "seq": self.seq, "status": self.status.value, "reason": self.reason}


@dataclass(frozen=True)
class Receipt:
    """The receiving side's account of one batch.

    Attributes:
        batch_id: The batch acknowledged.
        manifest_sha256: SHA-256 of its ``manifest.json``; a receipt for other bytes
            under the same batch id must not move anything.
        stream: The stream of the batch acknowledged, if it was sequenced.
        contiguous_through: The highest seq up to which everything arrived, or
            ``None`` for an unsequenced batch.
        items: One entry per item, in any order.
        issued_at: When the receipt was made (UTC).
    """

    batch_id: uuid.UUID
    manifest_sha256: str
    stream: Stream | None
    contiguous_through: int | None
    items: tuple[ReceiptItem, ...]
    issued_at: datetime

    def to_bytes(self) -> bytes:
        """Canonical JSON bytes (the content of ``receipt.json``)."""
        return canonical_json(
            {
                "format": RECEIPT_FORMAT,
                "format_version": RECEIPT_FORMAT_VERSION,
                "batch_id": str(self.batch_id),
                "manifest_sha256": self.manifest_sha256,
                "stream": self.stream.value if self.stream else None,
                "contiguous_through": self.contiguous_through,
                "issued_at": format_time(self.issued_at),
                "items": [item.to_dict() for item in self.items],
            }
        )

    @classmethod
    def from_bytes(cls, data: bytes) -> Receipt:
        """Parse and check a receipt document.

        Raises:
            BatchRejected: ``BAD_RECEIPT`` (or ``UNSUPPORTED_VERSION``); the detail
                names fields, never values.
        """
        try:
            value = strict_loads(data)
        except StrictJsonError as exc:
            raise BatchRejected(RejectReason.BAD_RECEIPT, f"receipt.json: {exc}") from None
        if not isinstance(value, dict) or value.get("format") != RECEIPT_FORMAT:
            raise BatchRejected(RejectReason.BAD_RECEIPT, "receipt.json is not a liancha-receipt")
        if value.get("format_version") != RECEIPT_FORMAT_VERSION:
            raise BatchRejected(RejectReason.UNSUPPORTED_VERSION, "receipt format_version is not supported")
        try:
            return cls._parse(value)
        except fields.Invalid as exc:
            raise BatchRejected(RejectReason.BAD_RECEIPT, f"receipt.json: {exc}") from None

    @classmethod
    def _parse(cls, value: object) -> Receipt:
        data = fields.obj(value, "receipt", _RECEIPT_KEYS)
        raw_items = data["items"]
        if not isinstance(raw_items, list):
            raise fields.Invalid("receipt.items is not a list")
        items = tuple(_parse_item(raw, f"receipt.items[{index}]") for index, raw in enumerate(raw_items))
        return cls(
            batch_id=fields.uuid_text(data["batch_id"], "receipt.batch_id"),
            manifest_sha256=fields.hex64(data["manifest_sha256"], "receipt.manifest_sha256"),
            stream=None
            if data["stream"] is None
            else fields.choice(Stream, data["stream"], "receipt.stream"),
            contiguous_through=fields.optional_integer(
                data["contiguous_through"], "receipt.contiguous_through"
            ),
            items=items,
            issued_at=fields.utc_time(data["issued_at"], "receipt.issued_at"),
        )._checked()

    def _checked(self) -> Receipt:
        ids = [item.item_id for item in self.items]
        if len(set(ids)) != len(ids):
            raise fields.Invalid("receipt.items name an item twice")
        seqs = [item.seq for item in self.items if item.seq is not None]
        if len(set(seqs)) != len(seqs):
            raise fields.Invalid("receipt.items give a seq twice")
        if self.stream is None and (seqs or self.contiguous_through is not None):
            raise fields.Invalid("seqs are only for a sequenced stream")
        return self

    def check(self) -> Receipt:
        """Validate a receipt built in code (as the reader would); returns it.

        Raises:
            ValueError: It would not survive :meth:`from_bytes`.
        """
        try:
            return Receipt.from_bytes(self.to_bytes())
        except BatchRejected as exc:
            raise ValueError(exc.detail) from None

    def count(self, status: ItemStatus) -> int:
        """How many items have ``status``."""
        return sum(1 for item in self.items if item.status is status)


def _parse_item(value: object, where: str) -> ReceiptItem:
    data = fields.obj(value, where, _ITEM_KEYS)
    status = fields.choice(ItemStatus, data["status"], f"{where}.status")
    reason = data["reason"]
    if reason is not None:
        reason = fields.label(reason, f"{where}.reason", max_length=MAX_REASON_LENGTH)
    elif status in (ItemStatus.HELD, ItemStatus.REJECTED):
        raise fields.Invalid(f"{where}.reason is required for held and rejected items")
    return ReceiptItem(
        item_id=fields.label(data["id"], f"{where}.id"),
        status=status,
        seq=fields.optional_integer(data["seq"], f"{where}.seq", minimum=1),
        reason=reason,
    )


@dataclass(frozen=True)
class VerifiedReceipt:
    """A receipt file that passed every check.

    Attributes:
        receipt: The receipt document.
        batch: The receipt file itself as a verified batch (its own id, signer, hashes).
    """

    receipt: Receipt

    batch: VerifiedBatch

    @property
    def signer(self) -> TrustedKey:
        """Who signed the receipt (from the local trusted keys)."""
        return self.batch.signer


def build_receipt(
    *,
    receipt: Receipt,
    origin_office: str,
    installation_id: uuid.UUID,
    batch_seq: int,
    previous_batch_id: uuid.UUID | None,
    signing_key: InstallationKeys,
    recipient_public_key: PublicKeys | None = None,
    batch_id: uuid.UUID | None = None,
    created_at: datetime | None = None,
) -> BuiltBatch:
    """Build a signed receipt file in memory (encrypted when it concerns the classified stream).

    Args:
        receipt: The receipt document.
        origin_office: The issuing office's code.
        installation_id: The issuing installation.
        batch_seq: The issuer's running batch number.
        previous_batch_id: The issuer's previous batch.
        signing_key: The issuer's keys.
        recipient_public_key: Required for a classified-stream receipt: the keys of
            the installation whose batch is acknowledged.
        batch_id: The receipt file's own id; random by default.
        created_at: Now by default.

    Returns:
        The built receipt file.

    Raises:
        ValueError: An invalid receipt, or a classified receipt without a recipient.
    """
    receipt.check()
    classified = receipt.stream is Stream.CLASSIFIED
    if classified and recipient_public_key is None:
        raise ValueError("a receipt for the classified stream must be encrypted to its recipient")
    return build_batch(
        kind=BatchKind.RECEIPT,
        origin_office=origin_office,
        installation_id=installation_id,
        batch_seq=batch_seq,
        previous_batch_id=previous_batch_id,
        signing_key=signing_key,
        files={RECEIPT_MEMBER: receipt.to_bytes()},
        stream=receipt.stream,
        classified=classified,
        recipient_public_key=recipient_public_key if classified else None,
        batch_id=batch_id,
        created_at=created_at or datetime.now(UTC),
    )


def write_receipt(
    path: str | os.PathLike[str],
    *,
    receipt: Receipt,
    origin_office: str,
    installation_id: uuid.UUID,
    batch_seq: int,
    previous_batch_id: uuid.UUID | None,
    signing_key: InstallationKeys,
    recipient_public_key: PublicKeys | None = None,
    batch_id: uuid.UUID | None = None,
    created_at: datetime | None = None,
) -> WrittenBatch:
    """Write a receipt file safely (see :func:`~app.io.batch.writer.write_batch`).

    Args:
        path: The final file name; it must not exist.
        receipt: See :func:`build_receipt` for this and the other arguments.
        origin_office: See :func:`build_receipt`.
        installation_id: See :func:`build_receipt`.
        batch_seq: See :func:`build_receipt`.
        previous_batch_id: See :func:`build_receipt`.
        signing_key: See :func:`build_receipt`.
        recipient_public_key: See :func:`build_receipt`.
        batch_id: See :func:`build_receipt`.
        created_at: See :func:`build_receipt`.

    Returns:
        Where it was written and its manifest hash.
    """
    receipt.check()
    classified = receipt.stream is Stream.CLASSIFIED
    if classified and recipient_public_key is None:
        raise ValueError("a receipt for the classified stream must be encrypted to its recipient")
    return write_batch(
        path,
        kind=BatchKind.RECEIPT,
        origin_office=origin_office,
        installation_id=installation_id,
        batch_seq=batch_seq,
        previous_batch_id=previous_batch_id,
        signing_key=signing_key,
        files={RECEIPT_MEMBER: receipt.to_bytes()},
        stream=receipt.stream,
        classified=classified,
        recipient_public_key=recipient_public_key if classified else None,
        batch_id=batch_id,
        created_at=created_at,
    )


def read_receipt(
    source: BatchSource,
    *,
    trusted_keys: TrustedKeys,
    private_key: InstallationKeys | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> VerifiedReceipt:
    """Read and verify a receipt file.

    Args:
        source: A path or the file's bytes.
        trusted_keys: The local trusted keys; a receipt signed by any other key is refused.
        private_key: This installation's keys (classified-stream receipts are encrypted).
        limits: Size caps.

    Returns:
        The verified receipt.

    Raises:
        BatchRejected: Anything wrong; the receipt must then move nothing.
    """
    batch = read_batch(source, trusted_keys=trusted_keys, private_key=private_key, limits=limits)
    source_name = None if isinstance(source, bytes) else os.path.basename(os.fspath(source))
    try:
        if batch.kind is not BatchKind.RECEIPT:
            raise BatchRejected(RejectReason.BAD_RECEIPT, f"a {batch.kind.value} batch, not a receipt")
        receipt = Receipt.from_bytes(batch.files[RECEIPT_MEMBER])
        if receipt.stream is not batch.manifest.stream:
            raise BatchRejected(RejectReason.BAD_RECEIPT, "receipt stream differs from its file's stream")
    except BatchRejected as exc:
        logger.warning(
            "receipt file %s rejected: %s (%s)", source_name or "<bytes>", exc.reason.value, exc.detail
        )
        raise exc.with_source(source_name) from None
    return VerifiedReceipt(receipt=receipt, batch=batch)
