"""Classified batches: nothing readable outside, only the recipient can open them."""

from __future__ import annotations

import base64
import io
import logging
import zipfile
from pathlib import Path
from typing import Any

import pytest

from app.io.batch import (
    BatchRejected,
    RejectReason,
    SeqRange,
    build_batch,
    read_batch,
    suggest_file_name,
    write_batch,
    writer,
)
from tests.unit.batch.helpers import (
    MARKER,
    SECRET_ID,
    Party,
    entries,
    make_zip,
    manifest_of,
    resign,
    result_items,
    set_member,
    trusting,
)


def secret_items(count: int, first: int = 1) -> list[dict[str, Any]]:
    items = result_items(count, first=first, text=f"{MARKER} 检查结果")
    items[0]["record_id"] = SECRET_ID
    items[0]["target"] = {"name": f"{MARKER}研究所", "uscc": "12340000MB0000000X"}
    return items


def classified(county: Party, platform: Party, count: int = 3, **extra: Any) -> bytes:
    arguments: dict[str, Any] = {
        "kind": "results",
        "stream": "classified",
        "batch_seq": 5,
        "previous_batch_id": None,
        "items": {"items.jsonl": secret_items(count, first=101)},
        "files": {"results.xlsx": f"{MARKER} spreadsheet {SECRET_ID}".encode()},
        "recipient_public_key": platform.keys.public,
        **county.origin(),
    }
    arguments.update(extra)
    return build_batch(**arguments).data


def visible_texts(data: bytes) -> list[bytes]:
    """The raw file and every member as it comes out of the zip (decompressed, not decrypted)."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return (
            [data] + [zf.read(info) for info in zf.infolist()] + [i.filename.encode() for i in zf.infolist()]
        )


def test_no_classified_text_id_or_count_is_visible(
    tmp_path: Path, county: Party, platform: Party, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    written = write_batch(
        tmp_path / "out.lcb",
        kind="results",
        stream="classified",
        batch_seq=5,
        previous_batch_id=None,
        items={"items.jsonl": secret_items(3, first=101)},
        files={"results.xlsx": f"{MARKER} spreadsheet {SECRET_ID}".encode()},
        recipient_public_key=platform.keys.public,
        **county.origin(),
    )
    data = written.path.read_bytes()
    needles = [MARKER.encode(), SECRET_ID.encode(), SECRET_ID.replace("-", "").encode(), "研究所".encode()]
    # Even the data files' names, their item counts and the seq range are sealed.
    needles += [b"items.jsonl", b"results.xlsx", b'"seq"', b'"items"', b'"first"']
    for text in visible_texts(data):
        for needle in needles:
            assert needle not in text
    manifest = manifest_of(data)
    assert manifest["contents"] is None
    assert {m["name"] for m in manifest["members"]} == {"contents.bin", "sealed-001.bin", "sealed-002.bin"}
    name = suggest_file_name(written.manifest)
    assert "classified" not in name and MARKER not in name
    read_batch(written.path, trusted_keys=trusting(county), private_key=platform.keys)
    for secret in [MARKER, SECRET_ID]:
        assert secret not in caplog.text


def test_rejections_inside_a_sealed_payload_say_nothing_secret(
    county: Party, platform: Party, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A trusted sender's faulty classified batch (seqs 101, 102, 104 under a claimed 101–103)."""
    caplog.set_level(logging.DEBUG)
    monkeypatch.setattr(writer, "_seq_range", lambda items: SeqRange(first=101, last=103))
    items = secret_items(3, first=101)
    items[2]["seq"] = 104
    data = classified(county, platform, items={"items.jsonl": items})
    monkeypatch.undo()
    with pytest.raises(BatchRejected) as caught:
        read_batch(data, trusted_keys=trusting(county), private_key=platform.keys)
    assert caught.value.reason is RejectReason.SEQ_MISMATCH
    logged = " ".join(record.getMessage() for record in caplog.records)
    assert "seq_mismatch" in logged
    for text in (str(caught.value), logged):
        for needle in (MARKER, SECRET_ID, "101", "103", "104"):
            assert needle not in text


def test_stored_sizes_do_not_reveal_small_counts(county: Party, platform: Party) -> None:
    sizes = set()
    for count in (1, 2, 5):
        manifest = manifest_of(classified(county, platform, count=count))
        sizes.add(tuple(m["size"] for m in manifest["members"]))
    assert len(sizes) == 1


