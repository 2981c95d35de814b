"""Registry updates (platform → office): a diff before anything is applied; local edits never lost silently."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text

from app.cli import batch as batch_cli
from app.models.enums import CodeKind
from app.models.registry import Target
from app.services.context import ServiceContext
from app.services.errors import RuleViolation
from app.services.sync_inbox import import_any, read_inbox_file
from app.services.sync_registry import RegistryImport, export_registry, import_registry
from tests.unit.results.helpers import Drawn
from tests.unit.sync.conftest import make_installation, trust_each_other


@dataclass
class Sides:
    platform: ServiceContext
    office: ServiceContext
    office_url: str
    folder: Path


@pytest.fixture
def sides(
    drawn_template: tuple[str, Drawn],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Sides]:
    monkeypatch.setenv("LIANCHA_DATA_DIR", str(tmp_path / "data"))
    source, _ = drawn_template
    platform = make_installation(source, tmp_path, "platform", office="340000")
    office = make_installation(source, tmp_path, "office", office="341122")
    trust_each_other(platform, office)
    folder = tmp_path / "stick"
    folder.mkdir()
    try:
        yield Sides(platform, office, office.db.url, folder)
    finally:
        platform.db.dispose()
        office.db.dispose()


def update(sides: Sides, **kwargs: object) -> tuple[Path, RegistryImport]:
    snapshot = export_registry(sides.platform, sides.folder)
    result = import_any(sides.office, snapshot.path, **kwargs)  # type: ignore[arg-type]
    assert isinstance(result, RegistryImport)
    return snapshot.path, result


@dataclass(frozen=True)
class Row:
    uid: str
    name: str
    address: str
    phone: str
    legal_rep: str
    active: bool
    name_initials: str


def targets(ctx: ServiceContext) -> list[Row]:
    with ctx.read() as session:
        return [
            Row(t.uid, t.name, t.address, t.phone, t.legal_rep, t.active, t.name_initials)
            for t in session.execute(select(Target).order_by(Target.id)).scalars()
        ]


def set_target(ctx: ServiceContext, uid: str, **values: object) -> None:
    with ctx.write() as session:
        target = session.execute(select(Target).where(Target.uid == uid)).scalar_one()
        for key, value in values.items():
            setattr(target, key, value)


def office_targets(sides: Sides) -> list[tuple[object, ...]]:
    engine = create_engine(sides.office_url)
    try:
        with engine.connect() as con:
            return [
                tuple(r)
                for r in con.execute(text("SELECT uid, name, address, active FROM targets ORDER BY id"))
            ]
    finally:
        engine.dispose()


def test_first_snapshot_of_identical_registries_changes_nothing(sides: Sides) -> None:
    path, result = update(sides)
    assert result.applied and not result.changes
    again = import_any(sides.office, path)
    assert isinstance(again, RegistryImport) and again.already_imported


def test_diff_then_atomic_apply(sides: Sides) -> None:
    update(sides)  # the base: both sides agree
    a, b = targets(sides.platform)[:2]
    set_target(sides.platform, a.uid, address="青山县新华路 8 号")
    set_target(sides.platform, b.uid, active=False)  # the platform deactivates one
    with sides.platform.write() as session:
        session.add(Target(code="91341122MA2TEST01X", code_kind=CodeKind.USCC, name="青山县新开张商行"))
    before = office_targets(sides)
    snapshot = export_registry(sides.platform, sides.folder)
    preview = import_registry(
        sides.office, snapshot.path, batch=read_inbox_file(sides.office, snapshot.path), dry_run=True
    )
    assert not preview.applied and office_targets(sides) == before
    assert [c.label for c in preview.of("added")] == ["青山县新开张商行"]
    changed = {c.label: {f.name: (f.local, f.incoming) for f in c.fields} for c in preview.of("changed")}
    assert changed == {
        a.name: {"address": (a.address, "青山县新华路 8 号")},
        b.name: {"active": (True, False)},
    }
    result = import_any(sides.office, snapshot.path)
    assert isinstance(result, RegistryImport) and result.applied
    assert result.counts["added"] == 1 and result.counts["changed"] == 2
    rows = {t.uid: t for t in targets(sides.office)}
    assert rows[a.uid].address == "青山县新华路 8 号" and not rows[b.uid].active
    assert any(t.name == "青山县新开张商行" and t.name_initials for t in rows.values())


def test_rollback_of_an_unimported_older_snapshot(sides: Sides) -> None:
    old = export_registry(sides.platform, sides.folder)
    new = export_registry(sides.platform, sides.folder)
    import_any(sides.office, new.path)
    before = office_targets(sides)
    with pytest.raises(RuleViolation, match="回滚"):
        import_any(sides.office, old.path)
    assert office_targets(sides) == before


def test_local_edits_are_kept_or_listed_as_conflicts(sides: Sides) -> None:
    update(sides)
    a, b, c = targets(sides.office)[:3]
    set_target(sides.office, a.uid, phone="0566-1234567")  # edited here only
    set_target(sides.office, b.uid, address="办公室核实的新地址")  # edited on both sides
    set_target(sides.platform, b.uid, address="平台登记的新地址")
    set_target(sides.platform, c.uid, legal_rep="王五")  # edited on the platform only
    before = office_targets(sides)
    path, result = update(sides)
    assert not result.applied and office_targets(sides) == before  # nothing until decided
    assert [x.label for x in result.of("kept")] == [a.name]
    assert [x.label for x in result.of("changed")] == [c.name]
    (conflict,) = result.undecided
    assert conflict.key == f"targets:{b.uid}"
    assert {f.name: (f.local, f.incoming) for f in conflict.fields} == {
        "address": ("办公室核实的新地址", "平台登记的新地址")
    }
    with pytest.raises(RuleViolation):
        import_any(sides.office, path, decisions={conflict.key: "both"})
    with pytest.raises(RuleViolation, match="不对应任何冲突"):
        import_any(sides.office, path, decisions={"targets:nope": "local"})
    done = import_any(sides.office, path, decisions={conflict.key: "local"})
    assert isinstance(done, RegistryImport) and done.applied
    rows = {t.uid: t for t in targets(sides.office)}
    assert rows[a.uid].phone == "0566-1234567"
    assert rows[b.uid].address == "办公室核实的新地址"
    assert rows[c.uid].legal_rep == "王五"
    # The platform sends the same again: the local edits stay, shown as kept, no new conflict.
    _, again = update(sides)
    assert again.applied and not again.of("conflict")
    assert {x.label for x in again.of("kept")} == {a.name, b.name}
    # Taking the platform's side applies it.
    set_target(sides.platform, b.uid, address="平台再次更正的地址")
    path, third = update(sides)
    (conflict,) = third.undecided
    import_any(sides.office, path, decisions={conflict.key: "incoming"})
    assert {t.uid: t for t in targets(sides.office)}[b.uid].address == "平台再次更正的地址"


def test_removed_rows_become_inactive_unless_edited(sides: Sides) -> None:
    with sides.platform.write() as session:
        session.add(Target(code="91341122MA2TEST02X", code_kind=CodeKind.USCC, name="临时商户甲"))
        session.add(Target(code="91341122MA2TEST03X", code_kind=CodeKind.USCC, name="临时商户乙"))
    update(sides)
    by_name = {t.name: t for t in targets(sides.office)}
    set_target(sides.office, by_name["临时商户乙"].uid, phone="本地补充的电话")
    with sides.platform.write() as session:
        for name in ("临时商户甲", "临时商户乙"):
            session.delete(session.execute(select(Target).where(Target.name == name)).scalar_one())
    path, result = update(sides)
    assert [x.label for x in result.of("removed")] == ["临时商户甲"]
    (conflict,) = result.undecided
    assert conflict.removal and conflict.label == "临时商户乙"
    import_any(sides.office, path, decisions={conflict.key: "local"})
    rows = {t.name: t for t in targets(sides.office)}
    assert not rows["临时商户甲"].active and rows["临时商户乙"].active
    # Kept by a person, it is now a local row: the next snapshot does not try to remove it again.
    _, again = update(sides)
    assert not again.changes


def test_cli_dry_run_prints_the_diff(sides: Sides, capsys: pytest.CaptureFixture[str]) -> None:
    update(sides)
    a = targets(sides.platform)[0]
    set_target(sides.platform, a.uid, address="平台新地址")
    set_target(sides.office, a.uid, address="本地新地址")
    snapshot = export_registry(sides.platform, sides.folder)
    sides.office.db.dispose()
    parser = argparse.ArgumentParser()
    batch_cli.register(parser.add_subparsers())

    def run(*argv: str) -> int:
        args = parser.parse_args(["batch", *argv, "--db", sides.office_url])
        code: int = args.func(args)
        return code

    assert run("import", str(snapshot.path), "--dry-run") == 0
    out = capsys.readouterr().out
    assert (
        "冲突：1" in out
        and f"KEY=targets:{a.uid}" in out
        and "地址：本地 本地新地址 → 平台 平台新地址" in out
    )
    assert run("import", str(snapshot.path)) == 1  # undecided: nothing applied
    assert "未做任何更改" in capsys.readouterr().out
    assert run("import", str(snapshot.path), "--decide", f"targets:{a.uid}=incoming") == 0
    assert "名录更新已应用" in capsys.readouterr().out


def test_unknown_key_and_altered_file_change_nothing(sides: Sides, tmp_path: Path) -> None:
    import zipfile

    from app.io.batch import BatchRejected
    from tests.unit.sync.conftest import empty_installation

    set_target(sides.platform, targets(sides.platform)[0].uid, address="平台新地址")
    snapshot = export_registry(sides.platform, sides.folder)
    stranger = empty_installation(tmp_path, "stranger", office="999999")
    try:
        with pytest.raises(BatchRejected) as caught:
            import_any(stranger, snapshot.path)
        assert caught.value.reason.value == "unknown_key"
    finally:
        stranger.db.dispose()
    altered = sides.folder / "altered.lcb"
    with zipfile.ZipFile(snapshot.path) as src, zipfile.ZipFile(altered, "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "targets.jsonl":
                changed = data.replace("平台新地址".encode(), "篡改的地址".encode())
                assert changed != data
                data = changed
            dst.writestr(info.filename, data)
    before = office_targets(sides)
    with pytest.raises(BatchRejected) as caught:
        import_any(sides.office, altered)
    assert caught.value.reason.value == "hash_mismatch"
    assert office_targets(sides) == before
