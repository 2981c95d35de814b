"""Receipts as signed files: round trip, forgery, edits, validation."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from app.io.batch import (
    BatchRejected,
    ItemStatus,
    Receipt,
    ReceiptItem,
    RejectReason,
    Stream,
    build_batch,
    build_receipt,
    read_receipt,
    write_receipt,
)
from tests.unit.batch.helpers import (
    MARKER,
    Party,
    entries,
    make_zip,
    resign,
    result_items,
    set_member,
    trusting,
)

ISSUED = datetime(2025, 6, 2, 9, 30, 0, tzinfo=UTC)


def sample_receipt(stream: Stream | None = Stream.PUBLIC, reason: str = "前序版本未到") -> Receipt:
    return Receipt(
        batch_id=uuid.UUID(int=42),
        manifest_sha256="ab" * 32,
        stream=stream,
        contiguous_through=12 if stream else None,
        items=(
            ReceiptItem(item_id="v-11", seq=11 if stream else None, status=ItemStatus.ACCEPTED),
            ReceiptItem(item_id="v-12", seq=12 if stream else None, status=ItemStatus.DUPLICATE),
            ReceiptItem(item_id="v-13", seq=13 if stream else None, status=ItemStatus.HELD, reason=reason),
            ReceiptItem(
                item_id="v-14",
                seq=14 if stream else None,
                status=ItemStatus.REJECTED,
                reason="统一社会信用代码有误",
            ),
        ),
        issued_at=ISSUED,
    )


def issue(platform: Party, receipt: Receipt, **extra: Any) -> bytes:
    return build_receipt(
        receipt=receipt, batch_seq=1, previous_batch_id=None, **platform.origin(), **extra
    ).data


def test_receipt_round_trip(tmp_path: Path, county: Party, platform: Party) -> None:
    receipt = sample_receipt()
    written = write_receipt(
        tmp_path / "r.lcb", receipt=receipt, batch_seq=3, previous_batch_id=None, **platform.origin()
    )
    verified = read_receipt(written.path, trusted_keys=trusting(platform))
    assert verified.receipt == receipt
    assert verified.signer.fingerprint == platform.keys.fingerprint
    assert verified.batch.manifest.stream is Stream.PUBLIC
    assert receipt.count(ItemStatus.HELD) == 1


def test_unsequenced_receipt_round_trip(county: Party, platform: Party) -> None:
    receipt = sample_receipt(stream=None)
    assert read_receipt(issue(platform, receipt), trusted_keys=trusting(platform)).receipt == receipt


def test_classified_receipt_is_sealed(county: Party, platform: Party) -> None:
    receipt = sample_receipt(stream=Stream.CLASSIFIED, reason=f"{MARKER} 暂缓")
    with pytest.raises(ValueError):
        issue(platform, receipt)  # no recipient: refused, never written in the clear
    data = issue(platform, receipt, recipient_public_key=county.keys.public)
    assert MARKER.encode() not in data and b"v-13" not in data
    verified = read_receipt(data, trusted_keys=trusting(platform), private_key=county.keys)
    assert verified.receipt == receipt


def test_forged_receipt_is_refused(county: Party, platform: Party, stranger: Party) -> None:
    forged = issue(stranger, sample_receipt())
    with pytest.raises(BatchRejected) as caught:
        read_receipt(forged, trusted_keys=trusting(platform))
    assert caught.value.reason is RejectReason.UNKNOWN_KEY


def test_edited_receipt_is_refused(county: Party, platform: Party) -> None:
    members = entries(issue(platform, sample_receipt()))
    edited = [
        (n, c.replace(b'"contiguous_through":12', b'"contiguous_through":99') if n == "receipt.json" else c)
        for n, c in members
    ]
    with pytest.raises(BatchRejected) as caught:
        read_receipt(make_zip(edited), trusted_keys=trusting(platform))
    assert caught.value.reason is RejectReason.HASH_MISMATCH


def test_a_results_batch_is_not_a_receipt(county: Party) -> None:
    batch = build_batch(
        kind="results",
        stream="public",
        batch_seq=1,
        previous_batch_id=None,
        items={"items.jsonl": result_items(1)},
        **county.origin(),
    )
    with pytest.raises(BatchRejected) as caught:
        read_receipt(batch.data, trusted_keys=trusting(county))
    assert caught.value.reason is RejectReason.BAD_RECEIPT


def test_receipt_document_inside_a_trusted_file_is_still_checked(platform: Party) -> None:
    members = entries(issue(platform, sample_receipt()))
    document = dict(members)["receipt.json"].replace(b'"status":"held"', b'"status":"lost"')

    def fix(manifest: dict[str, Any]) -> None:
        set_member(manifest, "receipt.json", document)

    replaced = [(n, document if n == "receipt.json" else c) for n, c in members]
    forged = resign(replaced, fix, platform.keys)  # signed by the trusted key itself
    with pytest.raises(BatchRejected) as caught:
        read_receipt(make_zip(forged), trusted_keys=trusting(platform))
    assert caught.value.reason is RejectReason.BAD_RECEIPT


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"items": (ReceiptItem(item_id="a", status=ItemStatus.HELD),)}, "reason"),
        ({"items": (ReceiptItem(item_id="a", status=ItemStatus.ACCEPTED),) * 2}, "twice"),
        (
            {
                "items": (
                    ReceiptItem(item_id="a", seq=1, status=ItemStatus.ACCEPTED),
                    ReceiptItem(item_id="b", seq=1, status=ItemStatus.ACCEPTED),
                )
            },
            "twice",
        ),
        ({"stream": None}, "sequenced"),
        ({"contiguous_through": -1}, "range"),
        ({"manifest_sha256": "AB" * 32}, "hex"),
        ({"items": (ReceiptItem(item_id="", status=ItemStatus.ACCEPTED),)}, "id"),
    ],
)
def test_invalid_receipts_are_refused_before_writing(change: dict[str, Any], why: str) -> None:
    base = sample_receipt()
    receipt = Receipt(**{**base.__dict__, **change})
    with pytest.raises(ValueError, match=why):
        receipt.check()


def test_receipt_from_bytes_refuses_other_versions() -> None:
    text = sample_receipt().to_bytes().replace(b'"format_version":1', b'"format_version":2')
    with pytest.raises(BatchRejected) as caught:
        Receipt.from_bytes(text)
    assert caught.value.reason is RejectReason.UNSUPPORTED_VERSION