def test_wrong_recipient_and_missing_key(county: Party, platform: Party, stranger: Party) -> None:
    data = classified(county, platform)
    with pytest.raises(BatchRejected) as caught:
        read_batch(data, trusted_keys=trusting(county), private_key=stranger.keys)
    assert caught.value.reason is RejectReason.NOT_FOR_THIS_INSTALLATION
    with pytest.raises(BatchRejected) as caught:
        read_batch(data, trusted_keys=trusting(county))
    assert caught.value.reason is RejectReason.PRIVATE_KEY_REQUIRED


def test_redirecting_to_another_recipient_does_not_decrypt(
    county: Party, platform: Party, stranger: Party
) -> None:
    """Even a trusted sender's manifest naming the wrong recipient cannot make the payload open."""
    members = entries(classified(county, platform))

    def redirect(manifest: dict[str, Any]) -> None:
        manifest["sealing"]["recipient_key_fingerprint"] = stranger.keys.fingerprint

    with pytest.raises(BatchRejected) as caught:
        read_batch(
            make_zip(resign(members, redirect, county.keys)),
            trusted_keys=trusting(county),
            private_key=stranger.keys,
        )
    assert caught.value.reason is RejectReason.DECRYPTION_FAILED


def test_swapped_sealed_members_fail_authentication(county: Party, platform: Party) -> None:
    members = dict(entries(classified(county, platform)))
    members["sealed-001.bin"], members["sealed-002.bin"] = (
        members["sealed-002.bin"],
        members["sealed-001.bin"],
    )

    def fix_hashes(manifest: dict[str, Any]) -> None:
        for name in ("sealed-001.bin", "sealed-002.bin"):
            set_member(manifest, name, members[name])

    forged = resign(list(members.items()), fix_hashes, county.keys)
    with pytest.raises(BatchRejected) as caught:
        read_batch(make_zip(forged), trusted_keys=trusting(county), private_key=platform.keys)
    assert caught.value.reason is RejectReason.DECRYPTION_FAILED


def test_a_sealed_member_moved_into_another_batch_fails(county: Party, platform: Party) -> None:
    first = dict(entries(classified(county, platform)))
    second = dict(entries(classified(county, platform)))
    second["sealed-001.bin"] = first["sealed-001.bin"]

    def fix(manifest: dict[str, Any]) -> None:
        set_member(manifest, "sealed-001.bin", second["sealed-001.bin"])

    with pytest.raises(BatchRejected) as caught:
        read_batch(
            make_zip(resign(list(second.items()), fix, county.keys)),
            trusted_keys=trusting(county),
            private_key=platform.keys,
        )
    assert caught.value.reason is RejectReason.DECRYPTION_FAILED


def test_edited_ciphertext_is_refused_by_hash_then_by_authentication(county: Party, platform: Party) -> None:
    members = dict(entries(classified(county, platform)))
    damaged = bytearray(members["sealed-001.bin"])
    damaged[40] ^= 1
    members["sealed-001.bin"] = bytes(damaged)
    with pytest.raises(BatchRejected) as caught:
        read_batch(make_zip(list(members.items())), trusted_keys=trusting(county), private_key=platform.keys)
    assert caught.value.reason is RejectReason.HASH_MISMATCH

    def fix(manifest: dict[str, Any]) -> None:
        set_member(manifest, "sealed-001.bin", members["sealed-001.bin"])

    with pytest.raises(BatchRejected) as caught:
        read_batch(
            make_zip(resign(list(members.items()), fix, county.keys)),
            trusted_keys=trusting(county),
            private_key=platform.keys,
        )
    assert caught.value.reason is RejectReason.DECRYPTION_FAILED


def test_low_order_ephemeral_key_is_refused(county: Party, platform: Party) -> None:
    members = entries(classified(county, platform))

    def zero_key(manifest: dict[str, Any]) -> None:
        manifest["sealing"]["ephemeral_public_key"] = base64.b64encode(bytes(32)).decode()

    with pytest.raises(BatchRejected) as caught:
        read_batch(
            make_zip(resign(members, zero_key, county.keys)),
            trusted_keys=trusting(county),
            private_key=platform.keys,
        )
    assert caught.value.reason is RejectReason.DECRYPTION_FAILED


def test_classified_batch_must_not_show_contents(county: Party, platform: Party) -> None:
    members = entries(classified(county, platform))

    def reveal(manifest: dict[str, Any]) -> None:
        manifest["contents"] = {"files": [], "seq": None, "registry": None}

    with pytest.raises(BatchRejected) as caught:
        read_batch(
            make_zip(resign(members, reveal, county.keys)),
            trusted_keys=trusting(county),
            private_key=platform.keys,
        )
    assert caught.value.reason is RejectReason.BAD_MANIFEST
