"""Everything a reader must refuse: damage, tampering, forgery, zip tricks, bombs."""

from __future__ import annotations

import hashlib
import tracemalloc
import uuid
import zipfile
import zlib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.io.batch import BatchRejected, Limits, RejectReason, VerifiedBatch, build_batch, read_batch
from app.io.batch.fields import is_valid_member_name
from tests.unit.batch.helpers import (
    CREATED_AT,
    Party,
    RawMember,
    deflated_zeros,
    entries,
    make_zip,
    raw_zip,
    resign,
    result_items,
    set_member,
    stored_member,
    trusting,
)


def small_batch(county: Party) -> bytes:
    return build_batch(
        kind="results",
        stream="public",
        batch_seq=1,
        previous_batch_id=None,
        items={"items.jsonl": result_items(2)},
        batch_id=uuid.UUID(int=77),
        created_at=CREATED_AT,
        **county.origin(),
    ).data


def reason_of(data: bytes, county: Party, **kwargs: Any) -> RejectReason:
    with pytest.raises(BatchRejected) as caught:
        read_batch(data, trusted_keys=trusting(county), **kwargs)
    return caught.value.reason


def same_content(a: VerifiedBatch, b: VerifiedBatch) -> bool:
    return (a.manifest_sha256, a.manifest, a.contents, dict(a.items), dict(a.files), a.signer) == (
        b.manifest_sha256,
        b.manifest,
        b.contents,
        dict(b.items),
        dict(b.files),
        b.signer,
    )


def test_truncation_at_every_point_is_rejected(county: Party) -> None:
    data = small_batch(county)
    trusted = trusting(county)
    for cut in range(len(data)):
        with pytest.raises(BatchRejected):
            read_batch(data[:cut], trusted_keys=trusted)


