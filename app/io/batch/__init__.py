"""Sync batch files: write, read and verify them safely; receipts as files.

This package is the database-independent core of sync (issue 7). The format is
specified in ``docs/sync-format.md``; the design it serves in ``SYNC.md``.

How the database layer uses it
------------------------------

Enrolment (once per installation)::

    keys = InstallationKeys.generate()            # persist keys.to_json() protected
    card = KeyCard(name=..., installation_id=..., office=..., public=keys.public)
    # hand card.to_json() over; the other side reads format_fingerprint(card.fingerprint)
    # back by phone, then: trusted = trusted.with_key(card.trust()) and persists trusted.to_json()

Export (inside or right after the outbox transaction that picked the items)::

    written = write_batch(
        folder / name,                            # see suggest_file_name(); no classified words
        kind=BatchKind.RESULTS, stream=Stream.PUBLIC,   # or Stream.CLASSIFIED + recipient_public_key
        origin_office=office, installation_id=installation_id,
        batch_seq=n, previous_batch_id=previous,
        items={"items.jsonl": [version_dict, ...]},     # each with a consecutive "seq"
        files={"results.xlsx": spreadsheet_bytes},      # optional, carried as bytes
        signing_key=keys,
    )
    # Only now record written.manifest.batch_id and written.manifest_sha256.

``write_batch`` writes ``NAME.partial``, fsyncs, renames, fsyncs the folder, reads
the file back and verifies it, and only then returns. ``build_batch`` does the
same in memory (for an online upload).

Import (before any database transaction)::

    batch = read_batch(path, trusted_keys=trusted, private_key=keys)
    # batch.manifest, batch.contents (seq range, registry version),
    # batch.items["items.jsonl"] -> tuple of dicts, batch.files[...] -> bytes,
    # batch.signer (the local TrustedKey), batch.manifest_sha256
    # then apply everything, write the import log and the receipt, commit once.

Every failure is one exception type, :class:`BatchRejected`, with ``reason`` (a
:class:`RejectReason` code), ``message`` (Chinese, says what to do) and ``detail``
(English, safe to log: never classified content).

Receipts::

    write_receipt(path, receipt=Receipt(...), ..., signing_key=keys)   # signed like a batch
    verified = read_receipt(path, trusted_keys=trusted, private_key=keys)
    # a receipt from the platform's spreadsheet import report:
    write_receipt_sheet(path, batch_id=..., manifest_sha256=..., stream=..., rows=[...])
    receipt = read_receipt_sheet(filled_path)      # ReceiptSheetError lists every problem
"""

from app.io.batch.errors import MESSAGES, BatchRejected, BatchWriteError, RejectReason
from app.io.batch.jsonutil import canonical_json, encode_jsonl, parse_jsonl, strict_loads
from app.io.batch.keys import (
    InstallationKeys,
    KeyCard,
    PublicKeys,
    TrustedKey,
    TrustedKeys,
    format_fingerprint,
    key_fingerprint,
)
from app.io.batch.limits import DEFAULT_LIMITS, Limits
from app.io.batch.manifest import (
    RECEIPT_MEMBER,
    SEQ_MEMBER,
    BatchKind,
    ContentFile,
    Contents,
    Manifest,
    MemberEntry,
    MemberType,
    RegistryInfo,
    SeqRange,
    Stream,
)
from app.io.batch.reader import BatchInfo, VerifiedBatch, inspect_batch, read_batch
from app.io.batch.receipt import (
    ItemStatus,
    Receipt,
    ReceiptItem,
    VerifiedReceipt,
    build_receipt,
    read_receipt,
    write_receipt,
)
from app.io.batch.receipt_sheet import (
    ReceiptSheetError,
    ReceiptSheetRow,
    SheetProblem,
    read_receipt_sheet,
    write_receipt_sheet,
)
from app.io.batch.writer import BuiltBatch, WrittenBatch, build_batch, suggest_file_name, write_batch

__all__ = [
    "DEFAULT_LIMITS",
    "MESSAGES",
    "RECEIPT_MEMBER",
    "SEQ_MEMBER",
    "BatchInfo",
    "BatchKind",
    "BatchRejected",
    "BatchWriteError",
    "BuiltBatch",
    "ContentFile",
    "Contents",
    "InstallationKeys",
    "ItemStatus",
    "KeyCard",
    "Limits",
    "Manifest",
    "MemberEntry",
    "MemberType",
    "PublicKeys",
    "Receipt",
    "ReceiptItem",
    "ReceiptSheetError",
    "ReceiptSheetRow",
    "RegistryInfo",
    "RejectReason",
    "SeqRange",
    "SheetProblem",
    "Stream",
    "TrustedKey",
    "TrustedKeys",
    "VerifiedBatch",
    "VerifiedReceipt",
    "WrittenBatch",
    "build_batch",
    "build_receipt",
    "canonical_json",
    "encode_jsonl",
    "format_fingerprint",
    "inspect_batch",
    "key_fingerprint",
    "parse_jsonl",
    "read_batch",
    "read_receipt",
    "read_receipt_sheet",
    "strict_loads",
    "suggest_file_name",
    "write_batch",
    "write_receipt",
    "write_receipt_sheet",
]
