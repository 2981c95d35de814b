"""Normal round trips, public and classified, and what the writer refuses to write."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.io.batch import (
    BatchKind,
    BatchRejected,
    MemberType,
    RegistryInfo,
    RejectReason,
    Stream,
    build_batch,
    inspect_batch,
    read_batch,
    suggest_file_name,
    write_batch,
)
from tests.unit.batch.helpers import CREATED_AT, Party, result_items, trusting


def test_public_results_round_trip(tmp_path: Path, county: Party, platform: Party) -> None:
    items = result_items(5, first=41)
    spreadsheet = b"PK\x03\x04 platform import sheet bytes"
    written = write_batch(
        tmp_path / "a.lcb",
        kind="results",
        stream="public",
        batch_seq=7,
        previous_batch_id=uuid.UUID(int=6),
        items={"items.jsonl": items, "withdrawals.jsonl": [{"record_id": "r1", "reason": "改为涉密"}]},
        files={"results.xlsx": spreadsheet},
        created_at=CREATED_AT,
        **county.origin(),
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.lcb"]
    batch = read_batch(written.path, trusted_keys=trusting(county, platform))
    assert batch.items["items.jsonl"] == tuple(items)
    assert batch.items["withdrawals.jsonl"] == ({"record_id": "r1", "reason": "改为涉密"},)
    assert batch.files == {"results.xlsx": spreadsheet}
    assert batch.seq is not None and (batch.seq.first, batch.seq.last) == (41, 45)
    assert batch.kind is BatchKind.RESULTS and batch.stream is Stream.PUBLIC
    assert batch.manifest.batch_seq == 7 and batch.manifest.previous_batch_id == uuid.UUID(int=6)
    assert batch.manifest.created_at == CREATED_AT
    assert batch.signer_fingerprint == county.keys.fingerprint
    assert batch.manifest_sha256 == written.manifest_sha256
    assert batch.file_sha256 == written.file_sha256
    assert batch.contents.file("items.jsonl") is not None
    assert batch.contents.file("results.xlsx").type is MemberType.BINARY  # type: ignore[union-attr]


def test_classified_results_round_trip(tmp_path: Path, county: Party, platform: Party) -> None:
    items = result_items(3, first=17, text="涉密检查结果")
    written = write_batch(
        tmp_path / "c.lcb",
        kind=BatchKind.RESULTS,
        stream=Stream.CLASSIFIED,
        batch_seq=8,
        previous_batch_id=None,
        items={"items.jsonl": items},
        files={"results.xlsx": b"sheet"},
        recipient_public_key=platform.keys.public,
        **county.origin(),
    )
    assert written.manifest.classified and written.manifest.contents is None
    batch = read_batch(written.path, trusted_keys=trusting(county), private_key=platform.keys)
    assert batch.items["items.jsonl"] == tuple(items)
    assert batch.files == {"results.xlsx": b"sheet"}
    assert batch.seq is not None and (batch.seq.first, batch.seq.last) == (17, 19)
    assert batch.contents == written.contents


def test_mixed_classifications_travel_in_two_batches(tmp_path: Path, county: Party, platform: Party) -> None:
    public = result_items(4, first=1)
    secret = result_items(2, first=1, text="涉密")
    a = write_batch(
        tmp_path / "p.lcb",
        kind="results",
        stream="public",
        batch_seq=1,
        previous_batch_id=None,
        items={"items.jsonl": public},
        **county.origin(),
    )
    b = write_batch(
        tmp_path / "s.lcb",
        kind="results",
        stream="classified",
        batch_seq=2,
        previous_batch_id=a.manifest.batch_id,
        items={"items.jsonl": secret},
        recipient_public_key=platform.keys.public,
        **county.origin(),
    )
    trusted = trusting(county)
    assert read_batch(a.path, trusted_keys=trusted).items["items.jsonl"] == tuple(public)
    assert read_batch(b.path, trusted_keys=trusted, private_key=platform.keys).items["items.jsonl"] == tuple(
        secret
    )


def test_registry_and_task_package_round_trip(county: Party, platform: Party) -> None:
    snapshot = [{"uscc": "91341122MA2N0000X1", "name": "某某公司", "risk": "B"}]
    built = build_batch(
        kind="registry",
        batch_seq=3,
        previous_batch_id=None,
        items={"targets.jsonl": snapshot},
        registry=RegistryInfo(name="targets", version=12, base_version=11),
        **platform.origin(),
    )
    batch = read_batch(built.data, trusted_keys=trusting(platform))
    assert batch.contents.registry == RegistryInfo(name="targets", version=12, base_version=11)
    assert batch.items["targets.jsonl"] == tuple(snapshot)
    assert batch.seq is None

    package = build_batch(
        kind="task-package",
        batch_seq=4,
        previous_batch_id=None,
        classified=True,
        items={"tasks.jsonl": [{"task": "涉密任务"}]},
        recipient_public_key=platform.keys.public,
        **county.origin(),
    )
    got = read_batch(package.data, trusted_keys=trusting(county), private_key=platform.keys)
    assert got.items["tasks.jsonl"] == ({"task": "涉密任务"},)
    assert got.manifest.stream is None and got.manifest.classified


def test_inspect_verifies_a_classified_batch_without_the_key(county: Party, platform: Party) -> None:
    built = build_batch(
        kind="results",
        stream="classified",
        batch_seq=1,
        previous_batch_id=None,
        items={"items.jsonl": result_items(1)},
        recipient_public_key=platform.keys.public,
        **county.origin(),
    )
    info = inspect_batch(built.data, trusted_keys=trusting(county))
    assert info.manifest_sha256 == built.manifest_sha256
    with pytest.raises(BatchRejected) as caught:
        read_batch(built.data, trusted_keys=trusting(county))
    assert caught.value.reason is RejectReason.PRIVATE_KEY_REQUIRED


def test_suggested_file_name_is_plain(county: Party) -> None:
    built = build_batch(
        kind="results",
        stream="public",
        batch_seq=12,
        previous_batch_id=None,
        items={"items.jsonl": result_items(1)},
        batch_id=uuid.UUID("1f0c2a9b-0000-4000-8000-000000000000"),
        **county.origin(),
    )
    assert suggest_file_name(built.manifest) == "liancha-results-341122-000012-1f0c2a9b.lcb"


def test_writer_refuses_an_existing_file(tmp_path: Path, county: Party) -> None:
    target = tmp_path / "x.lcb"
    target.write_bytes(b"old")
    with pytest.raises(FileExistsError):
        write_batch(
            target,
            kind="results",
            stream="public",
            batch_seq=1,
            previous_batch_id=None,
            items={"items.jsonl": result_items(1)},
            **county.origin(),
        )
    assert target.read_bytes() == b"old"


BAD_ARGUMENTS: list[tuple[str, dict[str, Any]]] = [
    ("no items", {"items": {}}),
    ("empty", {"items": {"items.jsonl": []}}),
    ("gap", {"items": {"items.jsonl": [{"seq": 1}, {"seq": 3}]}}),
    ("descending", {"items": {"items.jsonl": [{"seq": 2}, {"seq": 1}]}}),
    ("bool seq", {"items": {"items.jsonl": [{"seq": True}]}}),
    ("zero seq", {"items": {"items.jsonl": [{"seq": 0}]}}),
    ("bad name", {"items": {"items.jsonl": [{"seq": 1}], "../x.jsonl": []}}),
    ("upper name", {"items": {"items.jsonl": [{"seq": 1}]}, "files": {"A.xlsx": b""}}),
    ("reserved", {"items": {"items.jsonl": [{"seq": 1}]}, "files": {"manifest.json": b""}}),
    ("jsonl as file", {"items": {"items.jsonl": [{"seq": 1}]}, "files": {"x.jsonl": b""}}),
    ("item not jsonl", {"items": {"items.jsonl": [{"seq": 1}], "x.json": []}}),
    ("no stream", {"stream": None}),
    ("classified without recipient", {"stream": "classified"}),
    ("public with recipient", {"recipient": True}),
    ("registry info on results", {"registry": RegistryInfo(name="t", version=2)}),
    ("classified stream forced public", {"stream": "classified", "classified": False, "recipient": True}),
]


@pytest.mark.parametrize(("why", "change"), BAD_ARGUMENTS, ids=[b[0] for b in BAD_ARGUMENTS])
def test_writer_refuses_inconsistent_arguments(
    why: str, change: dict[str, Any], county: Party, platform: Party
) -> None:
    arguments: dict[str, Any] = {
        "kind": "results",
        "stream": "public",
        "batch_seq": 1,
        "previous_batch_id": None,
        "items": {"items.jsonl": [{"seq": 1}]},
        **county.origin(),
    }
    arguments.update(change)
    if arguments.pop("recipient", False):
        arguments["recipient_public_key"] = platform.keys.public
    with pytest.raises(ValueError):
        build_batch(**arguments)


def test_writer_refuses_duplicate_keys_made_by_mixed_key_types(county: Party, platform: Party) -> None:
    with pytest.raises((ValueError, TypeError)):
        build_batch(
            kind="task-package",
            batch_seq=1,
            previous_batch_id=None,
            classified=True,
            recipient_public_key=platform.keys.public,
            items={"t.jsonl": [{1: "a", "1": "b"}]},  # type: ignore[dict-item]
            **county.origin(),
        )


def test_registry_batch_needs_its_version(county: Party) -> None:
    with pytest.raises(ValueError):
        build_batch(
            kind="registry", batch_seq=1, previous_batch_id=None, items={"t.jsonl": []}, **county.origin()
        )
    with pytest.raises(ValueError):
        build_batch(
            kind="registry",
            batch_seq=1,
            previous_batch_id=None,
            items={"t.jsonl": []},
            registry=RegistryInfo(name="targets", version=3, base_version=3),
            **county.origin(),
        )


json_scalars = (
    st.none() | st.booleans() | st.integers(min_value=-(2**53), max_value=2**53) | st.text(max_size=20)
)
item_strategy = st.dictionaries(
    st.text(max_size=10).filter(lambda k: k != "seq"),
    st.recursive(
        json_scalars,
        lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=5), c, max_size=3),
        max_leaves=6,
    ),
    max_size=5,
)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    bodies=st.lists(item_strategy, min_size=1, max_size=6),
    first=st.integers(min_value=1, max_value=2**40),
    classified=st.booleans(),
)
def test_any_items_round_trip(
    bodies: list[dict[str, Any]], first: int, classified: bool, county: Party, platform: Party
) -> None:
    items = [{**body, "seq": first + i} for i, body in enumerate(bodies)]
    built = build_batch(
        kind="results",
        stream="classified" if classified else "public",
        batch_seq=1,
        previous_batch_id=None,
        items={"items.jsonl": items},
        recipient_public_key=platform.keys.public if classified else None,
        **county.origin(),
    )
    batch = read_batch(built.data, trusted_keys=trusting(county), private_key=platform.keys)
    assert batch.items["items.jsonl"] == tuple(items)