def test_every_single_bit_flip_is_rejected_or_harmless(county: Party) -> None:
    """Each flip is refused, or it only touched zip bookkeeping and the content is byte-identical."""
    data = small_batch(county)
    trusted = trusting(county)
    original = read_batch(data, trusted_keys=trusted)
    accepted = rejected = 0
    reasons: set[RejectReason] = set()
    for position in range(len(data) * 8):
        flipped = bytearray(data)
        flipped[position // 8] ^= 1 << (position % 8)
        try:
            got = read_batch(bytes(flipped), trusted_keys=trusted)
        except BatchRejected as exc:
            rejected += 1
            reasons.add(exc.reason)
            continue
        accepted += 1
        assert same_content(got, original), f"bit {position} changed the content yet was accepted"
    assert rejected > accepted > 0  # timestamps, attributes, version fields are bookkeeping
    # CRC-32 catches every single-bit flip inside a member before the signature is even
    # checked; flips in the headers show up as the zip-level refusals.
    assert {RejectReason.CORRUPT_ZIP, RejectReason.BAD_MEMBER_NAME, RejectReason.MISSING_MANIFEST} <= reasons


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_edits_of_a_classified_batch_are_rejected_or_harmless(
    data: st.DataObject, county: Party, platform: Party
) -> None:
    built = classified_fixture(county, platform)
    trusted = trusting(county)
    original = read_batch(built, trusted_keys=trusted, private_key=platform.keys)
    edits = data.draw(
        st.lists(st.tuples(st.integers(0, len(built) - 1), st.integers(1, 255)), min_size=1, max_size=3)
    )
    damaged = bytearray(built)
    for position, mask in edits:
        damaged[position] ^= mask
    try:
        got = read_batch(bytes(damaged), trusted_keys=trusted, private_key=platform.keys)
    except BatchRejected:
        return
    assert same_content(got, original)


_CLASSIFIED_CACHE: dict[str, bytes] = {}


def classified_fixture(county: Party, platform: Party) -> bytes:
    key = county.keys.fingerprint + platform.keys.fingerprint
    if key not in _CLASSIFIED_CACHE:
        _CLASSIFIED_CACHE[key] = build_batch(
            kind="results",
            stream="classified",
            batch_seq=1,
            previous_batch_id=None,
            items={"items.jsonl": result_items(2)},
            recipient_public_key=platform.keys.public,
            **county.origin(),
        ).data
    return _CLASSIFIED_CACHE[key]


def test_payload_edited_and_rezipped(county: Party) -> None:
    members = entries(small_batch(county))
    same_length = [
        (n, c.replace(b"\xe6\x9c\xaa", b"\xe5\xb7\xb2") if n == "items.jsonl" else c) for n, c in members
    ]
    assert same_length != members
    assert reason_of(make_zip(same_length), county) is RejectReason.HASH_MISMATCH
    longer = [(n, c + b'{"seq":3}\n' if n == "items.jsonl" else c) for n, c in members]
    assert reason_of(make_zip(longer), county) is RejectReason.SIZE_MISMATCH
    # Re-zipping the untouched members (stored instead of deflated) changes nothing that matters.
    assert read_batch(make_zip(members, compression=zipfile.ZIP_STORED), trusted_keys=trusting(county))


def test_manifest_edited(county: Party) -> None:
    members = entries(small_batch(county))
    edited = [
        (n, c.replace(b'"batch_seq":1', b'"batch_seq":2') if n == "manifest.json" else c) for n, c in members
    ]
    assert reason_of(make_zip(edited), county) is RejectReason.BAD_SIGNATURE


def test_payload_and_manifest_edited_and_signed_by_an_unknown_key(county: Party, stranger: Party) -> None:
    members = entries(small_batch(county))
    forged_items = b'{"seq":1,"outcome":"forged"}\n{"seq":2,"outcome":"forged"}\n'
    members = [(n, forged_items if n == "items.jsonl" else c) for n, c in members]

    def edit(manifest: dict[str, Any]) -> None:
        set_member(manifest, "items.jsonl", forged_items)

    # Signed by the stranger and saying so: unknown key.
    assert reason_of(make_zip(resign(members, edit, stranger.keys)), county) is RejectReason.UNKNOWN_KEY
    # Signed by the stranger but claiming the county's key: the local key does not verify it.
    claimed = resign(members, edit, stranger.keys, claimed_fingerprint=county.keys.fingerprint)
    assert reason_of(make_zip(claimed), county) is RejectReason.BAD_SIGNATURE


def test_unsigned_batch(county: Party) -> None:
    members = [(n, c) for n, c in entries(small_batch(county)) if n != "manifest.sig"]
    assert reason_of(make_zip(members), county) is RejectReason.MISSING_MANIFEST


def test_batch_from_a_key_no_longer_trusted(county: Party) -> None:
    with pytest.raises(BatchRejected) as caught:
        read_batch(small_batch(county), trusted_keys=trusting(county).without(county.keys.fingerprint))
    assert caught.value.reason is RejectReason.UNKNOWN_KEY
    assert "受信任密钥" in caught.value.message


def test_origin_must_match_the_enrolled_installation(county: Party) -> None:
    built = build_batch(
        kind="results",
        stream="public",
        batch_seq=1,
        previous_batch_id=None,
        items={"items.jsonl": result_items(1)},
        origin_office=county.office,
        installation_id=uuid.uuid4(),
        signing_key=county.keys,
    )
    assert reason_of(built.data, county) is RejectReason.ORIGIN_MISMATCH
    other_office = build_batch(
        kind="results",
        stream="public",
        batch_seq=1,
        previous_batch_id=None,
        items={"items.jsonl": result_items(1)},
        origin_office="999999",
        installation_id=county.installation_id,
        signing_key=county.keys,
    )
    assert reason_of(other_office.data, county) is RejectReason.ORIGIN_MISMATCH


@pytest.mark.parametrize(
    "name",
    [
        "../evil.jsonl",
        "/abs.jsonl",
        "a/b.jsonl",
        "..\\evil.jsonl",
        "C:evil.jsonl",
        "C:\\evil.jsonl",
        "dir/",
        "Items.jsonl",
        "evil.jsonl\n",
        "e\x01.jsonl",
        ".jsonl",
        "..",
        "结果.jsonl",
        "x" * 200 + ".jsonl",
    ],
)
def test_zip_slip_and_odd_names_are_rejected(name: str, county: Party) -> None:
    members = [*entries(small_batch(county)), (name, b"x")]
    assert reason_of(make_zip(members), county) is RejectReason.BAD_MEMBER_NAME


def test_nul_in_a_name_is_rejected(county: Party) -> None:
    members = [stored_member(n, c) for n, c in entries(small_batch(county))]
    members.append(RawMember(b"items.jsonl\x00.exe", b"x", 0, zlib.crc32(b"x"), 1))
    assert reason_of(raw_zip(members), county) is RejectReason.BAD_MEMBER_NAME


def test_a_rename_of_a_listed_member_to_a_traversal_name(county: Party) -> None:
    members = [("../items.jsonl" if n == "items.jsonl" else n, c) for n, c in entries(small_batch(county))]
    assert reason_of(make_zip(members), county) is RejectReason.BAD_MEMBER_NAME


def test_duplicate_member_is_rejected_whichever_copy_comes_first(county: Party) -> None:
    members = entries(small_batch(county))
    evil = ("items.jsonl", b'{"seq":1,"evil":true}\n{"seq":2}\n')
    assert reason_of(make_zip([*members, evil]), county) is RejectReason.DUPLICATE_MEMBER
    assert reason_of(make_zip([evil, *members]), county) is RejectReason.DUPLICATE_MEMBER
    manifest = next(m for m in members if m[0] == "manifest.json")
    assert reason_of(make_zip([*members, manifest]), county) is RejectReason.DUPLICATE_MEMBER


def test_unlisted_and_missing_members(county: Party) -> None:
    members = entries(small_batch(county))
    assert reason_of(make_zip([*members, ("notes.txt", b"hi")]), county) is RejectReason.UNLISTED_MEMBER
    without = [(n, c) for n, c in members if n != "items.jsonl"]
    assert reason_of(make_zip(without), county) is RejectReason.MISSING_MEMBER


def test_listed_extra_member_needs_a_contents_entry(county: Party) -> None:
    """A trusted sender's faulty manifest listing a member that contents do not describe."""
    members = [*entries(small_batch(county)), ("notes.txt", b"hi")]

    def edit(manifest: dict[str, Any]) -> None:
        manifest["members"].append(
            {"name": "notes.txt", "size": 2, "sha256": hashlib.sha256(b"hi").hexdigest()}
        )
        manifest["members"].sort(key=lambda m: m["name"])

    assert reason_of(make_zip(resign(members, edit, county.keys)), county) is RejectReason.BAD_CONTENTS


def test_seq_range_must_match_the_items(county: Party) -> None:
    members = entries(small_batch(county))
    items = dict(members)["items.jsonl"]
    shifted = items.replace(b'"seq":2', b'"seq":3')

    def edit(manifest: dict[str, Any]) -> None:
        set_member(manifest, "items.jsonl", shifted)

    forged = [(n, shifted if n == "items.jsonl" else c) for n, c in members]
    assert reason_of(make_zip(resign(forged, edit, county.keys)), county) is RejectReason.SEQ_MISMATCH

    def claim_more(manifest: dict[str, Any]) -> None:
        manifest["contents"]["seq"]["last"] = 3

    # In a public batch the contents directory is part of the manifest.
    assert reason_of(make_zip(resign(members, claim_more, county.keys)), county) is RejectReason.BAD_MANIFEST

    def miscount(manifest: dict[str, Any]) -> None:
        manifest["contents"]["seq"]["last"] = 3
        manifest["contents"]["files"][0]["items"] = 3

    assert reason_of(make_zip(resign(members, miscount, county.keys)), county) is RejectReason.COUNT_MISMATCH


def test_unknown_version_kind_and_algorithm(county: Party) -> None:
    members = entries(small_batch(county))
    cases: list[tuple[str, Any, RejectReason]] = [
        ("format_version", 2, RejectReason.UNSUPPORTED_VERSION),
        ("kind", "firmware", RejectReason.UNSUPPORTED_VERSION),
        ("algorithms", {"hash": "SM3", "signature": "SM2"}, RejectReason.UNSUPPORTED_ALGORITHM),
        ("surprise", 1, RejectReason.BAD_MANIFEST),
        ("created_at", "2025-06-01 08:00", RejectReason.BAD_MANIFEST),
        ("batch_seq", 0, RejectReason.BAD_MANIFEST),
        ("batch_id", "NOT-A-UUID", RejectReason.BAD_MANIFEST),
    ]
    for field, value, reason in cases:

        def edit(manifest: dict[str, Any], field: str = field, value: Any = value) -> None:
            manifest[field] = value

        assert reason_of(make_zip(resign(members, edit, county.keys)), county) is reason, field


def test_non_canonical_manifest_is_refused_even_if_signed(county: Party) -> None:
    import base64
    import json

    from app.io.batch import canonical_json
    from app.io.batch.manifest import SIGNATURE_CONTEXT

    members = dict(entries(small_batch(county)))
    pretty = json.dumps(json.loads(members["manifest.json"]), indent=1).encode()
    signature = county.keys.sign(SIGNATURE_CONTEXT + pretty)
    members["manifest.json"] = pretty
    members["manifest.sig"] = canonical_json(
        {
            "algorithm": "Ed25519",
            "key_fingerprint": county.keys.fingerprint,
            "signature": base64.b64encode(signature).decode(),
        }
    )
    assert reason_of(make_zip(list(members.items())), county) is RejectReason.BAD_MANIFEST


def test_unsupported_zip_features(county: Party) -> None:
    members = entries(small_batch(county))
    buffer_members = [stored_member(n, c) for n, c in members]
    bzip = [RawMember(m.name, m.payload, 12, m.crc, m.file_size) for m in buffer_members]
    assert reason_of(raw_zip(bzip), county) is RejectReason.UNSUPPORTED_ZIP_FEATURE


def test_partial_and_oversized_files(tmp_path: Path, county: Party) -> None:
    data = small_batch(county)
    partial = tmp_path / "x.lcb.partial"
    partial.write_bytes(data)
    with pytest.raises(BatchRejected) as caught:
        read_batch(partial, trusted_keys=trusting(county))
    assert caught.value.reason is RejectReason.PARTIAL_FILE
    assert "x.lcb.partial" in caught.value.message
    whole = tmp_path / "x.lcb"
    whole.write_bytes(data)
    with pytest.raises(BatchRejected) as caught:
        read_batch(whole, trusted_keys=trusting(county), limits=Limits(max_file_bytes=len(data) - 1))
    assert caught.value.reason is RejectReason.FILE_TOO_LARGE
    assert reason_of(data, county, limits=Limits(max_file_bytes=100)) is RejectReason.FILE_TOO_LARGE
    with pytest.raises(BatchRejected) as caught:
        read_batch(tmp_path / "missing.lcb", trusted_keys=trusting(county))
    assert caught.value.reason is RejectReason.UNREADABLE_FILE


def test_not_a_zip_at_all(county: Party) -> None:
    for data in [b"", b"hello", bytes(1000), b"PK\x05\x06" + bytes(17)]:
        assert reason_of(data, county) is RejectReason.CORRUPT_ZIP
    assert reason_of(b"PK\x05\x06" + bytes(18), county) is RejectReason.MISSING_MANIFEST  # an empty zip


def test_too_many_members(county: Party) -> None:
    members = entries(small_batch(county)) + [(f"m{i}.txt", b"") for i in range(70)]
    assert reason_of(make_zip(members), county) is RejectReason.TOO_MANY_MEMBERS


# --- zip bombs ------------------------------------------------------------------------------

BOMB_SIZE = 128 * 1024 * 1024  # 128 MiB of zeros, about 128 KiB compressed


@pytest.fixture(scope="module")
def bomb() -> tuple[bytes, int, str]:
    return deflated_zeros(BOMB_SIZE)


def bomb_batch(county: Party, bomb: tuple[bytes, int, str], *, declared: int, listed: int, sha: str) -> bytes:
    """A batch signed by a trusted key whose ``bomb.bin`` member inflates to 128 MiB."""
    payload, crc, _ = bomb
    members = entries(small_batch(county))

    def edit(manifest: dict[str, Any]) -> None:
        manifest["members"].append({"name": "bomb.bin", "size": listed, "sha256": sha})
        manifest["members"].sort(key=lambda m: m["name"])
        manifest["contents"]["files"].append(
            {
                "name": "bomb.bin",
                "type": "binary",
                "items": None,
                "size": listed,
                "sha256": sha,
                "stored_as": "bomb.bin",
            }
        )
        manifest["contents"]["files"].sort(key=lambda m: m["name"])

    signed = [stored_member(n, c) for n, c in resign(members, edit, county.keys)]
    signed.append(RawMember(b"bomb.bin", payload, 8, crc, declared))
    return raw_zip(signed)


def peak_while_reading(data: bytes, county: Party, limits: Limits) -> tuple[RejectReason, int]:
    tracemalloc.start()
    try:
        with pytest.raises(BatchRejected) as caught:
            read_batch(data, trusted_keys=trusting(county), limits=limits)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return caught.value.reason, peak


def test_zip_bomb_over_the_member_cap_is_refused_before_inflating(
    county: Party, bomb: tuple[bytes, int, str]
) -> None:
    data = bomb_batch(county, bomb, declared=BOMB_SIZE, listed=BOMB_SIZE, sha=bomb[2])
    reason, peak = peak_while_reading(data, county, Limits(max_member_bytes=8 * 1024 * 1024))
    assert reason is RejectReason.MEMBER_TOO_LARGE
    assert peak < 8 * 1024 * 1024


def test_zip_bomb_within_the_cap_is_refused_by_its_ratio(county: Party, bomb: tuple[bytes, int, str]) -> None:
    data = bomb_batch(county, bomb, declared=BOMB_SIZE, listed=BOMB_SIZE, sha=bomb[2])
    reason, peak = peak_while_reading(data, county, Limits())
    assert reason is RejectReason.COMPRESSION_RATIO
    assert peak < 8 * 1024 * 1024


def test_zip_bomb_that_lies_about_its_size_stops_at_the_lie(
    county: Party, bomb: tuple[bytes, int, str]
) -> None:
    """Headers claim 1 KiB, the stream inflates to 128 MiB: reading stops after 1 KiB."""
    data = bomb_batch(county, bomb, declared=1024, listed=1024, sha=hashlib.sha256(b"x" * 1024).hexdigest())
    reason, peak = peak_while_reading(data, county, Limits())
    assert reason in {RejectReason.CORRUPT_ZIP, RejectReason.HASH_MISMATCH}
    assert peak < 8 * 1024 * 1024


def test_zip_bomb_in_the_manifest_slot(county: Party, bomb: tuple[bytes, int, str]) -> None:
    payload, crc, _ = bomb
    members = [stored_member(n, c) for n, c in entries(small_batch(county)) if n != "manifest.json"]
    members.insert(0, RawMember(b"manifest.json", payload, 8, crc, BOMB_SIZE))
    reason, peak = peak_while_reading(raw_zip(members), county, Limits())
    assert reason is RejectReason.MEMBER_TOO_LARGE
    assert peak < 8 * 1024 * 1024


# --- names, by property ----------------------------------------------------------------------


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.text(min_size=1, max_size=30))
def test_any_extra_name_is_rejected_for_its_name_or_for_being_unlisted(name: str, county: Party) -> None:
    members = entries(small_batch(county))
    if name in dict(members) or "\x00" in name:
        return
    reason = reason_of(make_zip([*members, (name, b"x")]), county)
    if is_valid_member_name(name):
        assert reason is RejectReason.UNLISTED_MEMBER
        assert (
            not any(c in name for c in "/\\:")
            and ".." not in name
            and name.isascii()
            and name == name.lower()
        )
    else:
        assert reason in {RejectReason.BAD_MEMBER_NAME, RejectReason.CORRUPT_ZIP}
