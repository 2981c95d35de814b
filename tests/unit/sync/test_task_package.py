"""Task packages: an empty laptop database imports one task and can enter its results."""

from __future__ import annotations

import zipfile
from pathlib import Path
from unittest import mock

import pytest
from sqlalchemy import func, select

from app.io.batch import BatchRejected
from app.models.registry import Target
from app.models.results import ResultVersion
from app.models.tasks import Inspection, Task, Team
from app.services.errors import NotFoundError, PermissionDenied, RuleViolation
from app.services.results import entry_form, find_inspection, submit_result
from app.services.sync import sync_status
from app.services.sync_packages import export_task_package, import_task_package
from tests import dbs
from tests.unit.results.helpers import TODAY, good_payload
from tests.unit.sync.conftest import Field

TABLES = (
    "departments",
    "check_items",
    "checkpoints",
    "targets",
    "target_licences",
    "inspectors",
    "inspector_certificates",
    "recusal_conflicts",
    "tasks",
    "task_items",
    "task_departments",
    "draws",
    "teams",
    "team_members",
    "inspections",
    "result_versions",
    "sync_batches",
)


def snapshot(url: str) -> dict[str, list[tuple[object, ...]]]:
    return dbs.table_rows(url, TABLES)


def task_number(field: Field, task_id: int) -> str:
    with field.office.read() as session:
        return session.get(Task, task_id).number  # type: ignore[union-attr]


def office_inspections(field: Field, task_id: int) -> set[tuple[str, str, int | None]]:
    with field.office.read() as session:
        rows = session.execute(
            select(Inspection.uid, Target.uid, Team.number)
            .join(Target, Target.id == Inspection.target_id)
            .outerjoin(Team, Team.id == Inspection.team_id)
            .where(Inspection.task_id == task_id)
        ).all()
    return {(r[0], r[1], r[2]) for r in rows}


def laptop_inspections(field: Field) -> set[tuple[str, str, int | None]]:
    with field.laptop.read() as session:
        rows = session.execute(
            select(Inspection.uid, Target.uid, Team.number)
            .join(Target, Target.id == Inspection.target_id)
            .outerjoin(Team, Team.id == Inspection.team_id)
        ).all()
    return {(r[0], r[1], r[2]) for r in rows}


def test_package_lets_an_empty_laptop_enter_results(field: Field) -> None:
    task = field.drawn.public_task
    package = export_task_package(field.office, field.folder, task=task_number(field, task))
    assert not package.classified and package.counts["inspections"] == len(field.drawn.public_inspections)
    dry = import_task_package(field.laptop, package.path, dry_run=True)
    assert dry.dry_run and dry.added["inspections"] == package.counts["inspections"]
    with field.laptop.read() as session:
        assert session.execute(select(func.count()).select_from(Task)).scalar() == 0
    result = import_task_package(field.laptop, package.path)
    assert not result.already_imported
    assert result.added["task"] == 1 and result.added["inspections"] == package.counts["inspections"]
    assert laptop_inspections(field) == office_inspections(field, task)
    # The laptop holds only this task: no other task, no undrawn target.
    with field.laptop.read() as session:
        assert session.execute(select(func.count()).select_from(Task)).scalar() == 1
        targets = session.execute(select(func.count()).select_from(Target)).scalar()
    assert targets == package.counts["targets"]
    # Results are entered on the laptop through the results services.
    record_uid = next(iter(laptop_inspections(field)))[0]
    local_id = find_inspection(field.laptop, record_uid)
    office_form = entry_form(field.office, find_inspection(field.office, record_uid))
    laptop_form = entry_form(field.laptop, local_id)
    assert [(c.item_uid, c.position, c.content) for c in laptop_form.checkpoints] == [
        (c.item_uid, c.position, c.content) for c in office_form.checkpoints
    ]
    assert [m.name for m in laptop_form.team] == [m.name for m in office_form.team]
    version = submit_result(field.laptop, local_id, good_payload(field.laptop, local_id), today=TODAY)
    assert version.record_uid == record_uid
    assert sync_status(field.laptop).pending["public"] == 1


def test_same_package_twice_changes_nothing(field: Field) -> None:
    package = export_task_package(field.office, field.folder, task=field.drawn.public_task)
    import_task_package(field.laptop, package.path)
    before = snapshot(field.laptop_url)
    again = import_task_package(field.laptop, package.path)
    assert again.already_imported
    assert snapshot(field.laptop_url) == before
    # A newer package of the same task (made again at the office) updates in place: nothing new.
    newer = export_task_package(field.office, field.folder, task=field.drawn.public_task)
    second = import_task_package(field.laptop, newer.path)
    assert not second.already_imported and not second.added and not second.updated
    after = snapshot(field.laptop_url)
    assert {t: v for t, v in after.items() if t != "sync_batches"} == {
        t: v for t, v in before.items() if t != "sync_batches"
    }


