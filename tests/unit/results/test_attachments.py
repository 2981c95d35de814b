"""Attachments: stored once by SHA-256, atomically; encrypted at rest for classified tasks."""

from __future__ import annotations

import hashlib
import stat
import sys
from pathlib import Path

import pytest

from app.config import data_dir
from app.services.attachments import (
    MAGIC,
    AttachmentCorrupted,
    add_attachment,
    detach_attachment,
    list_attachments,
    open_attachment_path,
    read_attachment,
    stored_path,
)
from app.services.errors import RuleViolation
from app.services.results import submit_result
from tests.unit.results.helpers import TODAY, ResultsEnv, good_payload

PHOTO = b"\xff\xd8\xff\xe0" + "现场照片：疏散通道".encode() * 200


def all_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def test_stored_once_by_hash(env: ResultsEnv, tmp_path: Path) -> None:
    ctx = env.ctx
    first, second = env.drawn.public_inspections[:2]
    sha = hashlib.sha256(PHOTO).hexdigest()
    row = add_attachment(ctx, first, PHOTO, label="现场照片", name="IMG_0001.jpg")
    assert (
        row.sha256 == sha and row.size == len(PHOTO) and row.media_type == "image/jpeg" and not row.encrypted
    )
    path = stored_path(sha)
    assert path == data_dir() / "attachments" / sha[:2] / sha
    assert path.read_bytes() == PHOTO
    source = tmp_path / "again.jpg"
    source.write_bytes(PHOTO)
    add_attachment(ctx, first, source, label="现场照片（重拍）")
    add_attachment(ctx, second, source)
    files = all_files(data_dir() / "attachments")
    assert files == [path]  # one file, no .partial left behind
    [listed] = list_attachments(ctx, first)
    assert listed.label == "现场照片（重拍）" and listed.original_name == "IMG_0001.jpg"
    assert read_attachment(ctx, sha) == PHOTO
    assert open_attachment_path(ctx, sha) == path
    # A damaged file is detected, never served.
    path.write_bytes(PHOTO[:-1] + b"\x00")
    with pytest.raises(AttachmentCorrupted, match="不符"):
        read_attachment(ctx, sha)
    # Adding it again repairs the stored copy.
    add_attachment(ctx, second, PHOTO)
    assert read_attachment(ctx, sha) == PHOTO


def test_classified_attachments_are_encrypted_at_rest(env: ResultsEnv, tmp_path: Path) -> None:
    ctx = env.ctx
    secret = "涉密检查现场记录".encode() * 50
    sha = hashlib.sha256(secret).hexdigest()
    row = add_attachment(ctx, env.drawn.classified_inspections[0], secret, name="记录.pdf")
    assert row.encrypted
    raw = stored_path(sha).read_bytes()
    assert raw.startswith(MAGIC) and "涉密检查现场记录".encode() not in raw
    key = data_dir() / "keys" / "attachments.key"
    assert key.stat().st_size == 32
    if sys.platform != "win32":  # POSIX modes only
        assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert read_attachment(ctx, sha) == secret
    opened = open_attachment_path(ctx, sha, dest_dir=tmp_path / "view")
    assert opened.name == "记录.pdf" and opened.read_bytes() == secret
    # A file first stored in clear for a public record is encrypted once a classified record uses it.
    add_attachment(ctx, env.drawn.public_inspections[0], PHOTO)
    add_attachment(ctx, env.drawn.classified_inspections[1], PHOTO)
    assert stored_path(hashlib.sha256(PHOTO).hexdigest()).read_bytes().startswith(MAGIC)
    assert list_attachments(ctx, env.drawn.public_inspections[0])[0].encrypted
    assert read_attachment(ctx, hashlib.sha256(PHOTO).hexdigest()) == PHOTO
    # Another key cannot open it.
    key.write_bytes(b"\x00" * 32)
    with pytest.raises(AttachmentCorrupted, match="无法解密"):
        read_attachment(ctx, sha)


def test_attachments_freeze_into_the_result(env: ResultsEnv) -> None:
    ctx, iid = env.ctx, env.drawn.public_inspections[0]
    kept = add_attachment(ctx, iid, PHOTO, name="a.jpg")
    mistaken = add_attachment(ctx, iid, b"wrong file", name="b.txt")
    detach_attachment(ctx, iid, mistaken.sha256)
    assert [a.sha256 for a in list_attachments(ctx, iid)] == [kept.sha256]
    version = submit_result(ctx, iid, good_payload(ctx, iid, attachments=(kept.sha256,)), today=TODAY)
    assert version.document["result"]["attachments"] == [
        {"sha256": kept.sha256, "name": "a.jpg", "size": len(PHOTO)}
    ]
    with pytest.raises(RuleViolation, match="不能移除"):
        detach_attachment(ctx, iid, kept.sha256)