def test_newer_package_keeps_laptop_results(field: Field) -> None:
    package = export_task_package(field.office, field.folder, task=field.drawn.public_task)
    import_task_package(field.laptop, package.path)
    record_uid = next(iter(laptop_inspections(field)))[0]
    local_id = find_inspection(field.laptop, record_uid)
    mine = submit_result(field.laptop, local_id, good_payload(field.laptop, local_id), today=TODAY)
    newer = export_task_package(field.office, field.folder, task=field.drawn.public_task)
    import_task_package(field.laptop, newer.path)
    with field.laptop.read() as session:
        current = session.execute(
            select(ResultVersion.uid).where(
                ResultVersion.record_uid == record_uid, ResultVersion.is_current.is_(True)
            )
        ).scalar_one()
        state = session.execute(select(Inspection.state).where(Inspection.uid == record_uid)).scalar_one()
    assert current == mine.uid and state.value == "pending_review"


def test_unknown_key_and_altered_file_change_nothing(field: Field, tmp_path: Path) -> None:
    from tests.unit.sync.conftest import empty_installation

    package = export_task_package(field.office, field.folder, task=field.drawn.public_task)
    stranger = empty_installation(tmp_path, "stranger", office="999999")
    try:
        with pytest.raises(BatchRejected) as caught:
            import_task_package(stranger, package.path)
        assert caught.value.reason.value == "unknown_key"
    finally:
        stranger.db.dispose()
    # Alter one data file and re-zip with the signed manifest unchanged.
    altered = field.folder / "altered.lcb"
    with zipfile.ZipFile(package.path) as src, zipfile.ZipFile(altered, "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "targets.jsonl":
                changed = data.replace(b'"name":"', b'"name":"X', 1)
                assert changed != data
                data = changed
            dst.writestr(info.filename, data)
    before = snapshot(field.laptop_url)
    with pytest.raises(BatchRejected) as caught:
        import_task_package(field.laptop, altered)
    assert caught.value.reason.value in ("hash_mismatch", "size_mismatch")
    assert snapshot(field.laptop_url) == before


def test_classified_task_only_encrypted_and_only_for_cleared(field: Field) -> None:
    task = field.drawn.classified_task
    with pytest.raises(RuleViolation):
        export_task_package(field.office, field.folder, task=task)  # no recipient: never in clear
    laptop_id = sync_status(field.laptop).installation_id
    uncleared = mock.patch("app.services.sync_packages.can_see_classified", return_value=False)
    with uncleared, pytest.raises(NotFoundError):
        export_task_package(field.office, field.folder, task=task, recipient=laptop_id)
    package = export_task_package(field.office, field.folder, task=task, recipient=laptop_id)
    assert package.classified
    raw = package.path.read_bytes()
    with zipfile.ZipFile(package.path) as zf:
        names = zf.namelist()
        plain = b"".join(zf.read(n) for n in names)
    assert "涉密".encode() not in raw and "涉密".encode() not in plain
    assert all(n.startswith(("manifest", "contents", "sealed-")) for n in names)
    before = snapshot(field.laptop_url)
    with uncleared, pytest.raises(PermissionDenied):
        import_task_package(field.laptop, package.path)
    assert snapshot(field.laptop_url) == before
    result = import_task_package(field.laptop, package.path)
    assert result.classified and result.added["inspections"] == len(field.drawn.classified_inspections)


def test_task_without_draw_is_refused(field: Field) -> None:
    with pytest.raises(RuleViolation, match="尚未抽取"):
        export_task_package(field.office, field.folder, task=field.drawn.undrawn_task)
    with pytest.raises(NotFoundError):
        export_task_package(field.office, field.folder, task="没有这个任务")


def test_failure_half_way_leaves_nothing(field: Field) -> None:
    package = export_task_package(field.office, field.folder, task=field.drawn.public_task)
    before = snapshot(field.laptop_url)
    # Everything up to the last check has been written in the transaction when this fails.
    with (
        mock.patch("app.services.sync_packages._form_resolves", return_value=False),
        pytest.raises(RuleViolation, match=r"forms\.jsonl"),
    ):
        import_task_package(field.laptop, package.path)
    assert snapshot(field.laptop_url) == before
    result = import_task_package(field.laptop, package.path)  # and the package still imports
    assert result.added["inspections"] == len(field.drawn.public_inspections)
